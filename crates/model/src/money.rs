//! Money: exact decimal amounts tagged with an ISO 4217 currency.
//!
//! Amounts are [`Decimal`]s and keep the scale they were given (`8.850` stays `8.850`); they are
//! rounded to the currency's minor units only when a caller asks, with an explicit [`Rounding`].
//! Arithmetic between two [`Money`] values refuses to mix currencies.

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::ModelError;

/// An ISO 4217 currency with its number of minor units (JPY 0, EUR 2, BHD 3).
///
/// ```
/// use bankrec_model::Currency;
/// let bhd: Currency = "bhd".parse().expect("BHD is ISO 4217");
/// assert_eq!(bhd.code(), "BHD");
/// assert_eq!(bhd.minor_units(), Some(3));
/// assert!("ABC".parse::<Currency>().is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    code: [u8; 3],
    // `None` for codes without minor units such as XXX (no currency) and XAU (gold).
    minor_units: Option<u8>,
}

impl Currency {
    /// Euro.
    pub const EUR: Currency = Currency { code: *b"EUR", minor_units: Some(2) };
    /// US dollar.
    pub const USD: Currency = Currency { code: *b"USD", minor_units: Some(2) };
    /// Swiss franc.
    pub const CHF: Currency = Currency { code: *b"CHF", minor_units: Some(2) };
    /// Japanese yen (no minor units).
    pub const JPY: Currency = Currency { code: *b"JPY", minor_units: Some(0) };

    /// Looks up an ISO 4217 alphabetic code (case-insensitive, surrounding spaces ignored).
    pub fn new(code: &str) -> Result<Currency, ModelError> {
        let upper = code.trim().to_ascii_uppercase();
        let unknown = || ModelError::UnknownCurrency { code: code.to_owned() };
        let iso = iso_currency::Currency::from_code(&upper).ok_or_else(unknown)?;
        let bytes: [u8; 3] = upper.as_bytes().try_into().map_err(|_| unknown())?;
        Ok(Currency { code: bytes, minor_units: iso.exponent().map(|e| e as u8) })
    }

    /// The three-letter code, upper case.
    pub fn code(&self) -> &str {
        // Built only from an ASCII code that iso_currency accepted.
        std::str::from_utf8(&self.code).unwrap_or("XXX")
    }

    /// The three-letter code as ASCII bytes, upper case: [`code`](Self::code) without the UTF-8
    /// check, for keys and comparisons made millions of times.
    ///
    /// ```
    /// assert_eq!(bankrec_model::Currency::EUR.code_bytes(), *b"EUR");
    /// ```
    pub const fn code_bytes(&self) -> [u8; 3] {
        self.code
    }

    /// Number of minor units (decimal places), or `None` where ISO 4217 defines none (XXX, XAU).
    pub fn minor_units(&self) -> Option<u32> {
        self.minor_units.map(u32::from)
    }

    /// True when `amount` has no more decimal places than the currency's minor units
    /// (trailing zeros are ignored: `8.850` fits EUR). Always true for currencies without minor units.
    pub fn fits_minor_units(&self, amount: Decimal) -> bool {
        match self.minor_units() {
            Some(units) => amount.normalize().scale() <= units,
            None => true,
        }
    }
}

impl FromStr for Currency {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::new(s)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({})", self.code())
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        Currency::new(&code).map_err(serde::de::Error::custom)
    }
}

/// Credit or debit, seen from the account holder: a credit is a deposit, a debit a withdrawal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Money in (deposit, `CRDT`).
    Credit,
    /// Money out (withdrawal, `DBIT`).
    Debit,
}

impl Direction {
    /// `+1` for credit, `-1` for debit, as a decimal factor.
    pub fn sign(self) -> Decimal {
        match self {
            Direction::Credit => Decimal::ONE,
            Direction::Debit => Decimal::NEGATIVE_ONE,
        }
    }

    /// Applies the direction to an unsigned amount: credits positive, debits negative.
    pub fn signed(self, amount: Decimal) -> Decimal {
        match self {
            Direction::Credit => amount,
            Direction::Debit => -amount,
        }
    }

    /// The direction of a signed amount (zero counts as credit) and its absolute value.
    pub fn split(signed: Decimal) -> (Direction, Decimal) {
        if signed.is_sign_negative() && !signed.is_zero() {
            (Direction::Debit, -signed)
        } else {
            (Direction::Credit, signed.abs())
        }
    }

    /// The other direction.
    pub fn opposite(self) -> Direction {
        match self {
            Direction::Credit => Direction::Debit,
            Direction::Debit => Direction::Credit,
        }
    }

    /// The ISO 20022 code: `CRDT` or `DBIT`.
    pub fn iso_code(self) -> &'static str {
        match self {
            Direction::Credit => "CRDT",
            Direction::Debit => "DBIT",
        }
    }
}

/// How to round an amount to a currency's minor units. Nothing is rounded unless asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Rounding {
    /// Half to even (banker's rounding): 0.125 -> 0.12, 0.135 -> 0.14.
    HalfEven,
    /// Half away from zero (commercial rounding): 0.125 -> 0.13, -0.125 -> -0.13.
    HalfAwayFromZero,
    /// Toward zero (truncate).
    TowardZero,
    /// Away from zero.
    AwayFromZero,
    /// Toward negative infinity.
    Floor,
    /// Toward positive infinity.
    Ceiling,
}

impl Rounding {
    fn strategy(self) -> RoundingStrategy {
        match self {
            Rounding::HalfEven => RoundingStrategy::MidpointNearestEven,
            Rounding::HalfAwayFromZero => RoundingStrategy::MidpointAwayFromZero,
            Rounding::TowardZero => RoundingStrategy::ToZero,
            Rounding::AwayFromZero => RoundingStrategy::AwayFromZero,
            Rounding::Floor => RoundingStrategy::ToNegativeInfinity,
            Rounding::Ceiling => RoundingStrategy::ToPositiveInfinity,
        }
    }
}

/// A signed amount in one currency.
///
/// ```
/// use bankrec_model::{Currency, Money, Rounding};
/// use rust_decimal::Decimal;
/// let a = Money::new(Decimal::new(1005, 3), Currency::EUR); // 1.005 EUR
/// assert_eq!(a.round(Rounding::HalfEven).amount(), Decimal::new(100, 2));
/// assert_eq!(a.round(Rounding::HalfAwayFromZero).amount(), Decimal::new(101, 2));
/// let usd = Money::new(Decimal::ONE, Currency::USD);
/// assert!(a.checked_add(&usd).is_err()); // currencies never mix
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    amount: Decimal,
    currency: Currency,
}

impl Money {
    /// An amount in a currency, kept at the scale given.
    pub fn new(amount: Decimal, currency: Currency) -> Money {
        Money { amount, currency }
    }

    /// Zero in a currency.
    pub fn zero(currency: Currency) -> Money {
        Money { amount: Decimal::ZERO, currency }
    }

    /// The signed amount.
    pub fn amount(&self) -> Decimal {
        self.amount
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    fn same_currency(&self, other: &Money) -> Result<(), ModelError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(ModelError::CurrencyMismatch { left: self.currency, right: other.currency })
        }
    }

    /// Exact sum; refuses two currencies and reports overflow.
    pub fn checked_add(&self, other: &Money) -> Result<Money, ModelError> {
        self.same_currency(other)?;
        let amount = self.amount.checked_add(other.amount).ok_or(ModelError::Overflow)?;
        Ok(Money::new(amount, self.currency))
    }

    /// Exact difference; refuses two currencies and reports overflow.
    pub fn checked_sub(&self, other: &Money) -> Result<Money, ModelError> {
        self.same_currency(other)?;
        let amount = self.amount.checked_sub(other.amount).ok_or(ModelError::Overflow)?;
        Ok(Money::new(amount, self.currency))
    }

    /// The amount with its sign flipped.
    pub fn negated(&self) -> Money {
        Money::new(-self.amount, self.currency)
    }

    /// Sums many amounts of one currency exactly; an empty input gives zero in `currency`.
    pub fn sum<'a>(currency: Currency, items: impl IntoIterator<Item = &'a Money>) -> Result<Money, ModelError> {
        items.into_iter().try_fold(Money::zero(currency), |acc, m| acc.checked_add(m))
    }

    /// Rounds to the currency's minor units with an explicit strategy. Currencies without
    /// minor units are returned unchanged.
    pub fn round(&self, rounding: Rounding) -> Money {
        match self.currency.minor_units() {
            Some(units) => Money::new(self.amount.round_dp_with_strategy(units, rounding.strategy()), self.currency),
            None => *self,
        }
    }

    /// The amount in minor units (cents) when it has no finer fraction, e.g. 12.34 EUR -> 1234.
    pub fn to_minor_units(&self) -> Option<i64> {
        let units = self.currency.minor_units()?;
        if !self.currency.fits_minor_units(self.amount) {
            return None;
        }
        let scaled = self.amount.checked_mul(Decimal::from(10i64.checked_pow(units)?))?;
        i64::try_from(scaled.trunc()).ok()
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn eur(cents: i64) -> Money {
        Money::new(Decimal::new(cents, 2), Currency::EUR)
    }

    #[test]
    fn minor_units_follow_iso_4217() {
        for (code, units) in [("JPY", Some(0)), ("EUR", Some(2)), ("BHD", Some(3)), ("XXX", None), ("CLF", Some(4))] {
            assert_eq!(Currency::new(code).expect("known").minor_units(), units, "{code}");
        }
        assert!(matches!(Currency::new("EURO"), Err(ModelError::UnknownCurrency { .. })));
        assert!(Currency::new("").is_err());
    }

    #[test]
    fn fits_minor_units_ignores_trailing_zeros() {
        assert!(Currency::EUR.fits_minor_units(Decimal::new(8850, 3)));
        assert!(!Currency::EUR.fits_minor_units(Decimal::new(8851, 3)));
        assert!(!Currency::JPY.fits_minor_units(Decimal::new(15, 1)));
    }

    #[test]
    fn rounding_strategies_are_explicit() {
        let m = Money::new(Decimal::new(-125, 3), Currency::EUR);
        assert_eq!(m.round(Rounding::HalfEven).amount(), Decimal::new(-12, 2));
        assert_eq!(m.round(Rounding::HalfAwayFromZero).amount(), Decimal::new(-13, 2));
        assert_eq!(m.round(Rounding::TowardZero).amount(), Decimal::new(-12, 2));
        assert_eq!(m.round(Rounding::AwayFromZero).amount(), Decimal::new(-13, 2));
        assert_eq!(m.round(Rounding::Floor).amount(), Decimal::new(-13, 2));
        assert_eq!(m.round(Rounding::Ceiling).amount(), Decimal::new(-12, 2));
        let yen = Money::new(Decimal::new(15, 1), Currency::JPY);
        assert_eq!(yen.round(Rounding::HalfEven).amount(), Decimal::new(2, 0));
    }

    #[test]
    fn minor_units_conversion() {
        assert_eq!(eur(1234).to_minor_units(), Some(1234));
        assert_eq!(Money::new(Decimal::new(12345, 3), Currency::EUR).to_minor_units(), None);
        assert_eq!(Money::new(Decimal::new(500, 0), Currency::JPY).to_minor_units(), Some(500));
    }

    #[test]
    fn serde_is_a_decimal_string_and_a_code() {
        let m = Money::new(Decimal::new(8850, 3), Currency::EUR);
        let json = serde_json::to_string(&m).expect("serialize");
        assert_eq!(json, r#"{"amount":"8.850","currency":"EUR"}"#);
        let back: Money = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, m);
        assert_eq!(back.amount().scale(), 3);
        assert!(serde_json::from_str::<Money>(r#"{"amount":"1","currency":"ZZZ"}"#).is_err());
    }

    proptest! {
        #[test]
        fn addition_is_exact_and_reversible(a in -10_000_000_000i64..10_000_000_000, b in -10_000_000_000i64..10_000_000_000) {
            let sum = eur(a).checked_add(&eur(b)).expect("same currency");
            prop_assert_eq!(sum, eur(a + b));
            prop_assert_eq!(sum.checked_sub(&eur(b)).expect("same currency"), eur(a));
        }

        #[test]
        fn sum_is_order_independent(mut v in proptest::collection::vec(-1_000_000i64..1_000_000, 0..50)) {
            let items: Vec<Money> = v.iter().map(|c| eur(*c)).collect();
            let forward = Money::sum(Currency::EUR, &items).expect("sum");
            v.reverse();
            let items: Vec<Money> = v.iter().map(|c| eur(*c)).collect();
            prop_assert_eq!(forward, Money::sum(Currency::EUR, &items).expect("sum"));
        }

        #[test]
        fn rounding_lands_on_minor_units(raw in -1_000_000_000i64..1_000_000_000, scale in 0u32..6) {
            let m = Money::new(Decimal::new(raw, scale), Currency::EUR);
            for r in [Rounding::HalfEven, Rounding::HalfAwayFromZero, Rounding::TowardZero, Rounding::Floor, Rounding::Ceiling, Rounding::AwayFromZero] {
                let rounded = m.round(r);
                prop_assert!(Currency::EUR.fits_minor_units(rounded.amount()));
                prop_assert!((rounded.amount() - m.amount()).abs() < Decimal::new(1, 2));
            }
        }

        #[test]
        fn direction_split_round_trips(raw in -1_000_000i64..1_000_000) {
            let signed = Decimal::new(raw, 2);
            let (dir, abs) = Direction::split(signed);
            prop_assert!(abs >= Decimal::ZERO);
            prop_assert_eq!(dir.signed(abs), signed);
        }
    }
}

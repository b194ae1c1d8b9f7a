//! The books: ledger entries (slip/voucher lines) and open items (invoices, cost receipts).

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::Date;

use crate::money::{Currency, Direction, Money};

/// One line of a slip (voucher) posted to a general-ledger account.
///
/// `direction` is seen from the bank account, like a [`crate::BankEntry`]'s: `Credit` is money in
/// (a deposit; a debit on the bank's GL account in double-entry terms), `Debit` is money out.
/// This lets the matcher compare a bank entry and a ledger entry without translating.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LedgerEntry {
    /// Unique id within the ledger.
    pub id: String,
    /// The slip (voucher) number the line belongs to, when posted.
    #[serde(default)]
    pub slip_number: Option<String>,
    /// Posting date.
    pub date: Date,
    /// The GL account code, e.g. `1020`.
    pub gl_account: String,
    /// The account title (the contra account's name), when known.
    #[serde(default)]
    pub account_title: Option<String>,
    /// Unsigned amount.
    pub amount: Decimal,
    /// Deposit (credit) or withdrawal (debit), seen from the bank account.
    pub direction: Direction,
    /// Currency.
    pub currency: Currency,
    /// Counterparty name.
    #[serde(default)]
    pub counterparty: Option<String>,
    /// Reference or invoice number.
    #[serde(default)]
    pub reference: Option<String>,
    /// Settlement number joining it with bank entries of one settlement.
    #[serde(default)]
    pub settlement_number: Option<String>,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
    /// True when the line was created from a proposed slip (see [`crate::SlipBook`]).
    #[serde(default)]
    pub from_proposed_slip: bool,
}

impl LedgerEntry {
    /// A ledger line from a signed amount (deposits positive, withdrawals negative).
    pub fn new(
        id: impl Into<String>,
        date: Date,
        gl_account: impl Into<String>,
        signed_amount: Decimal,
        currency: Currency,
    ) -> LedgerEntry {
        let (direction, amount) = Direction::split(signed_amount);
        LedgerEntry {
            id: id.into(),
            slip_number: None,
            date,
            gl_account: gl_account.into(),
            account_title: None,
            amount,
            direction,
            currency,
            counterparty: None,
            reference: None,
            settlement_number: None,
            description: None,
            from_proposed_slip: false,
        }
    }

    /// Sets the reference.
    pub fn with_reference(mut self, reference: impl Into<String>) -> Self {
        self.reference = Some(reference.into());
        self
    }

    /// Sets the counterparty.
    pub fn with_counterparty(mut self, name: impl Into<String>) -> Self {
        self.counterparty = Some(name.into());
        self
    }

    /// Sets the description.
    pub fn with_description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }

    /// Sets the settlement number.
    pub fn with_settlement_number(mut self, number: impl Into<String>) -> Self {
        self.settlement_number = Some(number.into());
        self
    }

    /// The GL account code, `None` when the line names none (a ledger file without a GL column,
    /// read for several bank accounts): such a line is tied to no bank account.
    ///
    /// ```
    /// use bankrec_model::{Currency, Decimal, LedgerEntry};
    /// use time::macros::date;
    /// let mut line = LedgerEntry::new("L1", date!(2024-03-01), "1020", Decimal::ONE, Currency::EUR);
    /// assert_eq!(line.gl_account_code(), Some("1020"));
    /// line.gl_account.clear();
    /// assert_eq!(line.gl_account_code(), None);
    /// ```
    pub fn gl_account_code(&self) -> Option<&str> {
        (!self.gl_account.is_empty()).then_some(self.gl_account.as_str())
    }

    /// The signed amount: deposits positive, withdrawals negative.
    pub fn signed_amount(&self) -> Decimal {
        self.direction.signed(self.amount)
    }

    /// The signed amount as [`Money`].
    pub fn money(&self) -> Money {
        Money::new(self.signed_amount(), self.currency)
    }
}

/// The kind of an open item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpenItemKind {
    /// A customer invoice: paid by a deposit.
    Receivable,
    /// A supplier invoice: paid by a withdrawal.
    Payable,
    /// A cost receipt (expense claim, card slip): paid by a withdrawal.
    CostReceipt,
}

impl OpenItemKind {
    /// The bank direction that settles the item: receivables by deposits, the rest by withdrawals.
    pub fn settling_direction(self) -> Direction {
        match self {
            OpenItemKind::Receivable => Direction::Credit,
            OpenItemKind::Payable | OpenItemKind::CostReceipt => Direction::Debit,
        }
    }
}

/// How an open item is (to be) paid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum PaymentMethod {
    /// Credit transfer.
    BankTransfer,
    /// Direct debit.
    DirectDebit,
    /// Debit card.
    DebitCard,
    /// Credit card.
    CreditCard,
    /// Cash.
    Cash,
    /// Cheque.
    Cheque,
    /// Anything else, as given.
    Other(String),
}

impl PaymentMethod {
    /// The stable string form: `bank_transfer`, `direct_debit`, `debit_card`, ...
    pub fn as_str(&self) -> &str {
        match self {
            PaymentMethod::BankTransfer => "bank_transfer",
            PaymentMethod::DirectDebit => "direct_debit",
            PaymentMethod::DebitCard => "debit_card",
            PaymentMethod::CreditCard => "credit_card",
            PaymentMethod::Cash => "cash",
            PaymentMethod::Cheque => "cheque",
            PaymentMethod::Other(s) => s,
        }
    }

    /// From the string form (case-insensitive; spaces and hyphens read as underscores).
    pub fn parse(text: &str) -> PaymentMethod {
        let norm = text.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        match norm.as_str() {
            "bank_transfer" | "transfer" | "credit_transfer" => PaymentMethod::BankTransfer,
            "direct_debit" => PaymentMethod::DirectDebit,
            "debit_card" => PaymentMethod::DebitCard,
            "credit_card" => PaymentMethod::CreditCard,
            "cash" => PaymentMethod::Cash,
            "cheque" | "check" => PaymentMethod::Cheque,
            _ => PaymentMethod::Other(text.trim().to_owned()),
        }
    }
}

impl fmt::Display for PaymentMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for PaymentMethod {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for PaymentMethod {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(PaymentMethod::parse(&String::deserialize(deserializer)?))
    }
}

/// An item waiting for payment: a receivable or payable invoice, or a cost receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OpenItem {
    /// Unique id.
    pub id: String,
    /// Receivable, payable or cost receipt.
    pub kind: OpenItemKind,
    /// Invoice or receipt number.
    pub number: String,
    /// Customer or supplier name.
    #[serde(default)]
    pub counterparty: Option<String>,
    /// The payment reference the payer is asked to quote (RF, QR, KID, OCR, ...).
    #[serde(default)]
    pub payment_reference: Option<String>,
    /// Issue date.
    #[serde(default)]
    pub issue_date: Option<Date>,
    /// Due date.
    #[serde(default)]
    pub due_date: Option<Date>,
    /// Original amount (unsigned).
    pub amount: Decimal,
    /// Amount still open (unsigned), at most `amount`.
    pub open_amount: Decimal,
    /// Currency.
    pub currency: Currency,
    /// Payment method, when known.
    #[serde(default)]
    pub payment_method: Option<PaymentMethod>,
    /// Whether a document (receipt, invoice image) is attached.
    #[serde(default)]
    pub has_attachment: bool,
    /// The bank account id expected to carry the payment, when known.
    #[serde(default)]
    pub bank_account: Option<String>,
    /// Settlement number, when known.
    #[serde(default)]
    pub settlement_number: Option<String>,
}

impl OpenItem {
    /// A fully open item.
    pub fn new(id: impl Into<String>, kind: OpenItemKind, number: impl Into<String>, amount: Decimal, currency: Currency) -> OpenItem {
        OpenItem {
            id: id.into(),
            kind,
            number: number.into(),
            counterparty: None,
            payment_reference: None,
            issue_date: None,
            due_date: None,
            amount,
            open_amount: amount,
            currency,
            payment_method: None,
            has_attachment: false,
            bank_account: None,
            settlement_number: None,
        }
    }

    /// Sets the counterparty.
    pub fn with_counterparty(mut self, name: impl Into<String>) -> Self {
        self.counterparty = Some(name.into());
        self
    }

    /// Sets the payment reference.
    pub fn with_payment_reference(mut self, reference: impl Into<String>) -> Self {
        self.payment_reference = Some(reference.into());
        self
    }

    /// Sets the due date.
    pub fn with_due_date(mut self, date: Date) -> Self {
        self.due_date = Some(date);
        self
    }

    /// Sets the payment method.
    pub fn with_payment_method(mut self, method: PaymentMethod) -> Self {
        self.payment_method = Some(method);
        self
    }

    /// Sets whether a document is attached.
    pub fn with_attachment(mut self, attached: bool) -> Self {
        self.has_attachment = attached;
        self
    }

    /// The bank direction that settles the item.
    pub fn settling_direction(&self) -> Direction {
        self.kind.settling_direction()
    }

    /// The open amount signed as the bank entry that settles it would be.
    pub fn signed_open_amount(&self) -> Decimal {
        self.settling_direction().signed(self.open_amount)
    }

    /// True when nothing is left to pay.
    pub fn is_settled(&self) -> bool {
        self.open_amount.is_zero()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn ledger_entry_sign_convention() {
        let l = LedgerEntry::new("L1", date!(2024 - 01 - 02), "1020", Decimal::new(-1250, 2), Currency::EUR);
        assert_eq!(l.direction, Direction::Debit);
        assert_eq!(l.amount, Decimal::new(1250, 2));
        assert_eq!(l.signed_amount(), Decimal::new(-1250, 2));
        let json = serde_json::to_string(&l).expect("ser");
        assert_eq!(serde_json::from_str::<LedgerEntry>(&json).expect("de"), l);
    }

    #[test]
    fn open_items_settle_in_their_direction() {
        let r = OpenItem::new("I1", OpenItemKind::Receivable, "INV-1", Decimal::new(100, 0), Currency::EUR);
        assert_eq!(r.signed_open_amount(), Decimal::new(100, 0));
        let p = OpenItem::new("P1", OpenItemKind::CostReceipt, "R-1", Decimal::new(100, 0), Currency::EUR)
            .with_payment_method(PaymentMethod::DebitCard)
            .with_attachment(true);
        assert_eq!(p.signed_open_amount(), Decimal::new(-100, 0));
        let json = serde_json::to_string(&p).expect("ser");
        assert!(json.contains(r#""payment_method":"debit_card""#), "{json}");
        assert_eq!(serde_json::from_str::<OpenItem>(&json).expect("de"), p);
    }

    #[test]
    fn payment_method_strings() {
        for m in [
            PaymentMethod::BankTransfer,
            PaymentMethod::DirectDebit,
            PaymentMethod::DebitCard,
            PaymentMethod::CreditCard,
            PaymentMethod::Cash,
            PaymentMethod::Cheque,
        ] {
            assert_eq!(PaymentMethod::parse(m.as_str()), m);
        }
        assert_eq!(PaymentMethod::parse("Debit Card"), PaymentMethod::DebitCard);
        assert_eq!(PaymentMethod::parse("Klarna"), PaymentMethod::Other("Klarna".into()));
    }
}

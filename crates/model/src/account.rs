//! Bank accounts, their identifiers (IBAN, BIC, other), and the mapping to general-ledger accounts.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::Date;

use crate::error::ModelError;
use crate::import_error::{ErrorCode, ImportError, Severity};
use crate::money::Currency;
use compact_str::CompactString;
use iban::IbanLike;

/// A validated IBAN in normalised form: no spaces, upper case, ISO 7064 mod 97 checksum correct.
/// Validation (country lengths and BBAN formats included) is done by the `iban_validate` crate.
///
/// ```
/// use bankrec_model::Iban;
/// let iban: Iban = "de89 3704 0044 0532 0130 00".parse().expect("valid");
/// assert_eq!(iban.as_str(), "DE89370400440532013000");
/// assert_eq!(iban.country(), "DE");
/// assert!("DE89370400440532013001".parse::<Iban>().is_err()); // checksum
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Iban(CompactString); // inline up to 24 characters: every entry of a statement holds its account's

impl Iban {
    /// Validates and normalises an IBAN.
    pub fn new(value: &str) -> Result<Iban, ModelError> {
        let compact: String = value.chars().filter(|c| !c.is_whitespace() && *c != '-').collect::<String>().to_ascii_uppercase();
        match compact.parse::<iban::Iban>() {
            Ok(valid) => Ok(Iban(CompactString::from(valid.electronic_str()))),
            Err(e) => Err(ModelError::InvalidIban { value: value.to_owned(), reason: e.to_string() }),
        }
    }

    /// The normalised IBAN.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The two-letter country code.
    pub fn country(&self) -> &str {
        &self.0[..2]
    }

    /// The BBAN: the country-specific part after country code and check digits.
    pub fn bban(&self) -> &str {
        &self.0[4..]
    }
}

impl FromStr for Iban {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Iban::new(s)
    }
}

impl fmt::Display for Iban {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Iban {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Iban({})", self.0)
    }
}

impl Serialize for Iban {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Iban {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Iban::new(&String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

/// A validated BIC (ISO 9362), upper case: `DEUTDEFF` or `DEUTDEFF500`.
///
/// ```
/// use bankrec_model::Bic;
/// assert_eq!("deutdeff500".parse::<Bic>().expect("valid").as_str(), "DEUTDEFF500");
/// assert!("DEUT12FF".parse::<Bic>().is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Bic(String);

impl Bic {
    /// Validates a BIC: 4 letters (institution), 2 letters (country), 2 letters or digits
    /// (location), optionally 3 letters or digits (branch).
    pub fn new(value: &str) -> Result<Bic, ModelError> {
        let upper = value.trim().to_ascii_uppercase();
        let b = upper.as_bytes();
        let valid =
            (b.len() == 8 || b.len() == 11) && b[..6].iter().all(u8::is_ascii_uppercase) && b[6..].iter().all(u8::is_ascii_alphanumeric);
        if valid {
            Ok(Bic(upper))
        } else {
            Err(ModelError::InvalidBic { value: value.to_owned() })
        }
    }

    /// The BIC, upper case.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The country code (characters 5 and 6).
    pub fn country(&self) -> &str {
        &self.0[4..6]
    }
}

impl FromStr for Bic {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Bic::new(s)
    }
}

impl fmt::Display for Bic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Bic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Bic({})", self.0)
    }
}

impl Serialize for Bic {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Bic {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Bic::new(&String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

/// How a bank account is identified: an IBAN, or another identifier (BBAN, domestic account
/// number, card number) with its scheme when known.
///
/// JSON: `{"iban": "DE89370400440532013000"}` or `{"other": {"id": "0123-45", "scheme": "BBAN"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountId {
    /// A validated IBAN.
    Iban(Iban),
    /// Any other identifier. Boxed, being rare: an `AccountId` then takes 24 bytes, not 48, and
    /// every bank entry holds one for its account and often one for its counterparty's.
    Other(Box<OtherAccountId>),
}

/// An account identifier other than an IBAN, kept as given but trimmed; made by
/// [`AccountId::other`], which refuses an empty one.
///
/// ```
/// use bankrec_model::AccountId;
///
/// let id = AccountId::other(" 0123-45 ", Some("BBAN")).expect("not empty");
/// let AccountId::Other(other) = &id else { panic!("not an IBAN") };
/// assert_eq!((other.id.as_str(), other.scheme.as_deref()), ("0123-45", Some("BBAN")));
/// assert_eq!((id.as_str(), id.scheme()), ("0123-45", Some("BBAN")));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OtherAccountId {
    /// The identifier.
    pub id: String,
    /// Its scheme (`BBAN`, `UPIC`, a proprietary code), when the source names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
}

impl AccountId {
    /// An IBAN identifier, validated.
    pub fn iban(value: &str) -> Result<AccountId, ModelError> {
        Iban::new(value).map(AccountId::Iban)
    }

    /// Another identifier; refused when empty.
    pub fn other(id: &str, scheme: Option<&str>) -> Result<AccountId, ModelError> {
        let id = id.trim();
        if id.is_empty() {
            return Err(ModelError::Empty { what: "account identifier" });
        }
        Ok(AccountId::Other(Box::new(OtherAccountId { id: id.to_owned(), scheme: scheme.map(str::to_owned) })))
    }

    /// The IBAN when the text is one, else an `Other` identifier without scheme.
    pub fn parse_any(value: &str) -> Result<AccountId, ModelError> {
        AccountId::iban(value).or_else(|_| AccountId::other(value, None))
    }

    /// The identifier as text: the normalised IBAN or the other id.
    pub fn as_str(&self) -> &str {
        match self {
            AccountId::Iban(iban) => iban.as_str(),
            AccountId::Other(other) => &other.id,
        }
    }

    /// The scheme of an identifier other than an IBAN, when the source names one.
    pub fn scheme(&self) -> Option<&str> {
        match self {
            AccountId::Iban(_) => None,
            AccountId::Other(other) => other.scheme.as_deref(),
        }
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The default title of the suspense account: deposits nobody has classified go there.
pub const DEFAULT_SUSPENSE_TITLE: &str = "Suspense receipt";

/// A general-ledger account: its number (code) and title.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct GlAccount {
    /// The account number in the chart of accounts, e.g. `1020`.
    pub code: String,
    /// The account title, e.g. `Bank EUR`.
    pub title: String,
}

impl GlAccount {
    /// A GL account from code and title.
    pub fn new(code: impl Into<String>, title: impl Into<String>) -> GlAccount {
        GlAccount { code: code.into(), title: title.into() }
    }
}

/// A bank account as the books know it, mapped to exactly one general-ledger account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BankAccount {
    /// The application's own id for the account (unique within an [`AccountMap`]).
    pub id: String,
    /// How the bank identifies it (IBAN or other).
    pub identifier: AccountId,
    /// The account currency.
    pub currency: Currency,
    /// The servicing bank's name.
    #[serde(default)]
    pub bank_name: Option<String>,
    /// The bank's BIC.
    #[serde(default)]
    pub bic: Option<Bic>,
    /// The account owner.
    #[serde(default)]
    pub owner: Option<String>,
    /// The GL account the bank account is booked to.
    pub gl_account: GlAccount,
    /// Where bank fees are posted.
    #[serde(default)]
    pub fee_account: Option<GlAccount>,
    /// Where unclassified deposits are posted (title "Suspense receipt" by default).
    pub suspense_account: GlAccount,
    /// Whether a negative (debit) balance is allowed (an overdraft facility).
    #[serde(default)]
    pub overdraft_allowed: bool,
    /// From which date the account is reconciled.
    pub reconciliation_start: Date,
    /// The book balance on the start date (signed: positive is money in the bank).
    pub opening_book_balance: Decimal,
}

impl BankAccount {
    /// A bank account with the required fields; the suspense account defaults to
    /// `suspense_code` titled [`DEFAULT_SUSPENSE_TITLE`]. Optional fields are set with the `with_*` methods.
    pub fn new(
        id: impl Into<String>,
        identifier: AccountId,
        currency: Currency,
        gl_account: GlAccount,
        suspense_code: impl Into<String>,
        reconciliation_start: Date,
    ) -> BankAccount {
        BankAccount {
            id: id.into(),
            identifier,
            currency,
            bank_name: None,
            bic: None,
            owner: None,
            gl_account,
            fee_account: None,
            suspense_account: GlAccount::new(suspense_code, DEFAULT_SUSPENSE_TITLE),
            overdraft_allowed: false,
            reconciliation_start,
            opening_book_balance: Decimal::ZERO,
        }
    }

    /// Sets the bank name.
    pub fn with_bank_name(mut self, name: impl Into<String>) -> Self {
        self.bank_name = Some(name.into());
        self
    }

    /// Sets the BIC.
    pub fn with_bic(mut self, bic: Bic) -> Self {
        self.bic = Some(bic);
        self
    }

    /// Sets the owner.
    pub fn with_owner(mut self, owner: impl Into<String>) -> Self {
        self.owner = Some(owner.into());
        self
    }

    /// Sets the fee account.
    pub fn with_fee_account(mut self, account: GlAccount) -> Self {
        self.fee_account = Some(account);
        self
    }

    /// Replaces the suspense account.
    pub fn with_suspense_account(mut self, account: GlAccount) -> Self {
        self.suspense_account = account;
        self
    }

    /// Allows or forbids a negative balance.
    pub fn with_overdraft(mut self, allowed: bool) -> Self {
        self.overdraft_allowed = allowed;
        self
    }

    /// Sets the book's opening balance on the reconciliation start date.
    pub fn with_opening_book_balance(mut self, balance: Decimal) -> Self {
        self.opening_book_balance = balance;
        self
    }
}

/// Bank accounts by id, each mapped to exactly one GL account and no GL account to two bank accounts.
///
/// ```
/// use bankrec_model::{AccountId, AccountMap, BankAccount, Currency, GlAccount, ModelError};
/// use time::macros::date;
/// let iban = AccountId::iban("DE89370400440532013000").expect("valid");
/// let a = BankAccount::new("main", iban.clone(), Currency::EUR, GlAccount::new("1200", "Bank"), "1290", date!(2024-01-01));
/// let b = BankAccount::new("spare", iban, Currency::EUR, GlAccount::new("1200", "Bank"), "1290", date!(2024-01-01));
/// let mut map = AccountMap::new();
/// map.insert(a).expect("first mapping");
/// let err = map.insert(b).expect_err("GL 1200 is taken");
/// assert!(matches!(err, ModelError::GlAccountMappedTwice { .. }));
/// assert!(err.to_string().contains("main") && err.to_string().contains("spare"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "AccountMapData")]
pub struct AccountMap {
    accounts: BTreeMap<String, BankAccount>,
}

/// An account map as written: read through [`AccountMap::insert`], so a file cannot hold what
/// the map refuses (one GL account for two bank accounts, an id twice); the keys are the ids.
#[derive(Deserialize)]
#[serde(rename = "AccountMap", expecting = "struct AccountMap")]
struct AccountMapData {
    accounts: BTreeMap<String, BankAccount>,
}

impl TryFrom<AccountMapData> for AccountMap {
    type Error = ModelError;

    fn try_from(data: AccountMapData) -> Result<AccountMap, ModelError> {
        let mut map = AccountMap::default();
        for account in data.accounts.into_values() {
            map.insert(account)?;
        }
        Ok(map)
    }
}

/// The result of the onboarding check for one account: the bank's balance against the book's
/// at the account's reconciliation start date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnboardingFinding {
    /// The bank account id.
    pub account: String,
    /// The start date compared on.
    pub date: Date,
    /// The bank's balance on that date (signed), when known.
    pub bank_balance: Option<Decimal>,
    /// The book's opening balance on that date (signed).
    pub book_balance: Decimal,
    /// Bank minus book; zero when they agree. `None` when the bank balance is unknown.
    pub difference: Option<Decimal>,
}

impl OnboardingFinding {
    /// True when bank and book agree.
    pub fn agrees(&self) -> bool {
        self.difference == Some(Decimal::ZERO)
    }
}

impl AccountMap {
    /// An empty map.
    pub fn new() -> AccountMap {
        AccountMap::default()
    }

    /// Adds an account. Refused when its id is taken or its GL account already belongs to another
    /// bank account (the error names both).
    pub fn insert(&mut self, account: BankAccount) -> Result<(), ModelError> {
        if self.accounts.contains_key(&account.id) {
            return Err(ModelError::DuplicateBankAccount { id: account.id });
        }
        if let Some(existing) = self.by_gl_account(&account.gl_account.code) {
            return Err(ModelError::GlAccountMappedTwice {
                gl_account: account.gl_account.code.clone(),
                existing: existing.id.clone(),
                rejected: account.id,
            });
        }
        self.accounts.insert(account.id.clone(), account);
        Ok(())
    }

    /// Removes an account by id.
    pub fn remove(&mut self, id: &str) -> Option<BankAccount> {
        self.accounts.remove(id)
    }

    /// The account with this id.
    pub fn get(&self, id: &str) -> Option<&BankAccount> {
        self.accounts.get(id)
    }

    /// The account the bank identifies this way (IBAN or other id).
    pub fn by_identifier(&self, identifier: &AccountId) -> Option<&BankAccount> {
        self.accounts.values().find(|a| a.identifier.as_str() == identifier.as_str())
    }

    /// The bank account booked to this GL account code.
    pub fn by_gl_account(&self, gl_code: &str) -> Option<&BankAccount> {
        self.accounts.values().find(|a| a.gl_account.code == gl_code)
    }

    /// All accounts, ordered by id.
    pub fn iter(&self) -> impl Iterator<Item = &BankAccount> {
        self.accounts.values()
    }

    /// Number of accounts.
    pub fn len(&self) -> usize {
        self.accounts.len()
    }

    /// True when no account is registered.
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    /// Onboarding check: for each account, compares the bank's balance at its reconciliation
    /// start date (looked up through `bank_balance(account, date)`, typically the closing balance
    /// of the last statement on or before that date) with the book's opening balance.
    /// Returns one finding per account and a warning [`ImportError`] for each that differs or has
    /// no bank balance.
    pub fn onboarding_check(
        &self,
        mut bank_balance: impl FnMut(&BankAccount, Date) -> Option<Decimal>,
    ) -> (Vec<OnboardingFinding>, Vec<ImportError>) {
        let mut findings = Vec::new();
        let mut warnings = Vec::new();
        for account in self.accounts.values() {
            let date = account.reconciliation_start;
            let bank = bank_balance(account, date);
            let difference = bank.map(|b| b - account.opening_book_balance);
            let finding = OnboardingFinding {
                account: account.id.clone(),
                date,
                bank_balance: bank,
                book_balance: account.opening_book_balance,
                difference,
            };
            if !finding.agrees() {
                let message = match difference {
                    Some(d) => format!(
                        "bank balance {} differs from book balance {} by {d} {} at reconciliation start",
                        bank.unwrap_or_default(),
                        account.opening_book_balance,
                        account.currency
                    ),
                    None => "no bank balance known at reconciliation start".to_owned(),
                };
                warnings.push(
                    ImportError::new(ErrorCode::OnboardingDifference, Severity::Warning, message)
                        .with_account(account.identifier.as_str())
                        .with_date(date),
                );
            }
            findings.push(finding);
        }
        (findings, warnings)
    }

    /// A copy without the accounts whose onboarding finding shows a difference (callers use it to
    /// exclude accounts that do not agree yet).
    pub fn without_differing(&self, findings: &[OnboardingFinding]) -> AccountMap {
        let mut kept = self.clone();
        for f in findings.iter().filter(|f| !f.agrees()) {
            kept.accounts.remove(&f.account);
        }
        kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn account(id: &str, gl: &str) -> BankAccount {
        BankAccount::new(
            id,
            AccountId::iban("CH93 0076 2011 6238 5295 7").expect("valid"),
            Currency::CHF,
            GlAccount::new(gl, "Bank"),
            "1299",
            date!(2024 - 01 - 01),
        )
    }

    #[test]
    fn iban_is_normalised_and_checked() {
        let iban = Iban::new(" gb82 west 1234 5698 7654 32 ").expect("valid");
        assert_eq!(iban.as_str(), "GB82WEST12345698765432");
        assert_eq!(iban.bban(), "WEST12345698765432");
        assert!(matches!(Iban::new("GB82WEST12345698765433"), Err(ModelError::InvalidIban { .. })));
        assert!(Iban::new("XX").is_err());
        assert!(Iban::new("").is_err());
    }

    #[test]
    fn bic_shapes() {
        assert!(Bic::new("UBSWCHZH80A").is_ok());
        assert!(Bic::new("UBSWCHZH").is_ok());
        assert!(Bic::new("UBSWCHZH8").is_err());
        assert!(Bic::new("UB1WCHZH").is_err());
        assert_eq!(Bic::new("ubswchzh").expect("valid").country(), "CH");
    }

    #[test]
    fn account_id_json_is_stable() {
        let iban = AccountId::iban("DE89370400440532013000").expect("valid");
        assert_eq!(serde_json::to_string(&iban).expect("ser"), r#"{"iban":"DE89370400440532013000"}"#);
        let other = AccountId::other(" 12345 ", Some("BBAN")).expect("valid");
        assert_eq!(serde_json::to_string(&other).expect("ser"), r#"{"other":{"id":"12345","scheme":"BBAN"}}"#);
        assert_eq!(serde_json::from_str::<AccountId>(r#"{"other":{"id":"12345","scheme":"BBAN"}}"#).expect("de"), other);
        assert_eq!((other.scheme(), iban.scheme()), (Some("BBAN"), None));
        assert_eq!(AccountId::parse_any("12345").expect("other").as_str(), "12345");
        assert!(AccountId::other("  ", None).is_err());
        let bad: Result<AccountId, _> = serde_json::from_str(r#"{"iban":"DE00370400440532013000"}"#);
        assert!(bad.is_err());
    }

    #[test]
    fn suspense_account_has_default_title() {
        assert_eq!(account("a", "1").suspense_account.title, "Suspense receipt");
    }

    #[test]
    fn account_map_refuses_duplicates() {
        let mut map = AccountMap::new();
        map.insert(account("a", "1020")).expect("first");
        assert!(matches!(map.insert(account("a", "1030")), Err(ModelError::DuplicateBankAccount { .. })));
        match map.insert(account("b", "1020")) {
            Err(ModelError::GlAccountMappedTwice { existing, rejected, .. }) => {
                assert_eq!((existing.as_str(), rejected.as_str()), ("a", "b"));
            }
            other => panic!("expected GlAccountMappedTwice, got {other:?}"),
        }
        assert_eq!(map.by_gl_account("1020").map(|a| a.id.as_str()), Some("a"));
        assert_eq!(map.len(), 1);
    }

    #[test]
    fn account_map_read_from_json_is_checked_like_insert() {
        let mut map = AccountMap::new();
        map.insert(account("a", "1020")).expect("a");
        map.insert(account("b", "1030")).expect("b");
        let json = serde_json::to_string(&map).expect("ser");
        assert_eq!(serde_json::from_str::<AccountMap>(&json).expect("de"), map);
        // The same GL code for both accounts, and a key that is not the account's id.
        let twice = json.replace("\"1030\"", "\"1020\"");
        let err = serde_json::from_str::<AccountMap>(&twice).expect_err("GL 1020 twice");
        assert!(err.to_string().contains("GL account 1020 is already mapped"), "{err}");
        let rekeyed: AccountMap = serde_json::from_str(&json.replacen("\"a\":", "\"x\":", 1)).expect("keys are the ids");
        assert_eq!(rekeyed.get("a").map(|a| a.id.as_str()), Some("a"));
        assert!(rekeyed.get("x").is_none());
    }

    #[test]
    fn onboarding_check_warns_and_excludes() {
        let mut map = AccountMap::new();
        map.insert(account("a", "1020").with_opening_book_balance(Decimal::new(10000, 2))).expect("a");
        map.insert(account("b", "1030").with_opening_book_balance(Decimal::new(5000, 2))).expect("b");
        map.insert(account("c", "1040")).expect("c");
        let (findings, warnings) = map.onboarding_check(|acc, _| match acc.id.as_str() {
            "a" => Some(Decimal::new(10000, 2)),
            "b" => Some(Decimal::new(4900, 2)),
            _ => None,
        });
        assert_eq!(findings.len(), 3);
        assert!(findings[0].agrees());
        assert_eq!(findings[1].difference, Some(Decimal::new(-100, 2)));
        assert_eq!(warnings.len(), 2);
        assert!(warnings.iter().all(|w| w.code == ErrorCode::OnboardingDifference && w.severity == Severity::Warning));
        let kept = map.without_differing(&findings);
        assert_eq!(kept.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(), vec!["a"]);
    }
}

//! Bank statements (camt.053), account reports (camt.052) and notifications (camt.054) as one
//! type, with their balances and entries.

use std::collections::HashMap;
use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use thin_vec::ThinVec;
use time::Date;

use crate::account::AccountId;
use crate::money::{Currency, Direction, Money};
use crate::timestamp::Timestamp;

/// What kind of bank message a statement came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatementKind {
    /// An end-of-period statement (camt.053, or a CSV statement).
    Statement,
    /// An intraday account report (camt.052).
    Report,
    /// A debit/credit notification (camt.054).
    Notification,
}

/// The type of a balance, by its ISO 20022 code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum BalanceKind {
    /// `OPBD`: opening booked.
    OpeningBooked,
    /// `PRCD`: previously closed booked, used by some banks instead of `OPBD`.
    PreviouslyClosedBooked,
    /// `CLBD`: closing booked.
    ClosingBooked,
    /// `OPAV`: opening available.
    OpeningAvailable,
    /// `CLAV`: closing available.
    ClosingAvailable,
    /// `ITBD`: interim booked.
    InterimBooked,
    /// `ITAV`: interim available.
    InterimAvailable,
    /// `FWAV`: forward available.
    ForwardAvailable,
    /// `XPCD`: expected.
    Expected,
    /// `INFO`: information.
    Information,
    /// Any other code, kept as given.
    Other(String),
}

impl BalanceKind {
    /// From an ISO 20022 balance code (`OPBD`, `CLBD`, ...).
    pub fn from_code(code: &str) -> BalanceKind {
        match code.trim() {
            "OPBD" => BalanceKind::OpeningBooked,
            "PRCD" => BalanceKind::PreviouslyClosedBooked,
            "CLBD" => BalanceKind::ClosingBooked,
            "OPAV" => BalanceKind::OpeningAvailable,
            "CLAV" => BalanceKind::ClosingAvailable,
            "ITBD" => BalanceKind::InterimBooked,
            "ITAV" => BalanceKind::InterimAvailable,
            "FWAV" => BalanceKind::ForwardAvailable,
            "XPCD" => BalanceKind::Expected,
            "INFO" => BalanceKind::Information,
            other => BalanceKind::Other(other.to_owned()),
        }
    }

    /// The ISO 20022 code.
    pub fn code(&self) -> &str {
        match self {
            BalanceKind::OpeningBooked => "OPBD",
            BalanceKind::PreviouslyClosedBooked => "PRCD",
            BalanceKind::ClosingBooked => "CLBD",
            BalanceKind::OpeningAvailable => "OPAV",
            BalanceKind::ClosingAvailable => "CLAV",
            BalanceKind::InterimBooked => "ITBD",
            BalanceKind::InterimAvailable => "ITAV",
            BalanceKind::ForwardAvailable => "FWAV",
            BalanceKind::Expected => "XPCD",
            BalanceKind::Information => "INFO",
            BalanceKind::Other(code) => code,
        }
    }
}

impl fmt::Display for BalanceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for BalanceKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for BalanceKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(BalanceKind::from_code(&String::deserialize(deserializer)?))
    }
}

/// One balance of a statement: JSON `{"kind": "CLBD", "amount": "27.05", "direction": "credit", ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balance {
    /// Which balance.
    pub kind: BalanceKind,
    /// The unsigned amount, at the scale the source gave.
    pub amount: Decimal,
    /// Credit (positive balance) or debit (negative, overdrawn).
    pub direction: Direction,
    /// The balance currency.
    pub currency: Currency,
    /// The date the balance is for.
    #[serde(default)]
    pub date: Option<Date>,
    /// The date-time, when the source gave one (`DtTm`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_time: Option<Timestamp>,
}

impl Balance {
    /// The signed amount: negative when the balance is a debit.
    pub fn signed(&self) -> Decimal {
        self.direction.signed(self.amount)
    }

    /// The signed amount as [`Money`].
    pub fn money(&self) -> Money {
        Money::new(self.signed(), self.currency)
    }
}

/// Booking status of an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryStatus {
    /// Booked on the account (`BOOK`); counts towards balances.
    Booked,
    /// Not yet booked (`PDNG`, `FUTR`): intraday or announced.
    Pending,
    /// For information only (`INFO`).
    Information,
}

/// A bank transaction code: ISO domain/family/sub-family and/or a proprietary code with issuer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BankTxCode {
    /// ISO domain, e.g. `PMNT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// ISO family, e.g. `RCDT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// ISO sub-family, e.g. `ESCT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_family: Option<String>,
    /// Proprietary code, e.g. `NTRF+166` (SWIFT) or a German GVC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proprietary: Option<String>,
    /// Who issued the proprietary code, e.g. `DK` or `SWIFT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
}

impl BankTxCode {
    /// `DOMAIN/FAMILY/SUBFAMILY` when the ISO code is given.
    pub fn iso(&self) -> Option<String> {
        Some(format!("{}/{}/{}", self.domain.as_deref()?, self.family.as_deref()?, self.sub_family.as_deref()?))
    }
}

/// A party to a transaction: name, account and agent BIC, as given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Party {
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Account (IBAN or other).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<AccountId>,
    /// The party's bank (BIC as given; readers warn when it is malformed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bic: Option<String>,
    /// Organisation or private identification, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

impl Party {
    /// True when nothing is known about the party.
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.account.is_none() && self.bic.is_none() && self.id.is_none()
    }
}

/// A structured creditor reference (`Strd/CdtrRefInf`): an ISO 11649 RF reference, a Swiss QR
/// reference, a Finnish or Belgian structured reference, ...
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CreditorReference {
    /// The reference as given.
    pub reference: String,
    /// Its type code (`SCOR`, `QRR`, `ISR`, a proprietary type), when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Its issuer (`ISO`, ...), when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
}

/// A referred document (`Strd/RfrdDocInf`), typically the invoice paid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ReferredDocument {
    /// The document number.
    pub number: String,
    /// Its type code (`CINV`, `CREN`, ...), when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Its date, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<Date>,
    /// The amount remitted for it, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
}

/// Remittance information: what the payment is for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Remittance {
    /// Unstructured lines (`Ustrd`), in order.
    #[serde(default, skip_serializing_if = "ThinVec::is_empty")]
    pub unstructured: ThinVec<String>,
    /// Structured creditor references.
    #[serde(default, skip_serializing_if = "ThinVec::is_empty")]
    pub creditor_refs: ThinVec<CreditorReference>,
    /// Referred documents (invoice numbers).
    #[serde(default, skip_serializing_if = "ThinVec::is_empty")]
    pub documents: ThinVec<ReferredDocument>,
    /// Additional structured remittance text (`AddtlRmtInf`).
    #[serde(default, skip_serializing_if = "ThinVec::is_empty")]
    pub additional: ThinVec<String>,
}

impl Remittance {
    /// True when no remittance information is present.
    pub fn is_empty(&self) -> bool {
        self.unstructured.is_empty() && self.creditor_refs.is_empty() && self.documents.is_empty() && self.additional.is_empty()
    }

    /// The unstructured lines joined by a space.
    pub fn text(&self) -> String {
        self.unstructured.join(" ")
    }
}

/// Which reference of the underlying payment a [`TransactionRefs`] value is (the `Refs` block of
/// camt.05x). Serialised in snake case, as the fields of a [`TransactionRefs`] are named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransactionRefKind {
    /// End-to-end id set by the originator (`EndToEndId`); `NOTPROVIDED` is dropped by readers.
    EndToEndId,
    /// Instruction id (`InstrId`).
    InstructionId,
    /// Mandate id of a direct debit (`MndtId`).
    MandateId,
    /// Transaction id (`TxId`).
    TransactionId,
    /// Payment information id (`PmtInfId`) of the batch it belongs to.
    PaymentInfoId,
    /// Message id (`MsgId`) of the originating message.
    MessageId,
    /// Account servicer reference of the detail (`Refs/AcctSvcrRef`).
    AcctSvcrRef,
    /// Unique end-to-end transaction reference (`UETR`).
    Uetr,
    /// Cheque number (`ChqNb`).
    ChequeNumber,
    /// Clearing system reference (`ClrSysRef`).
    ClearingRef,
}

impl TransactionRefKind {
    /// Every kind, in order.
    pub const ALL: [TransactionRefKind; 10] = [
        TransactionRefKind::EndToEndId,
        TransactionRefKind::InstructionId,
        TransactionRefKind::MandateId,
        TransactionRefKind::TransactionId,
        TransactionRefKind::PaymentInfoId,
        TransactionRefKind::MessageId,
        TransactionRefKind::AcctSvcrRef,
        TransactionRefKind::Uetr,
        TransactionRefKind::ChequeNumber,
        TransactionRefKind::ClearingRef,
    ];

    /// The element that carries it inside `Refs` in camt.05x.
    pub fn xml_tag(self) -> &'static str {
        match self {
            TransactionRefKind::EndToEndId => "EndToEndId",
            TransactionRefKind::InstructionId => "InstrId",
            TransactionRefKind::MandateId => "MndtId",
            TransactionRefKind::TransactionId => "TxId",
            TransactionRefKind::PaymentInfoId => "PmtInfId",
            TransactionRefKind::MessageId => "MsgId",
            TransactionRefKind::AcctSvcrRef => "AcctSvcrRef",
            TransactionRefKind::Uetr => "UETR",
            TransactionRefKind::ChequeNumber => "ChqNb",
            TransactionRefKind::ClearingRef => "ClrSysRef",
        }
    }
}

/// References identifying the underlying payment, each kind at most once.
///
/// A short list rather than ten optional fields: a transaction carries two or three of them, and
/// entries are held by the million (24 bytes in the entry instead of 240). Serialised as a map
/// from [`TransactionRefKind`] (snake case) to the value, absent kinds left out.
///
/// ```
/// use bankrec_model::{TransactionRefKind, TransactionRefs};
/// let refs = TransactionRefs::new().with(TransactionRefKind::MandateId, "M-7").with(TransactionRefKind::EndToEndId, "E2E-1");
/// assert_eq!(refs.end_to_end_id(), Some("E2E-1"));
/// assert_eq!(refs.get(TransactionRefKind::MandateId), Some("M-7"));
/// assert_eq!(refs.get(TransactionRefKind::Uetr), None);
/// // In kind order, whatever the order they were set in.
/// assert_eq!(refs.iter().map(|(k, _)| k).collect::<Vec<_>>(), [TransactionRefKind::EndToEndId, TransactionRefKind::MandateId]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct TransactionRefs {
    /// Sorted by kind, one value each (so that equal references compare equal).
    refs: Vec<(TransactionRefKind, String)>,
}

impl TransactionRefs {
    /// No references.
    pub fn new() -> TransactionRefs {
        TransactionRefs::default()
    }

    /// The value of one kind, when given.
    pub fn get(&self, kind: TransactionRefKind) -> Option<&str> {
        self.position(kind).ok().map(|i| self.refs[i].1.as_str())
    }

    /// Sets one kind, returning the value it replaces.
    pub fn set(&mut self, kind: TransactionRefKind, value: impl Into<String>) -> Option<String> {
        match self.position(kind) {
            Ok(i) => Some(std::mem::replace(&mut self.refs[i].1, value.into())),
            Err(i) => {
                self.refs.insert(i, (kind, value.into()));
                None
            }
        }
    }

    /// Sets one kind when `value` is given, clears it otherwise; returns the value it replaces.
    pub fn set_opt(&mut self, kind: TransactionRefKind, value: Option<String>) -> Option<String> {
        match value {
            Some(v) => self.set(kind, v),
            None => self.remove(kind),
        }
    }

    /// [`TransactionRefs::set`], by value.
    #[must_use]
    pub fn with(mut self, kind: TransactionRefKind, value: impl Into<String>) -> TransactionRefs {
        self.set(kind, value);
        self
    }

    /// Removes one kind, returning its value.
    pub fn remove(&mut self, kind: TransactionRefKind) -> Option<String> {
        self.position(kind).ok().map(|i| self.refs.remove(i).1)
    }

    /// The references given, in kind order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (TransactionRefKind, &str)> + ExactSizeIterator + '_ {
        self.refs.iter().map(|(k, v)| (*k, v.as_str()))
    }

    /// How many references are given.
    pub fn len(&self) -> usize {
        self.refs.len()
    }

    /// True when none is given.
    pub fn is_empty(&self) -> bool {
        self.refs.is_empty()
    }

    /// The end-to-end id (`EndToEndId`), the one most often read.
    pub fn end_to_end_id(&self) -> Option<&str> {
        self.get(TransactionRefKind::EndToEndId)
    }

    fn position(&self, kind: TransactionRefKind) -> Result<usize, usize> {
        self.refs.binary_search_by(|(k, _)| k.cmp(&kind))
    }
}

impl<S: Into<String>> FromIterator<(TransactionRefKind, S)> for TransactionRefs {
    /// A later value of a kind replaces an earlier one.
    fn from_iter<I: IntoIterator<Item = (TransactionRefKind, S)>>(iter: I) -> TransactionRefs {
        let mut refs = TransactionRefs::new();
        for (kind, value) in iter {
            refs.set(kind, value);
        }
        refs
    }
}

impl Serialize for TransactionRefs {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.refs.len()))?;
        for (kind, value) in &self.refs {
            map.serialize_entry(kind, value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for TransactionRefs {
    /// As the struct of ten optional fields it was: `null` is absent, a kind given twice or an
    /// unknown kind is an error.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<TransactionRefs, D::Error> {
        struct Refs;
        impl<'de> serde::de::Visitor<'de> for Refs {
            type Value = TransactionRefs;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of transaction references")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<TransactionRefs, A::Error> {
                let mut out = TransactionRefs::new();
                let mut seen: Vec<TransactionRefKind> = Vec::new();
                while let Some(kind) = map.next_key::<TransactionRefKind>()? {
                    if seen.contains(&kind) {
                        return Err(serde::de::Error::custom(format_args!("reference {kind:?} given twice")));
                    }
                    seen.push(kind);
                    if let Some(value) = map.next_value::<Option<String>>()? {
                        out.set(kind, value);
                    }
                }
                Ok(out)
            }
        }
        deserializer.deserialize_map(Refs)
    }
}

/// A charge on a transaction (`Chrgs`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Charge {
    /// The charge amount (unsigned).
    pub amount: Money,
    /// Credit or debit, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
    /// Whether it is already included in the entry amount (`ChrgInclInd`), when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub included: Option<bool>,
    /// Charge type code, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Who bears it (`DEBT`, `CRED`, `SHAR`), when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bearer: Option<String>,
}

/// A currency exchange (`CcyXchg`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ExchangeRate {
    /// Source currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_currency: Option<Currency>,
    /// Target currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_currency: Option<Currency>,
    /// Unit currency the rate is quoted in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_currency: Option<Currency>,
    /// The rate, exact as given.
    pub rate: Decimal,
    /// Contract id, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_id: Option<String>,
}

/// Amount details (`AmtDtls`): what was instructed, what was transacted, at which rate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AmountDetails {
    /// Instructed amount (`InstdAmt`), in the ordering currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructed: Option<Money>,
    /// Transaction amount (`TxAmt`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction: Option<Money>,
    /// Counter-value amount (`CntrValAmt`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counter_value: Option<Money>,
    /// The exchange rate applied, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exchange_rate: Option<ExchangeRate>,
}

impl AmountDetails {
    /// True when nothing is given.
    pub fn is_empty(&self) -> bool {
        self.instructed.is_none() && self.transaction.is_none() && self.counter_value.is_none() && self.exchange_rate.is_none()
    }
}

/// What is known about the payment behind an entry or a batch detail: references, parties,
/// remittance, purpose, charges and currency exchange.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Transaction {
    /// References.
    #[serde(default)]
    pub refs: TransactionRefs,
    /// The other party: the debtor of a credit, the creditor of a debit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterparty: Option<Party>,
    /// Ultimate debtor, when given. Boxed, like the other rarely given parts, to keep entries small.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ultimate_debtor: Option<Box<Party>>,
    /// Ultimate creditor, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ultimate_creditor: Option<Box<Party>>,
    /// Remittance information.
    #[serde(default)]
    pub remittance: Remittance,
    /// Purpose code (`Purp/Cd`), when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// Bank transaction code of this detail, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_tx_code: Option<Box<BankTxCode>>,
    /// Charges.
    #[serde(default, skip_serializing_if = "ThinVec::is_empty")]
    pub charges: ThinVec<Charge>,
    /// Instructed amount, exchange rate and counter-values; `None` when nothing is given (JSON
    /// still writes `{}`). Read it with [`Transaction::amount_details`], fill it with
    /// [`Transaction::amount_details_mut`].
    #[serde(default, with = "empty_as_none")]
    pub amount_details: Option<Box<AmountDetails>>,
    /// Return reason code (`RtrInf/Rsn/Cd`), for returned payments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_reason: Option<String>,
    /// Additional transaction information (`AddtlTxInf`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<String>,
}

/// Nothing given: what [`Transaction::amount_details`] shows when the field is `None`.
static NO_AMOUNT_DETAILS: AmountDetails = AmountDetails { instructed: None, transaction: None, counter_value: None, exchange_rate: None };

impl Transaction {
    /// The amount details, empty when none are given.
    pub fn amount_details(&self) -> &AmountDetails {
        self.amount_details.as_deref().unwrap_or(&NO_AMOUNT_DETAILS)
    }

    /// The amount details to fill in, allocated on first use (call it only to set something: an
    /// empty box reads back from JSON as `None`).
    pub fn amount_details_mut(&mut self) -> &mut AmountDetails {
        self.amount_details.get_or_insert_with(Box::default)
    }
}

/// Serde for a boxed part that JSON always writes: `None` is written as the empty value and an
/// empty value is read back as `None`, so the JSON is the same as for an unboxed field.
mod empty_as_none {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(super) fn serialize<T, S>(value: &Option<Box<T>>, serializer: S) -> Result<S::Ok, S::Error>
    where
        T: Serialize + Default,
        S: Serializer,
    {
        match value {
            Some(v) => v.serialize(serializer),
            None => T::default().serialize(serializer),
        }
    }

    pub(super) fn deserialize<'de, T, D>(deserializer: D) -> Result<Option<Box<T>>, D::Error>
    where
        T: Deserialize<'de> + Default + PartialEq,
        D: Deserializer<'de>,
    {
        let value = T::deserialize(deserializer)?;
        Ok((value != T::default()).then(|| Box::new(value)))
    }
}

/// One transaction detail of a batch entry (one `TxDtls`), with its own amount and references.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TransactionDetail {
    /// The detail's own amount (unsigned) and currency, when given.
    #[serde(default)]
    pub amount: Option<Money>,
    /// Its direction, when given (else the entry's).
    #[serde(default)]
    pub direction: Option<Direction>,
    /// What is known about the payment.
    #[serde(flatten)]
    pub transaction: Transaction,
}

/// Batch information of an entry (`NtryDtls/Btch`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Batch {
    /// Number of transactions, as declared.
    #[serde(default)]
    pub number_of_transactions: Option<u64>,
    /// Total amount, as declared.
    #[serde(default)]
    pub total_amount: Option<Decimal>,
    /// Direction of the total, as declared.
    #[serde(default)]
    pub direction: Option<Direction>,
    /// The batch's payment information id.
    #[serde(default)]
    pub payment_info_id: Option<String>,
    /// The batch's message id.
    #[serde(default)]
    pub message_id: Option<String>,
}

/// Where a bank entry's [`BankEntry::id`] comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryIdSource {
    /// The bank's account servicer reference.
    BankReference,
    /// A fingerprint of the entry's content ([`BankEntry::fingerprint`]), stable across re-imports.
    Fingerprint,
    /// Set by the caller.
    Caller,
}

/// One entry on a bank account: a booked, pending or informational movement.
///
/// Amounts are unsigned with a [`Direction`]; [`BankEntry::signed_amount`] gives the signed value.
/// When the entry is a batch, `details` holds every underlying transaction with its own amount and
/// references, and `transaction` holds what the entry itself says. When the entry has exactly
/// one detail, readers merge it into `transaction` and leave `details` empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BankEntry {
    /// Stable id: the bank's reference when given, else a content fingerprint.
    pub id: String,
    /// Where the id comes from.
    pub id_source: EntryIdSource,
    /// The bank account (as the bank identifies it).
    pub account: AccountId,
    /// Unsigned amount, at the scale the source gave.
    pub amount: Decimal,
    /// The entry currency.
    pub currency: Currency,
    /// Credit (deposit) or debit (withdrawal).
    pub direction: Direction,
    /// Booked, pending or information.
    pub status: EntryStatus,
    /// Booking date.
    #[serde(default)]
    pub booking_date: Option<Date>,
    /// Value date.
    #[serde(default)]
    pub value_date: Option<Date>,
    /// True when the entry reverses an earlier one (`RvslInd`).
    #[serde(default)]
    pub reversal: bool,
    /// The account servicer (bank) reference (`AcctSvcrRef`).
    #[serde(default)]
    pub acct_svcr_ref: Option<String>,
    /// The entry reference (`NtryRef`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_ref: Option<String>,
    /// Settlement number joining entries and ledger lines of one settlement (card acquirer batch,
    /// PSP payout), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settlement_number: Option<String>,
    /// Additional entry information (`AddtlNtryInf`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<String>,
    /// Batch information, when the entry is a batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<Box<Batch>>,
    /// What the entry says about the payment (the single detail merged in).
    #[serde(flatten)]
    pub transaction: Transaction,
    /// Transaction details of a batch entry (two or more).
    #[serde(default, skip_serializing_if = "ThinVec::is_empty")]
    pub details: ThinVec<TransactionDetail>,
}

impl BankEntry {
    /// A booked entry with the required fields; the id is left empty for
    /// [`assign_entry_ids`] (or set it with [`BankEntry::with_id`]).
    pub fn new(account: AccountId, amount: Decimal, currency: Currency, direction: Direction, booking_date: Option<Date>) -> BankEntry {
        BankEntry {
            id: String::new(),
            id_source: EntryIdSource::Fingerprint,
            account,
            amount,
            currency,
            direction,
            status: EntryStatus::Booked,
            booking_date,
            value_date: booking_date,
            reversal: false,
            acct_svcr_ref: None,
            entry_ref: None,
            settlement_number: None,
            additional_info: None,
            batch: None,
            transaction: Transaction::default(),
            details: ThinVec::new(),
        }
    }

    /// Sets a caller-chosen id.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self.id_source = EntryIdSource::Caller;
        self
    }

    /// Sets the status.
    pub fn with_status(mut self, status: EntryStatus) -> Self {
        self.status = status;
        self
    }

    /// Sets the account servicer reference.
    pub fn with_acct_svcr_ref(mut self, reference: impl Into<String>) -> Self {
        self.acct_svcr_ref = Some(reference.into());
        self
    }

    /// The signed amount: positive for credits, negative for debits.
    pub fn signed_amount(&self) -> Decimal {
        self.direction.signed(self.amount)
    }

    /// The signed amount as [`Money`].
    pub fn money(&self) -> Money {
        Money::new(self.signed_amount(), self.currency)
    }

    /// The best date to reconcile on: booking date, else value date.
    pub fn date(&self) -> Option<Date> {
        self.booking_date.or(self.value_date)
    }

    /// Every end-to-end id of the entry and its details, in order, without repeats.
    pub fn end_to_end_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = Vec::new();
        let all = std::iter::once(&self.transaction).chain(self.details.iter().map(|d| &d.transaction));
        for id in all.filter_map(|t| t.refs.end_to_end_id()) {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        ids
    }

    /// Every structured creditor reference of the entry and its details.
    pub fn creditor_refs(&self) -> Vec<&CreditorReference> {
        std::iter::once(&self.transaction)
            .chain(self.details.iter().map(|d| &d.transaction))
            .flat_map(|t| t.remittance.creditor_refs.iter())
            .collect()
    }

    /// The counterparty of the entry, or of its first detail that names one.
    pub fn counterparty(&self) -> Option<&Party> {
        self.transaction.counterparty.as_ref().or_else(|| self.details.iter().find_map(|d| d.transaction.counterparty.as_ref()))
    }

    /// A fingerprint of the entry's content: the same entry read again (from the same or another
    /// file) gives the same value. Status and id are left out so that a pending entry and its
    /// booked successor without a bank reference still differ only by date fields.
    pub fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        let mut field = |s: &str| {
            h.update(s.as_bytes());
            h.update([0x1f]);
        };
        field(self.account.as_str());
        field(&self.amount.normalize().to_string());
        field(self.currency.code());
        field(self.direction.iso_code());
        field(&self.booking_date.map(|d| d.to_string()).unwrap_or_default());
        field(&self.value_date.map(|d| d.to_string()).unwrap_or_default());
        field(if self.reversal { "R" } else { "" });
        field(self.entry_ref.as_deref().unwrap_or(""));
        field(self.additional_info.as_deref().unwrap_or(""));
        for t in std::iter::once(&self.transaction).chain(self.details.iter().map(|d| &d.transaction)) {
            field(t.refs.end_to_end_id().unwrap_or(""));
            field(t.refs.get(TransactionRefKind::TransactionId).unwrap_or(""));
            field(&t.remittance.text());
            for r in &t.remittance.creditor_refs {
                field(&r.reference);
            }
            let party = t.counterparty.as_ref();
            field(party.and_then(|p| p.name.as_deref()).unwrap_or(""));
            field(party.and_then(|p| p.account.as_ref()).map(AccountId::as_str).unwrap_or(""));
            field(t.bank_tx_code.as_ref().and_then(|c| c.proprietary.as_deref()).unwrap_or(""));
        }
        for d in &self.details {
            field(&d.amount.map(|m| m.amount().normalize().to_string()).unwrap_or_default());
        }
        let digest = h.finalize();
        let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        format!("fp-{hex}")
    }
}

/// Bank references that do not identify anything and must not be used as ids.
const NON_REFERENCES: &[&str] = &["", "NONREF", "NOTPROVIDED", "NOT PROVIDED", "NONE", "N/A"];

/// True when a bank reference is a placeholder (`NONREF`, `NOTPROVIDED`, ...).
pub fn is_placeholder_reference(reference: &str) -> bool {
    // Trimmed once, and longer text is no placeholder: every reference of every entry is asked.
    let trimmed = reference.trim();
    trimmed.len() <= MAX_PLACEHOLDER_LEN && NON_REFERENCES.iter().any(|p| trimmed.eq_ignore_ascii_case(p))
}

/// The length of the longest of [`NON_REFERENCES`].
const MAX_PLACEHOLDER_LEN: usize = {
    let (mut i, mut longest) = (0, 0);
    while i < NON_REFERENCES.len() {
        if NON_REFERENCES[i].len() > longest {
            longest = NON_REFERENCES[i].len();
        }
        i += 1;
    }
    longest
};

/// Gives every entry of one statement its stable id, in place: the account servicer reference
/// when it is given and unique within the statement, else the content fingerprint, with `-2`,
/// `-3`, ... appended to the second and later entries of identical content (two identical coffee
/// purchases on one day are two entries, and re-importing the file gives the same ids again).
/// Entries whose id the caller set are left alone. Returns the ids of entries whose bank
/// reference repeated within the statement (they fell back to fingerprints).
pub fn assign_entry_ids(entries: &mut [BankEntry]) -> Vec<String> {
    let mut ref_count: HashMap<String, usize> = HashMap::new();
    for e in entries.iter() {
        if let Some(r) = e.acct_svcr_ref.as_deref().filter(|r| !is_placeholder_reference(r)) {
            *ref_count.entry(r.trim().to_owned()).or_default() += 1;
        }
    }
    let mut repeated = Vec::new();
    let mut seen_fingerprints: HashMap<String, usize> = HashMap::new();
    for e in entries.iter_mut() {
        if e.id_source == EntryIdSource::Caller && !e.id.is_empty() {
            continue;
        }
        let reference = e.acct_svcr_ref.as_deref().map(str::trim).filter(|r| !is_placeholder_reference(r));
        match reference {
            Some(r) if ref_count.get(r) == Some(&1) => {
                e.id = r.to_owned();
                e.id_source = EntryIdSource::BankReference;
            }
            other => {
                if let Some(r) = other {
                    repeated.push(r.to_owned());
                }
                let fp = e.fingerprint();
                let n = seen_fingerprints.entry(fp.clone()).or_default();
                *n += 1;
                e.id = if *n == 1 { fp } else { format!("{fp}-{n}") };
                e.id_source = EntryIdSource::Fingerprint;
            }
        }
    }
    repeated.sort();
    repeated.dedup();
    repeated
}

/// A bank statement, account report or notification for one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Statement {
    /// The statement id (`Stmt/Id`).
    pub id: String,
    /// Statement, report or notification.
    pub kind: StatementKind,
    /// The message id of the file it came in (`GrpHdr/MsgId`), when known.
    #[serde(default)]
    pub message_id: Option<String>,
    /// Electronic sequence number (`ElctrncSeqNb`).
    #[serde(default)]
    pub electronic_sequence: Option<u64>,
    /// Legal sequence number (`LglSeqNb`).
    #[serde(default)]
    pub legal_sequence: Option<u64>,
    /// The account.
    pub account: AccountId,
    /// The statement currency: the account currency, else the first balance's, else the first
    /// entry's.
    pub currency: Currency,
    /// The account owner's name, when given.
    #[serde(default)]
    pub owner_name: Option<String>,
    /// The account servicer's BIC or name, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub servicer: Option<String>,
    /// Start of the period covered.
    #[serde(default)]
    pub from: Option<Date>,
    /// End of the period covered.
    #[serde(default)]
    pub to: Option<Date>,
    /// When the bank created the statement.
    #[serde(default)]
    pub created: Option<Timestamp>,
    /// Balances, in the order given.
    #[serde(default)]
    pub balances: Vec<Balance>,
    /// Entries, in the order given.
    #[serde(default)]
    pub entries: Vec<BankEntry>,
}

impl Statement {
    /// An empty statement of a kind for an account.
    pub fn new(id: impl Into<String>, kind: StatementKind, account: AccountId, currency: Currency) -> Statement {
        Statement {
            id: id.into(),
            kind,
            message_id: None,
            electronic_sequence: None,
            legal_sequence: None,
            account,
            currency,
            owner_name: None,
            servicer: None,
            from: None,
            to: None,
            created: None,
            balances: Vec::new(),
            entries: Vec::new(),
        }
    }

    /// The first balance of a kind.
    pub fn balance(&self, kind: &BalanceKind) -> Option<&Balance> {
        self.balances.iter().find(|b| &b.kind == kind)
    }

    /// The opening booked balance: `OPBD`, else `PRCD`.
    pub fn opening_booked(&self) -> Option<&Balance> {
        self.balance(&BalanceKind::OpeningBooked).or_else(|| self.balance(&BalanceKind::PreviouslyClosedBooked))
    }

    /// The closing booked balance (`CLBD`).
    pub fn closing_booked(&self) -> Option<&Balance> {
        self.balance(&BalanceKind::ClosingBooked)
    }

    /// The closing available balance (`CLAV`).
    pub fn closing_available(&self) -> Option<&Balance> {
        self.balance(&BalanceKind::ClosingAvailable)
    }

    /// Booked entries in the statement currency.
    pub fn booked_entries(&self) -> impl Iterator<Item = &BankEntry> {
        self.entries.iter().filter(|e| e.status == EntryStatus::Booked)
    }

    /// Sum of credits and sum of debits (both unsigned) over booked entries in the statement
    /// currency. `None` on overflow.
    pub fn booked_totals(&self) -> Option<(Decimal, Decimal)> {
        let mut credit = Decimal::ZERO;
        let mut debit = Decimal::ZERO;
        for e in self.booked_entries().filter(|e| e.currency == self.currency) {
            match e.direction {
                Direction::Credit => credit = credit.checked_add(e.amount)?,
                Direction::Debit => debit = debit.checked_add(e.amount)?,
            }
        }
        Some((credit, debit))
    }

    /// Whether opening booked + booked entries = closing booked. `None` when either balance is missing.
    pub fn balances_agree(&self) -> Option<bool> {
        let (credit, debit) = self.booked_totals()?;
        self.balances_agree_with(credit, debit)
    }

    /// Whether opening booked + `credit` - `debit` = closing booked, for callers that summed the
    /// entries themselves while streaming. `None` when either balance is missing.
    pub fn balances_agree_with(&self, credit: Decimal, debit: Decimal) -> Option<bool> {
        let opening = self.opening_booked()?.signed();
        let closing = self.closing_booked()?.signed();
        Some(opening + credit - debit == closing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn placeholders_are_known_trimmed_and_in_any_case() {
        assert_eq!(MAX_PLACEHOLDER_LEN, NON_REFERENCES.iter().map(|p| p.len()).max().unwrap_or(0));
        for p in ["", "  ", "NONREF", " nonref ", "NOTPROVIDED", "Not Provided", "none", "N/A", "\tn/a\n"] {
            assert!(is_placeholder_reference(p), "{p:?}");
        }
        for r in ["NONREF1", "RF18539007547034", "NOT  PROVIDED", "A NOTPROVIDED", "NONE OF THEM"] {
            assert!(!is_placeholder_reference(r), "{r:?}");
        }
    }

    fn iban() -> AccountId {
        AccountId::iban("DE89370400440532013000").expect("valid")
    }

    fn coffee() -> BankEntry {
        let mut e = BankEntry::new(iban(), Decimal::new(450, 2), Currency::EUR, Direction::Debit, Some(date!(2026 - 04 - 07)));
        e.transaction.remittance.unstructured.push("CARD PAYMENT CITY COFFEE".into());
        e
    }

    /// Entries are held by the million: the rarely given parts stay boxed. Prints every size
    /// with `cargo test -p bankrec-model entries_stay_small -- --nocapture`.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn entries_stay_small() {
        use crate::{LedgerEntry, OpenItem};
        let sizes = [
            ("BankEntry", std::mem::size_of::<BankEntry>()),
            ("Transaction", std::mem::size_of::<Transaction>()),
            ("TransactionDetail", std::mem::size_of::<TransactionDetail>()),
            ("TransactionRefs", std::mem::size_of::<TransactionRefs>()),
            ("Party", std::mem::size_of::<Party>()),
            ("AccountId", std::mem::size_of::<AccountId>()),
            ("Remittance", std::mem::size_of::<Remittance>()),
            ("AmountDetails", std::mem::size_of::<AmountDetails>()),
            ("BankTxCode", std::mem::size_of::<BankTxCode>()),
            ("Batch", std::mem::size_of::<Batch>()),
            ("LedgerEntry", std::mem::size_of::<LedgerEntry>()),
            ("OpenItem", std::mem::size_of::<OpenItem>()),
        ];
        for (name, size) in sizes {
            println!("{name}: {size} bytes");
        }
        assert!(std::mem::size_of::<BankEntry>() <= 464, "BankEntry grew to {} bytes", std::mem::size_of::<BankEntry>());
        assert!(std::mem::size_of::<AccountId>() <= 24, "AccountId grew to {} bytes", std::mem::size_of::<AccountId>());
    }

    #[test]
    fn transaction_refs_keep_one_value_per_kind_in_kind_order() {
        let mut refs = TransactionRefs::new();
        assert!(refs.is_empty());
        assert_eq!(refs.set(TransactionRefKind::Uetr, "u-1"), None);
        assert_eq!(refs.set(TransactionRefKind::EndToEndId, "e-1"), None);
        assert_eq!(refs.set(TransactionRefKind::Uetr, "u-2"), Some("u-1".into()));
        assert_eq!(refs.iter().collect::<Vec<_>>(), [(TransactionRefKind::EndToEndId, "e-1"), (TransactionRefKind::Uetr, "u-2")]);
        // Equal references are equal whatever order they were set in.
        let other: TransactionRefs = [(TransactionRefKind::Uetr, "u-2"), (TransactionRefKind::EndToEndId, "e-1")].into_iter().collect();
        assert_eq!(refs, other);
        assert_eq!(refs.set_opt(TransactionRefKind::Uetr, None), Some("u-2".into()));
        assert_eq!(refs.remove(TransactionRefKind::Uetr), None);
        assert_eq!((refs.len(), refs.end_to_end_id()), (1, Some("e-1")));
        for kind in TransactionRefKind::ALL {
            let json = serde_json::to_string(&kind).expect("ser");
            assert_eq!(serde_json::from_str::<TransactionRefKind>(&json).expect("de"), kind);
        }
    }

    #[test]
    fn transaction_refs_read_and_write_the_json_of_ten_fields() {
        let refs = TransactionRefs::new().with(TransactionRefKind::MandateId, "M-7").with(TransactionRefKind::EndToEndId, "E2E-1");
        let json = serde_json::to_string(&refs).expect("ser");
        assert_eq!(json, r#"{"end_to_end_id":"E2E-1","mandate_id":"M-7"}"#);
        assert_eq!(serde_json::from_str::<TransactionRefs>(&json).expect("de"), refs);
        let with_null: TransactionRefs = serde_json::from_str(r#"{"uetr":null,"cheque_number":"7"}"#).expect("null is absent");
        assert_eq!(with_null.iter().collect::<Vec<_>>(), [(TransactionRefKind::ChequeNumber, "7")]);
        assert_eq!(serde_json::to_string(&TransactionRefs::new()).expect("ser"), "{}");
        let twice = serde_json::from_str::<TransactionRefs>(r#"{"uetr":"a","uetr":"b"}"#).expect_err("twice");
        assert!(twice.to_string().contains("twice"), "{twice}");
        assert!(serde_json::from_str::<TransactionRefs>(r#"{"bogus":"a"}"#).is_err());
    }

    proptest::proptest! {
        #[test]
        fn transaction_refs_hold_the_last_value_of_each_kind_and_round_trip(
            given in proptest::collection::vec((0..TransactionRefKind::ALL.len(), "[A-Z0-9-]{1,12}"), 0..16)
        ) {
            let pairs: Vec<(TransactionRefKind, String)> = given.into_iter().map(|(k, v)| (TransactionRefKind::ALL[k], v)).collect();
            let refs: TransactionRefs = pairs.iter().cloned().collect();
            for kind in TransactionRefKind::ALL {
                let last = pairs.iter().rev().find(|(k, _)| *k == kind).map(|(_, v)| v.as_str());
                proptest::prop_assert_eq!(refs.get(kind), last);
            }
            // Built in the reverse order of the kinds' last values, it is equal all the same.
            let reversed: TransactionRefs = refs.iter().rev().map(|(k, v)| (k, v.to_owned())).collect();
            proptest::prop_assert_eq!(&reversed, &refs);
            let json = serde_json::to_string(&refs).expect("ser");
            proptest::prop_assert_eq!(serde_json::from_str::<TransactionRefs>(&json).expect("de"), refs);
        }
    }

    #[test]
    fn boxed_parts_keep_their_json() {
        let mut plain = coffee();
        assign_entry_ids(std::slice::from_mut(&mut plain));
        let json = serde_json::to_string(&plain).expect("ser");
        assert!(json.contains(r#""amount_details":{}"#), "{json}");
        assert!(!json.contains("batch") && !json.contains("bank_tx_code") && !json.contains("ultimate"), "{json}");
        let back: BankEntry = serde_json::from_str(&json).expect("de");
        assert!(back.transaction.amount_details.is_none(), "empty amount details allocate nothing");
        assert_eq!(back, plain);

        let mut full = plain.clone();
        let t = &mut full.transaction;
        t.ultimate_debtor = Some(Box::new(Party { name: Some("Parent AG".into()), ..Party::default() }));
        t.bank_tx_code = Some(Box::new(BankTxCode { proprietary: Some("NTRF+166".into()), ..BankTxCode::default() }));
        t.amount_details_mut().instructed = Some(Money::new(Decimal::new(500, 2), Currency::USD));
        full.batch = Some(Box::new(Batch { number_of_transactions: Some(2), ..Batch::default() }));
        let json = serde_json::to_string(&full).expect("ser");
        for part in [
            r#""ultimate_debtor":{"name":"Parent AG"}"#,
            r#""bank_tx_code":{"proprietary":"NTRF+166"}"#,
            r#""amount_details":{"instructed":{"amount":"5.00","currency":"USD"}}"#,
            r#""batch":{"number_of_transactions":2,"#,
        ] {
            assert!(json.contains(part), "{part} in {json}");
        }
        assert_eq!(serde_json::from_str::<BankEntry>(&json).expect("de"), full);
        assert_eq!(full.transaction.amount_details().instructed.map(|m| m.currency()), Some(Currency::USD));
        assert_eq!(plain.transaction.amount_details(), &AmountDetails::default());
    }

    #[test]
    fn identical_entries_get_distinct_stable_ids() {
        let mut a = vec![coffee(), coffee()];
        let mut b = vec![coffee(), coffee()];
        assign_entry_ids(&mut a);
        assign_entry_ids(&mut b);
        assert_ne!(a[0].id, a[1].id);
        assert!(a[1].id.ends_with("-2"));
        assert_eq!(a[0].id, b[0].id);
        assert_eq!(a[1].id, b[1].id);
        assert_eq!(a[0].id_source, EntryIdSource::Fingerprint);
    }

    #[test]
    fn bank_reference_is_the_id_unless_repeated_or_placeholder() {
        let mut v = vec![
            coffee().with_acct_svcr_ref("REF1"),
            coffee().with_acct_svcr_ref("NONREF"),
            coffee().with_acct_svcr_ref("DUP"),
            coffee().with_acct_svcr_ref("DUP"),
        ];
        v[2].amount = Decimal::new(451, 2);
        let repeated = assign_entry_ids(&mut v);
        assert_eq!(v[0].id, "REF1");
        assert_eq!(v[0].id_source, EntryIdSource::BankReference);
        assert!(v[1].id.starts_with("fp-"));
        assert!(v[2].id.starts_with("fp-") && v[3].id.starts_with("fp-"));
        assert_ne!(v[2].id, v[3].id);
        assert_eq!(repeated, vec!["DUP".to_owned()]);
    }

    #[test]
    fn fingerprint_changes_with_content() {
        let a = coffee();
        let mut b = coffee();
        b.amount = Decimal::new(4500, 3); // same value, other scale
        assert_eq!(a.fingerprint(), b.fingerprint());
        b.direction = Direction::Credit;
        assert_ne!(a.fingerprint(), b.fingerprint());
    }

    #[test]
    fn balance_kinds_round_trip_their_codes() {
        for code in ["OPBD", "PRCD", "CLBD", "OPAV", "CLAV", "ITBD", "ITAV", "FWAV", "XPCD", "INFO", "ZZZZ"] {
            assert_eq!(BalanceKind::from_code(code).code(), code);
        }
    }

    #[test]
    fn entry_json_round_trip() {
        let mut e = coffee().with_acct_svcr_ref("X1");
        e.transaction.refs.set(TransactionRefKind::EndToEndId, "E2E");
        e.details.push(TransactionDetail {
            amount: Some(Money::new(Decimal::new(450, 2), Currency::EUR)),
            direction: None,
            transaction: Transaction::default(),
        });
        assign_entry_ids(std::slice::from_mut(&mut e));
        let json = serde_json::to_string(&e).expect("ser");
        assert!(json.contains(r#""amount":"4.50""#), "{json}");
        assert!(json.contains(r#""booking_date":"2026-04-07""#), "{json}");
        let back: BankEntry = serde_json::from_str(&json).expect("de");
        assert_eq!(back, e);
    }

    #[test]
    fn statement_balance_equation() {
        let mut s = Statement::new("S1", StatementKind::Statement, iban(), Currency::EUR);
        let bal = |kind, cents, dir| Balance {
            kind,
            amount: Decimal::new(cents, 2),
            direction: dir,
            currency: Currency::EUR,
            date: None,
            date_time: None,
        };
        s.balances.push(bal(BalanceKind::OpeningBooked, 1000, Direction::Credit));
        s.balances.push(bal(BalanceKind::ClosingBooked, 550, Direction::Credit));
        assert_eq!(s.balances_agree(), Some(false));
        s.entries.push(coffee());
        assert_eq!(s.balances_agree(), Some(true));
        s.entries.push(coffee().with_status(EntryStatus::Pending));
        assert_eq!(s.balances_agree(), Some(true), "pending entries do not count");
        let json = serde_json::to_string(&s).expect("ser");
        assert_eq!(serde_json::from_str::<Statement>(&json).expect("de"), s);
    }
}

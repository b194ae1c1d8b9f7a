//! The crate's one error type.

use std::fmt;

use bankrec_model::{Currency, Decimal};

/// Which side of a match an id belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntrySide {
    /// A bank entry.
    Bank,
    /// A ledger entry.
    Ledger,
    /// An open item.
    OpenItem,
}

impl fmt::Display for EntrySide {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EntrySide::Bank => "bank entry",
            EntrySide::Ledger => "ledger entry",
            EntrySide::OpenItem => "open item",
        })
    }
}

/// What went wrong: a rule set that does not validate, input the engine cannot trust, or a manual
/// action that is refused. Each variant carries the offending value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum MatchError {
    /// The rule set is not valid TOML or does not have the expected shape.
    #[error("rule set TOML, {location}: {message}")]
    RuleToml {
        /// Line and column (or byte span) as the TOML reader gives them.
        location: String,
        /// What was expected.
        message: String,
    },
    /// The rule set is not valid JSON or does not have the expected shape.
    #[error("rule set JSON, line {line} column {column}: {message}")]
    RuleJson {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What was expected.
        message: String,
    },
    /// A rule field holds a value out of range or inconsistent with another field.
    #[error("rule {rule:?}, field {field}: {value:?} is invalid, expected {expected}")]
    InvalidRule {
        /// The rule name (or its position when unnamed).
        rule: String,
        /// The field.
        field: &'static str,
        /// The value as given.
        value: String,
        /// What was expected.
        expected: &'static str,
    },
    /// Two rules have the same name.
    #[error("rule name {name:?} is used twice; rule names identify matches and must be unique")]
    DuplicateRule {
        /// The name.
        name: String,
    },
    /// An entry has an empty id.
    #[error("{side} at position {index} has an empty id; ids are required to record matches")]
    EmptyId {
        /// Which input.
        side: EntrySide,
        /// Its position in the input slice.
        index: usize,
    },
    /// Two entries of one side have the same id.
    #[error("{side} id {id:?} occurs twice; each entry needs a unique id")]
    DuplicateId {
        /// Which input.
        side: EntrySide,
        /// The id.
        id: String,
    },
    /// A manual match selected nothing on one side.
    #[error("a manual match needs at least one bank entry and one ledger entry or open item")]
    NothingSelected,
    /// An id named in a manual action is not among the entries given.
    #[error("{side} {id:?} is not among the entries given")]
    UnknownEntry {
        /// Which side.
        side: EntrySide,
        /// The id.
        id: String,
    },
    /// An entry is already part of an active match.
    #[error("{side} {id:?} is already matched by record {record:?}; unmatch it first")]
    AlreadyMatched {
        /// Which side.
        side: EntrySide,
        /// The entry id.
        id: String,
        /// The active record holding it.
        record: String,
    },
    /// The selected entries belong to different bank accounts.
    #[error("{side} {id:?} belongs to account {found:?}, the match is for account {expected:?}")]
    AccountMismatch {
        /// Which side.
        side: EntrySide,
        /// The entry id.
        id: String,
        /// The account of the match.
        expected: String,
        /// The entry's account.
        found: String,
    },
    /// The selected entries are in different currencies.
    #[error("{side} {id:?} is in {found}, the match is in {expected}")]
    CurrencyMismatch {
        /// Which side.
        side: EntrySide,
        /// The entry id.
        id: String,
        /// The currency of the match.
        expected: Currency,
        /// The entry's currency.
        found: Currency,
    },
    /// The sides do not sum to the same amount and no adjustment carries the difference.
    #[error("bank side sums to {bank} {currency}, book side to {book} {currency}: the difference {difference} needs an adjustment line")]
    SumsDiffer {
        /// Signed bank total.
        bank: Decimal,
        /// Signed book total.
        book: Decimal,
        /// Bank minus book.
        difference: Decimal,
        /// Currency.
        currency: Currency,
    },
    /// An adjustment line was given but does not carry the difference exactly.
    #[error("adjustment of {adjustment} does not carry the difference {difference} (bank minus book)")]
    AdjustmentMismatch {
        /// The adjustment amount given.
        adjustment: Decimal,
        /// Bank minus book.
        difference: Decimal,
    },
    /// An allocation to an open item exceeds what is open, or is not positive.
    #[error("open item {id:?}: allocation {requested} is not within its open amount {open}")]
    AllocationOutOfRange {
        /// The open item.
        id: String,
        /// Its open amount.
        open: Decimal,
        /// The amount asked for.
        requested: Decimal,
    },
    /// An amount does not fit the currency's minor units or overflowed.
    #[error("amount {value} is not a valid {currency} amount")]
    InvalidAmount {
        /// The amount.
        value: Decimal,
        /// The currency.
        currency: Currency,
    },
    /// No record with this id.
    #[error("no match record {id:?}")]
    UnknownRecord {
        /// The id.
        id: String,
    },
    /// The record was already cancelled.
    #[error("match record {id:?} is already cancelled")]
    AlreadyCancelled {
        /// The id.
        id: String,
    },
    /// A record id is already used by another record.
    #[error("match record id {id:?} is already used")]
    DuplicateRecord {
        /// The id.
        id: String,
    },
    /// A posting rule field is invalid: a pattern that does not compile or matches everything, a
    /// malformed bank transaction code, amount bounds out of order, an unknown template placeholder.
    #[error("posting rule {rule:?}, field {field}: {value:?} is invalid: {reason}")]
    InvalidPostingRule {
        /// The rule name (or its position when unnamed).
        rule: String,
        /// The field.
        field: &'static str,
        /// The value as given (at most 200 characters).
        value: String,
        /// What is wrong, and what was expected.
        reason: String,
    },
    /// Two posting rules have the same name.
    #[error("posting rule name {name:?} is used twice; rule names identify proposals and must be unique")]
    DuplicatePostingRule {
        /// The name.
        name: String,
    },
}

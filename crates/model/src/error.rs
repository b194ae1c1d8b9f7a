//! The model's one error type.

use crate::money::Currency;

/// What went wrong when building or combining model values. Each variant carries the offending input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// Not an ISO 4217 alphabetic code.
    #[error("unknown currency code {code:?}: expected an ISO 4217 code such as EUR")]
    UnknownCurrency {
        /// The code as given.
        code: String,
    },
    /// Two amounts in different currencies were combined.
    #[error("cannot combine {left} with {right}: amounts in different currencies")]
    CurrencyMismatch {
        /// Currency of the left operand.
        left: Currency,
        /// Currency of the right operand.
        right: Currency,
    },
    /// An amount left the range of a 96-bit decimal.
    #[error("amount overflow")]
    Overflow,
    /// Not a valid IBAN (format or ISO 7064 checksum).
    #[error("invalid IBAN {value:?}: {reason}")]
    InvalidIban {
        /// The value as given.
        value: String,
        /// Why it was refused.
        reason: String,
    },
    /// Not a valid BIC (ISO 9362: 4 letters bank, 2 letters country, 2 location, optional 3 branch).
    #[error("invalid BIC {value:?}: expected 8 or 11 characters, AAAABBCC[DDD]")]
    InvalidBic {
        /// The value as given.
        value: String,
    },
    /// An empty identifier where one is required.
    #[error("empty {what}")]
    Empty {
        /// Which identifier was empty.
        what: &'static str,
    },
    /// One general-ledger account mapped to two bank accounts.
    #[error("GL account {gl_account} is already mapped to bank account {existing}; cannot map it to {rejected} too")]
    GlAccountMappedTwice {
        /// The GL account.
        gl_account: String,
        /// The bank account that holds the mapping.
        existing: String,
        /// The bank account refused.
        rejected: String,
    },
    /// A bank account id registered twice.
    #[error("bank account {id} is already registered")]
    DuplicateBankAccount {
        /// The account id.
        id: String,
    },
    /// No bank account with this id (or identifier) is known.
    #[error("unknown bank account {id}")]
    UnknownBankAccount {
        /// The id or identifier looked up.
        id: String,
    },
    /// A slip operation refused.
    #[error("slip for bank entry {entry}: {reason}")]
    Slip {
        /// The bank entry id.
        entry: String,
        /// Why.
        reason: String,
    },
}

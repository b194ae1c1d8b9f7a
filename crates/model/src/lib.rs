//! # bankrec-model
//!
//! The data types of bankrec and the rules they obey. **Precision first:** every amount is a
//! [`rust_decimal::Decimal`] kept at the scale its source gave; sums are exact; nothing is rounded
//! unless a caller asks with an explicit [`Rounding`]; amounts in two currencies never mix.
//!
//! - Money: [`Currency`] (ISO 4217 with minor units), [`Money`], [`Direction`].
//! - Accounts: [`Iban`], [`Bic`], [`AccountId`], [`BankAccount`] mapped to one [`GlAccount`], and
//!   the [`AccountMap`] that refuses to map a GL account twice and runs the onboarding check.
//! - Bank side: [`Statement`] with [`Balance`]s and [`BankEntry`]s (batch details, references,
//!   parties, remittance, charges, currency exchange); [`assign_entry_ids`] gives stable ids.
//! - Book side: [`LedgerEntry`] (slip lines) and [`OpenItem`] (invoices, cost receipts).
//! - Results: [`MatchRecord`] and the [`AuditEvent`] trail, created by `bankrec-match`.
//! - Findings: [`ImportError`] with a stable [`ErrorCode`] and a [`Severity`].
//! - Checks: [`check_balance`], [`check_continuity`], [`check_negative_balances`] and the
//!   [`StatementArchive`] that imports statements without ever counting an entry twice.
//! - Slips: [`SlipBook`] proposes balanced slips for entries the books lack.
//!
//! Every type serialises with serde to a stable JSON form: amounts as decimal strings (`"8.850"`),
//! dates as `YYYY-MM-DD`, date-times as ISO 8601, enums in `snake_case`.
//!
//! This crate depends on no other bankrec crate; all of them depend on it. Its siblings are
//! `bankrec-camt` and `bankrec-tabular` (readers), `bankrec-match` (engine) and `bankrec-report`.
//!
//! ```
//! use bankrec_model::{AccountId, BankEntry, Currency, Direction, Money};
//! use rust_decimal::Decimal;
//! use time::macros::date;
//!
//! let account = AccountId::iban("CH93 0076 2011 6238 5295 7").expect("valid IBAN");
//! let entry = BankEntry::new(account, Decimal::new(12050, 2), Currency::CHF, Direction::Debit, Some(date!(2024-03-01)));
//! assert_eq!(entry.signed_amount(), Decimal::new(-12050, 2));
//! let fee = Money::new(Decimal::new(-150, 2), Currency::CHF);
//! assert_eq!(entry.money().checked_add(&fee).expect("same currency").amount(), Decimal::new(-12200, 2));
//! ```
#![forbid(unsafe_code)]

mod account;
mod error;
mod import_error;
mod ledger;
mod match_record;
mod money;
mod records;
mod slip;
mod statement;
mod timestamp;
mod validation;

pub use account::{AccountId, AccountMap, BankAccount, Bic, GlAccount, Iban, OnboardingFinding, OtherAccountId, DEFAULT_SUSPENSE_TITLE};
pub use error::ModelError;
pub use import_error::{ErrorCode, ImportError, Severity, SourceLocation};
pub use ledger::{LedgerEntry, OpenItem, OpenItemKind, PaymentMethod};
pub use match_record::{
    AdjustmentKind, AdjustmentLine, AuditAction, AuditEvent, Cancellation, MatchOrigin, MatchRecord, OpenItemAllocation, ScoreComponent,
};
pub use money::{Currency, Direction, Money, Rounding};
pub use records::Records;
pub use slip::{propose_slip, ProposedSlip, Side, SlipBook, SlipLine, SlipStatus, TitleRefusal};
pub use statement::{
    assign_entry_ids, is_placeholder_reference, AmountDetails, Balance, BalanceKind, BankEntry, BankTxCode, Batch, Charge,
    CreditorReference, EntryIdSource, EntryStatus, ExchangeRate, Party, ReferredDocument, Remittance, Statement, StatementKind,
    Transaction, TransactionDetail, TransactionRefKind, TransactionRefs,
};
pub use timestamp::Timestamp;
pub use validation::{check_balance, check_continuity, check_negative_balances, ImportOutcome, StatementArchive};

/// Re-exported so callers name the same `Decimal` and `Date` types.
pub use rust_decimal::Decimal;
pub use time::Date;

/// Re-exported for the lists of a bank entry (remittance parts, details, charges): build one with
/// [`thin_vec!`] or from a `Vec` with `.into()`.
pub use thin_vec::{thin_vec, ThinVec};

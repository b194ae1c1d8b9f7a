//! The crate's one error type.

use std::path::PathBuf;

use bankrec_model::{Currency, Date};

/// What went wrong while building or exporting a report. Each variant says where and carries the
/// offending input; writer errors of the underlying crates are kept as text so that no
/// `rust_xlsxwriter` or `csv` type leaks into the public API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// No bank account with this id (or bank identifier) in the account map.
    #[error("unknown bank account {account:?}: not in the account map")]
    UnknownAccount {
        /// The id as given.
        account: String,
    },
    /// No closing booked balance on or before the as-of date, and none was given.
    #[error("no closing booked balance of account {account} on or before {as_of}; pass the bank balance explicitly")]
    NoBankBalance {
        /// The bank account id.
        account: String,
        /// The as-of date.
        as_of: Date,
    },
    /// A balance in another currency than the account's.
    #[error("balance of statement {statement} of account {account} is in {found}, the account in {expected}")]
    BalanceCurrency {
        /// The bank account id.
        account: String,
        /// The statement id.
        statement: String,
        /// The account currency.
        expected: Currency,
        /// The balance currency.
        found: Currency,
    },
    /// A filter that can match nothing by construction (from after to, minimum above maximum).
    #[error("invalid filter: {field} {value}")]
    InvalidFilter {
        /// The filter field.
        field: &'static str,
        /// What is wrong with it.
        value: String,
    },
    /// The as-of date lies before the account's reconciliation start.
    #[error("as-of date {as_of} is before the reconciliation start {start} of account {account}")]
    BeforeStart {
        /// The bank account id.
        account: String,
        /// The as-of date.
        as_of: Date,
        /// The reconciliation start.
        start: Date,
    },
    /// A sum left the range of a 96-bit decimal.
    #[error("amount overflow while summing {what}")]
    Overflow {
        /// What was being summed.
        what: String,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The Excel writer refused the workbook.
    #[error("{}: Excel export failed at row {row}: {message}", path.display())]
    Xlsx {
        /// The file written (empty when writing to a buffer).
        path: PathBuf,
        /// The 0-based worksheet row being written, when known.
        row: u32,
        /// The writer's message.
        message: String,
    },
    /// The CSV writer failed.
    #[error("{}: CSV export failed: {message}", path.display())]
    Csv {
        /// The file written (empty when writing to a caller's writer).
        path: PathBuf,
        /// The writer's message.
        message: String,
    },
    /// The JSON writer failed.
    #[error("{}: JSON export failed: {message}", path.display())]
    Json {
        /// The file written (empty when writing to a caller's writer).
        path: PathBuf,
        /// The writer's message.
        message: String,
    },
}

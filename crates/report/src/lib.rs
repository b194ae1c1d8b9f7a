//! # bankrec-report
//!
//! Reconciliation reports — the bank reconciliation statement, bank-versus-book balance
//! comparison, transaction histories, import errors and match records — built from
//! `bankrec-model` types and exported to Excel, CSV and JSON.
//!
//! Depends on `bankrec-model` only; it reads match records, never the engine's internals, and
//! never depends on the readers (camt, tabular) or the facade.
#![forbid(unsafe_code)]

mod balance;
mod error;
mod export;
mod history;
mod input;
mod integration_errors;
mod match_records;
mod reconciliation;
mod run;
mod table;
mod xlsx;

pub use balance::{BalanceComparison, BalanceRow};
pub use error::ReportError;
pub use export::{file_name, ExportFormat, ExportOptions, Report};
pub use history::{write_history, HistoryFilter, HistoryKind, HistoryRow, TransactionHistory};
pub use input::ReportInput;
pub use integration_errors::{ErrorFilter, ImportErrorReport};
pub use match_records::{MatchFilter, MatchRecordReport, MatchRow};
pub use reconciliation::{
    AccountReconciliation, BankBalanceSource, CurrencyReconciliationTotals, ItemKind, OutstandingItem, ReconciliationOptions,
    ReconciliationStatement,
};
pub use run::{write_reports, RunReportOptions, RunReports};

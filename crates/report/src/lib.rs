//! # bankrec-report
//!
//! Reconciliation reports built from `bankrec-model` types, exported to Excel, CSV and JSON.
//! **Precision first:** every amount is summed exactly in `Decimal`; CSV and JSON carry amounts as
//! decimal strings at the scale given; Excel cells are numbers formatted to the currency's minor
//! units (more decimals when an amount has them), with totals computed exactly and written as
//! values.
//!
//! - [`ReconciliationStatement`]: the bank reconciliation statement of one or many accounts as of a
//!   date ([`AccountReconciliation`] per account, [`OutstandingItem`]s with age in days, totals per
//!   currency); adjusted bank and adjusted book balances that must agree.
//! - [`BalanceComparison`]: bank balance against book balance per account.
//! - [`TransactionHistory`]: deposits, withdrawals or all bank entries ([`HistoryKind`]) with a
//!   [`HistoryFilter`]; [`write_history`] streams any number of rows in constant memory.
//! - [`ImportErrorReport`] ([`ErrorFilter`]) and [`MatchRecordReport`] ([`MatchFilter`]): the
//!   integration errors and the match audit trail.
//! - [`Report`]: export of any report ([`ExportFormat`], [`ExportOptions`] with the caller's
//!   "generated at"); [`write_reports`] and [`write_reports_to`] build and write all seven for a
//!   run, one at a time; [`RunReports`] builds and holds them all.
//!
//! Every report reads a [`ReportInput`]: the account map, the statement archive, the ledger, the
//! match records, the audit trail and the import errors, borrowed. An entry counts as matched when
//! an active (not cancelled) match record names it. Depends on `bankrec-model` only: it reads
//! match records, never the engine (`bankrec-match`), and never the readers (`bankrec-camt`,
//! `bankrec-tabular`); the facade `bankrec` joins them.
//!
//! ```
//! use bankrec_model::{AccountId, AccountMap, BankAccount, BankEntry, Currency, Direction, GlAccount, LedgerEntry};
//! use bankrec_model::{Statement, StatementArchive, StatementKind};
//! use bankrec_report::{write_reports, ExportFormat, ReconciliationOptions, ReconciliationStatement, ReportInput, RunReportOptions};
//! use rust_decimal::Decimal;
//! use time::macros::date;
//!
//! let iban = AccountId::iban("DE89370400440532013000").expect("valid IBAN");
//! let mut accounts = AccountMap::new();
//! let account = BankAccount::new("main", iban.clone(), Currency::EUR, GlAccount::new("1200", "Bank"), "1290", date!(2024-01-01));
//! accounts.insert(account).expect("first account");
//!
//! // The bank charged a fee the books do not have yet; the books paid a supplier the bank has not seen.
//! let mut statement = Statement::new("2024-01", StatementKind::Statement, iban.clone(), Currency::EUR);
//! statement.to = Some(date!(2024-01-31));
//! statement.entries.push(BankEntry::new(iban, Decimal::new(500, 2), Currency::EUR, Direction::Debit, Some(date!(2024-01-31))));
//! let mut archive = StatementArchive::new();
//! archive.import(statement, None);
//! let ledger = vec![LedgerEntry::new("L1", date!(2024-01-30), "1200", Decimal::new(-12000, 2), Currency::EUR)];
//!
//! let input = ReportInput::new(&accounts, &archive).with_ledger(&ledger);
//! let options = ReconciliationOptions::default().with_bank_balance("main", Decimal::new(-500, 2));
//! let rec = ReconciliationStatement::build(&input, date!(2024-01-31), &options).expect("known account");
//! let main = &rec.accounts[0];
//! assert_eq!(main.adjusted_bank_balance, Some(Decimal::new(-12500, 2))); // -5.00 - 120.00 outstanding
//! assert_eq!(main.adjusted_book_balance, Decimal::new(-12500, 2)); // -120.00 - 5.00 fee
//! assert!(main.is_reconciled());
//!
//! // Every report of the run, as Excel workbooks, into one directory.
//! let dir = std::env::temp_dir().join(format!("bankrec-report-crate-doc-{}", std::process::id()));
//! let run = RunReportOptions::new(date!(2024-01-31), "2024-02-01T08:00:00Z".parse().expect("ISO 8601"));
//! let paths = write_reports(&input, &run, &dir, ExportFormat::Xlsx).expect("written");
//! assert!(paths[0].ends_with("BankReconciliationStatement_20240201_080000.xlsx"));
//! # std::fs::remove_dir_all(&dir).expect("cleanup");
//! ```
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
#[cfg(feature = "xlsx")]
mod xlsx;
#[cfg(not(feature = "xlsx"))]
#[path = "xlsx_disabled.rs"]
mod xlsx;

pub use balance::{BalanceComparison, BalanceRow};
pub use error::ReportError;
pub use export::{file_name, ExportFormat, ExportOptions, Report, DEFAULT_XLSX_COMPRESSION};
pub use history::{write_history, HistoryFilter, HistoryKind, HistoryRow, TransactionHistory};
pub use input::ReportInput;
pub use integration_errors::{ErrorFilter, ImportErrorReport};
pub use match_records::{MatchFilter, MatchRecordReport, MatchRow};
pub use reconciliation::{
    AccountReconciliation, BankBalanceSource, CurrencyReconciliationTotals, ItemKind, OutstandingItem, ReconciliationOptions,
    ReconciliationStatement,
};
pub use run::{write_reports, write_reports_to, RunReportOptions, RunReports};

//! # bankrec-tabular
//!
//! Imports CSV and spreadsheet (xlsx, xls, ods) exports of banks and ERP systems through a
//! reusable column [`Template`], into `bankrec-model` [`Statement`](bankrec_model::Statement)s,
//! [`LedgerEntry`](bankrec_model::LedgerEntry)s and [`OpenItem`](bankrec_model::OpenItem)s.
//! **Precision first:** amounts are read from text straight into `Decimal` (never through a
//! float); spreadsheet numbers, which are floats, are read through their shortest exact decimal form.
//!
//! - [`Template`]: a layout in TOML or JSON (columns by header name or position, date formats,
//!   separators, sign convention, currency, encoding, delimiter, lines around the table,
//!   statement-level data), validated when loaded. [`Template::load`] takes a built-in name
//!   ([`Template::builtin_names`]) or a file path.
//! - Streaming: [`RecordReader`] ([`BankEntryReader`], [`LedgerEntryReader`], [`OpenItemReader`]) yields
//!   one [`RowEvent`] per line (a record, a finding, or a skipped line with its [`SkipReason`]) with flat memory.
//! - Read it all: [`read_statement_file`], [`read_ledger_file`], [`read_open_items_file`] (and
//!   their in-memory forms) return [`StatementImport`], [`LedgerImport`], [`OpenItemImport`]:
//!   records, every [`ImportError`](bankrec_model::ImportError) and a [`ReadSummary`] that accounts for every line.
//! - [`ReadOptions`] carries what the caller knows (account, currency, balances, [`Mode`]).
//! - [`TabularError`]: why a template or a whole file could not be used.
//!
//! Statements go through the model: [`bankrec_model::assign_entry_ids`] gives entries stable ids
//! and [`bankrec_model::check_balance`] runs where opening and closing balances are known;
//! duplicates across files are for [`bankrec_model::StatementArchive`].
//!
//! Depends on `bankrec-model` only; never on its siblings `bankrec-camt`, `bankrec-match` or
//! `bankrec-report`. No csv, calamine or encoding_rs type appears in its public API.
//!
//! ```
//! use bankrec_tabular::{read_statement, ReadOptions, Template};
//!
//! let template = Template::builtin("ing-nl").expect("built-in");
//! let csv = "\"Datum\",\"Naam / Omschrijving\",\"Rekening\",\"Tegenrekening\",\"Code\",\"Af Bij\",\"Bedrag (EUR)\",\"MutatieSoort\",\"Mededelingen\"\n\
//!            \"20200213\",\"Kosten\",\"NL99INGB9999999999\",\"\",\"DV\",\"Af\",\"1,25\",\"Diversen\",\"jan 2020\"\n";
//! let import = read_statement(csv.as_bytes(), &template, &ReadOptions::new()).expect("header fits");
//! let entry = &import.statements[0].entries[0];
//! assert_eq!(entry.signed_amount().to_string(), "-1.25");
//! assert_eq!(entry.booking_date.map(|d| d.to_string()), Some("2020-02-13".into()));
//! assert!(import.findings.is_empty());
//! ```
#![forbid(unsafe_code)]

mod builtin;
mod error;
mod format;
mod import;
mod reader;
mod source;
mod template;

pub use error::TabularError;
pub use import::{
    read_ledger, read_ledger_file, read_open_items, read_open_items_file, read_statement, read_statement_file, read_statement_spreadsheet,
    LedgerImport, OpenItemImport, StatementImport,
};
pub use reader::{
    BankEntryReader, LedgerEntryReader, Mode, OpenItemReader, PreambleValues, ReadOptions, ReadSummary, RecordReader, RowEvent,
    RunningBalance, SkipReason,
};
pub use template::{RecordKind, SheetRef, Template};

//! # bankrec
//!
//! Bank reconciliation for Rust applications: read bank statements (ISO 20022 camt.05x, CSV and
//! spreadsheets), check them, match them to the books, and report. This crate is the facade: it
//! re-exports the member crates and adds no logic of its own.
//!
//! | module | crate | what |
//! |---|---|---|
//! | [`model`] | `bankrec-model` | money, accounts, statements, ledger, open items, match records, errors |
//! | [`camt`] | `bankrec-camt` | ISO 20022 camt.052/053/054 reader |
//! | [`tabular`] | `bankrec-tabular` | CSV and spreadsheet import by template |
//! | [`matching`] | `bankrec-match` | matching engine |
//! | [`report`] | `bankrec-report` | reports and exports |
#![forbid(unsafe_code)]

pub use bankrec_camt as camt;
pub use bankrec_match as matching;
pub use bankrec_model as model;
pub use bankrec_report as report;
pub use bankrec_tabular as tabular;

pub use bankrec_model::*;

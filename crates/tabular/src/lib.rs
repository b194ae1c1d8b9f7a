//! # bankrec-tabular
//!
//! Imports CSV and spreadsheet (xlsx, xls, ods) exports of banks and ERP systems through a
//! reusable column template, into `bankrec-model` statements, ledger entries and open items.
//!
//! Depends on `bankrec-model` only; never on the other bankrec crates (camt, match, report) or
//! the facade. No csv or calamine type appears in its public API.
#![forbid(unsafe_code)]

//! # bankrec-report
//!
//! Reconciliation reports — the bank reconciliation statement, bank-versus-book balance
//! comparison, transaction histories, import errors and match records — built from
//! `bankrec-model` types and exported to Excel, CSV and JSON.
//!
//! Depends on `bankrec-model` only; it reads match records, never the engine's internals, and
//! never depends on the readers (camt, tabular) or the facade.
#![forbid(unsafe_code)]

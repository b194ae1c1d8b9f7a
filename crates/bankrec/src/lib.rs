//! # bankrec
//!
//! Bank reconciliation for Rust applications: read bank statements (ISO 20022 camt.05x, CSV and
//! spreadsheets), check them, match them to the books, and report. This crate is the facade: it
//! re-exports the member crates, holds the application-level policy (saved state, permissions,
//! the connector trait), and adds no logic that belongs in a member crate.
//!
//! | module | crate | what |
//! |---|---|---|
//! | [`model`] | `bankrec-model` | money, accounts, statements, ledger, open items, match records, errors |
//! | `camt` (feature `camt`) | `bankrec-camt` | ISO 20022 camt.052/053/054 reader |
//! | `tabular` (feature `tabular`) | `bankrec-tabular` | CSV and spreadsheet import by template |
//! | [`matching`] | `bankrec-match` | matching engine |
//! | [`report`] | `bankrec-report` | reports and exports (Excel with feature `xlsx`) |
//!
//! The model's types are re-exported at the top level too, so `bankrec::Statement` works.
//!
//! ```
//! use bankrec::{Action, Actor, ReconciliationState, RolePolicy};
//! let mut state = ReconciliationState::new();
//! let policy = RolePolicy::new().grant("accountant", Action::ALL);
//! let now = "2024-12-01T09:00:00Z".parse().expect("ISO 8601");
//! assert!(state.authorize(&policy, &Actor::new("kim", ["clerk"]), Action::Unmatch, now).is_err());
//! assert_eq!(state.audit.len(), 1); // the refusal is on record
//! ```
#![forbid(unsafe_code)]

mod connector;
mod error;
mod load;
mod policy;
mod state;

#[cfg(feature = "camt")]
pub use bankrec_camt as camt;
pub use bankrec_match as matching;
pub use bankrec_model as model;
pub use bankrec_report as report;
#[cfg(feature = "tabular")]
pub use bankrec_tabular as tabular;

pub use bankrec_model::*;
pub use connector::LedgerSource;
pub use error::Error;
pub use load::{
    load_accounts, load_rules, load_statements, load_statements_from, LoadOptions, Loaded, DEFAULT_LEDGER_TEMPLATE,
    DEFAULT_OPEN_ITEMS_TEMPLATE,
};
#[cfg(feature = "tabular")]
pub use load::{load_ledger, load_open_items};
pub use policy::{Action, Actor, AllowAll, Policy, RolePolicy};
pub use state::{MergeOutcome, ReconciliationState, STATE_FORMAT_VERSION};

// The README's embedding example is compiled as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;

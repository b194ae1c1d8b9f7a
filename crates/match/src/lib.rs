//! # bankrec-match
//!
//! The matching engine: pairs bank entries with ledger entries and open items by configurable
//! rules, scores candidates, proposes what it cannot decide, and records every decision as a
//! `bankrec-model` match record with its reasons. Pure: slices in, records out, no I/O, no clock.
//!
//! Depends on `bankrec-model` only; never on a file format crate (camt, tabular), on
//! `bankrec-report`, or on the facade.
#![forbid(unsafe_code)]

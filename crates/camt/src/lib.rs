//! # bankrec-camt
//!
//! Reads ISO 20022 bank-to-customer cash management messages into `bankrec-model` types:
//! camt.053 statements, camt.052 account reports and camt.054 debit/credit notifications, every
//! schema version in use, with a streaming pull reader on quick-xml.
//!
//! Depends on `bankrec-model` only; never on the other bankrec crates (tabular, match, report)
//! or the facade. No quick-xml type appears in its public API.
#![forbid(unsafe_code)]

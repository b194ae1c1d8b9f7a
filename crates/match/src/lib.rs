//! # bankrec-match
//!
//! The matching engine: pairs bank entries with ledger entries and open items by configurable
//! rules, scores candidates, proposes what it cannot decide, and records every decision as a
//! `bankrec-model` [`MatchRecord`](bankrec_model::MatchRecord) with its reasons. Pure: slices in,
//! records out, no I/O, no clock (the caller passes "now"), and the same input in any order gives
//! the same outcome.
//!
//! - [`Matcher`] runs a [`RuleSet`] (ordered [`Rule`]s, TOML or JSON, validated when built; the
//!   shipped default in [`DEFAULT_RULES_TOML`]) over a [`MatchInput`] and returns a
//!   [`MatchOutcome`]: new records, [`Proposal`]s with [`Candidate`]s, and [`Unmatched`] entries
//!   with reasons. [`ReconcileSummary`] is its `bankrec reconcile --json` form.
//! - [`MatchBook`] holds records and the audit trail: [`ManualMatch`] by hand, unmatch, and
//!   [`AuditFilter`] to list events.
//! - [`PostingRules`] (ordered [`PostingRule`]s, TOML or JSON; the shipped default in
//!   [`DEFAULT_POSTING_RULES_TOML`]) propose a [`PostingProposal`] to a GL account for bank entries
//!   with no counterpart (fees, interest, taxes, card settlements, salaries): text or reference
//!   patterns first, then bank transaction codes; [`PostingRule::test`] tries one rule on one entry.
//! - [`PairRules`] ([`ReversalRules`], [`TransferRules`]) configure the pairs of bank entries
//!   that clear each other with no book side: a reversal and the entry it reverses, and the two
//!   legs of a transfer between own accounts.
//! - [`auto_find`] lists the records on the other side of one entry that meet any [`FindCondition`].
//! - References: [`extract_references`], [`normalize_reference`] and the check-digit validators
//!   ([`is_valid_rf`], [`is_valid_finnish_reference`], [`is_valid_kid`], [`is_valid_swedish_ocr`],
//!   [`is_valid_swiss_qr_reference`], [`is_valid_belgian_structured`]).
//! - Names: [`normalize_name`], [`name_similarity`].
//!
//! Candidate search never compares every pair: the book side is indexed by amount in minor units
//! and date (a sorted array serving exact amounts in a date window and tolerance bands), and by
//! the hashes of normalised references and of settlement number ids, so a run costs about linear time
//! in the input size.
//!
//! Depends on `bankrec-model` only; never on a file format crate (camt, tabular), on
//! `bankrec-report`, or on the facade.
//!
//! ```
//! use bankrec_match::{MatchInput, Matcher, RuleSet};
//! use bankrec_model::{AccountId, BankEntry, Currency, Decimal, Direction, OpenItem, OpenItemKind, Party, Timestamp};
//! use time::macros::date;
//!
//! let account = AccountId::iban("FI21 1234 5600 0007 85").expect("valid IBAN");
//! let mut payment = BankEntry::new(account, Decimal::new(24800, 2), Currency::EUR, Direction::Credit, Some(date!(2024-04-02)))
//!     .with_id("B-1");
//! payment.transaction.counterparty = Some(Party { name: Some("Oy Pohjola Ab".into()), ..Party::default() });
//! payment.transaction.remittance.unstructured.push("viite 1234 5672".into());
//!
//! let invoice = OpenItem::new("I-7", OpenItemKind::Receivable, "7", Decimal::new(24800, 2), Currency::EUR)
//!     .with_counterparty("Pohjola")
//!     .with_payment_reference("12345672")
//!     .with_due_date(date!(2024-03-31));
//!
//! let now: Timestamp = "2024-04-03T09:00:00Z".parse().expect("timestamp");
//! let outcome = Matcher::new(RuleSet::default()).run(&MatchInput::new(&[payment], &[], &[invoice]), now).expect("valid input");
//! let record = &outcome.matches[0];
//! assert_eq!(record.open_items[0].id, "I-7");
//! assert!(record.reasons.iter().any(|r| r.contains("12345672 (finnish) found in the remittance text")));
//! assert!(outcome.unmatched_bank.is_empty());
//! ```
#![forbid(unsafe_code)]

mod autofind;
mod engine;
mod error;
mod groups;
mod manual;
mod name;
mod pairs;
mod posting;
mod prepare;
mod reference;
mod report;
mod rules;
mod score;

pub use autofind::{auto_find, FindCondition, Found, Selected};
pub use bankrec_model::Records;
pub use engine::{Candidate, MatchInput, MatchOutcome, Matcher, Proposal, Unmatched, ENGINE_ACTOR};
pub use error::{EntrySide, MatchError};
pub use groups::{GroupRules, MAX_STEP_BUDGET, MAX_SUBSET_ITEMS_LIMIT};
pub use manual::{AuditFilter, ManualAdjustment, ManualMatch, MatchBook};
pub use name::{name_similarity, normalize_name, normalized_name_similarity};
pub use pairs::{PairRules, ReversalRules, TransferRules};
pub use posting::{
    AmountRange, PostingEvidence, PostingKind, PostingMatch, PostingProposal, PostingRule, PostingRuleSpec, PostingRules,
    DEFAULT_POSTING_RULES_TOML,
};
pub use reference::{
    classify_reference, extract_references, is_valid_belgian_structured, is_valid_finnish_reference, is_valid_kid, is_valid_rf,
    is_valid_swedish_ocr, is_valid_swiss_qr_reference, normalize_reference, Reference, ReferenceKind, MIN_REFERENCE_LEN,
};
pub use report::{CandidateSummary, MatchSummary, ProposalSummary, ReconcileSummary};
pub use rules::{
    AdjustmentTarget, AmountCondition, DateField, DateWindow, OpenItemCondition, ReferenceCondition, Rule, RuleSet, Targets, Weights,
    DEFAULT_RULES_TOML,
};

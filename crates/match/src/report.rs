//! The summary of a run in the shape `bankrec reconcile --json` writes.

use bankrec_model::ImportError;
use serde::{Deserialize, Serialize};

use crate::engine::MatchOutcome;
use crate::posting::PostingProposal;

/// One match in the summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MatchSummary {
    /// The record id.
    pub id: String,
    /// Bank entry ids.
    pub bank: Vec<String>,
    /// Ledger entry ids.
    pub ledger: Vec<String>,
    /// Open item ids.
    pub open_items: Vec<String>,
    /// Rule name, or `manual`.
    pub rule: String,
    /// Score.
    pub score: f64,
    /// Reasons.
    pub reasons: Vec<String>,
}

/// One candidate in the summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CandidateSummary {
    /// Other bank entries of the candidate (a reversal's original, a transfer's other leg,
    /// co-payers of one invoice); omitted when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bank: Vec<String>,
    /// Ledger entry ids.
    pub ledger: Vec<String>,
    /// Open item ids.
    pub open_items: Vec<String>,
    /// The rule that scored it.
    pub rule: String,
    /// Score.
    pub score: f64,
    /// Reasons.
    pub reasons: Vec<String>,
    /// True when a person must choose.
    pub ambiguous: bool,
}

/// The proposals for one bank entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProposalSummary {
    /// The bank entry id.
    pub bank: String,
    /// Candidates, best first.
    pub candidates: Vec<CandidateSummary>,
}

/// The JSON document of `bankrec reconcile --json`:
/// `{"matches": [...], "proposals": [...], "unmatched_bank": [ids], "unmatched_ledger": [ids],
/// "unmatched_open_items": [ids], "errors": [...]}`.
///
/// ```
/// use bankrec_match::{MatchInput, Matcher, ReconcileSummary, RuleSet};
/// let outcome = Matcher::new(RuleSet::default())
///     .run(&MatchInput::new(&[], &[], &[]), "2024-01-01T00:00:00Z".parse().expect("ts"))
///     .expect("empty input is valid");
/// let summary = ReconcileSummary::new(&outcome, Vec::new());
/// assert!(summary.everything_matched());
/// let json = serde_json::to_value(&summary).expect("serialises");
/// assert!(json["matches"].as_array().expect("array").is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReconcileSummary {
    /// New matches.
    pub matches: Vec<MatchSummary>,
    /// Proposals for bank entries not matched.
    pub proposals: Vec<ProposalSummary>,
    /// Bank entries left open.
    pub unmatched_bank: Vec<String>,
    /// Ledger entries left open.
    pub unmatched_ledger: Vec<String>,
    /// Open items left open.
    pub unmatched_open_items: Vec<String>,
    /// Slips the posting rules propose for bank entries with no counterpart.
    #[serde(default)]
    pub postings: Vec<PostingProposal>,
    /// Import errors and warnings of the input files.
    pub errors: Vec<ImportError>,
}

impl ReconcileSummary {
    /// The summary of an outcome, with the import findings of the input files.
    pub fn new(outcome: &MatchOutcome, errors: Vec<ImportError>) -> ReconcileSummary {
        ReconcileSummary {
            matches: outcome
                .matches
                .iter()
                .map(|r| MatchSummary {
                    id: r.id.clone(),
                    bank: r.bank_entries.clone(),
                    ledger: r.ledger_entries.clone(),
                    open_items: r.open_items.iter().map(|a| a.id.clone()).collect(),
                    rule: r.origin_label().to_owned(),
                    score: r.score,
                    reasons: r.reasons.clone(),
                })
                .collect(),
            proposals: outcome
                .proposals
                .iter()
                .map(|p| ProposalSummary {
                    bank: p.bank_entry.clone(),
                    candidates: p
                        .candidates
                        .iter()
                        .map(|c| CandidateSummary {
                            bank: c.bank_entries.clone(),
                            ledger: c.ledger_entries.clone(),
                            open_items: c.open_items.clone(),
                            rule: c.rule.clone(),
                            score: c.score,
                            reasons: c.reasons.clone(),
                            ambiguous: c.ambiguous,
                        })
                        .collect(),
                })
                .collect(),
            unmatched_bank: outcome.unmatched_bank.iter().map(|u| u.id.clone()).collect(),
            unmatched_ledger: outcome.unmatched_ledger.iter().map(|u| u.id.clone()).collect(),
            unmatched_open_items: outcome.unmatched_open_items.iter().map(|u| u.id.clone()).collect(),
            postings: outcome.postings.clone(),
            errors,
        }
    }

    /// True when nothing stays open (the CLI's exit code 0).
    pub fn everything_matched(&self) -> bool {
        self.unmatched_bank.is_empty() && self.unmatched_ledger.is_empty() && self.unmatched_open_items.is_empty()
    }
}

//! Match records and the audit trail: what was matched with what, by which rule or person, why,
//! and when it was cancelled. The engine (bankrec-match) creates them; reports read them from here.

use std::borrow::Cow;
use std::sync::Arc;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::account::GlAccount;
use crate::money::Currency;
use crate::timestamp::Timestamp;

/// How a match came about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchOrigin {
    /// An automatic rule, by name (shared: a run's records of one rule hold one copy).
    Rule(Arc<str>),
    /// A person matched by hand.
    Manual,
}

/// One component of a match score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreComponent {
    /// What was compared: `amount`, `date`, `reference`, `name`, `settlement`. Borrowed when
    /// the engine writes it (a million records need not hold five copies each of five words).
    pub name: Cow<'static, str>,
    /// How well it agreed, from 0 (not at all) to 1 (exactly).
    pub value: f64,
    /// Its weight in the total.
    pub weight: f64,
}

/// Why an adjustment line was needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AdjustmentKind {
    /// A bank fee deducted from the payment.
    BankFee,
    /// A currency exchange difference.
    FxDifference,
    /// An early-payment discount taken.
    Discount,
    /// The payer paid more than due.
    Overpayment,
    /// The payer paid less than due (written off).
    Underpayment,
    /// A rounding difference.
    Rounding,
    /// Anything else, described in the line.
    Other,
}

/// A line that carries the difference between the matched sides to a named account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdjustmentLine {
    /// The account the difference is posted to.
    pub account: GlAccount,
    /// The signed difference (bank side minus book side).
    pub amount: Decimal,
    /// Currency.
    pub currency: Currency,
    /// Why.
    pub kind: AdjustmentKind,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
}

/// How much of an open item a match settles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenItemAllocation {
    /// The open item id.
    pub id: String,
    /// The amount applied to it (unsigned); less than its open amount for a partial payment.
    pub amount: Decimal,
}

/// Cancellation of a match (unmatch).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cancellation {
    /// When.
    pub at: Timestamp,
    /// Who.
    pub by: String,
    /// Why, when given.
    #[serde(default)]
    pub reason: Option<String>,
}

/// One match: bank entries on one side, ledger entries and open items on the other, with the
/// adjustment lines that carry any difference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MatchRecord {
    /// Unique, stable id.
    pub id: String,
    /// The bank account id (or identifier) the match belongs to (shared: the records of one
    /// account hold one copy).
    #[serde(default)]
    pub account: Option<Arc<str>>,
    /// Currency of all matched amounts.
    pub currency: Currency,
    /// Bank entry ids.
    pub bank_entries: Vec<String>,
    /// Ledger entry ids.
    #[serde(default)]
    pub ledger_entries: Vec<String>,
    /// Open items and the amount applied to each.
    #[serde(default)]
    pub open_items: Vec<OpenItemAllocation>,
    /// Lines carrying the difference between the sides.
    #[serde(default)]
    pub adjustments: Vec<AdjustmentLine>,
    /// Rule or manual.
    pub origin: MatchOrigin,
    /// Total score, from 0 to 1 (1 for a manual match).
    pub score: f64,
    /// The score's components. Shared: the engine gives records scored alike (same rule, same
    /// values) one copy, as most records are.
    #[serde(default)]
    pub components: Arc<[ScoreComponent]>,
    /// Human-readable reasons, e.g. `amount equal 120.00`, `reference RF18539007547034 in remittance`.
    #[serde(default)]
    pub reasons: Vec<String>,
    /// When it was created (the caller's "now").
    pub created_at: Timestamp,
    /// Who created it (a user, or `engine`).
    pub created_by: Cow<'static, str>,
    /// Set when the match was cancelled (boxed: few records ever are).
    #[serde(default)]
    pub cancelled: Option<Box<Cancellation>>,
}

impl MatchRecord {
    /// An active record with no members yet: the engine and manual matching fill in entries,
    /// items, adjustments, score and reasons.
    pub fn new(
        id: impl Into<String>,
        currency: Currency,
        origin: MatchOrigin,
        created_at: Timestamp,
        created_by: impl Into<Cow<'static, str>>,
    ) -> MatchRecord {
        MatchRecord {
            id: id.into(),
            account: None,
            currency,
            bank_entries: Vec::new(),
            ledger_entries: Vec::new(),
            open_items: Vec::new(),
            adjustments: Vec::new(),
            origin,
            score: 0.0,
            components: Arc::default(),
            reasons: Vec::new(),
            created_at,
            created_by: created_by.into(),
            cancelled: None,
        }
    }

    /// True while not cancelled.
    pub fn is_active(&self) -> bool {
        self.cancelled.is_none()
    }

    /// The rule name, or `manual`.
    pub fn origin_label(&self) -> &str {
        match &self.origin {
            MatchOrigin::Rule(name) => name.as_ref(),
            MatchOrigin::Manual => "manual",
        }
    }
}

/// What happened, as recorded in the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuditAction {
    /// A match was created (by a rule or by hand).
    Matched,
    /// A match was cancelled.
    Unmatched,
    /// A slip was proposed, created, re-titled or deleted.
    Slip,
    /// An account or rule changed.
    Configuration,
    /// An action was refused (permissions, checks).
    Refused,
}

/// One line of the audit trail. Appended, never changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuditEvent {
    /// When (the caller's "now").
    pub at: Timestamp,
    /// Who: a user name, or `engine`.
    pub actor: String,
    /// What happened.
    pub action: AuditAction,
    /// The match record concerned, when any.
    #[serde(default)]
    pub record: Option<String>,
    /// The rule name, or `manual`, when a match is concerned.
    #[serde(default)]
    pub rule: Option<String>,
    /// The score, when a match is concerned.
    #[serde(default)]
    pub score: Option<f64>,
    /// Why.
    #[serde(default)]
    pub reasons: Vec<String>,
}

impl AuditEvent {
    /// An event with no record, rule or score.
    pub fn new(at: Timestamp, actor: impl Into<String>, action: AuditAction) -> AuditEvent {
        AuditEvent { at, actor: actor.into(), action, record: None, rule: None, score: None, reasons: Vec::new() }
    }

    /// The event recording a match record's creation.
    pub fn matched(record: &MatchRecord) -> AuditEvent {
        AuditEvent {
            at: record.created_at,
            actor: record.created_by.clone().into_owned(),
            action: AuditAction::Matched,
            record: Some(record.id.clone()),
            rule: Some(record.origin_label().to_owned()),
            score: Some(record.score),
            reasons: record.reasons.clone(),
        }
    }

    /// Adds a reason.
    pub fn with_reason(mut self, reason: impl Into<String>) -> Self {
        self.reasons.push(reason.into());
        self
    }

    /// Sets the record.
    pub fn with_record(mut self, record: impl Into<String>) -> Self {
        self.record = Some(record.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_record_json_round_trip() {
        let r = MatchRecord {
            id: "M1".into(),
            account: Some("main".into()),
            currency: Currency::EUR,
            bank_entries: vec!["B1".into()],
            ledger_entries: vec!["L1".into()],
            open_items: vec![OpenItemAllocation { id: "I1".into(), amount: Decimal::new(9950, 2) }],
            adjustments: vec![AdjustmentLine {
                account: GlAccount::new("6820", "Bank fees"),
                amount: Decimal::new(-50, 2),
                currency: Currency::EUR,
                kind: AdjustmentKind::BankFee,
                description: None,
            }],
            origin: MatchOrigin::Rule("reference".into()),
            score: 0.95,
            components: vec![ScoreComponent { name: "amount".into(), value: 1.0, weight: 2.0 }].into(),
            reasons: vec!["reference equal".into()],
            created_at: "2024-05-01T10:00:00Z".parse().expect("ts"),
            created_by: "engine".into(),
            cancelled: None,
        };
        let json = serde_json::to_string(&r).expect("ser");
        assert!(json.contains(r#""origin":{"rule":"reference"}"#), "{json}");
        assert_eq!(serde_json::from_str::<MatchRecord>(&json).expect("de"), r);
        let ev = AuditEvent::matched(&r);
        assert_eq!(ev.rule.as_deref(), Some("reference"));
        assert!(r.is_active());
    }
}

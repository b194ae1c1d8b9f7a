//! Match records and the audit trail, with filters.

use std::collections::HashMap;

use bankrec_model::{AuditEvent, BankEntry, Currency, Date, Decimal, MatchRecord};
use serde::Serialize;

use crate::error::ReportError;
use crate::export::sealed::Sealed;
use crate::export::Report;
use crate::input::ReportInput;
use crate::table::{col, Column, Kind, ReportMeta, RowWriter, TableSource, TitleValue, Value};

/// Filters of the match record report; every condition set must hold.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct MatchFilter {
    /// First creation date (inclusive).
    pub from: Option<Date>,
    /// Last creation date (inclusive).
    pub to: Option<Date>,
    /// Accounts (as the record names them: id or identifier); empty means all.
    pub accounts: Vec<String>,
    /// Rule name, or `manual`.
    pub origin: Option<String>,
    /// `Some(true)`: active only; `Some(false)`: cancelled only.
    pub active: Option<bool>,
    /// Lowest score shown.
    pub min_score: Option<f64>,
    /// Case-insensitive text in ids, reasons or the cancellation reason.
    pub text: Option<String>,
}

impl MatchFilter {
    /// Creation dates from `from` to `to`, inclusive.
    pub fn with_dates(mut self, from: Date, to: Date) -> Self {
        self.from = Some(from);
        self.to = Some(to);
        self
    }

    /// Adds an account.
    pub fn with_account(mut self, account: impl Into<String>) -> Self {
        self.accounts.push(account.into());
        self
    }

    /// Records of one rule, or `manual`.
    pub fn with_origin(mut self, origin: impl Into<String>) -> Self {
        self.origin = Some(origin.into());
        self
    }

    /// Active or cancelled only.
    pub fn with_active(mut self, active: bool) -> Self {
        self.active = Some(active);
        self
    }

    /// Lowest score.
    pub fn with_min_score(mut self, score: f64) -> Self {
        self.min_score = Some(score);
        self
    }

    /// Text to search for.
    pub fn with_text(mut self, text: impl Into<String>) -> Self {
        self.text = Some(text.into());
        self
    }

    /// Refuses a date range that ends before it starts, or a score outside 0..=1.
    pub fn check(&self) -> Result<(), ReportError> {
        if let (Some(f), Some(t)) = (self.from, self.to) {
            if f > t {
                return Err(ReportError::InvalidFilter { field: "dates", value: format!("from {f} is after to {t}") });
            }
        }
        if let Some(s) = self.min_score.filter(|s| !(0.0..=1.0).contains(s)) {
            return Err(ReportError::InvalidFilter { field: "min_score", value: format!("{s} is outside 0..=1") });
        }
        Ok(())
    }

    /// True when the record passes every condition.
    pub fn admits(&self, r: &MatchRecord) -> bool {
        let date = r.created_at.date();
        if self.from.is_some_and(|f| date < f) || self.to.is_some_and(|t| date > t) {
            return false;
        }
        if !self.accounts.is_empty() && !self.accounts.iter().any(|a| r.account.as_deref() == Some(a.as_str())) {
            return false;
        }
        if self.origin.as_deref().is_some_and(|o| o != r.origin_label())
            || self.active.is_some_and(|a| a != r.is_active())
            || self.min_score.is_some_and(|s| r.score < s)
        {
            return false;
        }
        if let Some(text) = self.text.as_deref().map(str::to_lowercase).filter(|t| !t.is_empty()) {
            let cancel = r.cancelled.as_ref().and_then(|c| c.reason.as_deref());
            let mut fields = vec![r.id.as_str()];
            fields.extend(r.bank_entries.iter().map(String::as_str));
            fields.extend(r.ledger_entries.iter().map(String::as_str));
            fields.extend(r.open_items.iter().map(|o| o.id.as_str()));
            fields.extend(r.reasons.iter().map(String::as_str));
            fields.extend(cancel);
            if !fields.iter().any(|f| f.to_lowercase().contains(&text)) {
                return false;
            }
        }
        true
    }
}

/// One match record with the amounts of its sides.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct MatchRow {
    /// The record.
    pub record: MatchRecord,
    /// Sum of the signed amounts of its bank entries found in the archive.
    pub bank_amount: Decimal,
    /// Sum of the signed amounts of its ledger entries.
    pub book_amount: Decimal,
    /// Sum of its adjustment lines (bank side minus book side).
    pub adjustment_amount: Decimal,
    /// Bank entry or ledger entry ids the input does not hold (or holds on several accounts).
    pub unresolved: Vec<String>,
}

/// Match records (the audit trail of what was matched with what, by which rule, why) and the
/// audit events (`MatchRecords`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct MatchRecordReport {
    /// Records shown, ordered by creation time and id.
    pub rows: Vec<MatchRow>,
    /// Audit events in the date range (and, with an account filter, those of the records shown),
    /// ordered by time.
    pub audit: Vec<AuditEvent>,
}

impl MatchRecordReport {
    /// The input's match records and audit events that pass the filter.
    pub fn build(input: &ReportInput<'_>, filter: &MatchFilter) -> Result<MatchRecordReport, ReportError> {
        filter.check()?;
        let mut bank_by_id: HashMap<&str, Vec<&BankEntry>> = HashMap::new();
        for e in input.archive().entries() {
            bank_by_id.entry(e.id.as_str()).or_default().push(e);
        }
        let ledger_by_id: HashMap<&str, Decimal> = input.ledger().iter().map(|l| (l.id.as_str(), l.signed_amount())).collect();
        let mut rows = Vec::new();
        for r in input.match_records().iter().filter(|r| filter.admits(r)) {
            let identifier = r.account.as_deref().map(|a| input.account(a).map_or(a, |acc| acc.identifier.as_str()));
            let over = || ReportError::Overflow { what: format!("amounts of match record {}", r.id) };
            let mut row = MatchRow {
                record: r.clone(),
                bank_amount: Decimal::ZERO,
                book_amount: Decimal::ZERO,
                adjustment_amount: Decimal::ZERO,
                unresolved: Vec::new(),
            };
            for id in &r.bank_entries {
                let candidates = bank_by_id.get(id.as_str()).map_or(&[][..], Vec::as_slice);
                let found: Vec<&&BankEntry> = candidates.iter().filter(|e| identifier.is_none_or(|i| e.account.as_str() == i)).collect();
                match found.as_slice() {
                    [e] => row.bank_amount = row.bank_amount.checked_add(e.signed_amount()).ok_or_else(over)?,
                    _ => row.unresolved.push(id.clone()),
                }
            }
            for id in &r.ledger_entries {
                match ledger_by_id.get(id.as_str()) {
                    Some(a) => row.book_amount = row.book_amount.checked_add(*a).ok_or_else(over)?,
                    None => row.unresolved.push(id.clone()),
                }
            }
            for a in &r.adjustments {
                row.adjustment_amount = row.adjustment_amount.checked_add(a.amount).ok_or_else(over)?;
            }
            rows.push(row);
        }
        rows.sort_by(|a, b| (a.record.created_at, &a.record.id).cmp(&(b.record.created_at, &b.record.id)));
        let shown: std::collections::HashSet<&str> = rows.iter().map(|r| r.record.id.as_str()).collect();
        let mut audit: Vec<AuditEvent> = input
            .audit_trail()
            .iter()
            .filter(|e| {
                let d = e.at.date();
                !(filter.from.is_some_and(|f| d < f) || filter.to.is_some_and(|t| d > t))
            })
            .filter(|e| filter.accounts.is_empty() || e.record.as_deref().is_some_and(|r| shown.contains(r)))
            .cloned()
            .collect();
        // Stable sort: events of one instant keep their trail order.
        audit.sort_by_key(|e| e.at);
        Ok(MatchRecordReport { rows, audit })
    }
}

const RECORD_COLUMNS: &[Column] = &[
    col("record", "Match record", Kind::Text),
    col("account", "Account", Kind::Text),
    col("currency", "Currency", Kind::Text),
    col("status", "Status", Kind::Text),
    col("origin", "Rule", Kind::Text),
    col("score", "Score", Kind::Number),
    col("created_at", "Created at", Kind::DateTime),
    col("created_by", "Created by", Kind::Text),
    col("bank_entries", "Bank entries", Kind::Text),
    col("ledger_entries", "Ledger entries", Kind::Text),
    col("open_items", "Open items", Kind::Text),
    col("bank_amount", "Bank amount", Kind::Amount { total: true }),
    col("book_amount", "Book amount", Kind::Amount { total: true }),
    col("adjustment_amount", "Adjustments", Kind::Amount { total: true }),
    col("reasons", "Reasons", Kind::Text),
    col("cancelled_at", "Cancelled at", Kind::DateTime),
    col("cancelled_by", "Cancelled by", Kind::Text),
    col("cancel_reason", "Cancellation reason", Kind::Text),
    col("unresolved", "Entries not found", Kind::Text),
];

const AUDIT_COLUMNS: &[Column] = &[
    col("at", "At", Kind::DateTime),
    col("actor", "Actor", Kind::Text),
    col("action", "Action", Kind::Text),
    col("record", "Match record", Kind::Text),
    col("rule", "Rule", Kind::Text),
    col("score", "Score", Kind::Number),
    col("reasons", "Reasons", Kind::Text),
];

struct Records<'r>(&'r MatchRecordReport);
struct Audit<'r>(&'r MatchRecordReport);

fn joined(v: &[String]) -> Value<'static> {
    if v.is_empty() {
        Value::Empty
    } else {
        Value::owned(v.join(", "))
    }
}

impl TableSource for Records<'_> {
    fn name(&self) -> &'static str {
        "Match records"
    }
    fn columns(&self) -> &'static [Column] {
        RECORD_COLUMNS
    }
    fn write_rows(&self, out: &mut RowWriter<'_>) -> Result<(), ReportError> {
        for row in &self.0.rows {
            let r = &row.record;
            let items: Vec<String> = r.open_items.iter().map(|o| format!("{}: {}", o.id, o.amount)).collect();
            let c = r.cancelled.as_ref();
            let currency: Currency = r.currency;
            out.row(
                Some(currency),
                &[
                    Value::text(&r.id),
                    Value::opt_text(r.account.as_deref()),
                    Value::text(currency.code()),
                    Value::text(if r.is_active() { "active" } else { "cancelled" }),
                    Value::text(r.origin_label()),
                    Value::Number(r.score),
                    Value::DateTime(r.created_at),
                    Value::text(&r.created_by),
                    joined(&r.bank_entries),
                    joined(&r.ledger_entries),
                    joined(&items),
                    Value::Amount(row.bank_amount),
                    Value::Amount(row.book_amount),
                    Value::Amount(row.adjustment_amount),
                    if r.reasons.is_empty() { Value::Empty } else { Value::owned(r.reasons.join("; ")) },
                    c.map_or(Value::Empty, |c| Value::DateTime(c.at)),
                    Value::opt_text(c.map(|c| c.by.as_str())),
                    Value::opt_text(c.and_then(|c| c.reason.as_deref())),
                    joined(&row.unresolved),
                ],
            )?;
        }
        Ok(())
    }
}

impl TableSource for Audit<'_> {
    fn name(&self) -> &'static str {
        "Audit trail"
    }
    fn csv_suffix(&self) -> &'static str {
        "AuditTrail"
    }
    fn columns(&self) -> &'static [Column] {
        AUDIT_COLUMNS
    }
    fn write_rows(&self, out: &mut RowWriter<'_>) -> Result<(), ReportError> {
        for e in &self.0.audit {
            let action = serde_json::to_value(e.action).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
            out.row(
                None,
                &[
                    Value::DateTime(e.at),
                    Value::text(&e.actor),
                    Value::owned(action),
                    Value::opt_text(e.record.as_deref()),
                    Value::opt_text(e.rule.as_deref()),
                    e.score.map_or(Value::Empty, Value::Number),
                    if e.reasons.is_empty() { Value::Empty } else { Value::owned(e.reasons.join("; ")) },
                ],
            )?;
        }
        Ok(())
    }
}

impl Sealed for MatchRecordReport {
    fn meta(&self) -> ReportMeta {
        let active = self.rows.iter().filter(|r| r.record.is_active()).count();
        ReportMeta {
            file_stem: "MatchRecords",
            title: "Match records",
            lines: vec![
                ("Account", TitleValue::Text("all accounts".to_owned())),
                (
                    "Records",
                    TitleValue::Text(format!("{} records, {} active, {} cancelled", self.rows.len(), active, self.rows.len() - active)),
                ),
            ],
        }
    }
    fn tables(&self) -> Vec<Box<dyn TableSource + '_>> {
        vec![Box::new(Records(self)), Box::new(Audit(self))]
    }
}

impl Report for MatchRecordReport {}

//! Manual work on match records: match by hand, unmatch, and the audit trail.
//!
//! A [`MatchBook`] holds every match record (active and cancelled) and the audit trail. It never
//! deletes: unmatching sets the record's cancellation and appends an event, so the members are
//! open again and the history stays.

use std::collections::{HashMap, HashSet};

use bankrec_model::{
    AccountMap, AdjustmentKind, AdjustmentLine, AuditAction, AuditEvent, BankEntry, Cancellation, Currency, Decimal, GlAccount,
    LedgerEntry, MatchOrigin, MatchRecord, OpenItem, OpenItemAllocation, Timestamp,
};
use serde::{Deserialize, Serialize};

use crate::engine::{record_id, MatchOutcome};
use crate::error::{EntrySide, MatchError};
use bankrec_model::Records;

/// A difference carried to a named account in a manual match.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ManualAdjustment {
    /// The account.
    pub account: GlAccount,
    /// Why.
    pub kind: AdjustmentKind,
    /// Free text.
    pub description: Option<String>,
}

impl ManualAdjustment {
    /// An adjustment to an account.
    pub fn new(account: GlAccount, kind: AdjustmentKind) -> ManualAdjustment {
        ManualAdjustment { account, kind, description: None }
    }
}

/// What a person selected to match: any bank entries with any ledger entries and open items.
///
/// ```
/// use bankrec_match::ManualMatch;
/// let request = ManualMatch::new().bank("B1").ledger("L1").open_item("I1", None);
/// assert_eq!(request.bank_entries, ["B1"]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ManualMatch {
    /// Bank entry ids.
    pub bank_entries: Vec<String>,
    /// Ledger entry ids.
    pub ledger_entries: Vec<String>,
    /// Open item ids and the amount to apply (`None`: the whole open amount).
    pub open_items: Vec<(String, Option<Decimal>)>,
    /// Where a difference between the sides goes.
    pub adjustment: Option<ManualAdjustment>,
    /// A note recorded as a reason.
    pub note: Option<String>,
}

impl ManualMatch {
    /// An empty selection.
    pub fn new() -> ManualMatch {
        ManualMatch::default()
    }
    /// Adds a bank entry.
    pub fn bank(mut self, id: impl Into<String>) -> Self {
        self.bank_entries.push(id.into());
        self
    }
    /// Adds a ledger entry.
    pub fn ledger(mut self, id: impl Into<String>) -> Self {
        self.ledger_entries.push(id.into());
        self
    }
    /// Adds an open item, optionally with the amount to apply.
    pub fn open_item(mut self, id: impl Into<String>, amount: Option<Decimal>) -> Self {
        self.open_items.push((id.into(), amount));
        self
    }
    /// Carries the difference to an account.
    pub fn with_adjustment(mut self, adjustment: ManualAdjustment) -> Self {
        self.adjustment = Some(adjustment);
        self
    }
    /// Adds a note.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }
}

/// Which audit events to list; every field left `None` matches all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuditFilter {
    /// Only this actor.
    pub actor: Option<String>,
    /// Only this action.
    pub action: Option<AuditAction>,
    /// Only this rule name (or `manual`).
    pub rule: Option<String>,
    /// Only this record.
    pub record: Option<String>,
    /// Only events at or after.
    pub from: Option<Timestamp>,
    /// Only events before.
    pub until: Option<Timestamp>,
}

impl AuditFilter {
    /// Matches everything.
    pub fn new() -> AuditFilter {
        AuditFilter::default()
    }

    /// Only this actor.
    pub fn actor(mut self, actor: impl Into<String>) -> Self {
        self.actor = Some(actor.into());
        self
    }
    /// Only this action.
    pub fn action(mut self, action: AuditAction) -> Self {
        self.action = Some(action);
        self
    }
    /// Only this rule name (or `manual`).
    pub fn rule(mut self, rule: impl Into<String>) -> Self {
        self.rule = Some(rule.into());
        self
    }
    /// Only this record.
    pub fn record(mut self, record: impl Into<String>) -> Self {
        self.record = Some(record.into());
        self
    }
    /// Only events at or after.
    pub fn from(mut self, at: Timestamp) -> Self {
        self.from = Some(at);
        self
    }
    /// Only events before.
    pub fn until(mut self, at: Timestamp) -> Self {
        self.until = Some(at);
        self
    }

    /// True when the event passes the filter.
    pub fn accepts(&self, e: &AuditEvent) -> bool {
        self.actor.as_ref().is_none_or(|a| &e.actor == a)
            && self.action.is_none_or(|a| e.action == a)
            && self.rule.as_ref().is_none_or(|r| e.rule.as_ref() == Some(r))
            && self.record.as_ref().is_none_or(|r| e.record.as_ref() == Some(r))
            && self.from.is_none_or(|f| e.at >= f)
            && self.until.is_none_or(|u| e.at < u)
    }
}

/// The match records of a set of accounts and their audit trail.
///
/// ```
/// use bankrec_match::{ManualMatch, MatchBook};
/// use bankrec_model::{AccountId, BankEntry, Currency, Decimal, Direction, LedgerEntry, Timestamp};
/// use time::macros::date;
///
/// let account = AccountId::iban("DE89370400440532013000").expect("valid");
/// let bank = vec![BankEntry::new(account, Decimal::new(5000, 2), Currency::EUR, Direction::Debit, Some(date!(2024-03-04))).with_id("B1")];
/// let ledger = vec![LedgerEntry::new("L1", date!(2024-03-04), "1200", Decimal::new(-5000, 2), Currency::EUR)];
/// let now: Timestamp = "2024-03-05T08:00:00Z".parse().expect("timestamp");
///
/// let mut book = MatchBook::new();
/// let id = book.match_manually(&ManualMatch::new().bank("B1").ledger("L1"), &bank, &ledger, &[], None, "anna", now).expect("sums agree");
/// assert!(book.active_record_of_bank("B1").is_some());
/// book.unmatch(&id, "anna", now, Some("wrong invoice")).expect("active");
/// assert!(book.active_record_of_bank("B1").is_none());
/// assert_eq!(book.audit().len(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "BookParts")]
pub struct MatchBook {
    records: Vec<MatchRecord>,
    audit: Vec<AuditEvent>,
}

/// A book as stored, checked by [`MatchBook::from_parts`] when read.
#[derive(Deserialize)]
struct BookParts {
    records: Vec<MatchRecord>,
    audit: Vec<AuditEvent>,
}

impl TryFrom<BookParts> for MatchBook {
    type Error = MatchError;

    fn try_from(parts: BookParts) -> Result<MatchBook, MatchError> {
        MatchBook::from_parts(parts.records, parts.audit)
    }
}

impl MatchBook {
    /// An empty book.
    pub fn new() -> MatchBook {
        MatchBook::default()
    }

    /// A book from stored records and audit trail. Fails when an id repeats or a bank or ledger
    /// entry is in two active records. An open item may be in several active records, each
    /// allocating part of it (partial payments); [`MatchBook::check_allocations`] checks that
    /// they stay within its open amount.
    pub fn from_parts(mut records: Vec<MatchRecord>, mut audit: Vec<AuditEvent>) -> Result<MatchBook, MatchError> {
        MatchBook::take_parts(&mut records, &mut audit)
    }

    /// [`MatchBook::from_parts`] on records the caller keeps: they are checked where they lie and
    /// taken (with the audit trail) only when they hold together, so on an error the caller still
    /// has them.
    pub fn take_parts(records: &mut Vec<MatchRecord>, audit: &mut Vec<AuditEvent>) -> Result<MatchBook, MatchError> {
        let mut taken = Taken::default();
        records.iter().try_for_each(|r| taken.admit(r))?;
        Ok(MatchBook { records: std::mem::take(records), audit: std::mem::take(audit) })
    }

    /// The records and the audit trail, taken out of the book (the inverse of
    /// [`MatchBook::from_parts`]).
    pub fn into_parts(self) -> (Vec<MatchRecord>, Vec<AuditEvent>) {
        (self.records, self.audit)
    }

    /// Every record, active and cancelled, in the order created.
    pub fn records(&self) -> &[MatchRecord] {
        &self.records
    }

    /// Active records.
    pub fn active_records(&self) -> impl Iterator<Item = &MatchRecord> {
        self.records.iter().filter(|r| r.is_active())
    }

    /// The audit trail, oldest first.
    pub fn audit(&self) -> &[AuditEvent] {
        &self.audit
    }

    /// Audit events passing a filter, oldest first.
    pub fn audit_filtered(&self, filter: &AuditFilter) -> Vec<&AuditEvent> {
        self.audit.iter().filter(|e| filter.accepts(e)).collect()
    }

    /// The active record holding a bank entry.
    pub fn active_record_of_bank(&self, id: &str) -> Option<&MatchRecord> {
        self.active_records().find(|r| r.bank_entries.iter().any(|b| b == id))
    }

    /// The active record holding a ledger entry.
    pub fn active_record_of_ledger(&self, id: &str) -> Option<&MatchRecord> {
        self.active_records().find(|r| r.ledger_entries.iter().any(|b| b == id))
    }

    /// The first active record holding an open item (an item partly paid several times is in
    /// several: see [`MatchBook::active_records_of_open_item`]).
    pub fn active_record_of_open_item(&self, id: &str) -> Option<&MatchRecord> {
        self.active_records().find(|r| r.open_items.iter().any(|a| a.id == id))
    }

    /// Every active record allocating part or all of an open item, in the order created.
    pub fn active_records_of_open_item<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a MatchRecord> + 'a {
        self.active_records().filter(move |r| r.open_items.iter().any(|a| a.id == id))
    }

    /// What active records allocate to an open item in total.
    pub fn allocated_to(&self, id: &str) -> Decimal {
        self.active_records().flat_map(|r| &r.open_items).filter(|a| a.id == id).fold(Decimal::ZERO, |acc, a| acc.saturating_add(a.amount))
    }

    /// What is still open on an item: its open amount minus the active allocations, never below
    /// zero. Zero means the item is taken.
    pub fn remaining_open_amount(&self, item: &OpenItem) -> Decimal {
        item.open_amount.saturating_sub(self.allocated_to(&item.id)).max(Decimal::ZERO)
    }

    /// Checks that no open item is allocated beyond its open amount by the active records
    /// together (items not given are not checked).
    pub fn check_allocations(&self, open_items: &[OpenItem]) -> Result<(), MatchError> {
        for item in open_items {
            let allocated = self.allocated_to(&item.id);
            if allocated > item.open_amount {
                return Err(MatchError::AllocationOutOfRange { id: item.id.clone(), open: item.open_amount, requested: allocated });
            }
        }
        Ok(())
    }

    /// Refuses a record whose id is used or whose bank or ledger entries are in an active record.
    /// Open items may be shared: each record allocates its part (partial payments), and what
    /// remains is checked where the open amount is known ([`MatchBook::match_manually`], the
    /// engine, [`MatchBook::check_allocations`]).
    fn check_free(&self, r: &MatchRecord) -> Result<(), MatchError> {
        self.check_free_all(std::slice::from_ref(r))
    }

    /// [`MatchBook::check_free`] for records added one after the other, in one pass over the book.
    fn check_free_all(&self, new: &[MatchRecord]) -> Result<(), MatchError> {
        let mut taken = Taken::default();
        for r in &self.records {
            taken.hold(r);
        }
        for r in new {
            taken.admit(r)?;
        }
        Ok(())
    }

    /// Adds the records and audit events of an engine run. All or nothing: fails, adding nothing,
    /// when a record's id is used or one of its members is already in an active record.
    pub fn apply(&mut self, outcome: &MatchOutcome) -> Result<(), MatchError> {
        self.check_free_all(&outcome.matches)?;
        self.records.extend(outcome.matches.iter().cloned());
        self.audit.extend(outcome.audit_events());
        Ok(())
    }

    /// Matches a selection by hand after checking it: every id known, no bank or ledger entry
    /// already matched, each open item's amount within what remains open on it (its open amount
    /// minus the allocations of active records: an item can be paid in parts), one account (bank
    /// entries selected alone, such as a reversal or the two legs of a transfer, may sit on
    /// several of the company's own accounts in the map), one currency, and the sides summing to the same amount or the difference carried by the
    /// adjustment. Returns the new record's id. Each side is a slice of records or of references
    /// to records kept elsewhere ([`Records`]).
    #[allow(clippy::too_many_arguments)]
    pub fn match_manually<'a>(
        &mut self,
        request: &ManualMatch,
        bank_entries: impl Into<Records<'a, BankEntry>>,
        ledger_entries: impl Into<Records<'a, LedgerEntry>>,
        open_items: impl Into<Records<'a, OpenItem>>,
        accounts: Option<&AccountMap>,
        actor: &str,
        now: Timestamp,
    ) -> Result<String, MatchError> {
        let (bank_entries, ledger_entries, open_items) = (bank_entries.into(), ledger_entries.into(), open_items.into());
        // Bank entries alone clear each other (a reversal, the two legs of a transfer between own
        // accounts) when there are at least two of them and they sum to zero.
        let bank_only = request.ledger_entries.is_empty() && request.open_items.is_empty();
        if request.bank_entries.is_empty() || (bank_only && request.bank_entries.len() < 2) {
            return Err(MatchError::NothingSelected);
        }
        let find_bank = |id: &str| {
            bank_entries.iter().find(|e| e.id == id).ok_or_else(|| MatchError::UnknownEntry { side: EntrySide::Bank, id: id.to_owned() })
        };
        let banks: Vec<&BankEntry> = request.bank_entries.iter().map(|id| find_bank(id)).collect::<Result<_, _>>()?;
        let ledgers: Vec<&LedgerEntry> = request
            .ledger_entries
            .iter()
            .map(|id| {
                ledger_entries
                    .iter()
                    .find(|e| &e.id == id)
                    .ok_or_else(|| MatchError::UnknownEntry { side: EntrySide::Ledger, id: id.clone() })
            })
            .collect::<Result<_, _>>()?;
        let items: Vec<(&OpenItem, Decimal)> = request
            .open_items
            .iter()
            .map(|(id, amount)| {
                let item = open_items
                    .iter()
                    .find(|e| &e.id == id)
                    .ok_or_else(|| MatchError::UnknownEntry { side: EntrySide::OpenItem, id: id.clone() })?;
                let remaining = self.remaining_open_amount(item);
                if remaining.is_zero() {
                    if let Some(r) = self.active_record_of_open_item(id) {
                        return Err(MatchError::AlreadyMatched { side: EntrySide::OpenItem, id: id.clone(), record: r.id.clone() });
                    }
                }
                let applied = amount.unwrap_or(remaining);
                if applied <= Decimal::ZERO || applied > remaining {
                    return Err(MatchError::AllocationOutOfRange { id: id.clone(), open: remaining, requested: applied });
                }
                Ok((item, applied))
            })
            .collect::<Result<_, _>>()?;

        // Taken entries first: that refusal tells the person more than a sum difference.
        let held = request
            .bank_entries
            .iter()
            .map(|id| (EntrySide::Bank, id.as_str(), self.active_record_of_bank(id)))
            .chain(request.ledger_entries.iter().map(|id| (EntrySide::Ledger, id.as_str(), self.active_record_of_ledger(id))));
        for (side, id, record) in held {
            if let Some(r) = record {
                return Err(MatchError::AlreadyMatched { side, id: id.to_owned(), record: r.id.clone() });
            }
        }

        let first = banks[0];
        let currency: Currency = first.currency;
        let account = first.account.as_str().to_owned();
        let mapped = accounts.and_then(|m| m.by_identifier(&first.account));
        for b in &banks {
            // Only the legs of a transfer may sit on different accounts, and only on accounts the
            // map knows as the company's own.
            let own_transfer_leg = bank_only && accounts.is_some_and(|m| m.by_identifier(&b.account).is_some()) && mapped.is_some();
            if b.account.as_str() != account && !own_transfer_leg {
                return Err(MatchError::AccountMismatch {
                    side: EntrySide::Bank,
                    id: b.id.clone(),
                    expected: account,
                    found: b.account.as_str().to_owned(),
                });
            }
            if b.currency != currency {
                return Err(MatchError::CurrencyMismatch {
                    side: EntrySide::Bank,
                    id: b.id.clone(),
                    expected: currency,
                    found: b.currency,
                });
            }
        }
        for l in &ledgers {
            if l.currency != currency {
                return Err(MatchError::CurrencyMismatch {
                    side: EntrySide::Ledger,
                    id: l.id.clone(),
                    expected: currency,
                    found: l.currency,
                });
            }
            if let Some(m) = mapped {
                // A line without a GL account is tied to none (as in the engine).
                if l.gl_account_code().is_some_and(|code| code != m.gl_account.code) {
                    return Err(MatchError::AccountMismatch {
                        side: EntrySide::Ledger,
                        id: l.id.clone(),
                        expected: m.gl_account.code.clone(),
                        found: l.gl_account.clone(),
                    });
                }
            }
        }
        for (i, _) in &items {
            if i.currency != currency {
                return Err(MatchError::CurrencyMismatch {
                    side: EntrySide::OpenItem,
                    id: i.id.clone(),
                    expected: currency,
                    found: i.currency,
                });
            }
            if let Some(expected) = i.bank_account.as_deref() {
                let ours = [Some(account.as_str()), mapped.map(|m| m.id.as_str())];
                if !ours.iter().flatten().any(|a| *a == expected) {
                    return Err(MatchError::AccountMismatch {
                        side: EntrySide::OpenItem,
                        id: i.id.clone(),
                        expected: account.clone(),
                        found: expected.to_owned(),
                    });
                }
            }
        }
        let overflow = || MatchError::InvalidAmount { value: Decimal::MAX, currency };
        let bank_sum = banks.iter().try_fold(Decimal::ZERO, |acc, b| acc.checked_add(b.signed_amount())).ok_or_else(overflow)?;
        let book_sum = ledgers
            .iter()
            .map(|l| l.signed_amount())
            .chain(items.iter().map(|(i, a)| i.settling_direction().signed(*a)))
            .try_fold(Decimal::ZERO, |acc, x| acc.checked_add(x))
            .ok_or_else(overflow)?;
        let difference = bank_sum.checked_sub(book_sum).ok_or_else(overflow)?;
        if !difference.is_zero() && request.adjustment.is_none() {
            return Err(MatchError::SumsDiffer { bank: bank_sum, book: book_sum, difference, currency });
        }
        if !currency.fits_minor_units(difference) {
            return Err(MatchError::InvalidAmount { value: difference, currency });
        }

        let bank_ids: Vec<&str> = banks.iter().map(|b| b.id.as_str()).collect();
        let ledger_ids: Vec<&str> = ledgers.iter().map(|l| l.id.as_str()).collect();
        let item_ids: Vec<&str> = items.iter().map(|(i, _)| i.id.as_str()).collect();
        let id = record_id("manual", &bank_ids, &ledger_ids, &item_ids, &|id| self.records.iter().any(|r| r.id == id));
        let mut r = MatchRecord::new(id.clone(), currency, MatchOrigin::Manual, now, actor.to_owned());
        r.account = Some(mapped.map_or(account, |m| m.id.clone()).into());
        r.bank_entries = bank_ids.iter().map(|s| (*s).to_owned()).collect();
        r.ledger_entries = ledger_ids.iter().map(|s| (*s).to_owned()).collect();
        r.open_items = items.iter().map(|(i, a)| OpenItemAllocation { id: i.id.clone(), amount: *a }).collect();
        r.score = 1.0;
        r.reasons.push(format!("matched by hand by {actor}"));
        r.reasons.push(format!("bank side {bank_sum} {currency}, book side {book_sum} {currency}"));
        if let (false, Some(adj)) = (difference.is_zero(), &request.adjustment) {
            r.adjustments.push(AdjustmentLine {
                account: adj.account.clone(),
                amount: difference,
                currency,
                kind: adj.kind,
                description: adj.description.clone(),
            });
            r.reasons.push(format!("difference {difference} {currency} carried to {} {}", adj.account.code, adj.account.title));
        }
        if let Some(note) = &request.note {
            r.reasons.push(note.clone());
        }
        self.check_free(&r)?;
        self.audit.push(AuditEvent::matched(&r));
        self.records.push(r);
        Ok(id)
    }

    /// Cancels an active record: its members are open again; the record stays, marked cancelled,
    /// and the audit trail records who, when and why.
    pub fn unmatch(&mut self, record_id: &str, actor: &str, now: Timestamp, reason: Option<&str>) -> Result<(), MatchError> {
        let r =
            self.records.iter_mut().find(|r| r.id == record_id).ok_or_else(|| MatchError::UnknownRecord { id: record_id.to_owned() })?;
        if !r.is_active() {
            return Err(MatchError::AlreadyCancelled { id: record_id.to_owned() });
        }
        r.cancelled = Some(Box::new(Cancellation { at: now, by: actor.to_owned(), reason: reason.map(str::to_owned) }));
        let mut ev = AuditEvent::new(now, actor, AuditAction::Unmatched).with_record(record_id);
        ev.rule = Some(r.origin_label().to_owned());
        ev.score = Some(r.score);
        if let Some(reason) = reason {
            ev = ev.with_reason(reason);
        }
        self.audit.push(ev);
        Ok(())
    }
}

/// The ids and active members of the records seen so far, so that each further record is checked
/// in constant time (checking each against all before it was quadratic: minutes at 1M records).
#[derive(Default)]
struct Taken<'a> {
    ids: HashSet<&'a str>,
    /// Bank or ledger entry to the active record holding it.
    held: HashMap<(EntrySide, &'a str), &'a str>,
}

impl<'a> Taken<'a> {
    /// Checks a record against those admitted before it, then admits it.
    fn admit(&mut self, r: &'a MatchRecord) -> Result<(), MatchError> {
        if self.ids.contains(r.id.as_str()) {
            return Err(MatchError::DuplicateRecord { id: r.id.clone() });
        }
        // All members are checked before any is taken: a record may name an entry twice.
        let held = |key| self.held.get(&key).map(|record| (key, *record));
        if let Some(((side, id), record)) = members(r).filter(|_| r.is_active()).find_map(held) {
            return Err(MatchError::AlreadyMatched { side, id: id.to_owned(), record: record.to_owned() });
        }
        self.hold(r);
        Ok(())
    }

    /// Takes a record's id and, when active, its members, unchecked (a record already in the book).
    fn hold(&mut self, r: &'a MatchRecord) {
        self.ids.insert(&r.id);
        if r.is_active() {
            self.held.extend(members(r).map(|key| (key, r.id.as_str())));
        }
    }
}

/// A record's bank and ledger entries.
fn members(r: &MatchRecord) -> impl Iterator<Item = (EntrySide, &str)> {
    let bank = r.bank_entries.iter().map(|b| (EntrySide::Bank, b.as_str()));
    bank.chain(r.ledger_entries.iter().map(|l| (EntrySide::Ledger, l.as_str())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2024-03-05T08:00:00Z".parse().expect("timestamp")
    }

    fn record(id: &str, bank: &[&str], ledger: &[&str]) -> MatchRecord {
        let mut r = MatchRecord::new(id, Currency::EUR, MatchOrigin::Manual, now(), "anna");
        r.bank_entries = bank.iter().map(|s| (*s).to_owned()).collect();
        r.ledger_entries = ledger.iter().map(|s| (*s).to_owned()).collect();
        r
    }

    fn cancelled(mut r: MatchRecord) -> MatchRecord {
        r.cancelled = Some(Box::new(Cancellation { at: now(), by: "anna".into(), reason: None }));
        r
    }

    fn outcome(matches: Vec<MatchRecord>) -> MatchOutcome {
        MatchOutcome {
            matches,
            proposals: Vec::new(),
            unmatched_bank: Vec::new(),
            unmatched_ledger: Vec::new(),
            unmatched_open_items: Vec::new(),
            postings: Vec::new(),
        }
    }

    #[test]
    fn from_parts_refuses_a_repeated_id_and_an_entry_held_twice() {
        let repeated = MatchBook::from_parts(vec![record("m1", &["B1"], &["L1"]), cancelled(record("m1", &["B2"], &[]))], Vec::new());
        assert_eq!(repeated, Err(MatchError::DuplicateRecord { id: "m1".into() }));
        let twice = MatchBook::from_parts(vec![record("m1", &["B1"], &["L1"]), record("m2", &["B2"], &["L1"])], Vec::new());
        assert_eq!(twice, Err(MatchError::AlreadyMatched { side: EntrySide::Ledger, id: "L1".into(), record: "m1".into() }));
        // Checked where they lie: refused records stay with the caller.
        let mut records = vec![record("m1", &["B1"], &["L1"]), record("m2", &["B2"], &["L1"])];
        assert!(MatchBook::take_parts(&mut records, &mut Vec::new()).is_err());
        assert_eq!(records.len(), 2);
    }

    #[test]
    fn from_parts_lets_cancelled_records_share_members_and_into_parts_gives_them_back() {
        let records =
            vec![cancelled(record("m1", &["B1"], &["L1"])), record("m2", &["B1"], &["L1"]), cancelled(record("m3", &["B1"], &[]))];
        let book = MatchBook::from_parts(records.clone(), Vec::new()).expect("one active holder each");
        assert_eq!(book.active_record_of_bank("B1").map(|r| r.id.as_str()), Some("m2"));
        assert_eq!(book.into_parts(), (records, Vec::new()));
    }

    #[test]
    fn apply_adds_nothing_when_one_record_collides() {
        let mut book = MatchBook::from_parts(vec![record("m1", &["B1"], &["L1"])], Vec::new()).expect("valid");
        let before = book.clone();
        // The second new record takes a bank entry the first new record holds.
        let run = outcome(vec![record("m2", &["B2"], &["L2"]), record("m3", &["B2"], &["L3"])]);
        assert_eq!(book.apply(&run), Err(MatchError::AlreadyMatched { side: EntrySide::Bank, id: "B2".into(), record: "m2".into() }));
        assert_eq!(book, before);
        // An id the book has, even on a cancelled record, is refused too.
        assert_eq!(book.apply(&outcome(vec![record("m1", &["B9"], &[])])), Err(MatchError::DuplicateRecord { id: "m1".into() }));
        book.apply(&outcome(vec![record("m2", &["B2"], &["L2"]), record("m3", &["B3"], &["L3"])])).expect("free members");
        assert_eq!(book.records().len(), 3);
        assert_eq!(book.audit().len(), 2);
    }

    #[test]
    fn a_stored_book_is_checked_when_read() {
        let valid = MatchBook::from_parts(vec![record("m1", &["B1"], &[]), record("m2", &["B2"], &[])], Vec::new()).expect("valid");
        let json = serde_json::to_string(&valid).expect("json");
        assert_eq!(serde_json::from_str::<MatchBook>(&json).expect("valid book"), valid);
        // Two active records holding B1, as a hand-edited file might.
        let invalid = MatchBook { records: vec![record("m1", &["B1"], &[]), record("m2", &["B1"], &[])], audit: Vec::new() };
        let json = serde_json::to_string(&invalid).expect("json");
        let err = serde_json::from_str::<MatchBook>(&json).expect_err("B1 twice");
        assert!(err.to_string().contains("B1"), "{err}");
    }

    #[test]
    fn apply_checks_only_the_new_records_of_a_book() {
        // A book that holds B1 twice (built in this module, past the checks): a run that does not
        // touch B1 is added; one that takes it is refused.
        let mut book = MatchBook { records: vec![record("m1", &["B1"], &[]), record("m2", &["B1"], &[])], audit: Vec::new() };
        book.apply(&outcome(vec![record("m3", &["B2"], &[])])).expect("B2 is free");
        let taken = book.apply(&outcome(vec![record("m4", &["B1"], &[])]));
        assert!(matches!(taken, Err(MatchError::AlreadyMatched { side: EntrySide::Bank, .. })), "{taken:?}");
    }
}

//! Statement validation and the statement archive.
//!
//! The checks ([`check_balance`], [`check_continuity`], [`check_negative_balances`]) return
//! findings as [`ImportError`]s with their own codes; they never refuse a statement, because real
//! files are often excerpts that do not balance. [`StatementArchive`] is where statements are
//! imported: it runs the checks, recognises a statement or entry seen before, lets a booked entry
//! supersede an earlier intraday or notification entry with the same id, and accounts for every
//! entry offered (accepted, rejected or duplicate).

use std::collections::{btree_map, BTreeMap, HashSet};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::account::AccountMap;
use crate::import_error::{ErrorCode, ImportError, Severity};
use crate::statement::{BankEntry, EntryStatus, Statement, StatementKind};

fn finding(statement: &Statement, code: ErrorCode, severity: Severity, message: String) -> ImportError {
    let mut e = ImportError::new(code, severity, message).with_account(statement.account.as_str()).with_statement(&statement.id);
    if let Some(date) = statement.to.or(statement.from) {
        e = e.with_date(date);
    }
    e
}

/// Checks opening booked + booked entries = closing booked, in the statement currency.
/// Reports a missing balance, entries in another currency, and a difference, each as a warning.
/// Reports and notifications (camt.052/054) usually carry no booked balances and are not checked.
pub fn check_balance(statement: &Statement) -> Vec<ImportError> {
    let mut out = Vec::new();
    for e in statement.entries.iter().filter(|e| e.currency != statement.currency) {
        out.push(
            finding(
                statement,
                ErrorCode::CurrencyMismatch,
                Severity::Warning,
                format!("entry in {} on a {} statement; left out of the balance check", e.currency, statement.currency),
            )
            .with_entry(&e.id),
        );
    }
    if statement.kind != StatementKind::Statement {
        return out;
    }
    let (Some(opening), Some(closing)) = (statement.opening_booked(), statement.closing_booked()) else {
        out.push(finding(
            statement,
            ErrorCode::MissingBalance,
            Severity::Warning,
            "no opening (OPBD/PRCD) and closing (CLBD) booked balance pair; balance not checked".to_owned(),
        ));
        return out;
    };
    let Some((credit, debit)) = statement.booked_totals() else {
        out.push(finding(statement, ErrorCode::InvalidAmount, Severity::Error, "entry sum overflows".to_owned()));
        return out;
    };
    let expected = opening.signed() + credit - debit;
    if expected != closing.signed() {
        out.push(finding(
            statement,
            ErrorCode::StatementUnbalanced,
            Severity::Warning,
            format!(
                "opening {} + credits {credit} - debits {debit} = {expected}, but closing is {} (difference {})",
                opening.signed(),
                closing.signed(),
                closing.signed() - expected
            ),
        ));
    }
    out
}

/// Checks that `next` continues `previous` (two statements of one account, in order): previous
/// closing booked = next opening booked, sequence numbers increase, periods do not overlap.
pub fn check_continuity(previous: &Statement, next: &Statement) -> Vec<ImportError> {
    let mut out = Vec::new();
    if let (Some(close), Some(open)) = (previous.closing_booked(), next.opening_booked()) {
        if close.signed() != open.signed() {
            out.push(finding(
                next,
                ErrorCode::BalanceBreak,
                Severity::Warning,
                format!(
                    "opening balance {} does not continue the closing balance {} of statement {}",
                    open.signed(),
                    close.signed(),
                    previous.id
                ),
            ));
        }
    }
    for (label, prev, cur) in
        [("electronic", previous.electronic_sequence, next.electronic_sequence), ("legal", previous.legal_sequence, next.legal_sequence)]
    {
        if let (Some(p), Some(c)) = (prev, cur) {
            if c <= p {
                out.push(finding(
                    next,
                    ErrorCode::SequenceBreak,
                    Severity::Warning,
                    format!("{label} sequence number {c} does not follow {p} of statement {}", previous.id),
                ));
            }
        }
    }
    if let (Some(prev_to), Some(next_from)) = (previous.to, next.from) {
        if next_from < prev_to {
            out.push(finding(
                next,
                ErrorCode::PeriodOverlap,
                Severity::Warning,
                format!("period starting {next_from} overlaps statement {} ending {prev_to}", previous.id),
            ));
        }
    }
    out
}

/// Reports every negative booked balance (and negative available balance) when the account does
/// not allow overdraft.
pub fn check_negative_balances(statement: &Statement, overdraft_allowed: bool) -> Vec<ImportError> {
    if overdraft_allowed {
        return Vec::new();
    }
    statement
        .balances
        .iter()
        .filter(|b| b.signed() < Decimal::ZERO)
        .map(|b| {
            let mut e = finding(
                statement,
                ErrorCode::NegativeBalance,
                Severity::Warning,
                format!("balance {} is {} but the account does not allow overdraft", b.kind, b.signed()),
            );
            if let Some(d) = b.date {
                e = e.with_date(d);
            }
            e
        })
        .collect()
}

/// What happened to one statement offered to the archive.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOutcome {
    /// The statement id.
    pub statement: String,
    /// False when the whole statement had been imported before.
    pub statement_accepted: bool,
    /// Ids of entries added.
    pub accepted: Vec<String>,
    /// Ids of entries that replaced an earlier intraday/notification entry (also in `accepted`).
    pub superseded: Vec<String>,
    /// Ids of entries refused (each has an error in `findings`).
    pub rejected: Vec<String>,
    /// Ids of entries seen before and not added again.
    pub duplicates: Vec<String>,
    /// Validation findings and the reasons for refusals.
    pub findings: Vec<ImportError>,
}

impl ImportOutcome {
    /// Entries offered: accepted + rejected + duplicates.
    pub fn offered(&self) -> usize {
        self.accepted.len() + self.rejected.len() + self.duplicates.len()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct ArchivedEntry {
    entry: BankEntry,
    statement: String,
    kind: StatementKind,
    // Earlier versions it replaced (intraday or notification entries).
    #[serde(default)]
    superseded: Vec<BankEntry>,
}

/// Every statement and entry imported so far, without duplicates.
///
/// ```
/// use bankrec_model::{AccountId, BankEntry, Currency, Direction, Statement, StatementArchive, StatementKind};
/// use rust_decimal::Decimal;
/// let iban = AccountId::iban("DE89370400440532013000").expect("valid");
/// let mut s = Statement::new("2024-001", StatementKind::Statement, iban.clone(), Currency::EUR);
/// s.entries.push(BankEntry::new(iban, Decimal::new(1000, 2), Currency::EUR, Direction::Credit, None).with_acct_svcr_ref("A1"));
/// let mut archive = StatementArchive::new();
/// let first = archive.import(s.clone(), None);
/// assert_eq!(first.accepted, vec!["A1".to_owned()]);
/// let again = archive.import(s, None);
/// assert!(!again.statement_accepted);
/// assert_eq!(again.duplicates, vec!["A1".to_owned()]);
/// assert_eq!(archive.entries().count(), 1);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementArchive {
    // Statements by account, in import order; entries are kept in `entries`, not here.
    statements: BTreeMap<String, Vec<Statement>>,
    // Effective entries by account identifier, then by entry id.
    entries: BTreeMap<String, BTreeMap<String, ArchivedEntry>>,
}

impl StatementArchive {
    /// An empty archive.
    pub fn new() -> StatementArchive {
        StatementArchive::default()
    }

    /// Imports one statement. Entry ids must be set (readers call
    /// [`crate::assign_entry_ids`]; entries with an empty id get one here). With `accounts`,
    /// negative balances are checked against the account's overdraft setting and an unknown
    /// account is reported.
    pub fn import(&mut self, mut statement: Statement, accounts: Option<&AccountMap>) -> ImportOutcome {
        if statement.entries.iter().any(|e| e.id.is_empty()) {
            crate::statement::assign_entry_ids(&mut statement.entries);
        }
        let mut out = ImportOutcome { statement: statement.id.clone(), ..ImportOutcome::default() };
        let account_key = statement.account.as_str().to_owned();

        if let Some(previous) = self.find_same_statement(&statement) {
            out.findings.push(finding(
                &statement,
                ErrorCode::DuplicateStatement,
                Severity::Warning,
                format!("statement {} of this account was imported before; not added again", previous),
            ));
            out.duplicates = statement.entries.iter().map(|e| e.id.clone()).collect();
            return out;
        }
        out.statement_accepted = true;

        out.findings.extend(check_balance(&statement));
        if let Some(map) = accounts {
            match map.by_identifier(&statement.account) {
                Some(account) => out.findings.extend(check_negative_balances(&statement, account.overdraft_allowed)),
                None => out.findings.push(finding(
                    &statement,
                    ErrorCode::UnknownAccount,
                    Severity::Warning,
                    "the statement's account is not in the account map".to_owned(),
                )),
            }
        }
        if statement.kind == StatementKind::Statement {
            if let Some(previous) = self.previous_statement(&statement) {
                out.findings.extend(check_continuity(previous, &statement));
            }
        }

        let entries = std::mem::take(&mut statement.entries);
        // Membership only: a hash set (a B-tree of a statement's ids cost a tenth of an import).
        let mut seen_in_statement: HashSet<String> = HashSet::with_capacity(entries.len());
        // The account's entries, looked up once; dropped again below when none was added.
        let account_entries = self.entries.entry(account_key.clone()).or_default();
        for entry in entries {
            let id = entry.id.clone();
            if let Some(reason) = structural_problem(&statement, &entry) {
                out.findings.push(finding(&statement, ErrorCode::InvalidValue, Severity::Error, reason).with_entry(&id));
                out.rejected.push(id);
                continue;
            }
            if !seen_in_statement.insert(id.clone()) {
                out.findings.push(duplicate_finding(&statement, &id, "appears twice in this statement"));
                out.duplicates.push(id);
                continue;
            }
            // One search of the account's entries, for a new id as for a known one.
            let existing = match account_entries.entry(id.clone()) {
                btree_map::Entry::Vacant(slot) => {
                    slot.insert(ArchivedEntry { entry, statement: statement.id.clone(), kind: statement.kind, superseded: Vec::new() });
                    out.accepted.push(id);
                    continue;
                }
                btree_map::Entry::Occupied(slot) => slot.into_mut(),
            };
            match existing {
                existing if supersedes(&entry, statement.kind, existing) => {
                    out.findings.push(
                        finding(
                            &statement,
                            ErrorCode::EntrySuperseded,
                            Severity::Info,
                            format!("booked entry replaces the {:?} entry from {}", existing.entry.status, existing.statement),
                        )
                        .with_entry(&id),
                    );
                    let old = std::mem::replace(&mut existing.entry, entry);
                    existing.superseded.push(old);
                    existing.statement = statement.id.clone();
                    existing.kind = statement.kind;
                    out.superseded.push(id.clone());
                    out.accepted.push(id);
                }
                existing => {
                    let msg = format!("already imported from statement {}", existing.statement);
                    out.findings.push(duplicate_finding(&statement, &id, &msg));
                    out.duplicates.push(id);
                }
            }
        }
        if account_entries.is_empty() {
            self.entries.remove(&account_key);
        }
        self.statements.entry(account_key).or_default().push(statement);
        out
    }

    fn find_same_statement(&self, statement: &Statement) -> Option<&str> {
        let list = self.statements.get(statement.account.as_str())?;
        list.iter()
            .find(|s| {
                s.kind == statement.kind
                    && (s.id == statement.id
                        || (s.electronic_sequence.is_some()
                            && s.electronic_sequence == statement.electronic_sequence
                            && s.from == statement.from
                            && s.to == statement.to))
            })
            .map(|s| s.id.as_str())
    }

    // The latest end-of-period statement of the account that precedes `statement`: by electronic
    // sequence when both have one, else by period end.
    fn previous_statement(&self, statement: &Statement) -> Option<&Statement> {
        let list = self.statements.get(statement.account.as_str())?;
        list.iter()
            .filter(|s| s.kind == StatementKind::Statement)
            .filter(|s| match (s.electronic_sequence, statement.electronic_sequence, s.to, statement.from) {
                (Some(a), Some(b), _, _) => a < b,
                (_, _, Some(to), Some(from)) => to <= from,
                _ => false,
            })
            .max_by_key(|s| (s.electronic_sequence, s.to))
    }

    /// Statements of all accounts (headers and balances; entries are in [`StatementArchive::entries`]).
    pub fn statements(&self) -> impl Iterator<Item = &Statement> {
        self.statements.values().flatten()
    }

    /// Every effective entry (superseded versions left out), by account and id.
    pub fn entries(&self) -> impl Iterator<Item = &BankEntry> {
        self.entries.values().flat_map(|m| m.values()).map(|a| &a.entry)
    }

    fn archived(&self, account: &str, id: &str) -> Option<&ArchivedEntry> {
        self.entries.get(account)?.get(id)
    }

    /// The entry with this id on this account.
    pub fn entry(&self, account: &str, id: &str) -> Option<&BankEntry> {
        self.archived(account, id).map(|a| &a.entry)
    }

    /// The statement an entry was (last) imported from.
    pub fn statement_of(&self, account: &str, id: &str) -> Option<&str> {
        self.archived(account, id).map(|a| a.statement.as_str())
    }

    /// Earlier versions an entry replaced.
    pub fn superseded_versions(&self, account: &str, id: &str) -> &[BankEntry] {
        self.archived(account, id).map(|a| a.superseded.as_slice()).unwrap_or(&[])
    }
}

fn duplicate_finding(statement: &Statement, id: &str, why: &str) -> ImportError {
    finding(statement, ErrorCode::DuplicateEntry, Severity::Warning, format!("entry {id} {why}; not added again")).with_entry(id)
}

// An entry that cannot belong to the statement as given.
fn structural_problem(statement: &Statement, entry: &BankEntry) -> Option<String> {
    if entry.account.as_str() != statement.account.as_str() {
        return Some(format!("entry of account {} in a statement of account {}", entry.account, statement.account));
    }
    if entry.amount.is_sign_negative() {
        return Some(format!("entry amount {} is negative; amounts are unsigned with a direction", entry.amount));
    }
    None
}

// A booked entry from an end-of-period statement replaces an intraday (camt.052) or notification
// (camt.054) entry, or any entry that was not booked yet. Nothing else replaces anything.
fn supersedes(new: &BankEntry, new_kind: StatementKind, existing: &ArchivedEntry) -> bool {
    new.status == EntryStatus::Booked
        && (existing.entry.status != EntryStatus::Booked
            || (new_kind == StatementKind::Statement && existing.kind != StatementKind::Statement))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::{AccountId, BankAccount, GlAccount};
    use crate::money::{Currency, Direction};
    use crate::statement::{Balance, BalanceKind};
    use proptest::prelude::*;
    use std::collections::BTreeSet;
    use time::macros::date;

    fn iban() -> AccountId {
        AccountId::iban("DE89370400440532013000").expect("valid")
    }

    fn bal(kind: BalanceKind, cents: i64) -> Balance {
        let (direction, amount) = Direction::split(Decimal::new(cents, 2));
        Balance { kind, amount, direction, currency: Currency::EUR, date: None, date_time: None }
    }

    fn entry(cents: i64, r: &str) -> BankEntry {
        let (dir, amount) = Direction::split(Decimal::new(cents, 2));
        BankEntry::new(iban(), amount, Currency::EUR, dir, Some(date!(2024 - 01 - 10))).with_acct_svcr_ref(r)
    }

    fn statement(id: &str, seq: u64, open: i64, close: i64, entries: Vec<BankEntry>) -> Statement {
        let mut s = Statement::new(id, StatementKind::Statement, iban(), Currency::EUR);
        s.electronic_sequence = Some(seq);
        s.from = Some(date!(2024 - 01 - 01) + time::Duration::days(seq as i64));
        s.to = s.from;
        s.balances = vec![bal(BalanceKind::OpeningBooked, open), bal(BalanceKind::ClosingBooked, close)];
        s.entries = entries;
        s
    }

    fn codes(v: &[ImportError]) -> Vec<ErrorCode> {
        v.iter().map(|e| e.code).collect()
    }

    #[test]
    fn unbalanced_statement_is_a_warning_with_the_difference() {
        let s = statement("S1", 1, 1000, 2000, vec![entry(500, "A")]);
        let f = check_balance(&s);
        assert_eq!(codes(&f), vec![ErrorCode::StatementUnbalanced]);
        assert_eq!(f[0].severity, Severity::Warning);
        assert!(f[0].message.contains("difference 5.00"), "{}", f[0].message);
        assert!(check_balance(&statement("S1", 1, 1000, 1500, vec![entry(500, "A")])).is_empty());
    }

    #[test]
    fn missing_balances_and_foreign_entries_are_reported() {
        let mut s = statement("S1", 1, 0, 0, vec![]);
        s.balances.clear();
        assert_eq!(codes(&check_balance(&s)), vec![ErrorCode::MissingBalance]);
        let mut e = entry(100, "X");
        e.currency = Currency::USD;
        let s = statement("S1", 1, 0, 0, vec![e]);
        assert_eq!(codes(&check_balance(&s)), vec![ErrorCode::CurrencyMismatch]);
    }

    #[test]
    fn continuity_breaks() {
        let a = statement("S1", 2, 0, 1000, vec![]);
        let ok = statement("S2", 3, 1000, 1000, vec![]);
        assert!(check_continuity(&a, &ok).is_empty());
        let mut bad = statement("S2", 2, 999, 999, vec![]);
        bad.from = Some(date!(2024 - 01 - 01));
        let f = codes(&check_continuity(&a, &bad));
        assert_eq!(f, vec![ErrorCode::BalanceBreak, ErrorCode::SequenceBreak, ErrorCode::PeriodOverlap]);
    }

    #[test]
    fn negative_balance_only_without_overdraft() {
        let s = statement("S1", 1, -500, -500, vec![]);
        assert_eq!(codes(&check_negative_balances(&s, false)), vec![ErrorCode::NegativeBalance; 2]);
        assert!(check_negative_balances(&s, true).is_empty());
    }

    #[test]
    fn archive_checks_accounts_and_continuity() {
        let mut map = AccountMap::new();
        map.insert(BankAccount::new("main", iban(), Currency::EUR, GlAccount::new("1200", "Bank"), "1290", date!(2024 - 01 - 01)))
            .expect("insert");
        let mut archive = StatementArchive::new();
        let o1 = archive.import(statement("S1", 1, 0, -100, vec![entry(-100, "A")]), Some(&map));
        assert_eq!(codes(&o1.findings), vec![ErrorCode::NegativeBalance]);
        let o2 = archive.import(statement("S2", 2, 0, 0, vec![]), Some(&map));
        assert_eq!(codes(&o2.findings), vec![ErrorCode::BalanceBreak]);
        let o3 = archive.import(statement("S3", 3, 0, 0, vec![]), None);
        assert!(o3.findings.is_empty());
        let unknown = AccountMap::new();
        let o4 = archive.import(statement("S4", 4, 0, 0, vec![]), Some(&unknown));
        assert_eq!(codes(&o4.findings), vec![ErrorCode::UnknownAccount]);
    }

    #[test]
    fn booked_entry_supersedes_intraday_entry() {
        let mut archive = StatementArchive::new();
        let mut report = Statement::new("R1", StatementKind::Report, iban(), Currency::EUR);
        report.entries.push(entry(100, "REF").with_status(EntryStatus::Pending));
        let o = archive.import(report, None);
        assert_eq!(o.accepted, vec!["REF".to_owned()]);
        let o = archive.import(statement("S1", 1, 0, 100, vec![entry(100, "REF")]), None);
        assert_eq!(o.superseded, vec!["REF".to_owned()]);
        assert!(o.findings.iter().any(|f| f.code == ErrorCode::EntrySuperseded));
        assert_eq!(archive.entries().count(), 1);
        assert_eq!(archive.entry(iban().as_str(), "REF").map(|e| e.status), Some(EntryStatus::Booked));
        assert_eq!(archive.superseded_versions(iban().as_str(), "REF").len(), 1);
        // A late notification of the same entry is a duplicate, not a replacement.
        let mut note = Statement::new("N1", StatementKind::Notification, iban(), Currency::EUR);
        note.entries.push(entry(100, "REF"));
        let o = archive.import(note, None);
        assert_eq!(o.duplicates, vec!["REF".to_owned()]);
        assert_eq!(archive.statement_of(iban().as_str(), "REF"), Some("S1"));
    }

    #[test]
    fn structural_problems_are_rejected() {
        let mut e = entry(100, "A");
        e.account = AccountId::iban("GB82WEST12345698765432").expect("valid");
        let mut archive = StatementArchive::new();
        let o = archive.import(statement("S1", 1, 0, 0, vec![e]), None);
        assert_eq!(o.rejected, vec!["A".to_owned()]);
        assert!(o.findings.iter().any(|f| f.code == ErrorCode::InvalidValue && f.severity == Severity::Error));
        assert_eq!(o.offered(), 1);
    }

    #[test]
    fn archive_json_round_trip() {
        let mut archive = StatementArchive::new();
        archive.import(statement("S1", 1, 0, 100, vec![entry(100, "A")]), None);
        let json = serde_json::to_string(&archive).expect("ser");
        assert_eq!(serde_json::from_str::<StatementArchive>(&json).expect("de"), archive);
    }

    proptest! {
        // The balance equation: closing = opening + credits - debits, exactly, whatever the entries;
        // any other closing balance is reported with the exact difference.
        #[test]
        fn balance_equation_holds_exactly(
            open in -1_000_000_000i64..1_000_000_000,
            moves in proptest::collection::vec(-100_000_000i64..100_000_000, 0..40),
            off in -1000i64..1000,
        ) {
            let entries: Vec<BankEntry> = moves.iter().enumerate().map(|(i, c)| entry(*c, &format!("E{i}"))).collect();
            let close = open + moves.iter().sum::<i64>();
            let balanced = statement("S", 1, open, close, entries.clone());
            prop_assert_eq!(balanced.balances_agree(), Some(true));
            prop_assert!(check_balance(&balanced).is_empty());
            let (credit, debit) = balanced.booked_totals().expect("no overflow");
            prop_assert_eq!(Decimal::new(open, 2) + credit - debit, Decimal::new(close, 2));
            if off != 0 {
                let wrong = statement("S", 1, open, close + off, entries);
                let f = check_balance(&wrong);
                prop_assert_eq!(f.len(), 1);
                prop_assert_eq!(f[0].code, ErrorCode::StatementUnbalanced);
                let expected_difference = format!("difference {})", Decimal::new(off, 2));
                prop_assert!(f[0].message.ends_with(&expected_difference), "{}", f[0].message);
            }
        }

        // Conservation: every entry offered is accepted, rejected or a duplicate, and the archive
        // holds exactly the distinct entries accepted, however often statements are re-imported.
        #[test]
        fn every_entry_is_accounted_for(
            plan in proptest::collection::vec((0u64..6, proptest::collection::vec((-500i64..500, 0u8..12), 0..8)), 1..12)
        ) {
            let mut archive = StatementArchive::new();
            let mut distinct = BTreeSet::new();
            let mut offered = 0;
            let mut accounted = 0;
            for (seq, raw) in plan {
                let entries: Vec<BankEntry> = raw.iter().map(|(c, r)| entry(*c, &format!("R{r}"))).collect();
                offered += entries.len();
                let o = archive.import(statement(&format!("S{seq}"), seq, 0, 0, entries), None);
                accounted += o.offered();
                distinct.extend(o.accepted.iter().cloned());
                for id in &o.duplicates {
                    prop_assert!(archive.entries().any(|e| &e.id == id) || o.rejected.contains(id) || !o.statement_accepted);
                }
            }
            prop_assert_eq!(offered, accounted);
            prop_assert_eq!(archive.entries().count(), distinct.len());
        }
    }
}

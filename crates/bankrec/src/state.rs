//! The reconciliation state an application keeps between runs: accounts, imported statements,
//! ledger, open items, match records, audit trail, import errors and slip proposals. It is saved
//! and loaded as JSON; importing the same files again changes nothing.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use bankrec_match::{ManualMatch, MatchBook, MatchInput, MatchOutcome, Matcher, RuleSet};
use bankrec_model::{
    AccountMap, AuditAction, AuditEvent, BankAccount, BankEntry, ErrorCode, GlAccount, ImportError, ImportOutcome, LedgerEntry,
    MatchRecord, OpenItem, ProposedSlip, SlipBook, Statement, StatementArchive, Timestamp, TitleRefusal,
};
use bankrec_report::{ExportFormat, ReconciliationStatement, ReportError, ReportInput, RunReportOptions, RunReports};
use serde::{Deserialize, Serialize};

use crate::connector::LedgerSource;
use crate::error::Error;
use crate::policy::{Action, Actor, Policy};

/// The version of the saved JSON form; bumped when it changes incompatibly.
pub const STATE_FORMAT_VERSION: u32 = 1;

/// Everything bankrec knows about a company's reconciliation, saved between runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReconciliationState {
    /// Format version of the saved form.
    pub format_version: u32,
    /// Bank accounts and their GL accounts.
    pub accounts: AccountMap,
    /// Imported statements and entries, without duplicates.
    pub archive: StatementArchive,
    /// Ledger entries by id.
    pub ledger: BTreeMap<String, LedgerEntry>,
    /// Open items by id.
    pub open_items: BTreeMap<String, OpenItem>,
    /// Match records, active and cancelled, in creation order.
    pub matches: Vec<MatchRecord>,
    /// The audit trail, in order.
    pub audit: Vec<AuditEvent>,
    /// Import errors and warnings kept for the integration-error report (duplicates excluded:
    /// they are reported to the caller of each import, and re-imports must not change the state).
    pub errors: Vec<ImportError>,
    /// Slip proposals.
    pub slips: SlipBook,
    /// The matching rules in force (TOML), when the application set them; the default rule set
    /// otherwise. Changed with [`ReconciliationState::set_rules`].
    #[serde(default)]
    pub rules_toml: Option<String>,
}

impl Default for ReconciliationState {
    fn default() -> Self {
        ReconciliationState {
            format_version: STATE_FORMAT_VERSION,
            accounts: AccountMap::new(),
            archive: StatementArchive::new(),
            ledger: BTreeMap::new(),
            open_items: BTreeMap::new(),
            matches: Vec::new(),
            audit: Vec::new(),
            errors: Vec::new(),
            slips: SlipBook::new(),
            rules_toml: None,
        }
    }
}

/// What merging ledger entries or open items changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeOutcome {
    /// Ids added.
    pub added: Vec<String>,
    /// Ids whose content changed (the source corrected them).
    pub updated: Vec<String>,
    /// Ids seen before with the same content.
    pub unchanged: Vec<String>,
}

impl ReconciliationState {
    /// An empty state.
    pub fn new() -> ReconciliationState {
        ReconciliationState::default()
    }

    /// Reads a saved state.
    pub fn from_reader(reader: impl Read) -> Result<ReconciliationState, serde_json::Error> {
        serde_json::from_reader(std::io::BufReader::new(reader))
    }

    /// Writes the state as pretty JSON.
    pub fn to_writer(&self, writer: impl Write) -> Result<(), serde_json::Error> {
        serde_json::to_writer_pretty(std::io::BufWriter::new(writer), self)
    }

    /// Loads a state file.
    pub fn load(path: impl AsRef<Path>) -> Result<ReconciliationState, Error> {
        let path = path.as_ref();
        let file = std::fs::File::open(path).map_err(|source| Error::Io { path: path.display().to_string(), source })?;
        let state: ReconciliationState = ReconciliationState::from_reader(file)
            .map_err(|e| Error::Format { path: path.display().to_string(), message: e.to_string() })?;
        if state.format_version != STATE_FORMAT_VERSION {
            return Err(Error::Format {
                path: path.display().to_string(),
                message: format!("state format version {} is not {STATE_FORMAT_VERSION}", state.format_version),
            });
        }
        Ok(state)
    }

    /// Saves the state: written to a temporary file beside `path`, then renamed over it, so a
    /// crash never leaves half a state.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), Error> {
        let path = path.as_ref();
        let io = |source| Error::Io { path: path.display().to_string(), source };
        let tmp = path.with_extension("json.tmp");
        let file = std::fs::File::create(&tmp).map_err(io)?;
        self.to_writer(file).map_err(|e| Error::Format { path: tmp.display().to_string(), message: e.to_string() })?;
        std::fs::rename(&tmp, path).map_err(io)
    }

    /// Asks the policy; a refusal is recorded in the audit trail and returned as
    /// [`Error::PermissionDenied`].
    pub fn authorize(&mut self, policy: &dyn Policy, actor: &Actor, action: Action, now: Timestamp) -> Result<(), Error> {
        match policy.check(actor, action) {
            Ok(()) => Ok(()),
            Err(reason) => {
                self.audit.push(AuditEvent::new(now, &actor.name, AuditAction::Refused).with_reason(format!("{action:?}: {reason}")));
                Err(Error::PermissionDenied { actor: actor.name.clone(), action, reason })
            }
        }
    }

    /// Adds a bank account (permission [`Action::ChangeAccounts`]).
    pub fn add_account(&mut self, policy: &dyn Policy, actor: &Actor, account: BankAccount, now: Timestamp) -> Result<(), Error> {
        self.authorize(policy, actor, Action::ChangeAccounts, now)?;
        let id = account.id.clone();
        self.accounts.insert(account)?;
        self.audit.push(AuditEvent::new(now, &actor.name, AuditAction::Configuration).with_reason(format!("bank account {id} added")));
        Ok(())
    }

    /// Imports statements into the archive: checks, duplicates, superseding. Findings other than
    /// duplicates are kept in [`ReconciliationState::errors`] (once, however often they recur).
    pub fn import_statements(&mut self, statements: impl IntoIterator<Item = Statement>) -> Vec<ImportOutcome> {
        let accounts = (!self.accounts.is_empty()).then_some(&self.accounts);
        let outcomes: Vec<ImportOutcome> = statements.into_iter().map(|s| self.archive.import(s, accounts)).collect();
        for finding in outcomes.iter().flat_map(|o| &o.findings) {
            if !matches!(finding.code, ErrorCode::DuplicateEntry | ErrorCode::DuplicateStatement) {
                self.record_error(finding.clone());
            }
        }
        outcomes
    }

    /// Keeps an import error for the integration-error report, unless the same one is kept already.
    pub fn record_error(&mut self, error: ImportError) {
        if !self.errors.contains(&error) {
            self.errors.push(error);
        }
    }

    /// Merges ledger entries by id: new ids are added, changed ones replaced, identical ones left.
    pub fn merge_ledger(&mut self, entries: impl IntoIterator<Item = LedgerEntry>) -> MergeOutcome {
        merge(&mut self.ledger, entries, |e| e.id.clone())
    }

    /// Merges open items by id, like [`ReconciliationState::merge_ledger`].
    pub fn merge_open_items(&mut self, items: impl IntoIterator<Item = OpenItem>) -> MergeOutcome {
        merge(&mut self.open_items, items, |i| i.id.clone())
    }

    /// Pulls ledger entries (for every account) and open items from a connector and merges them.
    pub fn pull<S: LedgerSource>(&mut self, source: &mut S) -> Result<(MergeOutcome, MergeOutcome), Error> {
        let mut entries = Vec::new();
        for account in self.accounts.iter() {
            entries.extend(source.ledger_entries(account).map_err(|e| Error::Source(Box::new(e)))?);
        }
        let items = source.open_items().map_err(|e| Error::Source(Box::new(e)))?;
        Ok((self.merge_ledger(entries), self.merge_open_items(items)))
    }

    /// The rules in force: those set with [`ReconciliationState::set_rules`], else the default set.
    pub fn rules(&self) -> Result<RuleSet, Error> {
        match &self.rules_toml {
            Some(text) => RuleSet::from_toml(text).map_err(|e| Error::Format { path: "state rules".into(), message: e.to_string() }),
            None => Ok(RuleSet::default()),
        }
    }

    /// Replaces the rules in force (permission [`Action::ChangeRules`]); recorded in the audit trail.
    pub fn set_rules(&mut self, policy: &dyn Policy, actor: &Actor, rules: &RuleSet, now: Timestamp) -> Result<(), Error> {
        self.authorize(policy, actor, Action::ChangeRules, now)?;
        let names: Vec<&str> = rules.rules().iter().map(|r| r.name.as_str()).collect();
        self.rules_toml = Some(rules.to_toml());
        self.audit
            .push(AuditEvent::new(now, &actor.name, AuditAction::Configuration).with_reason(format!("rules set: {}", names.join(", "))));
        Ok(())
    }

    /// Runs the matching engine over everything still open: archived bank entries, the ledger and
    /// the open items, keeping every earlier match. New records and their audit events are added
    /// to the state; the outcome (with proposals and what stays open) is returned.
    pub fn reconcile(&mut self, rules: &RuleSet, now: Timestamp) -> Result<MatchOutcome, Error> {
        // Lent by reference: copying every entry for the run doubled the memory a run needs.
        let bank: Vec<&BankEntry> = self.archive.entries().collect();
        let ledger: Vec<&LedgerEntry> = self.ledger.values().collect();
        let items: Vec<&OpenItem> = self.open_items.values().collect();
        let mut input = MatchInput::new(&bank, &ledger, &items).with_existing(&self.matches);
        if !self.accounts.is_empty() {
            input = input.with_accounts(&self.accounts);
        }
        let outcome = Matcher::new(rules.clone()).run(&input, now).map_err(|e| Error::Refused(e.to_string()))?;
        Self::with_match_book(&mut self.matches, &mut self.audit, |book| book.apply(&outcome))?;
        Ok(outcome)
    }

    // Runs a change on the match records and audit trail through the engine's MatchBook, which
    // checks that no entry ends up in two active matches.
    // The state's records and audit trail are passed as fields, so that the change may borrow
    // the rest of the state (the entries it matches).
    fn with_match_book<T>(
        matches: &mut Vec<MatchRecord>,
        audit: &mut Vec<AuditEvent>,
        change: impl FnOnce(&mut MatchBook) -> Result<T, bankrec_match::MatchError>,
    ) -> Result<T, Error> {
        // Taken only when they hold together: a state whose records do not (edited by hand, say)
        // is refused and kept as it was.
        let mut book = MatchBook::take_parts(matches, audit).map_err(|e| Error::Refused(e.to_string()))?;
        let result = change(&mut book).map_err(|e| Error::Refused(e.to_string()));
        (*matches, *audit) = book.into_parts();
        result
    }

    /// Matches a selection by hand (permission [`Action::ManualMatch`]); returns the record id.
    pub fn match_manually(&mut self, policy: &dyn Policy, actor: &Actor, request: &ManualMatch, now: Timestamp) -> Result<String, Error> {
        self.authorize(policy, actor, Action::ManualMatch, now)?;
        let bank: Vec<&BankEntry> = self.archive.entries().collect();
        let ledger: Vec<&LedgerEntry> = self.ledger.values().collect();
        let items: Vec<&OpenItem> = self.open_items.values().collect();
        let accounts = (!self.accounts.is_empty()).then_some(&self.accounts);
        Self::with_match_book(&mut self.matches, &mut self.audit, |book| {
            book.match_manually(request, &bank, &ledger, &items, accounts, &actor.name, now)
        })
    }

    /// Cancels a match (permission [`Action::Unmatch`]): both sides are open again.
    pub fn unmatch(&mut self, policy: &dyn Policy, actor: &Actor, record: &str, reason: Option<&str>, now: Timestamp) -> Result<(), Error> {
        self.authorize(policy, actor, Action::Unmatch, now)?;
        Self::with_match_book(&mut self.matches, &mut self.audit, |book| book.unmatch(record, &actor.name, now, reason))
    }

    fn account_of(&self, entry: &BankEntry) -> Result<BankAccount, Error> {
        self.accounts
            .by_identifier(&entry.account)
            .cloned()
            .ok_or_else(|| Error::Model(bankrec_model::ModelError::UnknownBankAccount { id: entry.account.to_string() }))
    }

    fn bank_entry(&self, id: &str) -> Result<BankEntry, Error> {
        self.archive.entries().find(|e| e.id == id).cloned().ok_or_else(|| Error::Refused(format!("unknown bank entry {id}")))
    }

    fn audit_slip(&mut self, now: Timestamp, actor: &Actor, what: String) {
        self.audit.push(AuditEvent::new(now, &actor.name, AuditAction::Slip).with_reason(what));
    }

    /// Proposes a slip for a bank entry with no counterpart in the books (permission
    /// [`Action::ChangeAccountTitle`]); an untitled deposit goes to the suspense account.
    pub fn propose_slip(
        &mut self,
        policy: &dyn Policy,
        actor: &Actor,
        bank_entry: &str,
        title: Option<GlAccount>,
        now: Timestamp,
    ) -> Result<ProposedSlip, Error> {
        self.authorize(policy, actor, Action::ChangeAccountTitle, now)?;
        let entry = self.bank_entry(bank_entry)?;
        let account = self.account_of(&entry)?;
        let slip = self.slips.propose(&entry, &account, title)?.clone();
        self.audit_slip(now, actor, format!("slip proposed for {bank_entry} to {} {}", slip.title.code, slip.title.title));
        Ok(slip)
    }

    /// Sets one account title on many proposed slips (permission [`Action::ChangeAccountTitle`]).
    pub fn set_account_title(
        &mut self,
        policy: &dyn Policy,
        actor: &Actor,
        bank_entries: &[&str],
        title: &GlAccount,
        now: Timestamp,
    ) -> Result<(usize, Vec<TitleRefusal>), Error> {
        self.authorize(policy, actor, Action::ChangeAccountTitle, now)?;
        let (changed, refused) = self.slips.set_title(bank_entries, title);
        self.audit_slip(now, actor, format!("account title {} set on {changed} slip(s), {} refused", title.code, refused.len()));
        Ok((changed, refused))
    }

    /// Creates a proposed slip in the books (permission [`Action::CreateSlip`]): the new ledger
    /// line is added to the ledger and returned.
    pub fn create_slip(
        &mut self,
        policy: &dyn Policy,
        actor: &Actor,
        bank_entry: &str,
        slip_number: &str,
        now: Timestamp,
    ) -> Result<LedgerEntry, Error> {
        self.authorize(policy, actor, Action::CreateSlip, now)?;
        let line = self.slips.create(bank_entry, slip_number)?;
        self.ledger.insert(line.id.clone(), line.clone());
        self.audit_slip(now, actor, format!("slip {slip_number} created for {bank_entry}"));
        Ok(line)
    }

    /// Deletes a proposed slip (permission [`Action::DeleteSlip`]).
    pub fn delete_slip(&mut self, policy: &dyn Policy, actor: &Actor, bank_entry: &str, now: Timestamp) -> Result<(), Error> {
        self.authorize(policy, actor, Action::DeleteSlip, now)?;
        self.slips.delete(bank_entry)?;
        self.audit_slip(now, actor, format!("proposed slip for {bank_entry} deleted"));
        Ok(())
    }

    /// Builds every report of the state (reconciliation statement, balance comparison, histories,
    /// import errors, match records).
    pub fn reports(&self, options: &RunReportOptions) -> Result<RunReports, Error> {
        self.with_report_input(|input| RunReports::build(input, options))
    }

    /// Builds the bank reconciliation statement alone, as [`ReconciliationState::reports`] builds
    /// it: for a caller that shows or checks the statement and exports nothing (the histories of
    /// a large archive are the larger part of the reports).
    pub fn reconciliation_statement(&self, options: &RunReportOptions) -> Result<ReconciliationStatement, Error> {
        self.with_report_input(|input| ReconciliationStatement::build(input, options.as_of, &options.reconciliation))
    }

    /// Builds the reports one at a time and writes each into every target (a directory, created
    /// when missing, and a format) before building the next, so that a large archive's reports
    /// are never all held at once; the files of [`ReconciliationState::reports`] exported to each
    /// target. Returns the paths written, target by target.
    pub fn write_reports(&self, options: &RunReportOptions, targets: &[(&Path, ExportFormat)]) -> Result<Vec<PathBuf>, Error> {
        self.with_report_input(|input| bankrec_report::write_reports_to(input, options, targets))
    }

    /// Builds with the reports' input over the state; a report's error is a refusal. The ledger
    /// and open items are lent, not copied: the reports read them where the state keeps them.
    fn with_report_input<R>(&self, build: impl FnOnce(&ReportInput<'_>) -> Result<R, ReportError>) -> Result<R, Error> {
        let ledger: Vec<&LedgerEntry> = self.ledger.values().collect();
        let items: Vec<&OpenItem> = self.open_items.values().collect();
        let input = ReportInput::new(&self.accounts, &self.archive)
            .with_ledger(&ledger)
            .with_open_items(&items)
            .with_match_records(&self.matches)
            .with_audit_trail(&self.audit)
            .with_import_errors(&self.errors);
        build(&input).map_err(|e| Error::Refused(e.to_string()))
    }

    /// Active (not cancelled) match records.
    pub fn active_matches(&self) -> impl Iterator<Item = &MatchRecord> {
        self.matches.iter().filter(|m| m.is_active())
    }
}

fn merge<T: PartialEq>(map: &mut BTreeMap<String, T>, items: impl IntoIterator<Item = T>, id: impl Fn(&T) -> String) -> MergeOutcome {
    let mut out = MergeOutcome::default();
    for item in items {
        let key = id(&item);
        match map.get(&key) {
            Some(existing) if *existing == item => out.unchanged.push(key),
            Some(_) => {
                map.insert(key.clone(), item);
                out.updated.push(key);
            }
            None => {
                map.insert(key.clone(), item);
                out.added.push(key);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{AllowAll, RolePolicy};
    use bankrec_model::{AccountId, BankEntry, Currency, Decimal, Direction, GlAccount, StatementKind};
    use time::macros::date;

    fn now() -> Timestamp {
        "2024-12-01T09:00:00Z".parse().expect("timestamp")
    }

    fn account() -> BankAccount {
        BankAccount::new(
            "main",
            AccountId::iban("DE89370400440532013000").expect("iban"),
            Currency::EUR,
            GlAccount::new("1200", "Bank"),
            "1590",
            date!(2024 - 11 - 01),
        )
    }

    fn statement() -> Statement {
        let mut s = Statement::new("S1", StatementKind::Statement, account().identifier, Currency::EUR);
        s.entries.push(
            BankEntry::new(account().identifier, Decimal::new(100, 0), Currency::EUR, Direction::Credit, Some(date!(2024 - 11 - 02)))
                .with_acct_svcr_ref("R1"),
        );
        s
    }

    #[test]
    fn re_import_changes_nothing_and_state_round_trips() {
        let mut state = ReconciliationState::new();
        state.add_account(&AllowAll, &Actor::new("admin", ["admin"]), account(), now()).expect("allowed");
        state.import_statements([statement()]);
        state.merge_ledger([LedgerEntry::new("L1", date!(2024 - 11 - 02), "1200", Decimal::new(100, 0), Currency::EUR)]);
        let before = state.clone();
        let outcomes = state.import_statements([statement()]);
        assert_eq!(outcomes[0].duplicates, vec!["R1".to_owned()]);
        let merged = state.merge_ledger([LedgerEntry::new("L1", date!(2024 - 11 - 02), "1200", Decimal::new(100, 0), Currency::EUR)]);
        assert_eq!(merged.unchanged, vec!["L1".to_owned()]);
        assert_eq!(state, before);

        let dir = std::env::temp_dir().join(format!("bankrec-state-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("state.json");
        state.save(&path).expect("save");
        assert_eq!(ReconciliationState::load(&path).expect("load"), state);
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn records_that_do_not_hold_together_are_refused_and_kept() {
        let mut state = ReconciliationState::new();
        state.add_account(&AllowAll, &Actor::new("admin", ["admin"]), account(), now()).expect("allowed");
        state.import_statements([statement()]);
        // Edited by hand: two active records hold the same bank entry.
        let record = |id: &str| {
            let mut r = MatchRecord::new(id, Currency::EUR, bankrec_model::MatchOrigin::Manual, now(), "anna");
            r.bank_entries.push("R1".into());
            r
        };
        state.matches = vec![record("m1"), record("m2")];
        let before = state.clone();
        assert!(matches!(state.reconcile(&RuleSet::default(), now()), Err(Error::Refused(_))));
        assert!(matches!(state.unmatch(&AllowAll, &Actor::new("anna", ["clerk"]), "m1", None, now()), Err(Error::Refused(_))));
        assert_eq!(state, before, "nothing lost");
    }

    #[test]
    fn rules_are_kept_and_changed_under_permission() {
        let mut state = ReconciliationState::new();
        assert_eq!(state.rules().expect("default"), RuleSet::default());
        let custom = RuleSet::from_toml("[[rule]]\nname = \"only_references\"\nreference = \"in_remittance\"\n").expect("valid rules");
        let clerk = Actor::new("kim", ["clerk"]);
        let policy = RolePolicy::new().grant("controller", &[Action::ChangeRules]);
        assert!(state.set_rules(&policy, &clerk, &custom, now()).is_err());
        assert_eq!(state.rules().expect("still default"), RuleSet::default());
        state.set_rules(&policy, &Actor::new("ann", ["controller"]), &custom, now()).expect("allowed");
        assert_eq!(state.rules().expect("custom").rules()[0].name, "only_references");
        let json = serde_json::to_string(&state).expect("ser");
        let back: ReconciliationState = serde_json::from_str(&json).expect("de");
        assert_eq!(back.rules().expect("custom").rules()[0].name, "only_references");
        assert_eq!(state.audit.len(), 2, "the refusal and the change");
    }

    #[test]
    fn refusals_are_typed_and_audited() {
        let mut state = ReconciliationState::new();
        let policy = RolePolicy::new().grant("accountant", &[Action::ChangeAccounts]);
        let clerk = Actor::new("kim", ["clerk"]);
        let err = state.add_account(&policy, &clerk, account(), now()).expect_err("clerks may not");
        assert!(matches!(err, Error::PermissionDenied { action: Action::ChangeAccounts, .. }));
        assert_eq!(state.audit.len(), 1);
        assert_eq!(state.audit[0].action, AuditAction::Refused);
        assert!(state.accounts.is_empty());
    }

    #[test]
    fn load_reports_position_of_bad_json() {
        let dir = std::env::temp_dir().join(format!("bankrec-badstate-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("state.json");
        std::fs::write(&path, "{\n  \"format_version\": 1,\n  \"accounts\": 7\n}").expect("write");
        let err = ReconciliationState::load(&path).expect_err("bad state");
        assert!(err.to_string().contains("expected struct AccountMap at line 4"), "{err}");
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}

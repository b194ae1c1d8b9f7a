//! The reconciliation state an application keeps between runs: accounts, imported statements,
//! ledger, open items, match records, audit trail, import errors and slip proposals. It is saved
//! and loaded as JSON; importing the same files again changes nothing.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

use bankrec_model::{
    AccountMap, AuditAction, AuditEvent, BankAccount, ErrorCode, ImportError, ImportOutcome, LedgerEntry, MatchRecord, OpenItem, SlipBook,
    Statement, StatementArchive, Timestamp,
};
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

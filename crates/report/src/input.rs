//! What reports are built from: the account map, the statement archive, the books and the match
//! records, borrowed from the caller. Also the lookups every report shares.

use std::collections::HashMap;

use bankrec_model::{
    AccountMap, AuditEvent, BankAccount, BankEntry, Date, Decimal, EntryStatus, ImportError, LedgerEntry, MatchRecord, OpenItem, Records,
    StatementArchive, StatementKind,
};

/// The data of one reconciliation run, borrowed: reports read it and never change it.
///
/// ```
/// use bankrec_model::{AccountMap, StatementArchive};
/// use bankrec_report::ReportInput;
/// let (accounts, archive) = (AccountMap::new(), StatementArchive::new());
/// let input = ReportInput::new(&accounts, &archive).with_ledger(&[]).with_match_records(&[]);
/// assert!(input.ledger().is_empty());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    accounts: &'a AccountMap,
    archive: &'a StatementArchive,
    ledger: Records<'a, LedgerEntry>,
    open_items: Records<'a, OpenItem>,
    match_records: &'a [MatchRecord],
    audit_trail: &'a [AuditEvent],
    import_errors: &'a [ImportError],
}

impl<'a> ReportInput<'a> {
    /// Input with accounts and statements; books, matches and errors are added with `with_*`.
    pub fn new(accounts: &'a AccountMap, archive: &'a StatementArchive) -> ReportInput<'a> {
        ReportInput {
            accounts,
            archive,
            ledger: Records::Slice(&[]),
            open_items: Records::Slice(&[]),
            match_records: &[],
            audit_trail: &[],
            import_errors: &[],
        }
    }

    /// Sets the ledger entries (all GL accounts; reports pick the bank accounts' GL accounts): a
    /// slice of them, or of references to entries kept elsewhere.
    pub fn with_ledger(mut self, ledger: impl Into<Records<'a, LedgerEntry>>) -> Self {
        self.ledger = ledger.into();
        self
    }

    /// Sets the open items: a slice of them, or of references to items kept elsewhere.
    pub fn with_open_items(mut self, open_items: impl Into<Records<'a, OpenItem>>) -> Self {
        self.open_items = open_items.into();
        self
    }

    /// Sets the match records (cancelled ones included: they show in the audit report).
    pub fn with_match_records(mut self, records: &'a [MatchRecord]) -> Self {
        self.match_records = records;
        self
    }

    /// Sets the audit trail.
    pub fn with_audit_trail(mut self, events: &'a [AuditEvent]) -> Self {
        self.audit_trail = events;
        self
    }

    /// Sets the import errors of the run.
    pub fn with_import_errors(mut self, errors: &'a [ImportError]) -> Self {
        self.import_errors = errors;
        self
    }

    /// The account map.
    pub fn accounts(&self) -> &'a AccountMap {
        self.accounts
    }

    /// The statement archive.
    pub fn archive(&self) -> &'a StatementArchive {
        self.archive
    }

    /// The ledger entries.
    pub fn ledger(&self) -> Records<'a, LedgerEntry> {
        self.ledger
    }

    /// The open items.
    pub fn open_items(&self) -> Records<'a, OpenItem> {
        self.open_items
    }

    /// The match records.
    pub fn match_records(&self) -> &'a [MatchRecord] {
        self.match_records
    }

    /// The audit trail.
    pub fn audit_trail(&self) -> &'a [AuditEvent] {
        self.audit_trail
    }

    /// The import errors.
    pub fn import_errors(&self) -> &'a [ImportError] {
        self.import_errors
    }

    /// The account by its id or by its bank identifier (IBAN or other).
    pub fn account(&self, id_or_identifier: &str) -> Option<&'a BankAccount> {
        self.accounts.get(id_or_identifier).or_else(|| self.accounts.iter().find(|a| a.identifier.as_str() == id_or_identifier))
    }
}

/// The latest closing booked balance of an account on or before a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BankBalance {
    pub(crate) amount: Decimal,
    pub(crate) date: Date,
    pub(crate) statement: String,
}

/// Closing booked balance (`CLBD`) of the account's latest end-of-period statement whose balance
/// date (else period end) is on or before `as_of`, in the account currency. Ties are broken by
/// electronic sequence, then statement id, so the choice does not depend on import order.
pub(crate) fn bank_balance(input: &ReportInput<'_>, account: &BankAccount, as_of: Date) -> Option<BankBalance> {
    input
        .archive
        .statements()
        .filter(|s| s.kind == StatementKind::Statement && s.account.as_str() == account.identifier.as_str())
        .filter_map(|s| {
            let b = s.closing_booked().filter(|b| b.currency == account.currency)?;
            let date = b.date.or(s.to)?;
            (date <= as_of).then_some((date, s.electronic_sequence, s.id.as_str(), b.signed()))
        })
        .max_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)))
        .map(|(date, _, id, amount)| BankBalance { amount, date, statement: id.to_owned() })
}

/// Active match records by the entries they name.
pub(crate) struct MatchIndex<'a> {
    bank: HashMap<&'a str, Vec<&'a MatchRecord>>,
    ledger: HashMap<&'a str, Vec<&'a MatchRecord>>,
}

impl<'a> MatchIndex<'a> {
    pub(crate) fn new(records: &'a [MatchRecord]) -> MatchIndex<'a> {
        let mut active: Vec<&MatchRecord> = records.iter().filter(|r| r.is_active()).collect();
        // Sorted by id so that "the first record naming an entry" does not depend on input order.
        active.sort_by(|a, b| a.id.cmp(&b.id));
        let mut bank: HashMap<&str, Vec<&MatchRecord>> = HashMap::new();
        let mut ledger: HashMap<&str, Vec<&MatchRecord>> = HashMap::new();
        for r in active {
            for id in &r.bank_entries {
                bank.entry(id.as_str()).or_default().push(r);
            }
            for id in &r.ledger_entries {
                ledger.entry(id.as_str()).or_default().push(r);
            }
        }
        MatchIndex { bank, ledger }
    }

    /// Active records naming a bank entry of this account (a record names its account by id or
    /// identifier; a record without account applies to any).
    pub(crate) fn for_bank_entry<'s>(
        &'s self,
        entry: &'s BankEntry,
        account: Option<&'s BankAccount>,
    ) -> impl Iterator<Item = &'a MatchRecord> + 's {
        let identifier = entry.account.as_str();
        let account_id = account.map(|a| a.id.as_str());
        self.bank.get(entry.id.as_str()).into_iter().flatten().copied().filter(move |r| match r.account.as_deref() {
            None => true,
            Some(a) => a == identifier || Some(a) == account_id,
        })
    }

    /// Active records naming a ledger entry.
    pub(crate) fn for_ledger_entry(&self, id: &str) -> &[&'a MatchRecord] {
        self.ledger.get(id).map_or(&[], Vec::as_slice)
    }
}

/// True when a ledger line is on an account's books (in the account currency): booked to the
/// account's GL account; or, for a line that names no GL account (a ledger file without a GL
/// column, read for several bank accounts, which the matching engine lets pair with any account),
/// matched by an active record of this account, or, matched by none, when this is the only
/// account in its currency. An unmatched line without a GL account where several accounts share
/// its currency is on no account's books.
pub(crate) fn on_books_of(line: &LedgerEntry, account: &BankAccount, accounts: &AccountMap, index: &MatchIndex<'_>) -> bool {
    if line.currency != account.currency {
        return false;
    }
    if let Some(code) = line.gl_account_code() {
        return code == account.gl_account.code;
    }
    let records = index.for_ledger_entry(&line.id);
    if records.is_empty() {
        return accounts.iter().filter(|a| a.currency == line.currency).count() == 1;
    }
    records.iter().any(|r| r.account.as_deref().is_some_and(|a| a == account.id || a == account.identifier.as_str()))
}

/// Bank entries an account's reconciliation counts: booked, in the account currency.
pub(crate) fn counts_for_balance(entry: &BankEntry, account: &BankAccount) -> bool {
    entry.status == EntryStatus::Booked && entry.currency == account.currency
}

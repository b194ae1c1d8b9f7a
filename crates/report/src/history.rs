//! Transaction histories: deposits, withdrawals, or all bank entries, with filters.
//!
//! A history row is one bank entry as imported ("integrated"), with its account, whether an
//! active match record names it, and the slip numbers of the ledger entries it was matched to.
//! [`TransactionHistory::build`] collects rows from a [`ReportInput`]; [`write_history`] streams
//! rows from any iterator straight to a file, which is how very large exports stay in constant
//! memory.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{Seek, Write};
use std::path::Path;

use bankrec_model::{BankAccount, BankEntry, Currency, Date, Decimal, Direction, EntryStatus};
use serde::Serialize;

use crate::error::ReportError;
use crate::export::sealed::Sealed;
use crate::export::{ExportOptions, Report};
use crate::input::{MatchIndex, ReportInput};
use crate::table::{col, Column, Kind, ReportMeta, RowWriter, TableSource, TitleValue, Value};

/// Which entries a history shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum HistoryKind {
    /// Credits only: `DepositIntegrationHistory`.
    Deposits,
    /// Debits only: `WithdrawalIntegrationHistory`.
    Withdrawals,
    /// Every entry: `IntegratedAccountTransactionHistory`.
    All,
}

impl HistoryKind {
    /// The file stem of the export.
    pub fn file_stem(self) -> &'static str {
        match self {
            HistoryKind::Deposits => "DepositIntegrationHistory",
            HistoryKind::Withdrawals => "WithdrawalIntegrationHistory",
            HistoryKind::All => "IntegratedAccountTransactionHistory",
        }
    }

    fn title(self) -> &'static str {
        match self {
            HistoryKind::Deposits => "Deposit integration history",
            HistoryKind::Withdrawals => "Withdrawal integration history",
            HistoryKind::All => "Integrated account transaction history",
        }
    }

    fn admits(self, direction: Direction) -> bool {
        match self {
            HistoryKind::Deposits => direction == Direction::Credit,
            HistoryKind::Withdrawals => direction == Direction::Debit,
            HistoryKind::All => true,
        }
    }
}

/// One bank entry in a history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct HistoryRow {
    /// The bank account id, when the account map knows the account.
    pub account: Option<String>,
    /// The bank identifier (IBAN or other) of the entry.
    pub account_identifier: String,
    /// The bank's name, when known.
    pub bank: Option<String>,
    /// Booking date.
    pub booking_date: Option<Date>,
    /// Value date.
    pub value_date: Option<Date>,
    /// Deposit (credit) or withdrawal (debit).
    pub direction: Direction,
    /// Unsigned amount.
    pub amount: Decimal,
    /// Currency.
    pub currency: Currency,
    /// Counterparty name.
    pub counterparty: Option<String>,
    /// Counterparty account.
    pub counterparty_account: Option<String>,
    /// Payment reference: the first end-to-end id, else the first creditor reference.
    pub reference: Option<String>,
    /// Remittance text (unstructured lines), else the entry's additional information.
    pub remittance: Option<String>,
    /// The bank's reference (account servicer reference).
    pub bank_reference: Option<String>,
    /// The entry id.
    pub entry_id: String,
    /// The statement it was (last) imported from.
    pub statement: Option<String>,
    /// Booked, pending or information.
    pub status: EntryStatus,
    /// Ids of the active match records naming the entry.
    pub match_records: Vec<String>,
    /// Slip numbers of the ledger entries it is matched to.
    pub slip_numbers: Vec<String>,
    /// The GL account of the bank account, when known.
    pub gl_account: Option<String>,
}

impl HistoryRow {
    /// A row from the entry alone: no account, statement or match information yet.
    pub fn from_entry(entry: &BankEntry) -> HistoryRow {
        let text = entry.transaction.remittance.text();
        let party = entry.counterparty();
        HistoryRow {
            account: None,
            account_identifier: entry.account.as_str().to_owned(),
            bank: None,
            booking_date: entry.booking_date,
            value_date: entry.value_date,
            direction: entry.direction,
            amount: entry.amount,
            currency: entry.currency,
            counterparty: party.and_then(|p| p.name.clone()),
            counterparty_account: party.and_then(|p| p.account.as_ref()).map(|a| a.as_str().to_owned()),
            reference: entry
                .end_to_end_ids()
                .first()
                .map(|s| (*s).to_owned())
                .or_else(|| entry.creditor_refs().first().map(|r| r.reference.clone())),
            remittance: if text.is_empty() { entry.additional_info.clone() } else { Some(text) },
            bank_reference: entry.acct_svcr_ref.clone(),
            entry_id: entry.id.clone(),
            statement: None,
            status: entry.status,
            match_records: Vec::new(),
            slip_numbers: Vec::new(),
            gl_account: None,
        }
    }

    /// Sets the account fields from the account map's entry.
    pub fn with_account(mut self, account: &BankAccount) -> Self {
        self.account = Some(account.id.clone());
        self.bank = account.bank_name.clone().or_else(|| account.bic.as_ref().map(|b| b.as_str().to_owned()));
        self.gl_account = Some(account.gl_account.code.clone());
        self
    }

    /// True when an active match record names the entry.
    pub fn is_matched(&self) -> bool {
        !self.match_records.is_empty()
    }

    /// The signed amount: deposits positive, withdrawals negative.
    pub fn signed_amount(&self) -> Decimal {
        self.direction.signed(self.amount)
    }
}

/// Filters of a history; every condition set must hold. Built with the `with_*` methods and
/// checked when a report is built.
///
/// ```
/// use bankrec_model::Direction;
/// use bankrec_report::HistoryFilter;
/// use rust_decimal::Decimal;
/// use time::macros::date;
/// let f = HistoryFilter::default()
///     .with_dates(date!(2024-01-01), date!(2024-01-31))
///     .with_matched(false)
///     .with_amount_range(Some(Decimal::new(100, 0)), None)
///     .with_text("invoice");
/// assert!(f.check().is_ok());
/// assert!(HistoryFilter::default().with_dates(date!(2024-02-01), date!(2024-01-01)).check().is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct HistoryFilter {
    /// First booking date (inclusive).
    pub from: Option<Date>,
    /// Last booking date (inclusive).
    pub to: Option<Date>,
    /// Accounts by id or identifier; empty means all.
    pub accounts: Vec<String>,
    /// Bank name or BIC, case-insensitive substring.
    pub bank: Option<String>,
    /// Deposits or withdrawals only (within an "all transactions" history).
    pub direction: Option<Direction>,
    /// `Some(true)`: only entries matched to a ledger entry with a slip number; `Some(false)`: only those without.
    pub has_slip: Option<bool>,
    /// `Some(true)`: matched entries only; `Some(false)`: unmatched only.
    pub matched: Option<bool>,
    /// Smallest unsigned amount (inclusive).
    pub min_amount: Option<Decimal>,
    /// Largest unsigned amount (inclusive).
    pub max_amount: Option<Decimal>,
    /// Case-insensitive text in counterparty, references, remittance or entry id.
    pub text: Option<String>,
}

impl HistoryFilter {
    /// Booking dates from `from` to `to`, inclusive.
    pub fn with_dates(mut self, from: Date, to: Date) -> Self {
        self.from = Some(from);
        self.to = Some(to);
        self
    }

    /// Adds an account (id or identifier).
    pub fn with_account(mut self, account: impl Into<String>) -> Self {
        self.accounts.push(account.into());
        self
    }

    /// Bank name or BIC contains this text.
    pub fn with_bank(mut self, bank: impl Into<String>) -> Self {
        self.bank = Some(bank.into());
        self
    }

    /// Deposits or withdrawals only.
    pub fn with_direction(mut self, direction: Direction) -> Self {
        self.direction = Some(direction);
        self
    }

    /// With or without a slip number.
    pub fn with_slip(mut self, has_slip: bool) -> Self {
        self.has_slip = Some(has_slip);
        self
    }

    /// Matched or unmatched only.
    pub fn with_matched(mut self, matched: bool) -> Self {
        self.matched = Some(matched);
        self
    }

    /// Unsigned amount range, bounds inclusive.
    pub fn with_amount_range(mut self, min: Option<Decimal>, max: Option<Decimal>) -> Self {
        self.min_amount = min;
        self.max_amount = max;
        self
    }

    /// Text to search for.
    pub fn with_text(mut self, text: impl Into<String>) -> Self {
        self.text = Some(text.into());
        self
    }

    /// Refuses a filter that can match nothing by construction.
    pub fn check(&self) -> Result<(), ReportError> {
        if let (Some(f), Some(t)) = (self.from, self.to) {
            if f > t {
                return Err(ReportError::InvalidFilter { field: "dates", value: format!("from {f} is after to {t}") });
            }
        }
        if let (Some(a), Some(b)) = (self.min_amount, self.max_amount) {
            if a > b {
                return Err(ReportError::InvalidFilter { field: "amount", value: format!("minimum {a} is above maximum {b}") });
            }
        }
        for (field, v) in [("min_amount", self.min_amount), ("max_amount", self.max_amount)] {
            if v.is_some_and(|v| v.is_sign_negative() && !v.is_zero()) {
                return Err(ReportError::InvalidFilter {
                    field,
                    value: format!("{} is negative; amounts are unsigned", v.unwrap_or_default()),
                });
            }
        }
        Ok(())
    }

    /// True when the row passes every condition (accounts are compared by id and identifier).
    pub fn admits(&self, row: &HistoryRow) -> bool {
        let date = row.booking_date.or(row.value_date);
        if self.from.is_some_and(|f| date.is_none_or(|d| d < f)) || self.to.is_some_and(|t| date.is_none_or(|d| d > t)) {
            return false;
        }
        if !self.accounts.is_empty()
            && !self.accounts.iter().any(|a| row.account.as_deref() == Some(a.as_str()) || row.account_identifier == *a)
        {
            return false;
        }
        if let Some(bank) = &self.bank {
            if !row.bank.as_deref().is_some_and(|b| b.to_lowercase().contains(&bank.to_lowercase())) {
                return false;
            }
        }
        if self.direction.is_some_and(|d| d != row.direction)
            || self.matched.is_some_and(|m| m != row.is_matched())
            || self.has_slip.is_some_and(|s| s == row.slip_numbers.is_empty())
            || self.min_amount.is_some_and(|m| row.amount < m)
            || self.max_amount.is_some_and(|m| row.amount > m)
        {
            return false;
        }
        if let Some(text) = self.text.as_deref().map(str::to_lowercase).filter(|t| !t.is_empty()) {
            let fields = [
                row.counterparty.as_deref(),
                row.counterparty_account.as_deref(),
                row.reference.as_deref(),
                row.remittance.as_deref(),
                row.bank_reference.as_deref(),
                Some(row.entry_id.as_str()),
            ];
            if !fields.iter().flatten().any(|f| f.to_lowercase().contains(&text)) {
                return false;
            }
        }
        true
    }
}

/// A deposit, withdrawal or all-transactions history.
///
/// ```
/// use bankrec_model::{AccountId, AccountMap, BankEntry, Currency, Direction, Statement, StatementArchive, StatementKind};
/// use bankrec_report::{HistoryFilter, HistoryKind, ReportInput, TransactionHistory};
/// use rust_decimal::Decimal;
/// let iban = AccountId::iban("DE89370400440532013000").expect("valid");
/// let mut s = Statement::new("S1", StatementKind::Statement, iban.clone(), Currency::EUR);
/// s.entries.push(BankEntry::new(iban.clone(), Decimal::new(1000, 2), Currency::EUR, Direction::Credit, None).with_acct_svcr_ref("A"));
/// s.entries.push(BankEntry::new(iban, Decimal::new(250, 2), Currency::EUR, Direction::Debit, None).with_acct_svcr_ref("B"));
/// let mut archive = StatementArchive::new();
/// archive.import(s, None);
/// let accounts = AccountMap::new();
/// let input = ReportInput::new(&accounts, &archive);
/// let deposits = TransactionHistory::build(&input, HistoryKind::Deposits, &HistoryFilter::default()).expect("valid filter");
/// assert_eq!(deposits.rows.len(), 1);
/// assert_eq!(deposits.rows[0].entry_id, "A");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct TransactionHistory {
    /// Deposits, withdrawals or all.
    pub kind: HistoryKind,
    /// The date range filtered on, when any.
    pub period: Option<(Option<Date>, Option<Date>)>,
    /// The accounts filtered on (empty: all).
    pub accounts: Vec<String>,
    /// Rows ordered by date (undated last), account identifier and entry id.
    pub rows: Vec<HistoryRow>,
}

impl TransactionHistory {
    /// Collects the archive's effective entries (superseded versions left out) that pass the filter.
    pub fn build(input: &ReportInput<'_>, kind: HistoryKind, filter: &HistoryFilter) -> Result<TransactionHistory, ReportError> {
        filter.check()?;
        let index = MatchIndex::new(input.match_records());
        let by_identifier: HashMap<&str, &BankAccount> = input.accounts().iter().map(|a| (a.identifier.as_str(), a)).collect();
        let slips: HashMap<&str, &str> =
            input.ledger().iter().filter_map(|l| l.slip_number.as_deref().map(|s| (l.id.as_str(), s))).collect();
        let mut rows = Vec::new();
        for entry in input.archive().entries().filter(|e| kind.admits(e.direction)) {
            let account = by_identifier.get(entry.account.as_str()).copied();
            let mut row = HistoryRow::from_entry(entry);
            if let Some(a) = account {
                row = row.with_account(a);
            }
            row.statement = input.archive().statement_of(entry.account.as_str(), &entry.id).map(str::to_owned);
            for r in index.for_bank_entry(entry, account) {
                row.match_records.push(r.id.clone());
                for l in &r.ledger_entries {
                    if let Some(s) = slips.get(l.as_str()) {
                        if !row.slip_numbers.iter().any(|x| x == s) {
                            row.slip_numbers.push((*s).to_owned());
                        }
                    }
                }
            }
            if filter.admits(&row) {
                rows.push(row);
            }
        }
        rows.sort_by(|a, b| {
            let key = |r: &HistoryRow| (r.booking_date.or(r.value_date).is_none(), r.booking_date.or(r.value_date));
            key(a).cmp(&key(b)).then_with(|| a.account_identifier.cmp(&b.account_identifier)).then_with(|| a.entry_id.cmp(&b.entry_id))
        });
        let period = (filter.from.is_some() || filter.to.is_some()).then_some((filter.from, filter.to));
        Ok(TransactionHistory { kind, period, accounts: filter.accounts.clone(), rows })
    }

    /// The history of a narrower kind out of this one (deposits or withdrawals out of all
    /// transactions, with the same filter): what [`TransactionHistory::build`] gives for that
    /// kind, without reading the archive and matching the records again. A row's fields do not
    /// depend on the kind, and the rows keep their order.
    pub(crate) fn narrowed(&self, kind: HistoryKind) -> TransactionHistory {
        let rows = self.rows.iter().filter(|r| self.kind.admits(r.direction) && kind.admits(r.direction)).cloned().collect();
        TransactionHistory { kind, period: self.period, accounts: self.accounts.clone(), rows }
    }
}

// The columns of every history; `$amounts` are the amount columns of the kind.
macro_rules! history_columns {
    ($($amounts:expr),+) => {
        [
            col("account", "Account", Kind::Text),
            col("account_identifier", "IBAN / account no.", Kind::Text),
            col("bank", "Bank", Kind::Text),
            col("booking_date", "Booking date", Kind::Date),
            col("value_date", "Value date", Kind::Date),
            col("direction", "Direction", Kind::Text),
            $($amounts,)+
            col("currency", "Currency", Kind::Text),
            col("counterparty", "Counterparty", Kind::Text),
            col("counterparty_account", "Counterparty account", Kind::Text),
            col("reference", "Reference", Kind::Text),
            col("remittance", "Remittance information", Kind::Text),
            col("bank_reference", "Bank reference", Kind::Text),
            col("entry_id", "Entry id", Kind::Text),
            col("statement", "Statement", Kind::Text),
            col("status", "Status", Kind::Text),
            col("matched", "Matched", Kind::Bool),
            col("match_records", "Match records", Kind::Text),
            col("slip_numbers", "Slip numbers", Kind::Text),
            col("gl_account", "GL account", Kind::Text),
        ]
    };
}

const DEPOSIT_COLUMNS: &[Column] = &history_columns!(col("amount", "Deposit", Kind::Amount { total: true }));
const WITHDRAWAL_COLUMNS: &[Column] = &history_columns!(col("amount", "Withdrawal", Kind::Amount { total: true }));
const ALL_COLUMNS: &[Column] = &history_columns!(
    col("deposit", "Deposit", Kind::Amount { total: true }),
    col("withdrawal", "Withdrawal", Kind::Amount { total: true }),
    col("amount", "Net amount", Kind::Amount { total: true })
);

fn columns(kind: HistoryKind) -> &'static [Column] {
    match kind {
        HistoryKind::Deposits => DEPOSIT_COLUMNS,
        HistoryKind::Withdrawals => WITHDRAWAL_COLUMNS,
        HistoryKind::All => ALL_COLUMNS,
    }
}

fn write_row(out: &mut RowWriter<'_>, kind: HistoryKind, r: &HistoryRow) -> Result<(), ReportError> {
    let match_records = joined(&r.match_records);
    let slips = joined(&r.slip_numbers);
    let status = match r.status {
        EntryStatus::Booked => "booked",
        EntryStatus::Pending => "pending",
        EntryStatus::Information => "information",
    };
    let direction = match r.direction {
        Direction::Credit => "deposit",
        Direction::Debit => "withdrawal",
    };
    let mut cells: Vec<Value<'_>> = Vec::with_capacity(24);
    cells.extend([
        Value::opt_text(r.account.as_deref()),
        Value::text(&r.account_identifier),
        Value::opt_text(r.bank.as_deref()),
        Value::opt_date(r.booking_date),
        Value::opt_date(r.value_date),
        Value::text(direction),
    ]);
    match kind {
        HistoryKind::Deposits | HistoryKind::Withdrawals => cells.push(Value::Amount(r.amount)),
        HistoryKind::All => {
            let (dep, wd) = match r.direction {
                Direction::Credit => (Value::Amount(r.amount), Value::Empty),
                Direction::Debit => (Value::Empty, Value::Amount(r.amount)),
            };
            cells.extend([dep, wd, Value::Amount(r.signed_amount())]);
        }
    }
    cells.extend([
        Value::text(r.currency.code()),
        Value::opt_text(r.counterparty.as_deref()),
        Value::opt_text(r.counterparty_account.as_deref()),
        Value::opt_text(r.reference.as_deref()),
        Value::opt_text(r.remittance.as_deref()),
        Value::opt_text(r.bank_reference.as_deref()),
        Value::text(&r.entry_id),
        Value::opt_text(r.statement.as_deref()),
        Value::text(status),
        Value::Bool(r.is_matched()),
        if match_records.is_empty() { Value::Empty } else { Value::Text(match_records) },
        if slips.is_empty() { Value::Empty } else { Value::Text(slips) },
        Value::opt_text(r.gl_account.as_deref()),
    ]);
    out.row(Some(r.currency), &cells)
}

// The items separated by ", "; a single item is borrowed, not copied (the usual case, once per row).
fn joined(items: &[String]) -> Cow<'_, str> {
    match items {
        [] => Cow::Borrowed(""),
        [one] => Cow::Borrowed(one),
        many => Cow::Owned(many.join(", ")),
    }
}

fn history_meta(kind: HistoryKind, period: Option<(Option<Date>, Option<Date>)>, accounts: &[String]) -> ReportMeta {
    let account = if accounts.is_empty() { "all accounts".to_owned() } else { accounts.join(", ") };
    let mut lines = vec![("Account", TitleValue::Text(account))];
    let period_dates = period;
    let period = match period {
        Some((from, to)) => {
            format!("{} to {}", from.map_or("start".to_owned(), |d| d.to_string()), to.map_or("end".to_owned(), |d| d.to_string()))
        }
        None => "all dates".to_owned(),
    };
    lines.push(("Period", TitleValue::Text(period)));
    if let Some((_, Some(to))) = period_dates {
        lines.push(("As of", TitleValue::Date(to)));
    }
    ReportMeta { file_stem: kind.file_stem(), title: kind.title(), lines }
}

struct HistoryTable<'r>(&'r TransactionHistory);

impl TableSource for HistoryTable<'_> {
    fn name(&self) -> &'static str {
        "History"
    }
    fn columns(&self) -> &'static [Column] {
        columns(self.0.kind)
    }
    fn write_rows(&self, out: &mut RowWriter<'_>) -> Result<(), ReportError> {
        self.0.rows.iter().try_for_each(|r| write_row(out, self.0.kind, r))
    }
}

impl Sealed for TransactionHistory {
    fn meta(&self) -> ReportMeta {
        history_meta(self.kind, self.period, &self.accounts)
    }
    fn tables(&self) -> Vec<Box<dyn TableSource + '_>> {
        vec![Box::new(HistoryTable(self))]
    }
}

impl Report for TransactionHistory {}

/// A history whose rows come from an iterator, consumed once while writing.
struct StreamedHistory<I> {
    kind: HistoryKind,
    rows: RefCell<Option<I>>,
}

impl<I: Iterator<Item = HistoryRow>> TableSource for StreamedHistory<I> {
    fn name(&self) -> &'static str {
        "History"
    }
    fn columns(&self) -> &'static [Column] {
        columns(self.kind)
    }
    fn write_rows(&self, out: &mut RowWriter<'_>) -> Result<(), ReportError> {
        let rows = self.rows.borrow_mut().take();
        rows.into_iter().flatten().try_for_each(|r| write_row(out, self.kind, &r))
    }
}

/// Streams a history to an Excel workbook without holding its rows: each row is written as the
/// iterator yields it (constant-memory worksheets), so memory stays flat for millions of rows.
/// Rows are written in the order given; `kind` picks the columns and the title. More than
/// 1,000,000 rows continue on further worksheets (`History (2)`, ...); the totals per currency
/// follow the last row.
pub fn write_history<I>(kind: HistoryKind, rows: I, out: impl Write + Seek + Send, options: &ExportOptions) -> Result<(), ReportError>
where
    I: IntoIterator<Item = HistoryRow>,
{
    let table = StreamedHistory { kind, rows: RefCell::new(Some(rows.into_iter())) };
    let tables: Vec<Box<dyn TableSource + '_>> = vec![Box::new(table)];
    crate::xlsx::write_workbook(&history_meta(kind, None, &[]), &tables, options, out, Path::new(""))
}

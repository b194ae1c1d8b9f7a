//! The bank reconciliation statement: why the bank's balance and the book's balance differ,
//! item by item, for one account or many.
//!
//! For each account, as of a date:
//!
//! ```text
//!   bank closing balance (latest CLBD on or before the as-of date, or given)
//! + deposits in transit        book deposits not yet on the bank statement
//! - outstanding payments       book withdrawals not yet on the bank statement
//! = adjusted bank balance
//!
//!   book balance               opening_book_balance + ledger entries on the GL account,
//!                              dated from the reconciliation start to the as-of date (inclusive)
//! + bank credits not in books  fees refunded, interest, unidentified deposits
//! - bank debits not in books   fees, unidentified withdrawals
//! ± differences on matched items  bank side minus book side of matches that do not net to zero
//! = adjusted book balance
//!
//!   difference = adjusted bank balance - adjusted book balance   (must be zero)
//! ```
//!
//! A ledger entry is *on the bank statement* when an active match record names it together with
//! a bank entry inside the bank window (booked, account currency, dated from the reconciliation
//! start to the bank balance date). A bank entry is *in the books* when an active record names it
//! together with a ledger entry inside the book window. Everything else is an outstanding item.
//! With these definitions the difference is exactly the bank's opening balance minus the book's
//! opening balance plus any inconsistency of the bank's own balances; it is zero when the account
//! was onboarded in agreement and its statements balance.

use std::collections::{BTreeMap, HashMap};

use bankrec_model::{BankAccount, BankEntry, Currency, Date, Decimal, Direction, LedgerEntry, MatchRecord};
use serde::Serialize;

use crate::error::ReportError;
use crate::export::sealed::Sealed;
use crate::export::Report;
use crate::input::{bank_balance, counts_for_balance, on_books_of, MatchIndex, ReportInput};
use crate::table::{col, Column, Kind, ReportMeta, RowWriter, TableSource, TitleValue, Value};

/// Which section of the reconciliation an outstanding item belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ItemKind {
    /// A book deposit not yet on the bank statement: added to the bank balance.
    DepositInTransit,
    /// A book withdrawal not yet on the bank statement: subtracted from the bank balance.
    OutstandingPayment,
    /// A bank credit the books do not have yet: added to the book balance.
    BankCreditNotInBooks,
    /// A bank debit the books do not have yet: subtracted from the book balance.
    BankDebitNotInBooks,
    /// A match whose bank side and book side differ (an adjustment not yet booked): the
    /// difference (bank minus book) is added to the book balance.
    MatchedDifference,
}

impl ItemKind {
    /// The section title, as in the reports.
    pub fn label(self) -> &'static str {
        match self {
            ItemKind::DepositInTransit => "Deposit in transit",
            ItemKind::OutstandingPayment => "Outstanding payment",
            ItemKind::BankCreditNotInBooks => "Bank credit not in books",
            ItemKind::BankDebitNotInBooks => "Bank debit not in books",
            ItemKind::MatchedDifference => "Difference on matched items",
        }
    }
}

/// One outstanding item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct OutstandingItem {
    /// The section.
    pub kind: ItemKind,
    /// Posting date (ledger), booking date (bank), or the latest date of a match's entries.
    pub date: Option<Date>,
    /// Signed as the bank sees it: money in positive, money out negative. For a matched
    /// difference: bank side minus book side.
    pub amount: Decimal,
    /// Currency.
    pub currency: Currency,
    /// The reference: ledger reference, end-to-end id or bank reference.
    pub reference: Option<String>,
    /// The counterparty's name.
    pub counterparty: Option<String>,
    /// Days from `date` to the as-of date.
    pub age_days: Option<i64>,
    /// The ledger entry id, bank entry id or match record id the item comes from.
    pub source_id: String,
    /// The slip number of a ledger entry.
    pub slip_number: Option<String>,
    /// The match record concerned (a bank entry matched to open items only, or a matched difference).
    pub match_record: Option<String>,
    /// Description or remittance text.
    pub description: Option<String>,
}

/// Where the bank balance came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum BankBalanceSource {
    /// The closing booked balance of a statement.
    Statement {
        /// The statement id.
        statement: String,
        /// The balance date.
        date: Date,
    },
    /// Given by the caller for the as-of date.
    Given,
    /// No statement balance on or before the as-of date.
    Missing,
}

/// The reconciliation of one bank account as of a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct AccountReconciliation {
    /// The bank account id.
    pub account: String,
    /// Its bank identifier (IBAN or other).
    pub account_identifier: String,
    /// The bank's name.
    pub bank: Option<String>,
    /// The GL account code.
    pub gl_account: String,
    /// The account currency.
    pub currency: Currency,
    /// The reconciliation start (first day of the book window).
    pub period_start: Date,
    /// The as-of date.
    pub as_of: Date,
    /// Where the bank balance came from.
    pub bank_balance_source: BankBalanceSource,
    /// The bank's closing balance; `None` when no statement balance is known.
    pub bank_balance: Option<Decimal>,
    /// Sum of deposits in transit (positive).
    pub deposits_in_transit: Decimal,
    /// Sum of outstanding payments (positive: subtracted).
    pub outstanding_payments: Decimal,
    /// Bank balance + deposits in transit - outstanding payments.
    pub adjusted_bank_balance: Option<Decimal>,
    /// Opening book balance + ledger entries of the book window.
    pub book_balance: Decimal,
    /// Sum of bank credits not in the books (positive).
    pub bank_credits_not_in_books: Decimal,
    /// Sum of bank debits not in the books (positive: subtracted).
    pub bank_debits_not_in_books: Decimal,
    /// Sum of differences on matched items (signed, bank minus book).
    pub matched_differences: Decimal,
    /// Book balance + bank credits - bank debits + matched differences.
    pub adjusted_book_balance: Decimal,
    /// Adjusted bank minus adjusted book balance: zero when every difference is explained.
    pub difference: Option<Decimal>,
    /// Every outstanding item, by section, date and id.
    pub items: Vec<OutstandingItem>,
}

impl AccountReconciliation {
    /// True when the adjusted balances agree.
    pub fn is_reconciled(&self) -> bool {
        self.difference == Some(Decimal::ZERO)
    }

    /// The status shown in reports: `reconciled`, `DIFFERENCE` or `no bank balance`.
    pub fn status(&self) -> &'static str {
        match self.difference {
            Some(d) if d.is_zero() => "reconciled",
            Some(_) => "DIFFERENCE",
            None => "no bank balance",
        }
    }

    /// The statement in the classic vertical layout, one `(label, amount)` per line.
    pub fn lines(&self) -> Vec<(&'static str, Option<Decimal>)> {
        vec![
            ("Bank closing balance", self.bank_balance),
            ("Add: deposits in transit", Some(self.deposits_in_transit)),
            ("Less: outstanding payments", Some(self.outstanding_payments)),
            ("Adjusted bank balance", self.adjusted_bank_balance),
            ("Book balance", Some(self.book_balance)),
            ("Add: bank credits not in books", Some(self.bank_credits_not_in_books)),
            ("Less: bank debits not in books", Some(self.bank_debits_not_in_books)),
            ("Add/less: differences on matched items", Some(self.matched_differences)),
            ("Adjusted book balance", Some(self.adjusted_book_balance)),
            ("Difference", self.difference),
        ]
    }
}

/// Options of a reconciliation statement.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReconciliationOptions {
    /// Accounts to reconcile, by id or identifier; empty means every account of the map.
    pub accounts: Vec<String>,
    /// Bank balances given by the caller for the as-of date, by account id; they replace the
    /// statement balance (the bank window then ends on the as-of date).
    pub bank_balances: BTreeMap<String, Decimal>,
}

impl ReconciliationOptions {
    /// Restricts the statement to one more account (id or identifier).
    pub fn with_account(mut self, account: impl Into<String>) -> Self {
        self.accounts.push(account.into());
        self
    }

    /// Gives the bank balance of an account (by id) as of the as-of date.
    pub fn with_bank_balance(mut self, account: impl Into<String>, balance: Decimal) -> Self {
        self.bank_balances.insert(account.into(), balance);
        self
    }
}

/// Totals of one currency over the accounts of a reconciliation statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CurrencyReconciliationTotals {
    /// The currency.
    pub currency: Currency,
    /// Number of accounts.
    pub accounts: usize,
    /// Sum of known bank balances.
    pub bank_balance: Decimal,
    /// Sum of adjusted bank balances (accounts with a bank balance).
    pub adjusted_bank_balance: Decimal,
    /// Sum of book balances.
    pub book_balance: Decimal,
    /// Sum of adjusted book balances.
    pub adjusted_book_balance: Decimal,
    /// Sum of differences (accounts with a bank balance).
    pub difference: Decimal,
}

/// The bank reconciliation statement of one or more accounts as of a date, with subtotals per
/// account (each [`AccountReconciliation`]) and totals per currency.
///
/// ```
/// use bankrec_model::{AccountId, AccountMap, BankAccount, Currency, GlAccount, LedgerEntry, StatementArchive};
/// use bankrec_report::{ReconciliationOptions, ReconciliationStatement, ReportInput};
/// use rust_decimal::Decimal;
/// use time::macros::date;
///
/// let iban = AccountId::iban("DE89370400440532013000").expect("valid");
/// let mut accounts = AccountMap::new();
/// accounts.insert(BankAccount::new("main", iban, Currency::EUR, GlAccount::new("1200", "Bank"), "1290", date!(2024-01-01))).expect("new");
/// let ledger = vec![LedgerEntry::new("L1", date!(2024-01-30), "1200", Decimal::new(50000, 2), Currency::EUR)];
/// let archive = StatementArchive::new();
/// let input = ReportInput::new(&accounts, &archive).with_ledger(&ledger);
/// let options = ReconciliationOptions::default().with_bank_balance("main", Decimal::ZERO);
/// let rec = ReconciliationStatement::build(&input, date!(2024-01-31), &options).expect("known accounts");
/// let main = &rec.accounts[0];
/// assert_eq!(main.deposits_in_transit, Decimal::new(50000, 2)); // booked, not yet at the bank
/// assert!(main.is_reconciled());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ReconciliationStatement {
    /// The as-of date.
    pub as_of: Date,
    /// One reconciliation per account, ordered by account id.
    pub accounts: Vec<AccountReconciliation>,
    /// Totals per currency.
    pub totals: Vec<CurrencyReconciliationTotals>,
}

impl ReconciliationStatement {
    /// Reconciles the chosen accounts (all by default) as of `as_of`.
    pub fn build(input: &ReportInput<'_>, as_of: Date, options: &ReconciliationOptions) -> Result<ReconciliationStatement, ReportError> {
        let mut chosen: Vec<&BankAccount> = if options.accounts.is_empty() {
            input.accounts().iter().collect()
        } else {
            options
                .accounts
                .iter()
                .map(|a| input.account(a).ok_or_else(|| ReportError::UnknownAccount { account: a.clone() }))
                .collect::<Result<_, _>>()?
        };
        chosen.sort_by(|a, b| a.id.cmp(&b.id));
        chosen.dedup_by(|a, b| a.id == b.id);
        for id in options.bank_balances.keys() {
            if input.accounts().get(id).is_none() {
                return Err(ReportError::UnknownAccount { account: id.clone() });
            }
        }
        let index = MatchIndex::new(input.match_records());
        let mut accounts = Vec::with_capacity(chosen.len());
        for account in chosen {
            accounts.push(reconcile(input, &index, account, as_of, options.bank_balances.get(&account.id).copied())?);
        }
        let mut totals: BTreeMap<Currency, CurrencyReconciliationTotals> = BTreeMap::new();
        for a in &accounts {
            let t = totals.entry(a.currency).or_insert_with(|| CurrencyReconciliationTotals {
                currency: a.currency,
                accounts: 0,
                bank_balance: Decimal::ZERO,
                adjusted_bank_balance: Decimal::ZERO,
                book_balance: Decimal::ZERO,
                adjusted_book_balance: Decimal::ZERO,
                difference: Decimal::ZERO,
            });
            t.accounts += 1;
            let over = || ReportError::Overflow { what: format!("{} reconciliation totals", a.currency) };
            t.bank_balance = t.bank_balance.checked_add(a.bank_balance.unwrap_or_default()).ok_or_else(over)?;
            t.adjusted_bank_balance = t.adjusted_bank_balance.checked_add(a.adjusted_bank_balance.unwrap_or_default()).ok_or_else(over)?;
            t.book_balance = t.book_balance.checked_add(a.book_balance).ok_or_else(over)?;
            t.adjusted_book_balance = t.adjusted_book_balance.checked_add(a.adjusted_book_balance).ok_or_else(over)?;
            t.difference = t.difference.checked_add(a.difference.unwrap_or_default()).ok_or_else(over)?;
        }
        Ok(ReconciliationStatement { as_of, accounts, totals: totals.into_values().collect() })
    }

    /// The reconciliation of one account (by id), when part of the statement.
    pub fn account(&self, id: &str) -> Option<&AccountReconciliation> {
        self.accounts.iter().find(|a| a.account == id)
    }

    /// True when every account is reconciled.
    pub fn is_reconciled(&self) -> bool {
        self.accounts.iter().all(AccountReconciliation::is_reconciled)
    }
}

// The stable snake_case name of an adjustment kind, as in the model's JSON (`bank_fee`).
fn adjustment_label(kind: bankrec_model::AdjustmentKind) -> String {
    serde_json::to_value(kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_else(|| format!("{kind:?}"))
}

fn in_window(date: Option<Date>, from: Date, to: Date) -> bool {
    date.is_some_and(|d| from <= d && d <= to)
}

struct Sum(Decimal, &'static str);

impl Sum {
    fn add(&mut self, v: Decimal) -> Result<(), ReportError> {
        self.0 = self.0.checked_add(v).ok_or(ReportError::Overflow { what: self.1.to_owned() })?;
        Ok(())
    }
}

fn reconcile(
    input: &ReportInput<'_>,
    index: &MatchIndex<'_>,
    account: &BankAccount,
    as_of: Date,
    given: Option<Decimal>,
) -> Result<AccountReconciliation, ReportError> {
    let start = account.reconciliation_start;
    if as_of < start {
        return Err(ReportError::BeforeStart { account: account.id.clone(), as_of, start });
    }
    let (bank_amount, source, bank_cutoff) = match given {
        Some(amount) => (Some(amount), BankBalanceSource::Given, as_of),
        None => match bank_balance(input, account, as_of) {
            Some(b) => (Some(b.amount), BankBalanceSource::Statement { statement: b.statement, date: b.date }, b.date),
            None => (None, BankBalanceSource::Missing, as_of),
        },
    };
    let bank: Vec<&BankEntry> = input
        .archive()
        .entries()
        .filter(|e| e.account.as_str() == account.identifier.as_str())
        .filter(|e| counts_for_balance(e, account) && in_window(e.date(), start, bank_cutoff))
        .collect();
    let book: Vec<&LedgerEntry> = input
        .ledger()
        .iter()
        .filter(|l| on_books_of(l, account, input.accounts(), index) && in_window(Some(l.date), start, as_of))
        .collect();
    let bank_ids: HashMap<&str, &BankEntry> = bank.iter().map(|e| (e.id.as_str(), *e)).collect();
    let book_ids: HashMap<&str, &LedgerEntry> = book.iter().map(|l| (l.id.as_str(), *l)).collect();
    let clears_bank = |r: &MatchRecord| r.ledger_entries.iter().any(|id| book_ids.contains_key(id.as_str()));
    let clears_book = |r: &MatchRecord| r.bank_entries.iter().any(|id| bank_ids.contains_key(id.as_str()));

    let mut items = Vec::new();
    // Cleared entries are assigned to the first clearing record (by id), so each counts once.
    let mut per_record: BTreeMap<&str, (Decimal, Decimal, Option<Date>, &MatchRecord)> = BTreeMap::new();
    let mut book_balance = Sum(account.opening_book_balance, "book balance");
    let (mut dit, mut op) = (Sum(Decimal::ZERO, "deposits in transit"), Sum(Decimal::ZERO, "outstanding payments"));
    for l in &book {
        book_balance.add(l.signed_amount())?;
        match index.for_ledger_entry(&l.id).iter().find(|r| clears_book(r)) {
            Some(r) => {
                let slot = per_record.entry(r.id.as_str()).or_insert((Decimal::ZERO, Decimal::ZERO, None, r));
                slot.1 = slot.1.checked_add(l.signed_amount()).ok_or(ReportError::Overflow { what: "matched book side".into() })?;
                slot.2 = slot.2.max(Some(l.date));
            }
            None => {
                let kind = match l.direction {
                    Direction::Credit => {
                        dit.add(l.amount)?;
                        ItemKind::DepositInTransit
                    }
                    Direction::Debit => {
                        op.add(l.amount)?;
                        ItemKind::OutstandingPayment
                    }
                };
                items.push(OutstandingItem {
                    kind,
                    date: Some(l.date),
                    amount: l.signed_amount(),
                    currency: l.currency,
                    reference: l.reference.clone(),
                    counterparty: l.counterparty.clone(),
                    age_days: Some((as_of - l.date).whole_days()),
                    source_id: l.id.clone(),
                    slip_number: l.slip_number.clone(),
                    match_record: None,
                    description: l.description.clone(),
                });
            }
        }
    }
    let (mut credits, mut debits) = (Sum(Decimal::ZERO, "bank credits not in books"), Sum(Decimal::ZERO, "bank debits not in books"));
    for e in &bank {
        let mut records = index.for_bank_entry(e, Some(account)).peekable();
        let first_any = records.peek().map(|r| r.id.clone());
        match records.find(|r| clears_bank(r)) {
            Some(r) => {
                let slot = per_record.entry(r.id.as_str()).or_insert((Decimal::ZERO, Decimal::ZERO, None, r));
                slot.0 = slot.0.checked_add(e.signed_amount()).ok_or(ReportError::Overflow { what: "matched bank side".into() })?;
                slot.2 = slot.2.max(e.date());
            }
            None => {
                let kind = match e.direction {
                    Direction::Credit => {
                        credits.add(e.amount)?;
                        ItemKind::BankCreditNotInBooks
                    }
                    Direction::Debit => {
                        debits.add(e.amount)?;
                        ItemKind::BankDebitNotInBooks
                    }
                };
                let t = &e.transaction;
                let reference = e
                    .end_to_end_ids()
                    .first()
                    .map(|s| (*s).to_owned())
                    .or_else(|| e.creditor_refs().first().map(|r| r.reference.clone()))
                    .or_else(|| e.acct_svcr_ref.clone());
                let text = t.remittance.text();
                items.push(OutstandingItem {
                    kind,
                    date: e.date(),
                    amount: e.signed_amount(),
                    currency: e.currency,
                    reference,
                    counterparty: e.counterparty().and_then(|p| p.name.clone()),
                    age_days: e.date().map(|d| (as_of - d).whole_days()),
                    source_id: e.id.clone(),
                    slip_number: None,
                    match_record: first_any,
                    description: if text.is_empty() { e.additional_info.clone() } else { Some(text) },
                });
            }
        }
    }
    let mut matched = Sum(Decimal::ZERO, "matched differences");
    for (id, (bank_side, book_side, date, record)) in &per_record {
        let diff = *bank_side - *book_side;
        if diff.is_zero() {
            continue;
        }
        matched.add(diff)?;
        let description = record
            .adjustments
            .iter()
            .map(|a| format!("{} {} {}", adjustment_label(a.kind), a.amount, a.account.code))
            .collect::<Vec<_>>()
            .join("; ");
        items.push(OutstandingItem {
            kind: ItemKind::MatchedDifference,
            date: *date,
            amount: diff,
            currency: account.currency,
            reference: Some((*id).to_owned()),
            counterparty: None,
            age_days: date.map(|d| (as_of - d).whole_days()),
            source_id: (*id).to_owned(),
            slip_number: None,
            match_record: Some((*id).to_owned()),
            description: Some(if description.is_empty() {
                format!("bank side {bank_side}, book side {book_side}")
            } else {
                format!("bank side {bank_side}, book side {book_side}; adjustments: {description}")
            }),
        });
    }
    items.sort_by(|a, b| (a.kind, a.date, &a.source_id).cmp(&(b.kind, b.date, &b.source_id)));
    let over = |what: &str| ReportError::Overflow { what: format!("{what} of account {}", account.id) };
    let adjusted_bank = match bank_amount {
        Some(b) => Some(b.checked_add(dit.0).and_then(|v| v.checked_sub(op.0)).ok_or_else(|| over("adjusted bank balance"))?),
        None => None,
    };
    let adjusted_book = book_balance
        .0
        .checked_add(credits.0)
        .and_then(|v| v.checked_sub(debits.0))
        .and_then(|v| v.checked_add(matched.0))
        .ok_or_else(|| over("adjusted book balance"))?;
    let difference = match adjusted_bank {
        Some(b) => Some(b.checked_sub(adjusted_book).ok_or_else(|| over("difference"))?),
        None => None,
    };
    Ok(AccountReconciliation {
        account: account.id.clone(),
        account_identifier: account.identifier.as_str().to_owned(),
        bank: account.bank_name.clone(),
        gl_account: account.gl_account.code.clone(),
        currency: account.currency,
        period_start: start,
        as_of,
        bank_balance_source: source,
        bank_balance: bank_amount,
        deposits_in_transit: dit.0,
        outstanding_payments: op.0,
        adjusted_bank_balance: adjusted_bank,
        book_balance: book_balance.0,
        bank_credits_not_in_books: credits.0,
        bank_debits_not_in_books: debits.0,
        matched_differences: matched.0,
        adjusted_book_balance: adjusted_book,
        difference,
        items,
    })
}

// ---- export ----

const SUMMARY_COLUMNS: &[Column] = &[
    col("account", "Account", Kind::Text),
    col("account_identifier", "IBAN / account no.", Kind::Text),
    col("bank", "Bank", Kind::Text),
    col("gl_account", "GL account", Kind::Text),
    col("currency", "Currency", Kind::Text),
    col("period_start", "Period start", Kind::Date),
    col("bank_balance_date", "Bank balance date", Kind::Date),
    col("bank_balance", "Bank closing balance", Kind::Amount { total: true }),
    col("deposits_in_transit", "Add: deposits in transit", Kind::Amount { total: true }),
    col("outstanding_payments", "Less: outstanding payments", Kind::Amount { total: true }),
    col("adjusted_bank_balance", "Adjusted bank balance", Kind::Amount { total: true }),
    col("book_balance", "Book balance", Kind::Amount { total: true }),
    col("bank_credits_not_in_books", "Add: bank credits not in books", Kind::Amount { total: true }),
    col("bank_debits_not_in_books", "Less: bank debits not in books", Kind::Amount { total: true }),
    col("matched_differences", "Differences on matched items", Kind::Amount { total: true }),
    col("adjusted_book_balance", "Adjusted book balance", Kind::Amount { total: true }),
    col("difference", "Difference", Kind::Amount { total: true }),
    col("status", "Status", Kind::Text),
    col("outstanding_items", "Outstanding items", Kind::Integer),
];

const ITEM_COLUMNS: &[Column] = &[
    col("account", "Account", Kind::Text),
    col("currency", "Currency", Kind::Text),
    col("section", "Section", Kind::Text),
    col("date", "Date", Kind::Date),
    col("amount", "Amount", Kind::Amount { total: true }),
    col("reference", "Reference", Kind::Text),
    col("counterparty", "Counterparty", Kind::Text),
    col("age_days", "Age (days)", Kind::Integer),
    col("source_id", "Entry / record id", Kind::Text),
    col("slip_number", "Slip number", Kind::Text),
    col("match_record", "Match record", Kind::Text),
    col("description", "Description", Kind::Text),
];

struct SummaryTable<'r>(&'r ReconciliationStatement);
struct ItemsTable<'r>(&'r ReconciliationStatement);

impl TableSource for SummaryTable<'_> {
    fn name(&self) -> &'static str {
        "Reconciliation"
    }
    fn columns(&self) -> &'static [Column] {
        SUMMARY_COLUMNS
    }
    fn write_rows(&self, out: &mut RowWriter<'_>) -> Result<(), ReportError> {
        for a in &self.0.accounts {
            let bank_date = match &a.bank_balance_source {
                BankBalanceSource::Statement { date, .. } => Some(*date),
                BankBalanceSource::Given => Some(a.as_of),
                BankBalanceSource::Missing => None,
            };
            out.row(
                Some(a.currency),
                &[
                    Value::text(&a.account),
                    Value::text(&a.account_identifier),
                    Value::opt_text(a.bank.as_deref()),
                    Value::text(&a.gl_account),
                    Value::text(a.currency.code()),
                    Value::Date(a.period_start),
                    Value::opt_date(bank_date),
                    Value::opt_amount(a.bank_balance),
                    Value::Amount(a.deposits_in_transit),
                    Value::Amount(a.outstanding_payments),
                    Value::opt_amount(a.adjusted_bank_balance),
                    Value::Amount(a.book_balance),
                    Value::Amount(a.bank_credits_not_in_books),
                    Value::Amount(a.bank_debits_not_in_books),
                    Value::Amount(a.matched_differences),
                    Value::Amount(a.adjusted_book_balance),
                    Value::opt_amount(a.difference),
                    Value::text(a.status()),
                    Value::Integer(a.items.len() as i64),
                ],
            )?;
        }
        Ok(())
    }
}

impl TableSource for ItemsTable<'_> {
    fn name(&self) -> &'static str {
        "Outstanding items"
    }
    fn csv_suffix(&self) -> &'static str {
        "Items"
    }
    fn columns(&self) -> &'static [Column] {
        ITEM_COLUMNS
    }
    fn write_rows(&self, out: &mut RowWriter<'_>) -> Result<(), ReportError> {
        for a in &self.0.accounts {
            for i in &a.items {
                out.row(
                    Some(i.currency),
                    &[
                        Value::text(&a.account),
                        Value::text(i.currency.code()),
                        Value::text(i.kind.label()),
                        Value::opt_date(i.date),
                        Value::Amount(i.amount),
                        Value::opt_text(i.reference.as_deref()),
                        Value::opt_text(i.counterparty.as_deref()),
                        i.age_days.map_or(Value::Empty, Value::Integer),
                        Value::text(&i.source_id),
                        Value::opt_text(i.slip_number.as_deref()),
                        Value::opt_text(i.match_record.as_deref()),
                        Value::opt_text(i.description.as_deref()),
                    ],
                )?;
            }
        }
        Ok(())
    }
}

impl Sealed for ReconciliationStatement {
    fn meta(&self) -> ReportMeta {
        let account = match self.accounts.as_slice() {
            [one] => format!("{} ({})", one.account, one.account_identifier),
            many => format!("{} accounts", many.len()),
        };
        let mut lines = vec![("Account", TitleValue::Text(account))];
        if let Some(start) = self.accounts.iter().map(|a| a.period_start).min() {
            lines.push(("Period", TitleValue::Text(format!("{start} to {}", self.as_of))));
        }
        lines.push(("As of", TitleValue::Date(self.as_of)));
        let unreconciled: Vec<&str> = self.accounts.iter().filter(|a| !a.is_reconciled()).map(|a| a.account.as_str()).collect();
        lines.push((
            "Result",
            TitleValue::Text(if unreconciled.is_empty() {
                "all accounts reconciled".to_owned()
            } else {
                format!("NOT RECONCILED: {}", unreconciled.join(", "))
            }),
        ));
        ReportMeta { file_stem: "BankReconciliationStatement", title: "Bank reconciliation statement", lines }
    }
    fn tables(&self) -> Vec<Box<dyn TableSource + '_>> {
        vec![Box::new(SummaryTable(self)), Box::new(ItemsTable(self))]
    }
}

impl Report for ReconciliationStatement {}

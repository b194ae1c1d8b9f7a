//! Balance comparison: per account, the bank's balance against the book's, as of a date.

use bankrec_model::{Currency, Date, Decimal};
use serde::Serialize;

use crate::error::ReportError;
use crate::export::sealed::Sealed;
use crate::export::Report;
use crate::input::{bank_balance, on_books_of, MatchIndex, ReportInput};
use crate::table::{col, Column, Kind, ReportMeta, RowWriter, TableSource, TitleValue, Value};

/// One account's bank and book balances.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct BalanceRow {
    /// The bank account id.
    pub account: String,
    /// Its bank identifier.
    pub account_identifier: String,
    /// The bank's name.
    pub bank: Option<String>,
    /// The GL account code.
    pub gl_account: String,
    /// The account currency.
    pub currency: Currency,
    /// The statement the bank balance comes from.
    pub statement: Option<String>,
    /// The bank balance's date.
    pub bank_balance_date: Option<Date>,
    /// The latest closing booked balance on or before the as-of date.
    pub bank_balance: Option<Decimal>,
    /// Opening book balance plus ledger entries on the GL account from the reconciliation start
    /// to the as-of date, inclusive.
    pub book_balance: Decimal,
    /// Bank minus book; `None` without a bank balance.
    pub difference: Option<Decimal>,
}

impl BalanceRow {
    /// `agrees`, `differs` or `no bank balance`.
    pub fn status(&self) -> &'static str {
        match self.difference {
            Some(d) if d.is_zero() => "agrees",
            Some(_) => "differs",
            None => "no bank balance",
        }
    }
}

/// Bank balance against book balance for every account of the map, as of a date.
///
/// Unlike the reconciliation statement this compares raw balances: a difference here is normal
/// while items are in transit; the reconciliation statement explains it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct BalanceComparison {
    /// The as-of date.
    pub as_of: Date,
    /// One row per account, by account id.
    pub rows: Vec<BalanceRow>,
}

impl BalanceComparison {
    /// Compares every account of the map as of `as_of`.
    pub fn build(input: &ReportInput<'_>, as_of: Date) -> Result<BalanceComparison, ReportError> {
        let mut rows = Vec::new();
        let index = MatchIndex::new(input.match_records());
        for account in input.accounts().iter() {
            let bank = bank_balance(input, account, as_of);
            let mut book = account.opening_book_balance;
            for l in input
                .ledger()
                .iter()
                .filter(|l| on_books_of(l, account, input.accounts(), &index) && account.reconciliation_start <= l.date && l.date <= as_of)
            {
                book = book
                    .checked_add(l.signed_amount())
                    .ok_or_else(|| ReportError::Overflow { what: format!("book balance of {}", account.id) })?;
            }
            let difference = match &bank {
                Some(b) => Some(
                    b.amount.checked_sub(book).ok_or_else(|| ReportError::Overflow { what: format!("difference of {}", account.id) })?,
                ),
                None => None,
            };
            rows.push(BalanceRow {
                account: account.id.clone(),
                account_identifier: account.identifier.as_str().to_owned(),
                bank: account.bank_name.clone(),
                gl_account: account.gl_account.code.clone(),
                currency: account.currency,
                statement: bank.as_ref().map(|b| b.statement.clone()),
                bank_balance_date: bank.as_ref().map(|b| b.date),
                bank_balance: bank.map(|b| b.amount),
                book_balance: book,
                difference,
            });
        }
        Ok(BalanceComparison { as_of, rows })
    }
}

const COLUMNS: &[Column] = &[
    col("account", "Account", Kind::Text),
    col("account_identifier", "IBAN / account no.", Kind::Text),
    col("bank", "Bank", Kind::Text),
    col("gl_account", "GL account", Kind::Text),
    col("currency", "Currency", Kind::Text),
    col("statement", "Statement", Kind::Text),
    col("bank_balance_date", "Bank balance date", Kind::Date),
    col("bank_balance", "Bank balance", Kind::Amount { total: true }),
    col("book_balance", "Book balance", Kind::Amount { total: true }),
    col("difference", "Difference", Kind::Amount { total: true }),
    col("status", "Status", Kind::Text),
];

struct Table<'r>(&'r BalanceComparison);

impl TableSource for Table<'_> {
    fn name(&self) -> &'static str {
        "Balances"
    }
    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }
    fn write_rows(&self, out: &mut RowWriter<'_>) -> Result<(), ReportError> {
        for r in &self.0.rows {
            out.row(
                Some(r.currency),
                &[
                    Value::text(&r.account),
                    Value::text(&r.account_identifier),
                    Value::opt_text(r.bank.as_deref()),
                    Value::text(&r.gl_account),
                    Value::text(r.currency.code()),
                    Value::opt_text(r.statement.as_deref()),
                    Value::opt_date(r.bank_balance_date),
                    Value::opt_amount(r.bank_balance),
                    Value::Amount(r.book_balance),
                    Value::opt_amount(r.difference),
                    Value::text(r.status()),
                ],
            )?;
        }
        Ok(())
    }
}

impl Sealed for BalanceComparison {
    fn meta(&self) -> ReportMeta {
        ReportMeta {
            file_stem: "AccountBalanceComparison",
            title: "Account balance comparison",
            lines: vec![("Account", TitleValue::Text(format!("{} accounts", self.rows.len()))), ("As of", TitleValue::Date(self.as_of))],
        }
    }
    fn tables(&self) -> Vec<Box<dyn TableSource + '_>> {
        vec![Box::new(Table(self))]
    }
}

impl Report for BalanceComparison {}

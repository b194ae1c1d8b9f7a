//! The streaming core: [`RecordReader`] turns the rows of a source into records through a
//! template, one [`RowEvent`] per row, in file order, with memory bounded by the footer
//! look-ahead. Strict and lenient reading are the same loop; strict stops after the first
//! refused row. The read-it-all functions in `import` sit on top of it.

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io::Read;
use std::path::Path;

use bankrec_model::{
    AccountId, BankEntry, Charge, CreditorReference, Currency, Decimal, Direction, EntryStatus, ErrorCode, ExchangeRate, ImportError,
    LedgerEntry, Money, OpenItem, OpenItemKind, Party, PaymentMethod, Severity, TransactionRefKind,
};
use time::Date;

use crate::error::TabularError;
use crate::format::{date_from_excel_serial, decimal_from_f64, parse_bool, parse_decimal};
use crate::source::{self, Cell, Prologue, Row, Source, Step};
use crate::template::{
    normalise_header, BalanceWritten, ColumnRef, Field, KindName, RecordKind, RowOrder, SheetRef, SignConvention, Spec, StatusName,
    Template, FIELD_COUNT,
};

/// Strict or lenient reading. Both run the same code; strict stops at the first refused row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Mode {
    /// Every good row is read; every bad row gives an [`ImportError`] and reading goes on.
    #[default]
    Lenient,
    /// Reading stops at the first refused row, which is returned as the error.
    Strict,
}

/// What the caller knows that the file may not say: the file's name for messages, statement-level
/// data (account, currency, balances, statement id), a sheet, a GL account for ledger lines.
/// Caller values take precedence over the file's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReadOptions {
    /// Strict or lenient.
    pub mode: Mode,
    /// The file name used in messages and as the statement id (default `input`).
    pub file_name: Option<String>,
    /// The account of the entries when the file does not name it.
    pub account: Option<AccountId>,
    /// The currency when the file does not name it.
    pub currency: Option<Currency>,
    /// The opening booked balance (signed), when known.
    pub opening_balance: Option<Decimal>,
    /// The closing booked balance (signed), when known.
    pub closing_balance: Option<Decimal>,
    /// The statement id (default: the file name).
    pub statement_id: Option<String>,
    /// The sheet of a spreadsheet, overriding the template's.
    pub sheet: Option<SheetRef>,
    /// The GL account of ledger lines when the file has no such column.
    pub gl_account: Option<String>,
}

impl ReadOptions {
    /// Lenient reading with nothing known in advance.
    pub fn new() -> ReadOptions {
        ReadOptions::default()
    }
    /// Sets the mode.
    pub fn with_mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }
    /// Sets the file name used in messages.
    pub fn with_file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = Some(name.into());
        self
    }
    /// Sets the account.
    pub fn with_account(mut self, account: AccountId) -> Self {
        self.account = Some(account);
        self
    }
    /// Sets the currency.
    pub fn with_currency(mut self, currency: Currency) -> Self {
        self.currency = Some(currency);
        self
    }
    /// Sets the opening and closing booked balances (signed).
    pub fn with_balances(mut self, opening: Decimal, closing: Decimal) -> Self {
        self.opening_balance = Some(opening);
        self.closing_balance = Some(closing);
        self
    }
    /// Sets the statement id.
    pub fn with_statement_id(mut self, id: impl Into<String>) -> Self {
        self.statement_id = Some(id.into());
        self
    }
    /// Sets the sheet of a spreadsheet.
    pub fn with_sheet(mut self, sheet: SheetRef) -> Self {
        self.sheet = Some(sheet);
        self
    }
    /// Sets the GL account of ledger lines.
    pub fn with_gl_account(mut self, gl_account: impl Into<String>) -> Self {
        self.gl_account = Some(gl_account.into());
        self
    }
}

/// Why a line was not read as a record. Every line of a file is a record, a refused row
/// (an [`ImportError`]) or one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SkipReason {
    /// A line above the table (`skip_lines`, or before a located header).
    Preamble,
    /// The header line.
    Header,
    /// An empty line, or a row of empty cells.
    Blank,
    /// One of the last `footer_lines` lines.
    Footer,
    /// A continuation line whose text was appended to the record before it.
    Continuation,
    /// A row without an amount, skipped because the template says `skip_rows_without_amount`.
    NoAmount,
}

/// One step of reading.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
// Records are moved out at once; boxing them would cost an allocation per row.
#[allow(clippy::large_enum_variant)]
pub enum RowEvent<T> {
    /// A record read from the row at `line` (1-based line or spreadsheet row).
    Record {
        /// Where the row starts.
        line: u64,
        /// The record.
        record: T,
    },
    /// A finding: severity error means the row was refused; warning means the record before it was
    /// read but something deviates (a running balance that does not agree).
    Finding(ImportError),
    /// A line that is not a record, and why.
    Skipped {
        /// Where.
        line: u64,
        /// Why.
        reason: SkipReason,
    },
}

/// Counts of what happened to every line; `rows == records + refused + continuation_lines +
/// skipped_without_amount` always holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct ReadSummary {
    /// Data rows seen (between header and footer, not blank).
    pub rows: u64,
    /// Records read.
    pub records: u64,
    /// Rows refused with an error.
    pub refused: u64,
    /// Continuation lines merged into the record before them.
    pub continuation_lines: u64,
    /// Rows without an amount, skipped on the template's word.
    pub skipped_without_amount: u64,
    /// Blank lines.
    pub blank_lines: u64,
    /// Preamble lines.
    pub preamble_lines: u64,
    /// Footer lines.
    pub footer_lines: u64,
    /// Line of the header, when the file has one.
    pub header_line: Option<u64>,
}

impl ReadSummary {
    /// True when every data row is accounted for.
    pub fn is_complete(&self) -> bool {
        self.rows == self.records + self.refused + self.continuation_lines + self.skipped_without_amount
    }
}

/// Opening and closing balance of one account and currency, derived from a running-balance column.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RunningBalance {
    /// The account.
    pub account: AccountId,
    /// The currency.
    pub currency: Currency,
    /// Signed opening balance.
    pub opening: Decimal,
    /// Signed closing balance.
    pub closing: Decimal,
}

/// Statement-level values read from labelled lines above the table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PreambleValues {
    /// The account.
    pub account: Option<AccountId>,
    /// The owner's name.
    pub owner: Option<String>,
    /// Signed opening balance.
    pub opening_balance: Option<Decimal>,
    /// Signed closing balance.
    pub closing_balance: Option<Decimal>,
}

// ---------------------------------------------------------------------------------------------
// The plan: template fields resolved to column indices of one file.

#[derive(Debug, Clone)]
enum Sel {
    Index(usize),
    From(usize),
}

#[derive(Debug, Clone)]
enum Src {
    Cols(Vec<Sel>),
    Fixed(String),
}

struct Plan {
    srcs: Vec<Option<Src>>,
    header: Option<Vec<String>>,
}

fn resolve(spec: &Spec, header: Option<&[String]>) -> Result<Plan, Vec<String>> {
    let mut srcs: Vec<Option<Src>> = vec![None; FIELD_COUNT];
    let mut missing = Vec::new();
    let normalised: Option<Vec<String>> = header.map(|h| h.iter().map(|n| normalise_header(n)).collect());
    for (field, columns) in &spec.columns {
        let mut sels = Vec::new();
        for r in columns.refs() {
            match r {
                ColumnRef::Position(p) => sels.push(Sel::Index(p - 1)),
                ColumnRef::From { from } => sels.push(Sel::From(from - 1)),
                ColumnRef::Name(name) => {
                    let want = normalise_header(name);
                    match normalised.as_ref().and_then(|h| h.iter().position(|n| *n == want)) {
                        Some(i) => sels.push(Sel::Index(i)),
                        None => missing.push(name.clone()),
                    }
                }
            }
        }
        srcs[*field as usize] = Some(Src::Cols(sels));
    }
    for (field, value) in &spec.fixed {
        srcs[*field as usize] = Some(Src::Fixed(value.trim().to_owned()));
    }
    if missing.is_empty() {
        Ok(Plan { srcs, header: header.map(<[String]>::to_vec) })
    } else {
        Err(missing)
    }
}

/// Values the whole file shares.
struct Defaults {
    account: Option<AccountId>,
    currency: Option<Currency>,
    gl_account: Option<String>,
}

/// The last account and currency text read and what they parsed to: consecutive rows nearly
/// always repeat them, and parsing an IBAN costs more than reading the rest of the row.
#[derive(Default)]
struct Cache {
    account: Option<(String, AccountId)>,
    currency: Option<(String, Currency)>,
}

/// Reads fields of one row.
struct RowCtx<'a> {
    plan: &'a Plan,
    template: &'a Template,
    defaults: &'a Defaults,
    file: &'a str,
    line: u64,
    row: Row<'a>,
}

type RowResult<T> = Result<T, Box<ImportError>>;

impl RowCtx<'_> {
    fn src(&self, field: Field) -> Option<&Src> {
        self.plan.srcs[field as usize].as_ref()
    }

    fn column_name(&self, index: usize) -> String {
        match self.plan.header.as_ref().and_then(|h| h.get(index)).filter(|n| !n.trim().is_empty()) {
            Some(name) => name.trim().to_owned(),
            None => (index + 1).to_string(),
        }
    }

    fn error(&self, code: ErrorCode, column: Option<usize>, raw: Option<&str>, message: String) -> Box<ImportError> {
        let mut e = ImportError::new(code, Severity::Error, message).with_file(self.file).with_line(self.line);
        if let Some(c) = column {
            e = e.with_column(self.column_name(c));
        }
        if let Some(raw) = raw {
            e = e.with_raw(raw);
        }
        Box::new(e)
    }

    /// The single cell of a field, with its column, when mapped to a column and not blank.
    fn cell(&self, field: Field) -> Option<(Cell<'_>, usize)> {
        match self.src(field)? {
            Src::Cols(sels) => {
                let i = match sels.first()? {
                    Sel::Index(i) | Sel::From(i) => *i,
                };
                let c = self.row.cell(i);
                (!c.is_blank()).then_some((c, i))
            }
            Src::Fixed(_) => None,
        }
    }

    fn is_blank(&self, field: Field) -> bool {
        match self.src(field) {
            Some(Src::Cols(_)) => self.cell(field).is_none(),
            _ => true,
        }
    }

    /// A text field: its column(s) joined by a space, or its fixed value.
    fn text(&self, field: Field) -> Option<String> {
        match self.src(field)? {
            Src::Fixed(v) => Some(v.clone()),
            Src::Cols(sels) if matches!(sels.as_slice(), [Sel::Index(_)]) => self.cell(field).map(|(c, _)| c.text().trim().to_owned()),
            Src::Cols(_) => {
                let parts = self.texts(field);
                (!parts.is_empty()).then(|| parts.join(" "))
            }
        }
    }

    /// Every non-blank piece of a text field, in column order.
    fn texts(&self, field: Field) -> Vec<String> {
        let Some(Src::Cols(sels)) = self.src(field) else {
            return self.text_fixed(field).into_iter().collect();
        };
        let mut out = Vec::new();
        for sel in sels {
            let range = match sel {
                Sel::Index(i) => *i..*i + 1,
                Sel::From(i) => *i..self.row.len().max(*i),
            };
            for i in range {
                let c = self.row.cell(i);
                let t = c.text();
                let t = t.trim();
                if !t.is_empty() {
                    out.push(t.to_owned());
                }
            }
        }
        out
    }

    fn text_fixed(&self, field: Field) -> Option<String> {
        match self.src(field)? {
            Src::Fixed(v) => Some(v.clone()),
            Src::Cols(_) => None,
        }
    }

    fn decimal(&self, field: Field) -> RowResult<Option<Decimal>> {
        let Some((cell, col)) = self.cell(field) else { return Ok(None) };
        let parsed = match cell {
            Cell::Text(t) => parse_decimal(t, self.template.compiled().number),
            Cell::Float(f) => decimal_from_f64(f),
            Cell::Int(i) => Ok(Decimal::from(i)),
            _ => Err("not a number"),
        };
        parsed.map(Some).map_err(|why| {
            let raw = cell.text();
            self.error(ErrorCode::InvalidAmount, Some(col), Some(&raw), format!("{} {raw:?} is {why}", field_label(field)))
        })
    }

    fn date(&self, field: Field) -> RowResult<Option<Date>> {
        let Some((cell, col)) = self.cell(field) else { return Ok(None) };
        let parsed = match cell {
            Cell::Text(t) => self.template.compiled().date_formats.iter().find_map(|f| f.parse(t)),
            Cell::Date(y, m, d) => time::Month::try_from(m).ok().and_then(|m| Date::from_calendar_date(i32::from(y), m, d).ok()),
            Cell::Float(f) => date_from_excel_serial(f),
            Cell::Int(i) => date_from_excel_serial(i as f64),
            Cell::IsoDate(t) => t.get(..10).and_then(|d| crate::format::DateFormat::compile("%Y-%m-%d").ok()?.parse(d)),
            _ => None,
        };
        parsed.map(Some).ok_or_else(|| {
            let raw = cell.text();
            self.error(
                ErrorCode::InvalidDate,
                Some(col),
                Some(&raw),
                format!("{} {raw:?} does not match {}", field_label(field), self.template.spec().date_formats.join(" or ")),
            )
        })
    }

    fn currency(&self, field: Field, fallback: Option<Currency>, cache: &mut Cache) -> RowResult<Option<Currency>> {
        if let Some((cell, col)) = self.cell(field) {
            let raw = cell.text();
            let raw = raw.trim();
            if let Some((text, cur)) = &cache.currency {
                if text == raw {
                    return Ok(Some(*cur));
                }
            }
            let cur = Currency::new(raw).map_err(|_| {
                self.error(ErrorCode::UnknownCurrency, Some(col), Some(raw), format!("{raw:?} is not an ISO 4217 currency code"))
            })?;
            cache.currency = Some((raw.to_owned(), cur));
            return Ok(Some(cur));
        }
        if let Some(v) = self.text_fixed(field) {
            return Ok(Currency::new(&v).ok());
        }
        Ok(fallback)
    }

    /// The account of a bank entry: its column, else the file's default.
    fn account(&self, cache: &mut Cache) -> RowResult<AccountId> {
        let Some((cell, col)) = self.cell(Field::Account) else {
            return self.defaults.account.clone().ok_or_else(|| self.missing(Field::Account, "the account"));
        };
        let raw = cell.text();
        let raw = raw.trim();
        if let Some((text, account)) = &cache.account {
            if text == raw {
                return Ok(account.clone());
            }
        }
        let account =
            AccountId::parse_any(raw).map_err(|e| self.error(ErrorCode::InvalidIdentifier, Some(col), Some(raw), e.to_string()))?;
        cache.account = Some((raw.to_owned(), account.clone()));
        Ok(account)
    }

    /// The signed amount under the template's sign convention; `None` when the row has none.
    fn signed_amount(&self) -> RowResult<Option<Decimal>> {
        match &self.template.spec().sign {
            SignConvention::Signed => self.decimal(Field::Amount),
            SignConvention::Negated => Ok(self.decimal(Field::Amount)?.map(|a| -a)),
            SignConvention::DebitCredit => {
                let debit = self.decimal(Field::Debit)?.map(|d| d.abs());
                let credit = self.decimal(Field::Credit)?.map(|c| c.abs());
                match (debit, credit) {
                    (None, None) => Ok(None),
                    (Some(d), Some(c)) if !d.is_zero() && !c.is_zero() => {
                        let col = self.cell(Field::Credit).map(|(_, i)| i);
                        Err(self.error(
                            ErrorCode::InvalidAmount,
                            col,
                            Some(&format!("debit {d}, credit {c}")),
                            "both the debit and the credit column hold an amount; expected one".to_owned(),
                        ))
                    }
                    (d, c) => Ok(Some(c.unwrap_or_default() - d.unwrap_or_default())),
                }
            }
            SignConvention::Indicator { credit, debit } => {
                let Some(amount) = self.decimal(Field::Amount)? else { return Ok(None) };
                let Some((cell, col)) = self.cell(Field::Direction) else {
                    return Err(self.error(ErrorCode::InvalidDirection, None, None, "the credit/debit indicator is empty".to_owned()));
                };
                let raw = cell.text();
                let is = |list: &[String]| list.iter().any(|v| v.trim().eq_ignore_ascii_case(raw.trim()));
                if is(credit) {
                    Ok(Some(amount.abs()))
                } else if is(debit) {
                    Ok(Some(-amount.abs()))
                } else {
                    Err(self.error(
                        ErrorCode::InvalidDirection,
                        Some(col),
                        Some(&raw),
                        format!("indicator {raw:?} is neither credit ({}) nor debit ({})", credit.join(", "), debit.join(", ")),
                    ))
                }
            }
        }
    }

    fn missing(&self, field: Field, what: &str) -> Box<ImportError> {
        let col = match self.src(field) {
            Some(Src::Cols(sels)) => sels.first().map(|s| match s {
                Sel::Index(i) | Sel::From(i) => *i,
            }),
            _ => None,
        };
        self.error(ErrorCode::MissingField, col, None, format!("{what} is empty"))
    }

    fn required_amount(&self) -> RowResult<Decimal> {
        let field = match self.template.spec().sign {
            SignConvention::DebitCredit => Field::Credit,
            _ => Field::Amount,
        };
        self.signed_amount()?.ok_or_else(|| self.missing(field, "the amount"))
    }
}

fn field_label(field: Field) -> String {
    format!("{field:?}")
        .chars()
        .flat_map(|c| if c.is_uppercase() { vec![' ', c.to_ascii_lowercase()] } else { vec![c] })
        .collect::<String>()
        .trim()
        .to_owned()
}

fn party(name: Option<String>, account: Option<String>, bic: Option<String>) -> Option<Party> {
    let p = Party { name, account: account.and_then(|a| AccountId::parse_any(&a).ok()), bic, id: None };
    (!p.is_empty()).then_some(p)
}

/// What a row became.
enum Mapped<T> {
    Record(T, Option<Decimal>),
    Continuation(Vec<String>),
    NoAmount,
}

fn map_bank(ctx: &RowCtx<'_>, cache: &mut Cache) -> RowResult<Mapped<BankEntry>> {
    let spec = ctx.template.spec();
    let dateless = ctx.is_blank(Field::BookingDate) && ctx.is_blank(Field::ValueDate);
    let amountless = match spec.sign {
        SignConvention::DebitCredit => ctx.is_blank(Field::Debit) && ctx.is_blank(Field::Credit),
        _ => ctx.is_blank(Field::Amount),
    };
    if spec.continuation_rows && dateless && amountless {
        return Ok(Mapped::Continuation(ctx.texts(Field::Remittance)));
    }
    if spec.skip_rows_without_amount && amountless {
        return Ok(Mapped::NoAmount);
    }
    let signed = ctx.required_amount()?;
    let currency =
        ctx.currency(Field::Currency, ctx.defaults.currency, cache)?.ok_or_else(|| ctx.missing(Field::Currency, "the currency"))?;
    let account = ctx.account(cache)?;
    let booking = ctx.date(Field::BookingDate)?;
    let value = ctx.date(Field::ValueDate)?;
    if booking.is_none() && value.is_none() {
        let field = if ctx.src(Field::BookingDate).is_some() { Field::BookingDate } else { Field::ValueDate };
        return Err(ctx.missing(field, "the date"));
    }
    let (direction, amount) = Direction::split(signed);
    let mut e = BankEntry::new(account, amount, currency, direction, booking);
    if ctx.src(Field::ValueDate).is_some() {
        e.value_date = value.or(booking);
    }
    if booking.is_none() {
        e.booking_date = None;
    }
    if let Some((cell, col)) = ctx.cell(Field::Status) {
        let raw = cell.text();
        let found = spec.values.status.iter().find(|(_, vals)| vals.iter().any(|v| v.trim().eq_ignore_ascii_case(raw.trim())));
        e.status = match found.map(|(k, _)| *k) {
            Some(StatusName::Booked) => EntryStatus::Booked,
            Some(StatusName::Pending) => EntryStatus::Pending,
            Some(StatusName::Information) => EntryStatus::Information,
            None => {
                let known: Vec<String> = spec.values.status.values().flatten().cloned().collect();
                return Err(ctx.error(
                    ErrorCode::InvalidValue,
                    Some(col),
                    Some(&raw),
                    format!("status {raw:?} is not one of {}", known.join(", ")),
                ));
            }
        };
    } else if let Some(fixed) = ctx.text_fixed(Field::Status) {
        e.status = match fixed.to_ascii_lowercase().as_str() {
            "pending" => EntryStatus::Pending,
            "information" => EntryStatus::Information,
            _ => EntryStatus::Booked,
        };
    }
    e.acct_svcr_ref = ctx.text(Field::BankReference);
    e.entry_ref = ctx.text(Field::EntryReference);
    e.settlement_number = ctx.text(Field::SettlementNumber);
    e.additional_info = ctx.text(Field::AdditionalInfo);
    let t = &mut e.transaction;
    t.refs.set_opt(TransactionRefKind::EndToEndId, ctx.text(Field::EndToEndId).filter(|r| !bankrec_model::is_placeholder_reference(r)));
    t.refs.set_opt(TransactionRefKind::MandateId, ctx.text(Field::MandateId));
    t.remittance.unstructured = ctx.texts(Field::Remittance).into();
    if let Some(r) = ctx.text(Field::CreditorReference) {
        t.remittance.creditor_refs.push(CreditorReference { reference: r, kind: None, issuer: None });
    }
    if let Some(code) = ctx.text(Field::TransactionCode) {
        t.bank_tx_code = Some(Box::new(bankrec_model::BankTxCode { proprietary: Some(code), ..Default::default() }));
    }
    let (name, acct, bic) = match direction {
        Direction::Credit => (Field::PayerName, Field::PayerAccount, Field::PayerBic),
        Direction::Debit => (Field::PayeeName, Field::PayeeAccount, Field::PayeeBic),
    };
    t.counterparty = party(
        ctx.text(Field::CounterpartyName).or_else(|| ctx.text(name)),
        ctx.text(Field::CounterpartyAccount).or_else(|| ctx.text(acct)),
        ctx.text(Field::CounterpartyBic).or_else(|| ctx.text(bic)),
    );
    if let Some(fee) = ctx.decimal(Field::Fee)?.filter(|f| !f.is_zero()) {
        t.charges.push(Charge {
            amount: Money::new(fee.abs(), currency),
            direction: Some(if fee.is_sign_negative() { Direction::Debit } else { Direction::Credit }),
            included: Some(true),
            kind: Some("fee".to_owned()),
            bearer: None,
        });
    }
    let original_currency = ctx.currency(Field::OriginalCurrency, None, &mut Cache::default())?;
    if let (Some(amount), Some(cur)) = (ctx.decimal(Field::OriginalAmount)?, original_currency) {
        if !amount.is_zero() {
            t.amount_details_mut().instructed = Some(Money::new(amount.abs(), cur));
        }
    }
    if let Some(rate) = ctx.decimal(Field::ExchangeRate)? {
        t.amount_details_mut().exchange_rate = Some(ExchangeRate {
            source_currency: original_currency,
            target_currency: Some(currency),
            unit_currency: None,
            rate,
            contract_id: None,
        });
    }
    let balance = ctx.decimal(Field::Balance)?;
    Ok(Mapped::Record(e, balance))
}

fn map_ledger(ctx: &RowCtx<'_>, cache: &mut Cache) -> RowResult<Mapped<LedgerEntry>> {
    let signed = ctx.required_amount()?;
    let currency =
        ctx.currency(Field::Currency, ctx.defaults.currency, cache)?.ok_or_else(|| ctx.missing(Field::Currency, "the currency"))?;
    let date = ctx.date(Field::Date)?.ok_or_else(|| ctx.missing(Field::Date, "the date"))?;
    let id = ctx.text(Field::Id).unwrap_or_else(|| format!("line-{}", ctx.line));
    let gl = ctx.text(Field::GlAccount).or_else(|| ctx.defaults.gl_account.clone()).unwrap_or_default();
    let mut l = LedgerEntry::new(id, date, gl, signed, currency);
    l.slip_number = ctx.text(Field::SlipNumber);
    l.account_title = ctx.text(Field::AccountTitle);
    l.counterparty = ctx.text(Field::Counterparty);
    l.reference = ctx.text(Field::Reference);
    l.settlement_number = ctx.text(Field::SettlementNumber);
    l.description = ctx.text(Field::Description);
    Ok(Mapped::Record(l, None))
}

/// The open-item kind of a built-in value name.
pub(crate) fn default_kind(text: &str) -> Option<OpenItemKind> {
    match text.trim().to_ascii_lowercase().replace([' ', '-'], "_").as_str() {
        "receivable" => Some(OpenItemKind::Receivable),
        "payable" => Some(OpenItemKind::Payable),
        "cost_receipt" => Some(OpenItemKind::CostReceipt),
        _ => None,
    }
}

fn map_open_item(ctx: &RowCtx<'_>, cache: &mut Cache) -> RowResult<Mapped<OpenItem>> {
    let spec = ctx.template.spec();
    let kind = match ctx.cell(Field::Kind) {
        Some((cell, col)) => {
            let raw = cell.text();
            let mapped =
                spec.values.kind.iter().find(|(_, vals)| vals.iter().any(|v| v.trim().eq_ignore_ascii_case(raw.trim()))).map(|(k, _)| {
                    match k {
                        KindName::Receivable => OpenItemKind::Receivable,
                        KindName::Payable => OpenItemKind::Payable,
                        KindName::CostReceipt => OpenItemKind::CostReceipt,
                    }
                });
            mapped.or_else(|| default_kind(&raw)).ok_or_else(|| {
                ctx.error(
                    ErrorCode::InvalidValue,
                    Some(col),
                    Some(&raw),
                    format!("kind {raw:?} is not receivable, payable or cost_receipt"),
                )
            })?
        }
        None => ctx.text_fixed(Field::Kind).and_then(|k| default_kind(&k)).ok_or_else(|| ctx.missing(Field::Kind, "the kind"))?,
    };
    let amount = ctx.decimal(Field::Amount)?.ok_or_else(|| ctx.missing(Field::Amount, "the amount"))?;
    let amount_col = ctx.cell(Field::Amount).map(|(_, c)| c);
    if amount.is_sign_negative() && !amount.is_zero() {
        return Err(ctx.error(
            ErrorCode::InvalidAmount,
            amount_col,
            Some(&amount.to_string()),
            "an open item's amount is unsigned; the kind says who pays".to_owned(),
        ));
    }
    let open = ctx.decimal(Field::OpenAmount)?.unwrap_or(amount);
    if open.is_sign_negative() && !open.is_zero() || open > amount {
        let col = ctx.cell(Field::OpenAmount).map(|(_, c)| c);
        return Err(ctx.error(
            ErrorCode::InvalidAmount,
            col,
            Some(&open.to_string()),
            format!("open amount {open} must lie between 0 and the amount {amount}"),
        ));
    }
    let currency =
        ctx.currency(Field::Currency, ctx.defaults.currency, cache)?.ok_or_else(|| ctx.missing(Field::Currency, "the currency"))?;
    let number = ctx.text(Field::Number).or_else(|| ctx.text(Field::Id)).ok_or_else(|| ctx.missing(Field::Number, "the number"))?;
    let id = ctx.text(Field::Id).unwrap_or_else(|| number.clone());
    let mut item = OpenItem::new(id, kind, number, amount, currency);
    item.open_amount = open;
    item.counterparty = ctx.text(Field::Counterparty);
    item.payment_reference = ctx.text(Field::PaymentReference);
    item.issue_date = ctx.date(Field::IssueDate)?;
    item.due_date = ctx.date(Field::DueDate)?;
    item.payment_method = ctx.text(Field::PaymentMethod).map(|m| PaymentMethod::parse(&m));
    if let Some((cell, col)) = ctx.cell(Field::HasAttachment) {
        let raw = cell.text();
        item.has_attachment = match cell {
            Cell::Bool(b) => b,
            _ => parse_bool(&raw)
                .ok_or_else(|| ctx.error(ErrorCode::InvalidValue, Some(col), Some(&raw), format!("{raw:?} is not yes/no")))?,
        };
    }
    item.bank_account = ctx.text(Field::BankAccount);
    item.settlement_number = ctx.text(Field::SettlementNumber);
    Ok(Mapped::Record(item, None))
}

// ---------------------------------------------------------------------------------------------
// The reader.

struct Hooks<T> {
    kind: RecordKind,
    map: fn(&RowCtx<'_>, &mut Cache) -> RowResult<Mapped<T>>,
    /// Appends continuation text to a record.
    merge: fn(&mut T, Vec<String>),
    /// The signed amount and group key of a record, for running balances.
    balance_key: fn(&T) -> Option<(Decimal, &AccountId, Currency)>,
}

#[derive(Default)]
struct Chain {
    first: Option<(Decimal, Decimal)>,
    last: Option<(Decimal, Decimal)>,
}

/// One item of the iterator.
type Item<T> = Result<RowEvent<T>, TabularError>;

/// A record waiting for its continuation lines (boxed: it may wait several rows).
struct Held<T> {
    line: u64,
    record: Box<T>,
    balance: Option<Decimal>,
    continuation: Vec<u64>,
}

/// The streaming reader: an iterator of [`RowEvent`]s over one file.
///
/// Memory stays flat: one row is held (two with continuation rows, plus `footer_lines` rows of
/// look-ahead). Iteration ends after an `Err` (the file cannot be read further) and, in
/// [`Mode::Strict`], after the first refused row.
///
/// ```
/// use bankrec_tabular::{BankEntryReader, ReadOptions, RowEvent, Template};
/// let template = Template::builtin("de-european-decimals").expect("built-in");
/// let csv = "Buchungstag;Verwendungszweck;Betrag;CCY;IBAN;Ref\n2026-04-02;Miete;-1.234,56;EUR;DE89370400440532013000;EU-001\n";
/// let mut reader = BankEntryReader::from_csv(csv.as_bytes(), &template, &ReadOptions::new()).expect("header fits");
/// let Some(Ok(RowEvent::Skipped { .. })) = reader.next() else { panic!("the header comes first") };
/// let Some(Ok(RowEvent::Record { line, record })) = reader.next() else { panic!("one entry") };
/// assert_eq!((line, record.signed_amount().to_string()), (2, "-1234.56".to_owned()));
/// ```
pub struct RecordReader<T> {
    source: Source,
    plan: Plan,
    template: Template,
    file: String,
    defaults: Defaults,
    preamble: PreambleValues,
    hooks: Hooks<T>,
    queue: VecDeque<Item<T>>,
    held: Option<Held<T>>,
    /// Running-balance chains per account and currency, in order of first appearance.
    chains: Vec<((AccountId, Currency), Chain)>,
    chain_index: HashMap<(AccountId, Currency), usize>,
    last_chain: usize,
    cache: Cache,
    summary: ReadSummary,
    strict: bool,
    finished: bool,
}

/// Streaming reader of bank entries.
pub type BankEntryReader = RecordReader<BankEntry>;
/// Streaming reader of ledger entries.
pub type LedgerEntryReader = RecordReader<LedgerEntry>;
/// Streaming reader of open items.
pub type OpenItemReader = RecordReader<OpenItem>;

fn bank_hooks() -> Hooks<BankEntry> {
    Hooks {
        kind: RecordKind::BankEntries,
        map: map_bank,
        merge: |e, lines| e.transaction.remittance.unstructured.extend(lines),
        balance_key: |e| Some((e.signed_amount(), &e.account, e.currency)),
    }
}

fn ledger_hooks() -> Hooks<LedgerEntry> {
    Hooks { kind: RecordKind::LedgerEntries, map: map_ledger, merge: |_, _| {}, balance_key: |_| None }
}

fn open_item_hooks() -> Hooks<OpenItem> {
    Hooks { kind: RecordKind::OpenItems, map: map_open_item, merge: |_, _| {}, balance_key: |_| None }
}

/// Input: a CSV stream or spreadsheet bytes.
pub(crate) enum Input {
    Csv(Box<dyn Read>),
    Spreadsheet(Vec<u8>),
}

/// Opens a file: spreadsheets (xlsx, xls, ods, recognised by content) are read whole, CSV streams.
pub(crate) fn open_input(path: &Path) -> Result<Input, TabularError> {
    let file = path.display().to_string();
    let io = |source| TabularError::Io { file: file.clone(), source };
    let mut f = File::open(path).map_err(io)?;
    let mut head = [0u8; 8];
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]).map_err(io)? {
            0 => break,
            k => n += k,
        }
    }
    if source::is_spreadsheet(&head[..n]) {
        let mut bytes = head[..n].to_vec();
        f.take(source::MAX_SPREADSHEET_BYTES as u64 + 1).read_to_end(&mut bytes).map_err(io)?;
        Ok(Input::Spreadsheet(bytes))
    } else {
        Ok(Input::Csv(Box::new(std::io::Cursor::new(head[..n].to_vec()).chain(f))))
    }
}

macro_rules! constructors {
    ($t:ty, $hooks:ident, $what:literal) => {
        impl RecordReader<$t> {
            #[doc = concat!("Streams ", $what, " from CSV text in any encoding the template names.")]
            pub fn from_csv(input: impl Read + 'static, template: &Template, options: &ReadOptions) -> Result<Self, TabularError> {
                RecordReader::build(Input::Csv(Box::new(input)), template, options, $hooks())
            }

            #[doc = concat!("Reads ", $what, " from an xlsx, xls or ods workbook held in memory.")]
            pub fn from_spreadsheet(bytes: Vec<u8>, template: &Template, options: &ReadOptions) -> Result<Self, TabularError> {
                RecordReader::build(Input::Spreadsheet(bytes), template, options, $hooks())
            }

            #[doc = concat!("Reads ", $what, " from a file: a spreadsheet when its content is one, else CSV.")]
            #[doc = ""]
            #[doc = "The file's path is used in messages unless `options.file_name` is set."]
            pub fn open(path: impl AsRef<Path>, template: &Template, options: &ReadOptions) -> Result<Self, TabularError> {
                let path = path.as_ref();
                let mut options = options.clone();
                options.file_name.get_or_insert_with(|| path.display().to_string());
                RecordReader::build(open_input(path)?, template, &options, $hooks())
            }
        }
    };
}

constructors!(BankEntry, bank_hooks, "bank entries");
constructors!(LedgerEntry, ledger_hooks, "ledger entries");
constructors!(OpenItem, open_item_hooks, "open items");

impl<T> RecordReader<T> {
    fn build(input: Input, template: &Template, options: &ReadOptions, hooks: Hooks<T>) -> Result<Self, TabularError> {
        if template.kind() != hooks.kind {
            return Err(TabularError::WrongKind {
                name: template.name().to_owned(),
                expected: hooks.kind.as_str(),
                found: template.kind().as_str(),
            });
        }
        let spec = template.spec();
        let file = options.file_name.clone().unwrap_or_else(|| "input".to_owned());
        let test = |cells: &[String]| resolve(spec, Some(cells)).is_ok();
        let (source, prologue) = match input {
            Input::Csv(r) => source::open_csv(r, spec, &file, &test)?,
            Input::Spreadsheet(bytes) => source::open_sheet(bytes, spec, options.sheet.as_ref(), &file, &test)?,
        };
        let Prologue { preamble, header } = prologue;
        let plan = match resolve(spec, header.as_ref().map(|(_, h)| h.as_slice())) {
            Ok(plan) => plan,
            Err(missing) => {
                let (line, found) = header.unwrap_or_default();
                return Err(TabularError::HeaderMismatch { file, line, template: template.name().to_owned(), missing, found });
            }
        };
        let mut queue = VecDeque::new();
        let mut summary = ReadSummary { header_line: header.as_ref().map(|(l, _)| *l), ..ReadSummary::default() };
        let preamble_values = read_preamble(template, &preamble, &file, &mut queue);
        let mut lines: Vec<(u64, SkipReason)> = preamble.iter().map(|(l, _)| (*l, SkipReason::Preamble)).collect();
        summary.preamble_lines = lines.len() as u64;
        if let Some((l, _)) = &header {
            lines.push((*l, SkipReason::Header));
        }
        lines.sort_unstable_by_key(|(l, _)| *l);
        let mut events: VecDeque<_> = lines.into_iter().map(|(line, reason)| Ok(RowEvent::Skipped { line, reason })).collect();
        events.extend(queue);
        let fixed_account = spec.fixed.get(&Field::Account).and_then(|a| AccountId::parse_any(a).ok());
        let defaults = Defaults {
            account: options.account.clone().or(preamble_values.account.clone()).or(fixed_account),
            currency: options.currency.or_else(|| spec.fixed.get(&Field::Currency).and_then(|c| Currency::new(c).ok())),
            gl_account: options.gl_account.clone(),
        };
        let has_column = |f: Field| plan.srcs[f as usize].as_ref().is_some_and(|s| matches!(s, Src::Cols(_)));
        if hooks.kind == RecordKind::BankEntries && defaults.account.is_none() && !has_column(Field::Account) {
            return Err(TabularError::MissingStatementData {
                file,
                what: "account",
                hint:
                    "map an `account` column, set `fixed.account` or `preamble.account` in the template, or pass the account in ReadOptions",
            });
        }
        if defaults.currency.is_none() && !has_column(Field::Currency) {
            return Err(TabularError::MissingStatementData {
                file,
                what: "currency",
                hint: "map a `currency` column, set `fixed.currency` in the template, or pass the currency in ReadOptions",
            });
        }
        Ok(RecordReader {
            source,
            plan,
            template: template.clone(),
            file,
            defaults,
            preamble: preamble_values,
            hooks,
            queue: events,
            held: None,
            chains: Vec::new(),
            chain_index: HashMap::new(),
            last_chain: 0,
            cache: Cache::default(),
            summary,
            strict: options.mode == Mode::Strict,
            finished: false,
        })
    }

    /// Counts of what happened to every line so far (complete once iteration has ended).
    pub fn summary(&self) -> ReadSummary {
        self.summary
    }

    /// Statement-level values found above the table.
    pub fn preamble(&self) -> &PreambleValues {
        &self.preamble
    }

    /// The file name used in messages.
    pub fn file_name(&self) -> &str {
        &self.file
    }

    /// Opening and closing balances per account and currency, derived from the running-balance
    /// column of the rows read so far; empty when the template maps none.
    pub fn running_balances(&self) -> Vec<RunningBalance> {
        let spec = self.template.spec();
        let mut out = Vec::new();
        for (key, chain) in &self.chains {
            let (Some((b0, a0)), Some((bn, an))) = (chain.first, chain.last) else { continue };
            let (opening, closing) = match (spec.balance.written, spec.balance.order) {
                (BalanceWritten::After, RowOrder::OldestFirst) => (b0 - a0, bn),
                (BalanceWritten::After, RowOrder::NewestFirst) => (bn - an, b0),
                (BalanceWritten::Before, RowOrder::OldestFirst) => (b0, bn + an),
                (BalanceWritten::Before, RowOrder::NewestFirst) => (bn, b0 + a0),
            };
            out.push(RunningBalance { account: key.0.clone(), currency: key.1, opening, closing });
        }
        out
    }

    /// Emits an event: the first of a step is returned directly (no queue, no extra copy of a
    /// large record); later ones queue behind it. `step` runs only when the queue is empty.
    fn emit(&mut self, first: &mut Option<Item<T>>, event: Item<T>) {
        if first.is_none() && self.queue.is_empty() {
            *first = Some(event);
        } else {
            self.queue.push_back(event);
        }
    }

    /// Emits a record after checking its running balance (the finding follows the record).
    fn emit_record(&mut self, first: &mut Option<Item<T>>, line: u64, record: T, balance: Option<Decimal>, continuation: Vec<u64>) {
        let finding = balance.and_then(|b| self.check_balance(line, &record, b));
        self.summary.records += 1;
        self.emit(first, Ok(RowEvent::Record { line, record }));
        for line in continuation {
            self.emit(first, Ok(RowEvent::Skipped { line, reason: SkipReason::Continuation }));
        }
        if let Some(f) = finding {
            self.emit(first, Ok(RowEvent::Finding(f)));
        }
    }

    /// Releases the record held for continuation lines, if any.
    fn release(&mut self, first: &mut Option<Item<T>>) {
        if let Some(held) = self.held.take() {
            let Held { line, record, balance, continuation } = held;
            self.emit_record(first, line, *record, balance, continuation);
        }
    }

    fn check_balance(&mut self, line: u64, record: &T, balance: Decimal) -> Option<ImportError> {
        let (amount, account, currency) = (self.hooks.balance_key)(record)?;
        let spec = self.template.spec();
        let same = self.chains.get(self.last_chain).is_some_and(|((a, c), _)| a == account && *c == currency);
        if !same {
            let key = (account.clone(), currency);
            self.last_chain = match self.chain_index.get(&key) {
                Some(i) => *i,
                None => {
                    self.chains.push((key.clone(), Chain::default()));
                    self.chain_index.insert(key, self.chains.len() - 1);
                    self.chains.len() - 1
                }
            };
        }
        let ((key_account, _), chain) = &mut self.chains[self.last_chain];
        let mut finding = None;
        if let Some((prev_balance, prev_amount)) = chain.last {
            let expected = match (spec.balance.written, spec.balance.order) {
                (BalanceWritten::After, RowOrder::OldestFirst) => prev_balance + amount,
                (BalanceWritten::After, RowOrder::NewestFirst) => prev_balance - prev_amount,
                (BalanceWritten::Before, RowOrder::OldestFirst) => prev_balance + prev_amount,
                (BalanceWritten::Before, RowOrder::NewestFirst) => prev_balance - amount,
            };
            if expected != balance {
                let mut e = ImportError::new(
                    ErrorCode::StatementUnbalanced,
                    Severity::Warning,
                    format!(
                        "running balance {balance} disagrees with the rows before it, which give {expected} (difference {}); a row may be missing or misread",
                        balance - expected
                    ),
                )
                .with_file(&self.file)
                .with_line(line)
                .with_account(key_account.as_str())
                .with_raw(balance.to_string());
                if let Some(Src::Cols(sels)) = &self.plan.srcs[Field::Balance as usize] {
                    if let Some(Sel::Index(i)) = sels.first() {
                        let name = self.plan.header.as_ref().and_then(|h| h.get(*i)).cloned().unwrap_or_else(|| (i + 1).to_string());
                        e = e.with_column(name);
                    }
                }
                finding = Some(e);
            }
        }
        if chain.first.is_none() {
            chain.first = Some((balance, amount));
        }
        chain.last = Some((balance, amount));
        finding
    }

    /// Reads one step of the source; returns its first event and queues the rest.
    fn step(&mut self) -> Option<Item<T>> {
        let mut first = None;
        match self.source.advance() {
            Step::End => {
                self.release(&mut first);
                self.finished = true;
            }
            Step::Fatal(e) => {
                self.release(&mut first);
                self.emit(&mut first, Err(e));
                self.finished = true;
            }
            Step::Blank(line) => {
                self.summary.blank_lines += 1;
                self.release(&mut first);
                self.emit(&mut first, Ok(RowEvent::Skipped { line, reason: SkipReason::Blank }));
            }
            Step::Footer(line) => {
                self.release(&mut first);
                self.summary.footer_lines += 1;
                self.emit(&mut first, Ok(RowEvent::Skipped { line, reason: SkipReason::Footer }));
            }
            Step::Bad(e) => {
                self.summary.rows += 1;
                self.refuse(&mut first, *e);
            }
            Step::Row(line) => {
                let row = self.source.current();
                if row.is_blank() {
                    self.summary.blank_lines += 1;
                    self.release(&mut first);
                    self.emit(&mut first, Ok(RowEvent::Skipped { line, reason: SkipReason::Blank }));
                    return first;
                }
                self.summary.rows += 1;
                let ctx = RowCtx { plan: &self.plan, template: &self.template, defaults: &self.defaults, file: &self.file, line, row };
                match (self.hooks.map)(&ctx, &mut self.cache) {
                    Ok(Mapped::Record(record, balance)) => {
                        self.release(&mut first);
                        if self.template.spec().continuation_rows {
                            self.held = Some(Held { line, record: Box::new(record), balance, continuation: Vec::new() });
                        } else {
                            self.emit_record(&mut first, line, record, balance, Vec::new());
                        }
                    }
                    Ok(Mapped::Continuation(lines)) => match self.held.as_mut() {
                        Some(held) => {
                            (self.hooks.merge)(&mut held.record, lines);
                            held.continuation.push(line);
                            self.summary.continuation_lines += 1;
                        }
                        None => {
                            let e = ImportError::new(
                                ErrorCode::MissingField,
                                Severity::Error,
                                "a continuation line (no date, no amount) with no entry before it",
                            )
                            .with_file(&self.file)
                            .with_line(line);
                            self.refuse(&mut first, e);
                        }
                    },
                    Ok(Mapped::NoAmount) => {
                        self.release(&mut first);
                        self.summary.skipped_without_amount += 1;
                        self.emit(&mut first, Ok(RowEvent::Skipped { line, reason: SkipReason::NoAmount }));
                    }
                    Err(e) => self.refuse(&mut first, *e),
                }
            }
        }
        first
    }

    fn refuse(&mut self, first: &mut Option<Item<T>>, e: ImportError) {
        self.release(first);
        self.summary.refused += 1;
        self.emit(first, Ok(RowEvent::Finding(e)));
        if self.strict {
            self.finished = true;
        }
    }
}

fn read_preamble(
    template: &Template,
    preamble: &[(u64, Vec<String>)],
    file: &str,
    findings: &mut VecDeque<Result<RowEvent<impl Sized>, TabularError>>,
) -> PreambleValues {
    let spec = &template.spec().preamble;
    let mut out = PreambleValues::default();
    let lookup = |label: &Option<String>| -> Option<(u64, String)> {
        let want = normalise_header(label.as_deref()?);
        preamble.iter().find_map(|(line, cells)| {
            let first = cells.first()?;
            (normalise_header(first.trim_end_matches(':')) == want)
                .then(|| (*line, cells.iter().skip(1).find(|c| !c.trim().is_empty()).cloned().unwrap_or_default()))
        })
    };
    if let Some((line, v)) = lookup(&spec.account) {
        match AccountId::parse_any(&v) {
            Ok(a) => out.account = Some(a),
            Err(e) => findings.push_back(Ok(RowEvent::Finding(
                ImportError::new(ErrorCode::InvalidIdentifier, Severity::Warning, format!("preamble account: {e}"))
                    .with_file(file)
                    .with_line(line)
                    .with_raw(v),
            ))),
        }
    }
    out.owner = lookup(&spec.owner).map(|(_, v)| v).filter(|v| !v.is_empty());
    let mut balance = |label: &Option<String>, what: &str| {
        let (line, v) = lookup(label)?;
        match parse_decimal(&v, template.compiled().number) {
            Ok(d) => Some(d),
            Err(why) => {
                findings.push_back(Ok(RowEvent::Finding(
                    ImportError::new(ErrorCode::InvalidAmount, Severity::Warning, format!("preamble {what} is {why}"))
                        .with_file(file)
                        .with_line(line)
                        .with_raw(v),
                )));
                None
            }
        }
    };
    out.opening_balance = balance(&spec.opening_balance, "opening balance");
    out.closing_balance = balance(&spec.closing_balance, "closing balance");
    out
}

impl<T> Iterator for RecordReader<T> {
    type Item = Result<RowEvent<T>, TabularError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(event) = self.queue.pop_front() {
                return Some(event);
            }
            if self.finished {
                return None;
            }
            if let Some(event) = self.step() {
                return Some(event);
            }
        }
    }
}

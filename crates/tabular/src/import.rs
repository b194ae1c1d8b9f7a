//! Read-it-all convenience on top of the streaming [`RecordReader`]: statements assembled per
//! account and currency, with ids assigned and balances checked by `bankrec-model`; ledger
//! entries and open items as lists. Each comes with every finding and a [`ReadSummary`].

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use bankrec_model::{
    assign_entry_ids, check_balance, AccountId, Balance, BalanceKind, BankEntry, Currency, Decimal, Direction, ErrorCode, ImportError,
    LedgerEntry, OpenItem, Severity, Statement, StatementKind,
};

use crate::error::TabularError;
use crate::reader::{BankEntryReader, LedgerEntryReader, Mode, OpenItemReader, ReadOptions, ReadSummary, RecordReader, RowEvent};
use crate::template::Template;

/// Statements read from one file, with every finding.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct StatementImport {
    /// One statement per account and currency, in order of first appearance. Entry ids are
    /// assigned ([`bankrec_model::assign_entry_ids`]); duplicates across files are for
    /// [`bankrec_model::StatementArchive`] to recognise.
    pub statements: Vec<Statement>,
    /// Refused rows (errors) and deviations (warnings), in file order, then statement checks.
    pub findings: Vec<ImportError>,
    /// What happened to every line.
    pub summary: ReadSummary,
}

/// Ledger entries read from one file, with every finding.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct LedgerImport {
    /// The entries, in file order.
    pub entries: Vec<LedgerEntry>,
    /// Refused rows, in file order.
    pub findings: Vec<ImportError>,
    /// What happened to every line.
    pub summary: ReadSummary,
}

/// Open items read from one file, with every finding.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct OpenItemImport {
    /// The items, in file order.
    pub items: Vec<OpenItem>,
    /// Refused rows, in file order.
    pub findings: Vec<ImportError>,
    /// What happened to every line.
    pub summary: ReadSummary,
}

/// Records, findings and the spent reader (for its summary and balances).
type Drained<T> = (Vec<T>, Vec<ImportError>, RecordReader<T>);

/// Drains a reader; strict mode turns the first refused row into the error.
fn drain<T>(mut reader: RecordReader<T>, mode: Mode) -> Result<Drained<T>, TabularError> {
    let mut records = Vec::new();
    let mut findings = Vec::new();
    for event in reader.by_ref() {
        match event? {
            RowEvent::Record { record, .. } => records.push(record),
            RowEvent::Finding(e) => {
                if mode == Mode::Strict && e.is_error() {
                    return Err(TabularError::Rejected(Box::new(e)));
                }
                findings.push(e);
            }
            RowEvent::Skipped { .. } => {}
        }
    }
    Ok((records, findings, reader))
}

/// Reads a bank statement from CSV text (see [`read_statement_file`]).
pub fn read_statement(input: impl Read + 'static, template: &Template, options: &ReadOptions) -> Result<StatementImport, TabularError> {
    assemble(BankEntryReader::from_csv(input, template, options)?, options)
}

/// Reads a bank statement file (CSV, xlsx, xls or ods) with a template: one [`Statement`] per
/// account and currency in the file, entry ids assigned, balances checked where known (from the
/// options, a running-balance column or the preamble, in that order).
///
/// ```
/// use bankrec_tabular::{read_statement, ReadOptions, Template};
/// let template = Template::builtin("de-split-amounts").expect("built-in");
/// let csv = "Booking Date;Details;Credit;Debit;CCY;Running Balance;IBAN;Ref\n\
///            2026-03-20;Incoming;1250,50;;EUR;2250,50;DE4455667788;CSV-100\n\
///            2026-03-21;Bill;;200,25;EUR;2050,25;DE4455667788;CSV-101\n";
/// let import = read_statement(csv.as_bytes(), &template, &ReadOptions::new()).expect("readable");
/// let statement = &import.statements[0];
/// assert_eq!(statement.entries.len(), 2);
/// assert_eq!(statement.opening_booked().map(|b| b.signed().to_string()), Some("1000.00".into()));
/// assert_eq!(statement.balances_agree(), Some(true));
/// assert!(import.findings.is_empty() && import.summary.is_complete());
/// ```
pub fn read_statement_file(path: impl AsRef<Path>, template: &Template, options: &ReadOptions) -> Result<StatementImport, TabularError> {
    let reader = BankEntryReader::open(path.as_ref(), template, options)?;
    assemble(reader, options)
}

/// Reads bank entries from spreadsheet bytes (xlsx, xls, ods) into statements.
pub fn read_statement_spreadsheet(bytes: Vec<u8>, template: &Template, options: &ReadOptions) -> Result<StatementImport, TabularError> {
    assemble(BankEntryReader::from_spreadsheet(bytes, template, options)?, options)
}

/// Reads ledger entries from CSV text.
pub fn read_ledger(input: impl Read + 'static, template: &Template, options: &ReadOptions) -> Result<LedgerImport, TabularError> {
    let (entries, findings, reader) = drain(LedgerEntryReader::from_csv(input, template, options)?, options.mode)?;
    Ok(LedgerImport { entries, findings, summary: reader.summary() })
}

/// Reads a ledger export (CSV, xlsx, xls or ods) with a template.
pub fn read_ledger_file(path: impl AsRef<Path>, template: &Template, options: &ReadOptions) -> Result<LedgerImport, TabularError> {
    let (entries, findings, reader) = drain(LedgerEntryReader::open(path.as_ref(), template, options)?, options.mode)?;
    Ok(LedgerImport { entries, findings, summary: reader.summary() })
}

/// Reads open items from CSV text.
pub fn read_open_items(input: impl Read + 'static, template: &Template, options: &ReadOptions) -> Result<OpenItemImport, TabularError> {
    let (items, findings, reader) = drain(OpenItemReader::from_csv(input, template, options)?, options.mode)?;
    Ok(OpenItemImport { items, findings, summary: reader.summary() })
}

/// Reads an open-items export (CSV, xlsx, xls or ods) with a template.
pub fn read_open_items_file(path: impl AsRef<Path>, template: &Template, options: &ReadOptions) -> Result<OpenItemImport, TabularError> {
    let (items, findings, reader) = drain(OpenItemReader::open(path.as_ref(), template, options)?, options.mode)?;
    Ok(OpenItemImport { items, findings, summary: reader.summary() })
}

fn balance(kind: BalanceKind, signed: Decimal, currency: Currency, date: Option<time::Date>) -> Balance {
    let (direction, amount) = Direction::split(signed);
    Balance { kind, amount, direction, currency, date, date_time: None }
}

fn assemble(reader: BankEntryReader, options: &ReadOptions) -> Result<StatementImport, TabularError> {
    let (entries, mut findings, reader) = drain(reader, options.mode)?;
    let file = reader.file_name().to_owned();
    let mut groups: Vec<((AccountId, Currency), Vec<BankEntry>)> = Vec::new();
    let mut index: HashMap<(AccountId, Currency), usize> = HashMap::new();
    for e in entries {
        let key = (e.account.clone(), e.currency);
        let i = *index.entry(key.clone()).or_insert_with(|| {
            groups.push((key, Vec::new()));
            groups.len() - 1
        });
        groups[i].1.push(e);
    }
    let running = reader.running_balances();
    let preamble = reader.preamble().clone();
    let single = groups.len() == 1;
    let base_id = options.statement_id.clone().unwrap_or_else(|| file.clone());
    let caller_balances = options.opening_balance.is_some() || options.closing_balance.is_some();
    if caller_balances && groups.len() > 1 {
        findings.push(
            ImportError::new(
                ErrorCode::MissingBalance,
                Severity::Warning,
                format!("the balances given apply to one statement, but the file holds {}; they were not used", groups.len()),
            )
            .with_file(&file),
        );
    }
    let mut statements = Vec::new();
    for ((account, currency), mut entries) in groups {
        let id = if single { base_id.clone() } else { format!("{base_id} {} {}", account.as_str(), currency.code()) };
        let mut s = Statement::new(id, StatementKind::Statement, account.clone(), currency);
        s.from = entries.iter().filter_map(BankEntry::date).min();
        s.to = entries.iter().filter_map(BankEntry::date).max();
        s.owner_name = preamble.owner.clone();
        let from_rows = running.iter().find(|r| r.account == account && r.currency == currency);
        let pick = |caller: Option<Decimal>, rows: Option<Decimal>, pre: Option<Decimal>, what: &str, findings: &mut Vec<ImportError>| {
            let caller = caller.filter(|_| single);
            if let (Some(c), Some(r)) = (caller, rows) {
                if c != r {
                    findings.push(
                        ImportError::new(
                            ErrorCode::BalanceBreak,
                            Severity::Warning,
                            format!("{what} balance given as {c}, but the running balance of the file gives {r}; the given one is used"),
                        )
                        .with_file(&file)
                        .with_account(account.as_str()),
                    );
                }
            }
            caller.or(rows).or(pre.filter(|_| single))
        };
        let opening = pick(options.opening_balance, from_rows.map(|r| r.opening), preamble.opening_balance, "opening", &mut findings);
        let closing = pick(options.closing_balance, from_rows.map(|r| r.closing), preamble.closing_balance, "closing", &mut findings);
        if let Some(o) = opening {
            s.balances.push(balance(BalanceKind::OpeningBooked, o, currency, s.from));
        }
        if let Some(c) = closing {
            s.balances.push(balance(BalanceKind::ClosingBooked, c, currency, s.to));
        }
        for repeated in assign_entry_ids(&mut entries) {
            findings.push(
                ImportError::new(
                    ErrorCode::SchemaDeviation,
                    Severity::Info,
                    "bank reference repeats within the statement; its entries are identified by content fingerprint",
                )
                .with_file(&file)
                .with_account(account.as_str())
                .with_raw(repeated),
            );
        }
        s.entries = entries;
        if opening.is_some() && closing.is_some() {
            findings.extend(check_balance(&s).into_iter().map(|f| f.with_file(&file)));
        }
        statements.push(s);
    }
    Ok(StatementImport { statements, findings, summary: reader.summary() })
}

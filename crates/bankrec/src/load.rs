//! Loading inputs from files: statements (camt or a template), ledgers, open items, accounts and
//! rules. Each call picks the member crate that reads the format and returns model values plus
//! every finding; the formats themselves are read only by the member crates.

use std::path::Path;

use bankrec_match::RuleSet;
use bankrec_model::{AccountId, AccountMap, BankAccount, Currency, Decimal, ImportError, Statement};
#[cfg(feature = "tabular")]
use bankrec_model::{LedgerEntry, OpenItem};
use serde::Deserialize;

use crate::error::Error;

/// The built-in template for the default ledger layout
/// (`id,date,amount,currency,reference,counterparty,description,settlement_no`).
pub const DEFAULT_LEDGER_TEMPLATE: &str = "bankrec-ledger";
/// The built-in template for the default open-items layout.
pub const DEFAULT_OPEN_ITEMS_TEMPLATE: &str = "bankrec-open-items";

/// How to read input files.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct LoadOptions {
    /// Keep every good record and report each bad one, instead of stopping at the first error.
    pub lenient: bool,
    /// Template (built-in name or file) for CSV/spreadsheet files. Without it, statements are
    /// read as camt and ledgers/open items with the default layouts.
    pub template: Option<String>,
    /// Known accounts, for overdraft checks while reading.
    pub accounts: Option<AccountMap>,
    /// GL account code given to ledger lines when the layout has no GL column.
    pub gl_account: Option<String>,
    /// The account of a CSV/spreadsheet statement whose layout does not name it.
    pub account: Option<AccountId>,
    /// The currency of a CSV/spreadsheet statement whose layout does not name it.
    pub currency: Option<Currency>,
    /// Opening and closing balance of a CSV/spreadsheet statement whose layout lacks them.
    pub balances: Option<(Decimal, Decimal)>,
}

impl LoadOptions {
    /// Strict reading, camt statements, default layouts.
    pub fn new() -> LoadOptions {
        LoadOptions::default()
    }

    /// Lenient or strict.
    pub fn lenient(mut self, lenient: bool) -> Self {
        self.lenient = lenient;
        self
    }

    /// Books ledger lines of layouts without a GL column (such as the default ledger layout) to
    /// this GL account code: the GL account of the bank account the ledger belongs to.
    pub fn gl_account(mut self, code: impl Into<String>) -> Self {
        self.gl_account = Some(code.into());
        self
    }

    /// The account of CSV/spreadsheet statements whose layout does not name it.
    pub fn account(mut self, account: AccountId) -> Self {
        self.account = Some(account);
        self
    }

    /// The currency of CSV/spreadsheet statements whose layout does not name it.
    pub fn currency(mut self, currency: Currency) -> Self {
        self.currency = Some(currency);
        self
    }

    /// Opening and closing balance (signed) of CSV/spreadsheet statements whose layout lacks them.
    pub fn balances(mut self, opening: Decimal, closing: Decimal) -> Self {
        self.balances = Some((opening, closing));
        self
    }

    /// Uses a template (built-in name or file path).
    pub fn template(mut self, name_or_path: Option<impl Into<String>>) -> Self {
        self.template = name_or_path.map(Into::into);
        self
    }
}

/// Records read from one file and every finding (errors and warnings), in file order.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Loaded<T> {
    /// The records.
    pub records: Vec<T>,
    /// Errors (refused records) and warnings.
    pub findings: Vec<ImportError>,
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

#[cfg(any(feature = "camt", feature = "tabular"))]
fn refused(path: &Path, error: ImportError) -> Error {
    Error::Input { path: display(path), count: 1, first: Box::new(error) }
}

/// Reads bank statements from a file: camt.052/053/054 unless a template is given, in which case
/// the file is a CSV or spreadsheet read through it.
pub fn load_statements(path: impl AsRef<Path>, options: &LoadOptions) -> Result<Loaded<Statement>, Error> {
    let path = path.as_ref();
    let file = std::fs::File::open(path).map_err(|source| Error::Io { path: display(path), source })?;
    load_statements_from(std::io::BufReader::with_capacity(1 << 16, file), &display(path), options)
}

/// Reads bank statements from any reader (a network stream, a database blob, bytes in memory);
/// `name` is used in error locations. camt unless a template is given; with a template, CSV, or a
/// spreadsheet (xlsx/xls/ods) recognised by its content.
pub fn load_statements_from(
    mut reader: impl std::io::BufRead + 'static,
    name: &str,
    options: &LoadOptions,
) -> Result<Loaded<Statement>, Error> {
    let path = Path::new(name);
    match &options.template {
        #[cfg(feature = "tabular")]
        Some(template) => {
            let template = load_template(path, template)?;
            let read_options = tabular_options(path, options);
            let mut head = Vec::new();
            std::io::Read::read_to_end(&mut std::io::Read::take(&mut reader, 8), &mut head)
                .map_err(|source| Error::Io { path: name.to_owned(), source })?;
            // Spreadsheets are zip (xlsx, ods) or OLE (xls) containers and are read whole.
            let read = if head.starts_with(b"PK\x03\x04") || head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
                let mut bytes = head;
                std::io::Read::read_to_end(&mut reader, &mut bytes).map_err(|source| Error::Io { path: name.to_owned(), source })?;
                bankrec_tabular::read_statement_spreadsheet(bytes, &template, &read_options)
            } else {
                bankrec_tabular::read_statement(std::io::Read::chain(std::io::Cursor::new(head), reader), &template, &read_options)
            };
            let read = read.map_err(|e| refused(path, e.to_import_error()))?;
            Ok(Loaded { records: read.statements, findings: read.findings })
        }
        #[cfg(not(feature = "tabular"))]
        Some(_) => {
            let _ = (&mut reader, path);
            Err(Error::Refused("templates need the `tabular` feature".into()))
        }
        #[cfg(feature = "camt")]
        None => {
            let mut builder = bankrec_camt::ReaderOptions::builder().file_name(name);
            builder = if options.lenient { builder.lenient() } else { builder.strict() };
            if let Some(accounts) = &options.accounts {
                builder = builder.accounts(accounts.clone());
            }
            let reader_options = builder.build().map_err(|e| refused(path, e.to_import_error()))?;
            let file = bankrec_camt::read_statements(reader, &reader_options).map_err(|e| refused(path, e.to_import_error()))?;
            Ok(Loaded { records: file.statements, findings: file.findings })
        }
        #[cfg(not(feature = "camt"))]
        None => {
            let _ = (&mut reader, path);
            Err(Error::Refused("camt statements need the `camt` feature".into()))
        }
    }
}

#[cfg(feature = "tabular")]
fn load_template(path: &Path, name_or_path: &str) -> Result<bankrec_tabular::Template, Error> {
    bankrec_tabular::Template::load(name_or_path)
        .map_err(|e| Error::Format { path: format!("{} (template for {})", name_or_path, display(path)), message: e.to_string() })
}

#[cfg(feature = "tabular")]
fn tabular_options(path: &Path, options: &LoadOptions) -> bankrec_tabular::ReadOptions {
    let mode = if options.lenient { bankrec_tabular::Mode::Lenient } else { bankrec_tabular::Mode::Strict };
    let mut read = bankrec_tabular::ReadOptions::new().with_mode(mode).with_file_name(display(path));
    if let Some(code) = &options.gl_account {
        read = read.with_gl_account(code.clone());
    }
    if let Some(account) = &options.account {
        read = read.with_account(account.clone());
    }
    if let Some(currency) = options.currency {
        read = read.with_currency(currency);
    }
    if let Some((opening, closing)) = options.balances {
        read = read.with_balances(opening, closing);
    }
    read
}

/// Reads ledger entries from a CSV or spreadsheet, with the default ledger layout unless the
/// options name a template.
#[cfg(feature = "tabular")]
pub fn load_ledger(path: impl AsRef<Path>, options: &LoadOptions) -> Result<Loaded<LedgerEntry>, Error> {
    let path = path.as_ref();
    let template = load_template(path, options.template.as_deref().unwrap_or(DEFAULT_LEDGER_TEMPLATE))?;
    let read = bankrec_tabular::read_ledger_file(path, &template, &tabular_options(path, options))
        .map_err(|e| refused(path, e.to_import_error()))?;
    Ok(Loaded { records: read.entries, findings: read.findings })
}

/// Reads open items from a CSV or spreadsheet, with the default open-items layout unless the
/// options name a template.
#[cfg(feature = "tabular")]
pub fn load_open_items(path: impl AsRef<Path>, options: &LoadOptions) -> Result<Loaded<OpenItem>, Error> {
    let path = path.as_ref();
    let template = load_template(path, options.template.as_deref().unwrap_or(DEFAULT_OPEN_ITEMS_TEMPLATE))?;
    let read = bankrec_tabular::read_open_items_file(path, &template, &tabular_options(path, options))
        .map_err(|e| refused(path, e.to_import_error()))?;
    Ok(Loaded { records: read.items, findings: read.findings })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountsFile {
    #[serde(default)]
    account: Vec<BankAccount>,
}

fn read_text(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|source| Error::Io { path: display(path), source })
}

/// Reads bank accounts from TOML: one `[[account]]` table per account with the fields of
/// [`BankAccount`]. A GL account mapped twice is refused.
pub fn load_accounts(path: impl AsRef<Path>) -> Result<AccountMap, Error> {
    let path = path.as_ref();
    let file: AccountsFile =
        toml::from_str(&read_text(path)?).map_err(|e| Error::Format { path: display(path), message: e.to_string() })?;
    let mut map = AccountMap::new();
    for account in file.account {
        map.insert(account)?;
    }
    Ok(map)
}

/// Reads a rule set from TOML (`.toml`) or JSON (anything else).
pub fn load_rules(path: impl AsRef<Path>) -> Result<RuleSet, Error> {
    let path = path.as_ref();
    let text = read_text(path)?;
    let is_toml = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("toml"));
    let rules = if is_toml { RuleSet::from_toml(&text) } else { RuleSet::from_json(&text) };
    rules.map_err(|e| Error::Format { path: display(path), message: e.to_string() })
}

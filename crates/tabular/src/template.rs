//! The [`Template`]: how one export layout maps to bank entries, ledger entries or open items.
//!
//! A template is data (TOML or JSON), validated when loaded: every problem is listed at once, so a
//! user fixes a template in one go. Resolving column names against a file's header happens later,
//! when a file is read (see `reader`).

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::builtin;
use crate::error::TabularError;
use crate::format::{DateFormat, NumberStyle};

/// What a template reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RecordKind {
    /// Bank statement lines, read into [`bankrec_model::BankEntry`]s and grouped into statements.
    #[serde(alias = "statement")]
    BankEntries,
    /// General-ledger lines, read into [`bankrec_model::LedgerEntry`]s.
    #[serde(alias = "ledger")]
    LedgerEntries,
    /// Invoices and receipts awaiting payment, read into [`bankrec_model::OpenItem`]s.
    OpenItems,
}

impl RecordKind {
    /// `bank_entries`, `ledger_entries` or `open_items`.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::BankEntries => "bank_entries",
            RecordKind::LedgerEntries => "ledger_entries",
            RecordKind::OpenItems => "open_items",
        }
    }
}

/// A spreadsheet's sheet: by name, or by 1-based position.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum SheetRef {
    /// 1-based position in the workbook.
    Position(usize),
    /// Name, compared case-insensitively.
    Name(String),
}

/// The fields a column can fill. Names are those of the model types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Field {
    // Shared.
    Amount,
    Debit,
    Credit,
    Direction,
    Currency,
    SettlementNumber,
    Id,
    Counterparty,
    // Bank entries.
    Account,
    BookingDate,
    ValueDate,
    Balance,
    BankReference,
    EntryReference,
    EndToEndId,
    MandateId,
    CreditorReference,
    Remittance,
    AdditionalInfo,
    CounterpartyName,
    CounterpartyAccount,
    CounterpartyBic,
    PayerName,
    PayerAccount,
    PayerBic,
    PayeeName,
    PayeeAccount,
    PayeeBic,
    TransactionCode,
    Status,
    Fee,
    OriginalAmount,
    OriginalCurrency,
    ExchangeRate,
    // Ledger entries.
    SlipNumber,
    Date,
    GlAccount,
    AccountTitle,
    Reference,
    Description,
    // Open items.
    Kind,
    Number,
    PaymentReference,
    IssueDate,
    DueDate,
    OpenAmount,
    PaymentMethod,
    HasAttachment,
    BankAccount,
}

/// Number of [`Field`] variants, for index-addressed plans.
pub(crate) const FIELD_COUNT: usize = Field::BankAccount as usize + 1;

impl Field {
    fn name(self) -> String {
        serde_json::to_value(self).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
    }

    fn applies_to(self, kind: RecordKind) -> bool {
        use Field::*;
        match self {
            Amount | Currency | SettlementNumber | Id => true,
            Debit | Credit | Direction => kind != RecordKind::OpenItems,
            Counterparty => kind != RecordKind::BankEntries,
            Account | BookingDate | ValueDate | Balance | BankReference | EntryReference | EndToEndId | MandateId | CreditorReference
            | Remittance | AdditionalInfo | CounterpartyName | CounterpartyAccount | CounterpartyBic | PayerName | PayerAccount
            | PayerBic | PayeeName | PayeeAccount | PayeeBic | TransactionCode | Status | Fee | OriginalAmount | OriginalCurrency
            | ExchangeRate => kind == RecordKind::BankEntries,
            SlipNumber | Date | GlAccount | AccountTitle | Reference | Description => kind == RecordKind::LedgerEntries,
            Kind | Number | PaymentReference | IssueDate | DueDate | OpenAmount | PaymentMethod | HasAttachment | BankAccount => {
                kind == RecordKind::OpenItems
            }
        }
    }

    /// Text fields may join several columns.
    fn takes_many_columns(self) -> bool {
        use Field::*;
        matches!(self, Remittance | AdditionalInfo | Description | AccountTitle | CounterpartyName | Counterparty | PayerName | PayeeName)
    }

    /// Fields whose value may be fixed in the template instead of read from a column.
    fn may_be_fixed(self) -> bool {
        use Field::*;
        matches!(
            self,
            Account
                | Currency
                | Status
                | Kind
                | GlAccount
                | AccountTitle
                | PaymentMethod
                | BankAccount
                | TransactionCode
                | SettlementNumber
        )
    }
}

/// One column: a header name (case- and space-insensitive), a 1-based position, or every column
/// from a position on (`{ from = 10 }`, for exports that spill free text over trailing columns).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub(crate) enum ColumnRef {
    Position(usize),
    Name(String),
    From { from: usize },
}

/// One or several columns for a field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub(crate) enum Columns {
    One(ColumnRef),
    Many(Vec<ColumnRef>),
}

impl Columns {
    pub(crate) fn refs(&self) -> &[ColumnRef] {
        match self {
            Columns::One(r) => std::slice::from_ref(r),
            Columns::Many(v) => v,
        }
    }
}

/// How the sign of an amount is written.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "convention", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum SignConvention {
    /// One signed `amount` column: negative is money out.
    #[default]
    Signed,
    /// Same, with positive amounts meaning money out (credit-card exports).
    Negated,
    /// Separate `debit` and `credit` columns, either may be empty; their absolute values are used.
    DebitCredit,
    /// An `amount` column (absolute value used) and a `direction` column with these values.
    Indicator {
        /// Values meaning money in (compared case-insensitively, trimmed).
        credit: Vec<String>,
        /// Values meaning money out.
        debit: Vec<String>,
    },
}

/// Where a running balance sits relative to its row's amount, and the order of the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum BalanceWritten {
    /// The balance after the row's amount (most banks).
    #[default]
    After,
    /// The balance before the row's amount (ASN).
    Before,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RowOrder {
    #[default]
    OldestFirst,
    NewestFirst,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BalanceSpec {
    #[serde(default)]
    pub(crate) written: BalanceWritten,
    #[serde(default)]
    pub(crate) order: RowOrder,
}

/// Labels of `label;value` lines above the header that carry statement-level data.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PreambleSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) account: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) opening_balance: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) closing_balance: Option<String>,
}

impl PreambleSpec {
    fn is_empty(&self) -> bool {
        self.account.is_none() && self.owner.is_none() && self.opening_balance.is_none() && self.closing_balance.is_none()
    }
}

/// Value lists for coded columns.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ValueSpec {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) status: BTreeMap<StatusName, Vec<String>>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) kind: BTreeMap<KindName, Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum StatusName {
    Booked,
    Pending,
    Information,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum KindName {
    Receivable,
    Payable,
    CostReceipt,
}

fn default_true() -> bool {
    true
}
fn default_quote() -> char {
    '"'
}
fn default_encoding() -> String {
    "utf-8".to_owned()
}
fn default_decimal() -> char {
    '.'
}
fn is_false(b: &bool) -> bool {
    !*b
}
fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The serialised form of a template, as written in TOML or JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Spec {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) description: String,
    pub(crate) kind: RecordKind,
    #[serde(default = "default_encoding")]
    pub(crate) encoding: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) delimiter: Option<char>,
    #[serde(default = "default_quote")]
    pub(crate) quote: char,
    #[serde(default = "default_true")]
    pub(crate) header: bool,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub(crate) skip_lines: usize,
    #[serde(default, skip_serializing_if = "is_false")]
    pub(crate) locate_header: bool,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub(crate) footer_lines: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) sheet: Option<SheetRef>,
    #[serde(default)]
    pub(crate) date_formats: Vec<String>,
    #[serde(default = "default_decimal")]
    pub(crate) decimal_separator: char,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) thousands_separator: Option<char>,
    #[serde(default)]
    pub(crate) sign: SignConvention,
    #[serde(default, skip_serializing_if = "is_false")]
    pub(crate) continuation_rows: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub(crate) skip_rows_without_amount: bool,
    pub(crate) columns: BTreeMap<Field, Columns>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) fixed: BTreeMap<Field, String>,
    #[serde(default)]
    pub(crate) values: ValueSpec,
    #[serde(default)]
    pub(crate) balance: BalanceSpec,
    #[serde(default, skip_serializing_if = "PreambleSpec::is_empty")]
    pub(crate) preamble: PreambleSpec,
}

/// Upper bounds that keep a hostile template or file from exhausting memory.
pub(crate) const MAX_SKIP_LINES: usize = 10_000;
pub(crate) const MAX_FOOTER_LINES: usize = 1_000;

/// A validated layout description: which columns hold which fields, how numbers, dates and signs
/// are written, the encoding, delimiter, lines around the table and statement-level data.
///
/// Load one with [`Template::load`] (a built-in name or a file path), [`Template::builtin`],
/// [`Template::from_toml`] or [`Template::from_json`]; each validates and lists every problem.
///
/// ```
/// use bankrec_tabular::{RecordKind, Template};
/// let t = Template::from_toml(r#"
///     name = "my-bank"
///     kind = "bank_entries"
///     delimiter = ";"
///     date_formats = ["%d.%m.%Y"]
///     decimal_separator = ","
///     thousands_separator = "."
///     [columns]
///     booking_date = "Buchungstag"
///     amount = "Betrag"
///     remittance = ["Verwendungszweck", "Buchungstext"]
///     [fixed]
///     currency = "EUR"
/// "#).expect("valid template");
/// assert_eq!(t.kind(), RecordKind::BankEntries);
/// let bad = Template::from_toml("name = 'x'\nkind = 'bank_entries'\n[columns]\ndue_date = 'Due'\n");
/// let message = bad.expect_err("invalid").to_string();
/// assert!(message.contains("due_date") && message.contains("amount"), "{message}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Spec", into = "Spec")]
pub struct Template {
    spec: Spec,
    #[serde(skip)]
    compiled: Compiled,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Compiled {
    pub(crate) date_formats: Vec<DateFormat>,
    pub(crate) number: NumberStyle,
}

impl From<Template> for Spec {
    fn from(t: Template) -> Spec {
        t.spec
    }
}

impl TryFrom<Spec> for Template {
    type Error = TabularError;
    fn try_from(spec: Spec) -> Result<Template, TabularError> {
        Template::validate(spec)
    }
}

impl Template {
    /// A template from TOML text, validated.
    pub fn from_toml(text: &str) -> Result<Template, TabularError> {
        let spec: Spec = toml::from_str(text).map_err(|e| TabularError::TemplateSyntax {
            source_name: name_hint(text),
            format: "TOML",
            message: e.message().to_owned(),
        })?;
        Template::validate(spec)
    }

    /// A template from JSON text, validated.
    pub fn from_json(text: &str) -> Result<Template, TabularError> {
        let spec: Spec = serde_json::from_str(text).map_err(|e| TabularError::TemplateSyntax {
            source_name: name_hint(text),
            format: "JSON",
            message: e.to_string(),
        })?;
        Template::validate(spec)
    }

    /// A template from a `.toml` or `.json` file (any other extension is read as TOML).
    pub fn from_path(path: impl AsRef<Path>) -> Result<Template, TabularError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| TabularError::Io { file: path.display().to_string(), source })?;
        let is_json = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
        let result = if is_json { Template::from_json(&text) } else { Template::from_toml(&text) };
        result.map_err(|e| match e {
            TabularError::TemplateSyntax { format, message, .. } => {
                TabularError::TemplateSyntax { source_name: path.display().to_string(), format, message }
            }
            other => other,
        })
    }

    /// A built-in template by name (see [`Template::builtin_names`]).
    pub fn builtin(name: &str) -> Result<Template, TabularError> {
        match builtin::source(name) {
            Some(text) => Template::from_toml(text),
            None => Err(TabularError::UnknownTemplate { name: name.to_owned(), available: builtin::names().map(str::to_owned).collect() }),
        }
    }

    /// The names of the built-in templates, sorted.
    pub fn builtin_names() -> Vec<&'static str> {
        builtin::names().collect()
    }

    /// What the command line means by `--template NAME|FILE`: a built-in name when one matches,
    /// else a file path.
    pub fn load(name_or_path: &str) -> Result<Template, TabularError> {
        if builtin::source(name_or_path).is_some() {
            return Template::builtin(name_or_path);
        }
        let path = Path::new(name_or_path);
        if path.is_file() {
            return Template::from_path(path);
        }
        Err(TabularError::UnknownTemplate { name: name_or_path.to_owned(), available: builtin::names().map(str::to_owned).collect() })
    }

    /// The template's name.
    pub fn name(&self) -> &str {
        &self.spec.name
    }

    /// What the template is for, in a sentence.
    pub fn description(&self) -> &str {
        &self.spec.description
    }

    /// What the template reads.
    pub fn kind(&self) -> RecordKind {
        self.spec.kind
    }

    /// The template as TOML.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(&self.spec).unwrap_or_default()
    }

    /// The template as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.spec).unwrap_or_default()
    }

    pub(crate) fn spec(&self) -> &Spec {
        &self.spec
    }

    pub(crate) fn compiled(&self) -> &Compiled {
        &self.compiled
    }

    fn validate(mut spec: Spec) -> Result<Template, TabularError> {
        let mut problems = Vec::new();
        let kind = spec.kind;
        if spec.name.trim().is_empty() {
            problems.push("`name` is empty".to_owned());
        }
        if encoding_rs::Encoding::for_label(spec.encoding.trim().as_bytes()).is_none() {
            problems.push(format!("unknown encoding {:?} (try utf-8, utf-16le, utf-16be, windows-1252, iso-8859-1)", spec.encoding));
        }
        if let Some(d) = spec.delimiter {
            if !d.is_ascii() || d == '\n' || d == '\r' || d == spec.quote {
                problems.push(format!("delimiter {d:?} must be one ASCII character other than a line break or the quote"));
            }
        }
        if !spec.quote.is_ascii() {
            problems.push(format!("quote {:?} must be one ASCII character", spec.quote));
        }
        if spec.skip_lines > MAX_SKIP_LINES {
            problems.push(format!("skip_lines {} exceeds {MAX_SKIP_LINES}", spec.skip_lines));
        }
        if spec.footer_lines > MAX_FOOTER_LINES {
            problems.push(format!("footer_lines {} exceeds {MAX_FOOTER_LINES}", spec.footer_lines));
        }
        if spec.locate_header && !spec.header {
            problems.push("locate_header needs header = true".to_owned());
        }
        const SEPARATORS: &[char] = &['.', ',', '\'', ' ', '\u{a0}', '\u{202f}', '’'];
        if !['.', ','].contains(&spec.decimal_separator) {
            problems.push(format!("decimal_separator {:?} must be \".\" or \",\"", spec.decimal_separator));
        }
        if let Some(t) = spec.thousands_separator {
            if !SEPARATORS.contains(&t) || t == spec.decimal_separator {
                problems.push(format!("thousands_separator {t:?} must be one of . , ' or a space, and differ from the decimal separator"));
            }
        }
        if spec.date_formats.is_empty() {
            spec.date_formats.push("%Y-%m-%d".to_owned());
        }
        let mut date_formats = Vec::new();
        for f in &spec.date_formats {
            match DateFormat::compile(f) {
                Ok(c) => date_formats.push(c),
                Err(e) => problems.push(e),
            }
        }
        for (field, columns) in &spec.columns {
            if !field.applies_to(kind) {
                problems.push(format!("column `{}` is not a field of {}", field.name(), kind.as_str()));
            }
            let refs = columns.refs();
            if refs.is_empty() {
                problems.push(format!("column `{}` lists no column", field.name()));
            }
            if refs.len() > 1 && !field.takes_many_columns() {
                problems.push(format!("column `{}` takes one column, not {}", field.name(), refs.len()));
            }
            for r in refs {
                match r {
                    ColumnRef::Position(0) | ColumnRef::From { from: 0 } => {
                        problems.push(format!("column `{}`: positions count from 1", field.name()));
                    }
                    ColumnRef::Name(n) if !spec.header => {
                        problems.push(format!(
                            "column `{}` names {n:?}, but the file has no header (header = false); use a position",
                            field.name()
                        ));
                    }
                    ColumnRef::Name(n) if normalise_header(n).is_empty() => {
                        problems.push(format!("column `{}` has an empty name", field.name()));
                    }
                    ColumnRef::From { .. } if !field.takes_many_columns() => {
                        problems.push(format!("column `{}` cannot take an open range of columns", field.name()));
                    }
                    _ => {}
                }
            }
            if spec.fixed.contains_key(field) {
                problems.push(format!("`{}` is both a column and fixed; choose one", field.name()));
            }
        }
        for (field, value) in &spec.fixed {
            if !field.applies_to(kind) {
                problems.push(format!("fixed `{}` is not a field of {}", field.name(), kind.as_str()));
            } else if !field.may_be_fixed() {
                problems.push(format!("`{}` cannot be fixed in a template; map a column", field.name()));
            }
            if *field == Field::Currency && bankrec_model::Currency::new(value).is_err() {
                problems.push(format!("fixed currency {value:?} is not ISO 4217"));
            }
            if *field == Field::Account && value.trim().is_empty() {
                problems.push("fixed account is empty".to_owned());
            }
        }
        let has = |f: Field| spec.columns.contains_key(&f);
        let needs = |problems: &mut Vec<String>, f: Field, why: &str| problems.push(format!("column `{}` is required {why}", f.name()));
        match &spec.sign {
            SignConvention::Signed | SignConvention::Negated => {
                if !has(Field::Amount) {
                    needs(&mut problems, Field::Amount, "by the signed-amount convention");
                }
            }
            SignConvention::DebitCredit => {
                if kind == RecordKind::OpenItems {
                    problems.push("open items take a signed amount only".to_owned());
                }
                if !has(Field::Debit) || !has(Field::Credit) {
                    problems.push("sign convention debit_credit needs both `debit` and `credit` columns".to_owned());
                }
                if has(Field::Amount) {
                    problems.push("sign convention debit_credit reads `debit` and `credit`; drop the `amount` column".to_owned());
                }
            }
            SignConvention::Indicator { credit, debit } => {
                if kind == RecordKind::OpenItems {
                    problems.push("open items take a signed amount only".to_owned());
                }
                if !has(Field::Amount) || !has(Field::Direction) {
                    problems.push("sign convention indicator needs an `amount` and a `direction` column".to_owned());
                }
                if credit.is_empty() || debit.is_empty() {
                    problems.push("sign convention indicator needs `credit` and `debit` value lists".to_owned());
                }
                if credit.iter().any(|c| debit.iter().any(|d| d.trim().eq_ignore_ascii_case(c.trim()))) {
                    problems.push("an indicator value is listed as both credit and debit".to_owned());
                }
            }
        }
        if !matches!(spec.sign, SignConvention::Indicator { .. }) && has(Field::Direction) {
            problems.push("a `direction` column needs sign convention indicator with its credit and debit values".to_owned());
        }
        if !matches!(spec.sign, SignConvention::DebitCredit) && (has(Field::Debit) || has(Field::Credit)) {
            problems.push("`debit`/`credit` columns need sign convention debit_credit".to_owned());
        }
        match kind {
            RecordKind::BankEntries => {
                if !has(Field::BookingDate) && !has(Field::ValueDate) {
                    problems.push("column `booking_date` (or `value_date`) is required".to_owned());
                }
                if spec.continuation_rows && !has(Field::Remittance) {
                    problems.push("continuation_rows appends to `remittance`; map that column".to_owned());
                }
                if has(Field::Status) && spec.values.status.is_empty() {
                    problems.push("a `status` column needs [values.status] lists (booked, pending, information)".to_owned());
                }
                if has(Field::OriginalAmount) != (has(Field::OriginalCurrency) || spec.fixed.contains_key(&Field::OriginalCurrency)) {
                    problems.push("`original_amount` and `original_currency` go together".to_owned());
                }
            }
            RecordKind::LedgerEntries => {
                if !has(Field::Date) {
                    needs(&mut problems, Field::Date, "for ledger entries");
                }
            }
            RecordKind::OpenItems => {
                if !has(Field::Number) && !has(Field::Id) {
                    problems.push("column `number` (or `id`) is required for open items".to_owned());
                }
                if !has(Field::Kind) && !spec.fixed.contains_key(&Field::Kind) {
                    problems.push("open items need a `kind` column or a fixed kind".to_owned());
                }
                if let Some(k) = spec.fixed.get(&Field::Kind) {
                    if crate::reader::default_kind(k).is_none() {
                        problems.push(format!("fixed kind {k:?} must be receivable, payable or cost_receipt"));
                    }
                }
            }
        }
        if kind != RecordKind::BankEntries
            && (has(Field::Balance) || !spec.preamble.is_empty() || spec.continuation_rows || !spec.values.status.is_empty())
        {
            problems.push("running balances, preamble labels, continuation rows and status values are for bank entries".to_owned());
        }
        if kind != RecordKind::OpenItems && !spec.values.kind.is_empty() {
            problems.push("[values.kind] is for open items".to_owned());
        }
        if !problems.is_empty() {
            return Err(TabularError::InvalidTemplate { name: spec.name.clone(), problems });
        }
        let number = NumberStyle { decimal: spec.decimal_separator, thousands: spec.thousands_separator };
        Ok(Template { compiled: Compiled { date_formats, number }, spec })
    }
}

/// How header names are compared: case-insensitive, whitespace ignored, BOM dropped.
pub(crate) fn normalise_header(name: &str) -> String {
    name.chars().filter(|c| !c.is_whitespace() && *c != '\u{feff}').flat_map(char::to_lowercase).collect()
}

fn name_hint(text: &str) -> String {
    text.lines()
        .find_map(|l| {
            let l = l.trim();
            l.strip_prefix("name").map(|r| r.trim_start_matches([' ', '=', ':']).trim_matches([' ', '"', '\'', ',']).to_owned())
        })
        .unwrap_or_else(|| "(unnamed)".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_is_listed() {
        let err = Template::from_toml(
            r#"
            name = "bad"
            kind = "ledger_entries"
            encoding = "klingon"
            decimal_separator = ";"
            date_formats = ["%d.%m"]
            [columns]
            booking_date = "Datum"
            date = 0
            "#,
        )
        .expect_err("invalid");
        let TabularError::InvalidTemplate { problems, .. } = &err else { panic!("{err}") };
        let all = problems.join("\n");
        for needle in ["klingon", "decimal_separator", "%d.%m", "booking_date", "positions count from 1", "amount"] {
            assert!(all.contains(needle), "{needle} missing in:\n{all}");
        }
    }

    #[test]
    fn unknown_keys_are_refused() {
        let err = Template::from_toml("name='x'\nkind='open_items'\ncolour='red'\n[columns]\n").expect_err("unknown key");
        assert!(err.to_string().contains("colour"), "{err}");
        let err = Template::from_toml("name='x'\nkind='open_items'\n[columns]\nfavourite='A'\n").expect_err("unknown field");
        assert!(err.to_string().contains("favourite"), "{err}");
    }

    #[test]
    fn toml_and_json_round_trip() {
        for name in Template::builtin_names() {
            let t = Template::builtin(name).expect("built-in templates are valid");
            assert_eq!(Template::from_toml(&t.to_toml()).expect("toml"), t, "{name}");
            assert_eq!(Template::from_json(&t.to_json()).expect("json"), t, "{name}");
        }
    }

    #[test]
    fn header_names_compare_loosely() {
        assert_eq!(normalise_header("\u{feff}Booking  Date "), "bookingdate");
        assert_eq!(normalise_header("Währung"), normalise_header("WÄHRUNG"));
    }
}

//! Import errors ("integration errors") with filters.

use bankrec_model::{Date, ErrorCode, ImportError, Severity};
use serde::Serialize;

use crate::error::ReportError;
use crate::export::sealed::Sealed;
use crate::export::Report;
use crate::input::ReportInput;
use crate::table::{col, Column, Kind, ReportMeta, RowWriter, TableSource, TitleValue, Value};

/// Filters of the import error report; every condition set must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorFilter {
    /// First business date (inclusive); findings without a date are kept only without date filters.
    pub from: Option<Date>,
    /// Last business date (inclusive).
    pub to: Option<Date>,
    /// Accounts (bank identifier or account id as recorded in the finding); empty means all.
    pub accounts: Vec<String>,
    /// Lowest severity shown (`Warning` hides `Info`).
    pub min_severity: Option<Severity>,
    /// Codes shown; empty means all.
    pub codes: Vec<ErrorCode>,
    /// Case-insensitive text in file, message, raw value, statement or entry.
    pub text: Option<String>,
}

impl ErrorFilter {
    /// Business dates from `from` to `to`, inclusive.
    pub fn with_dates(mut self, from: Date, to: Date) -> Self {
        self.from = Some(from);
        self.to = Some(to);
        self
    }

    /// Adds an account.
    pub fn with_account(mut self, account: impl Into<String>) -> Self {
        self.accounts.push(account.into());
        self
    }

    /// Lowest severity shown.
    pub fn with_min_severity(mut self, severity: Severity) -> Self {
        self.min_severity = Some(severity);
        self
    }

    /// Adds a code.
    pub fn with_code(mut self, code: ErrorCode) -> Self {
        self.codes.push(code);
        self
    }

    /// Text to search for.
    pub fn with_text(mut self, text: impl Into<String>) -> Self {
        self.text = Some(text.into());
        self
    }

    /// Refuses a date range that ends before it starts.
    pub fn check(&self) -> Result<(), ReportError> {
        match (self.from, self.to) {
            (Some(f), Some(t)) if f > t => Err(ReportError::InvalidFilter { field: "dates", value: format!("from {f} is after to {t}") }),
            _ => Ok(()),
        }
    }

    /// True when the finding passes every condition.
    pub fn admits(&self, e: &ImportError) -> bool {
        if self.from.is_some_and(|f| e.date.is_none_or(|d| d < f)) || self.to.is_some_and(|t| e.date.is_none_or(|d| d > t)) {
            return false;
        }
        if !self.accounts.is_empty() && !self.accounts.iter().any(|a| e.account.as_deref() == Some(a.as_str())) {
            return false;
        }
        if self.min_severity.is_some_and(|s| e.severity < s) || (!self.codes.is_empty() && !self.codes.contains(&e.code)) {
            return false;
        }
        if let Some(text) = self.text.as_deref().map(str::to_lowercase).filter(|t| !t.is_empty()) {
            let fields = [e.source.file.as_deref(), Some(e.message.as_str()), e.raw.as_deref(), e.statement.as_deref(), e.entry.as_deref()];
            if !fields.iter().flatten().any(|f| f.to_lowercase().contains(&text)) {
                return false;
            }
        }
        true
    }
}

/// Import errors and warnings of a run (`IntegrationErrorStatus`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ImportErrorReport {
    /// The findings shown, ordered by date (undated first), account, file, line, byte offset, code.
    pub rows: Vec<ImportError>,
    /// Count of errors shown.
    pub errors: usize,
    /// Count of warnings shown.
    pub warnings: usize,
}

impl ImportErrorReport {
    /// The input's import errors that pass the filter.
    pub fn build(input: &ReportInput<'_>, filter: &ErrorFilter) -> Result<ImportErrorReport, ReportError> {
        filter.check()?;
        let mut rows: Vec<ImportError> = input.import_errors().iter().filter(|e| filter.admits(e)).cloned().collect();
        rows.sort_by(|a, b| {
            (a.date, &a.account, &a.source.file, a.source.line, a.source.byte_offset, a.code, &a.message).cmp(&(
                b.date,
                &b.account,
                &b.source.file,
                b.source.line,
                b.source.byte_offset,
                b.code,
                &b.message,
            ))
        });
        let errors = rows.iter().filter(|e| e.severity == Severity::Error).count();
        let warnings = rows.iter().filter(|e| e.severity == Severity::Warning).count();
        Ok(ImportErrorReport { rows, errors, warnings })
    }
}

const COLUMNS: &[Column] = &[
    col("severity", "Severity", Kind::Text),
    col("code", "Code", Kind::Text),
    col("date", "Date", Kind::Date),
    col("account", "Account", Kind::Text),
    col("statement", "Statement", Kind::Text),
    col("entry", "Entry", Kind::Text),
    col("file", "File", Kind::Text),
    col("line", "Line", Kind::Integer),
    col("column", "Column", Kind::Text),
    col("byte_offset", "Byte offset", Kind::Integer),
    col("path", "Element path", Kind::Text),
    col("raw", "Raw value", Kind::Text),
    col("message", "Message", Kind::Text),
];

struct Table<'r>(&'r ImportErrorReport);

fn int(v: Option<u64>) -> Value<'static> {
    v.map_or(Value::Empty, |v| Value::Integer(i64::try_from(v).unwrap_or(i64::MAX)))
}

impl TableSource for Table<'_> {
    fn name(&self) -> &'static str {
        "Import errors"
    }
    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }
    fn write_rows(&self, out: &mut RowWriter<'_>) -> Result<(), ReportError> {
        for e in &self.0.rows {
            out.row(
                None,
                &[
                    Value::text(e.severity.as_str()),
                    Value::text(e.code.as_str()),
                    Value::opt_date(e.date),
                    Value::opt_text(e.account.as_deref()),
                    Value::opt_text(e.statement.as_deref()),
                    Value::opt_text(e.entry.as_deref()),
                    Value::opt_text(e.source.file.as_deref()),
                    int(e.source.line),
                    Value::opt_text(e.source.column.as_deref()),
                    int(e.source.byte_offset),
                    Value::opt_text(e.source.path.as_deref()),
                    Value::opt_text(e.raw.as_deref()),
                    Value::text(&e.message),
                ],
            )?;
        }
        Ok(())
    }
}

impl Sealed for ImportErrorReport {
    fn meta(&self) -> ReportMeta {
        ReportMeta {
            file_stem: "IntegrationErrorStatus",
            title: "Integration error status",
            lines: vec![
                ("Account", TitleValue::Text("all accounts".to_owned())),
                (
                    "Findings",
                    TitleValue::Text(format!(
                        "{} errors, {} warnings, {} information",
                        self.errors,
                        self.warnings,
                        self.rows.len() - self.errors - self.warnings
                    )),
                ),
            ],
        }
    }
    fn tables(&self) -> Vec<Box<dyn TableSource + '_>> {
        vec![Box::new(Table(self))]
    }
}

impl Report for ImportErrorReport {}

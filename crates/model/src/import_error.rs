//! Import errors ("integration errors"): every problem found while reading or checking input,
//! with a stable code, a severity, where it was found and the raw value.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::Date;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Kept for the record; nothing to do.
    Info,
    /// Read, but something deviates (an unbalanced excerpt, a schema deviation): check it.
    Warning,
    /// Refused: the record or file was not imported.
    Error,
}

impl Severity {
    /// `info`, `warning` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident => $text:literal, )*) => {
        /// A stable error code. Its string form (`ErrorCode::as_str`) never changes once released,
        /// so users can filter and export by it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[non_exhaustive]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant, )*
        }

        impl ErrorCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The stable string form, e.g. `statement_unbalanced`.
            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $text,)* }
            }
        }

        impl FromStr for ErrorCode {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s { $($text => Ok(ErrorCode::$variant),)* other => Err(format!("unknown error code {other:?}")) }
            }
        }
    };
}

error_codes! {
    /// The input is not well-formed (XML syntax, broken CSV quoting, unreadable spreadsheet).
    Malformed => "malformed",
    /// The XML declares a DOCTYPE or an entity; refused to rule out XXE and entity expansion.
    DoctypeRefused => "doctype_refused",
    /// The input exceeds a size, count or nesting bound.
    LimitExceeded => "limit_exceeded",
    /// The document is not a supported message type or version.
    UnsupportedMessage => "unsupported_message",
    /// A mandatory element or column is missing.
    MissingField => "missing_field",
    /// An amount could not be read (not a number, too many digits).
    InvalidAmount => "invalid_amount",
    /// An amount has more decimals than the currency's minor units; kept exactly.
    AmountScale => "amount_scale",
    /// A date or date-time could not be read.
    InvalidDate => "invalid_date",
    /// A currency code is not ISO 4217.
    UnknownCurrency => "unknown_currency",
    /// A credit/debit indicator or sign could not be read.
    InvalidDirection => "invalid_direction",
    /// An IBAN, BIC or other identifier is malformed; kept as given where possible.
    InvalidIdentifier => "invalid_identifier",
    /// Any other field value that does not fit what was expected.
    InvalidValue => "invalid_value",
    /// The file deviates from its schema in a way that could still be read.
    SchemaDeviation => "schema_deviation",
    /// The details of a batch entry do not add up to the entry amount.
    BatchMismatch => "batch_mismatch",
    /// An entry's currency differs from the statement's.
    CurrencyMismatch => "currency_mismatch",
    /// A statement has no opening or closing booked balance to check against.
    MissingBalance => "missing_balance",
    /// Opening balance plus booked entries does not equal the closing balance.
    StatementUnbalanced => "statement_unbalanced",
    /// A statement's opening balance is not the previous statement's closing balance.
    BalanceBreak => "balance_break",
    /// Sequence numbers of consecutive statements do not increase.
    SequenceBreak => "sequence_break",
    /// Two statements of one account cover overlapping periods.
    PeriodOverlap => "period_overlap",
    /// A negative balance on an account without overdraft.
    NegativeBalance => "negative_balance",
    /// The same statement was imported before; not added again.
    DuplicateStatement => "duplicate_statement",
    /// The same entry was imported before; not added again.
    DuplicateEntry => "duplicate_entry",
    /// A booked entry replaces an earlier intraday or notification entry with the same reference.
    EntrySuperseded => "entry_superseded",
    /// Bank and book balances differ at an account's reconciliation start.
    OnboardingDifference => "onboarding_difference",
    /// A statement or entry names an account the map does not know.
    UnknownAccount => "unknown_account",
    /// A template does not fit the file (missing columns, bad configuration).
    TemplateMismatch => "template_mismatch",
    /// A text encoding problem.
    Encoding => "encoding",
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a finding was made. Every part is optional; readers fill what they know.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SourceLocation {
    /// File name or path as the caller gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// 1-based line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// 1-based column (of a text file) or column index/name of a table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// 0-based byte offset in the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub byte_offset: Option<u64>,
    /// XML element path such as `Document/BkToCstmrStmt/Stmt[2]/Ntry[17]/Amt`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// One import error or warning.
///
/// ```
/// use bankrec_model::{ErrorCode, ImportError, Severity};
/// let e = ImportError::new(ErrorCode::InvalidAmount, Severity::Error, "amount is not a number")
///     .with_file("statement.xml")
///     .with_line(42)
///     .with_path("Document/BkToCstmrStmt/Stmt[1]/Ntry[3]/Amt")
///     .with_raw("12,3x");
/// assert_eq!(e.code.as_str(), "invalid_amount");
/// assert_eq!(e.to_string(), "statement.xml:42: Document/BkToCstmrStmt/Stmt[1]/Ntry[3]/Amt: error invalid_amount: amount is not a number (value \"12,3x\")");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ImportError {
    /// The stable code.
    pub code: ErrorCode,
    /// Error (refused), warning (read, check it) or info.
    pub severity: Severity,
    /// Where.
    #[serde(default)]
    pub source: SourceLocation,
    /// The bank account concerned (IBAN or other id), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The statement id concerned, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
    /// The entry id concerned, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
    /// The business date concerned (statement or booking date), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<Date>,
    /// The offending raw value, as found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
    /// What was found and what was expected.
    pub message: String,
}

impl ImportError {
    /// A finding with a code, severity and message; location and context are added with `with_*`.
    pub fn new(code: ErrorCode, severity: Severity, message: impl Into<String>) -> ImportError {
        ImportError {
            code,
            severity,
            source: SourceLocation::default(),
            account: None,
            statement: None,
            entry: None,
            date: None,
            raw: None,
            message: message.into(),
        }
    }

    /// Sets the file.
    pub fn with_file(mut self, file: impl Into<String>) -> Self {
        self.source.file = Some(file.into());
        self
    }

    /// Sets the line.
    pub fn with_line(mut self, line: u64) -> Self {
        self.source.line = Some(line);
        self
    }

    /// Sets the column.
    pub fn with_column(mut self, column: impl Into<String>) -> Self {
        self.source.column = Some(column.into());
        self
    }

    /// Sets the byte offset.
    pub fn with_byte_offset(mut self, offset: u64) -> Self {
        self.source.byte_offset = Some(offset);
        self
    }

    /// Sets the element path.
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        self.source.path = Some(path.into());
        self
    }

    /// Sets the whole location.
    pub fn with_source(mut self, source: SourceLocation) -> Self {
        self.source = source;
        self
    }

    /// Sets the account.
    pub fn with_account(mut self, account: impl Into<String>) -> Self {
        self.account = Some(account.into());
        self
    }

    /// Sets the statement id.
    pub fn with_statement(mut self, statement: impl Into<String>) -> Self {
        self.statement = Some(statement.into());
        self
    }

    /// Sets the entry id.
    pub fn with_entry(mut self, entry: impl Into<String>) -> Self {
        self.entry = Some(entry.into());
        self
    }

    /// Sets the date.
    pub fn with_date(mut self, date: Date) -> Self {
        self.date = Some(date);
        self
    }

    /// Sets the raw value.
    pub fn with_raw(mut self, raw: impl Into<String>) -> Self {
        self.raw = Some(raw.into());
        self
    }

    /// True for severity [`Severity::Error`].
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.source;
        if let Some(file) = &s.file {
            f.write_str(file)?;
            if let Some(line) = s.line {
                write!(f, ":{line}")?;
            } else if let Some(offset) = s.byte_offset {
                write!(f, ":byte {offset}")?;
            }
            f.write_str(": ")?;
        }
        if let Some(path) = &s.path {
            write!(f, "{path}: ")?;
        }
        if let Some(column) = &s.column {
            write!(f, "column {column}: ")?;
        }
        write!(f, "{} {}: {}", self.severity, self.code, self.message)?;
        if let Some(raw) = &self.raw {
            write!(f, " (value {raw:?})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ImportError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_through_its_string_and_json() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "duplicate string {code}");
            assert_eq!(code.as_str().parse::<ErrorCode>(), Ok(*code));
            let json = serde_json::to_string(code).expect("ser");
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
        assert!("no_such_code".parse::<ErrorCode>().is_err());
    }

    #[test]
    fn import_error_json_round_trip() {
        let e = ImportError::new(ErrorCode::DuplicateEntry, Severity::Warning, "seen before")
            .with_file("a.xml")
            .with_byte_offset(120)
            .with_account("DE89370400440532013000")
            .with_date(time::macros::date!(2024 - 03 - 01));
        let json = serde_json::to_string(&e).expect("ser");
        assert!(json.contains(r#""severity":"warning""#), "{json}");
        assert!(json.contains(r#""date":"2024-03-01""#), "{json}");
        let back: ImportError = serde_json::from_str(&json).expect("de");
        assert_eq!(back, e);
        assert_eq!(e.to_string(), "a.xml:byte 120: warning duplicate_entry: seen before");
    }
}

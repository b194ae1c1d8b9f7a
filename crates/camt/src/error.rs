//! The reader's one error type, [`CamtError`], and where an error was found ([`Location`]).

use std::fmt;

use bankrec_model::{ErrorCode, ImportError, Severity, SourceLocation};

/// Where in the input something was found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Location {
    /// The file name given in [`crate::ReaderOptions`], when any.
    pub file: Option<String>,
    /// 1-based line (of the end of the element's start tag); 0 when unknown.
    pub line: u64,
    /// 0-based byte offset (just after the element's start tag, or where the XML error is).
    pub byte_offset: u64,
    /// Element path such as `Document/BkToCstmrStmt/Stmt[2]/Ntry[17]/Amt`; empty before the root.
    pub path: String,
}

impl Location {
    /// As a model [`SourceLocation`].
    pub fn to_source(&self) -> SourceLocation {
        SourceLocation {
            file: self.file.clone(),
            line: (self.line > 0).then_some(self.line),
            column: None,
            byte_offset: Some(self.byte_offset),
            path: (!self.path.is_empty()).then(|| self.path.clone()),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{file}:")?;
        }
        write!(f, "{} (byte {})", self.line, self.byte_offset)?;
        if !self.path.is_empty() {
            write!(f, " {}", self.path)?;
        }
        Ok(())
    }
}

/// Everything that can go wrong reading a camt file. Each variant says where ([`Location`]) and
/// carries the raw value found. [`CamtError::to_import_error`] turns it into the model's
/// [`ImportError`] with a stable [`ErrorCode`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CamtError {
    /// The input could not be read.
    #[error("{location}: cannot read input: {source}")]
    Io {
        /// Where reading stopped.
        location: Location,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Not well-formed XML.
    #[error("{location}: not well-formed XML: {message}")]
    Malformed {
        /// Where.
        location: Location,
        /// What the XML parser found.
        message: String,
    },
    /// The text is not UTF-8 (the only encoding read).
    #[error("{location}: not UTF-8 text: {message}")]
    Encoding {
        /// Where.
        location: Location,
        /// What was found.
        message: String,
    },
    /// A DOCTYPE (and with it any entity declaration) was found; refused to rule out XXE and
    /// entity expansion.
    #[error("{location}: DOCTYPE refused: camt files never need one, and it could declare entities")]
    DoctypeRefused {
        /// Where.
        location: Location,
        /// The DOCTYPE text.
        raw: String,
    },
    /// An entity reference other than the five predefined ones and character references.
    #[error("{location}: unknown entity reference &{raw};")]
    UnknownEntity {
        /// Where.
        location: Location,
        /// The entity name.
        raw: String,
    },
    /// A configured bound was exceeded.
    #[error("{location}: {limit} exceeded: {value} > {max}")]
    LimitExceeded {
        /// Where.
        location: Location,
        /// Which bound (`max_input_bytes`, `max_depth`, `max_text_bytes`, `max_elements_per_record`).
        limit: &'static str,
        /// The bound.
        max: u64,
        /// The value reached.
        value: u64,
    },
    /// Not a camt.052/053/054 message in a supported version.
    #[error("{location}: unsupported message {raw:?}: expected camt.052, camt.053 or camt.054, versions .01 to .{max_version:02}")]
    UnsupportedMessage {
        /// Where.
        location: Location,
        /// The namespace or element found.
        raw: String,
        /// The newest version read.
        max_version: u8,
    },
    /// A mandatory element is missing.
    #[error("{location}: missing mandatory element {element}")]
    MissingElement {
        /// Where: the parent element.
        location: Location,
        /// The element missing (relative to the parent).
        element: &'static str,
    },
    /// An amount that is not an ISO 20022 amount (digits, optional point, at most 18 digits and 5
    /// fraction digits, not negative).
    #[error("{location}: invalid amount {raw:?}: {reason}")]
    InvalidAmount {
        /// Where.
        location: Location,
        /// The value as found.
        raw: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A currency code that is not ISO 4217, or a missing `Ccy` attribute.
    #[error("{location}: unknown currency {raw:?}: expected an ISO 4217 code in the Ccy attribute")]
    UnknownCurrency {
        /// Where.
        location: Location,
        /// The value as found (empty when missing).
        raw: String,
    },
    /// A date or date-time that cannot be read.
    #[error("{location}: invalid date {raw:?}: expected YYYY-MM-DD or an ISO 8601 date-time")]
    InvalidDate {
        /// Where.
        location: Location,
        /// The value as found.
        raw: String,
    },
    /// A credit/debit indicator other than `CRDT` or `DBIT`.
    #[error("{location}: invalid credit/debit indicator {raw:?}: expected CRDT or DBIT")]
    InvalidDirection {
        /// Where.
        location: Location,
        /// The value as found.
        raw: String,
    },
    /// Any other value that does not fit.
    #[error("{location}: invalid value {raw:?}: expected {expected}")]
    InvalidValue {
        /// Where.
        location: Location,
        /// The value as found.
        raw: String,
        /// What was expected.
        expected: &'static str,
    },
    /// Reader options that make no sense (a zero limit).
    #[error("invalid reader option {name} = {value}: {reason}")]
    InvalidOption {
        /// The option.
        name: &'static str,
        /// The value given.
        value: u64,
        /// Why it was refused.
        reason: &'static str,
    },
}

impl CamtError {
    /// Where the error was found (`None` for [`CamtError::InvalidOption`]).
    pub fn location(&self) -> Option<&Location> {
        use CamtError::*;
        match self {
            Io { location, .. }
            | Malformed { location, .. }
            | Encoding { location, .. }
            | DoctypeRefused { location, .. }
            | UnknownEntity { location, .. }
            | LimitExceeded { location, .. }
            | UnsupportedMessage { location, .. }
            | MissingElement { location, .. }
            | InvalidAmount { location, .. }
            | UnknownCurrency { location, .. }
            | InvalidDate { location, .. }
            | InvalidDirection { location, .. }
            | InvalidValue { location, .. } => Some(location),
            InvalidOption { .. } => None,
        }
    }

    /// The raw value found, when the error is about one.
    pub fn raw(&self) -> Option<&str> {
        use CamtError::*;
        match self {
            DoctypeRefused { raw, .. }
            | UnknownEntity { raw, .. }
            | UnsupportedMessage { raw, .. }
            | InvalidAmount { raw, .. }
            | UnknownCurrency { raw, .. }
            | InvalidDate { raw, .. }
            | InvalidDirection { raw, .. }
            | InvalidValue { raw, .. } => Some(raw),
            _ => None,
        }
    }

    /// The stable model error code.
    pub fn code(&self) -> ErrorCode {
        use CamtError::*;
        match self {
            Io { .. } | Malformed { .. } | UnknownEntity { .. } => ErrorCode::Malformed,
            Encoding { .. } => ErrorCode::Encoding,
            DoctypeRefused { .. } => ErrorCode::DoctypeRefused,
            LimitExceeded { .. } => ErrorCode::LimitExceeded,
            UnsupportedMessage { .. } => ErrorCode::UnsupportedMessage,
            MissingElement { .. } => ErrorCode::MissingField,
            InvalidAmount { .. } => ErrorCode::InvalidAmount,
            UnknownCurrency { .. } => ErrorCode::UnknownCurrency,
            InvalidDate { .. } => ErrorCode::InvalidDate,
            InvalidDirection { .. } => ErrorCode::InvalidDirection,
            InvalidValue { .. } | InvalidOption { .. } => ErrorCode::InvalidValue,
        }
    }

    /// True when reading cannot go on after this error (the XML itself is unusable or a bound
    /// was hit); false when only one record (entry, balance, statement) is bad.
    pub fn is_fatal(&self) -> bool {
        use CamtError::*;
        matches!(
            self,
            Io { .. }
                | Malformed { .. }
                | Encoding { .. }
                | DoctypeRefused { .. }
                | UnknownEntity { .. }
                | LimitExceeded { .. }
                | UnsupportedMessage { .. }
                | InvalidOption { .. }
        )
    }

    /// The error as a model [`ImportError`] of severity error, with code, location and raw value.
    pub fn to_import_error(&self) -> ImportError {
        let message = match self.location() {
            // The location goes into `source`; the message keeps only the what.
            Some(location) => {
                let full = self.to_string();
                let prefix = format!("{location}: ");
                full.strip_prefix(&prefix).map(str::to_owned).unwrap_or(full)
            }
            None => self.to_string(),
        };
        let mut e = ImportError::new(self.code(), Severity::Error, message);
        if let Some(location) = self.location() {
            e = e.with_source(location.to_source());
        }
        if let Some(raw) = self.raw() {
            e = e.with_raw(raw);
        }
        e
    }
}

impl From<&CamtError> for ImportError {
    fn from(e: &CamtError) -> ImportError {
        e.to_import_error()
    }
}

impl From<CamtError> for ImportError {
    fn from(e: CamtError) -> ImportError {
        e.to_import_error()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_error_keeps_code_location_and_raw() {
        let e = CamtError::InvalidAmount {
            location: Location {
                file: Some("a.xml".into()),
                line: 17,
                byte_offset: 400,
                path: "Document/BkToCstmrStmt/Stmt[1]/Ntry[2]/Amt".into(),
            },
            raw: "12..34".into(),
            reason: "not a number",
        };
        assert_eq!(
            e.to_string(),
            "a.xml:17 (byte 400) Document/BkToCstmrStmt/Stmt[1]/Ntry[2]/Amt: invalid amount \"12..34\": not a number"
        );
        let ie = e.to_import_error();
        assert_eq!(ie.code, ErrorCode::InvalidAmount);
        assert_eq!(ie.severity, Severity::Error);
        assert_eq!(ie.source.line, Some(17));
        assert_eq!(ie.source.byte_offset, Some(400));
        assert_eq!(ie.source.path.as_deref(), Some("Document/BkToCstmrStmt/Stmt[1]/Ntry[2]/Amt"));
        assert_eq!(ie.raw.as_deref(), Some("12..34"));
        assert_eq!(ie.message, "invalid amount \"12..34\": not a number");
        assert!(!e.is_fatal());
    }
}

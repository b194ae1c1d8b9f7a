//! File-level errors: a template that cannot be used, or a file that cannot be read with it.
//! Row-level problems are not errors of this kind: they are [`ImportError`]s reported per row.

use bankrec_model::{ErrorCode, ImportError, Severity};

/// Why a template could not be loaded or a file could not be read with it.
///
/// Every variant can be turned into an [`ImportError`] with [`TabularError::to_import_error`], so
/// callers can report file-level and row-level problems in one list.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TabularError {
    /// The template text is not valid TOML or JSON, or names unknown keys.
    #[error("template {source_name}: cannot be read as {format}: {message}")]
    TemplateSyntax {
        /// The template's name or path.
        source_name: String,
        /// `TOML` or `JSON`.
        format: &'static str,
        /// What the parser said.
        message: String,
    },
    /// The template was read but does not make sense; every problem is listed.
    #[error("template {name} is not valid: {}", problems.join("; "))]
    InvalidTemplate {
        /// The template's name.
        name: String,
        /// What is wrong, one entry per problem.
        problems: Vec<String>,
    },
    /// No built-in template has this name and no file has this path.
    #[error("no built-in template named {name:?} and no such file; built-in templates: {}", available.join(", "))]
    UnknownTemplate {
        /// The name asked for.
        name: String,
        /// The built-in names.
        available: Vec<String>,
    },
    /// The template is for another kind of record than the one asked for.
    #[error("template {name} reads {found}, not {expected}")]
    WrongKind {
        /// The template's name.
        name: String,
        /// What the caller wanted.
        expected: &'static str,
        /// What the template reads.
        found: &'static str,
    },
    /// The header row does not fit the template.
    #[error("{file}:{line}: the header does not fit template {template}; missing columns: {}; found: {}", missing.join(", "), found.join(", "))]
    HeaderMismatch {
        /// The file.
        file: String,
        /// 1-based line (or spreadsheet row) of the header, or of the last line searched.
        line: u64,
        /// The template's name.
        template: String,
        /// Columns the template needs that the header lacks.
        missing: Vec<String>,
        /// The header as found.
        found: Vec<String>,
    },
    /// Statement-level data the entries need is nowhere: not in the file, the template or the options.
    #[error("{file}: no {what}: {hint}")]
    MissingStatementData {
        /// The file.
        file: String,
        /// `account` or `currency`.
        what: &'static str,
        /// Where it can be given.
        hint: &'static str,
    },
    /// The bytes are not text in the template's encoding.
    #[error("{file}: not valid {encoding} text at byte {offset}; set `encoding` in the template")]
    Encoding {
        /// The file.
        file: String,
        /// The encoding tried.
        encoding: String,
        /// 0-based byte offset of the first bad byte (of the input, or of the decoded text).
        offset: u64,
    },
    /// The CSV structure is broken beyond one row, or a line exceeds the size bound.
    #[error("{file}:{line}: {message}")]
    Malformed {
        /// The file.
        file: String,
        /// 1-based line.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A spreadsheet could not be opened, or the sheet asked for does not exist.
    #[error("{file}: {message}")]
    Spreadsheet {
        /// The file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// Reading failed.
    #[error("{file}: {source}")]
    Io {
        /// The file.
        file: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Strict mode stopped at the first refused row.
    #[error("{0}")]
    Rejected(Box<ImportError>),
}

impl TabularError {
    /// The stable code of the problem.
    pub fn code(&self) -> ErrorCode {
        match self {
            TabularError::TemplateSyntax { .. }
            | TabularError::InvalidTemplate { .. }
            | TabularError::UnknownTemplate { .. }
            | TabularError::WrongKind { .. }
            | TabularError::HeaderMismatch { .. } => ErrorCode::TemplateMismatch,
            TabularError::MissingStatementData { .. } => ErrorCode::MissingField,
            TabularError::Encoding { .. } => ErrorCode::Encoding,
            TabularError::Malformed { .. } | TabularError::Spreadsheet { .. } | TabularError::Io { .. } => ErrorCode::Malformed,
            TabularError::Rejected(e) => e.code,
        }
    }

    /// The problem as an [`ImportError`] of severity error, with the file and line where known.
    pub fn to_import_error(&self) -> ImportError {
        if let TabularError::Rejected(e) = self {
            return (**e).clone();
        }
        let mut e = ImportError::new(self.code(), Severity::Error, self.to_string());
        match self {
            TabularError::HeaderMismatch { file, line, .. } | TabularError::Malformed { file, line, .. } => {
                e = e.with_file(file.clone()).with_line(*line);
            }
            TabularError::Encoding { file, offset, .. } => e = e.with_file(file.clone()).with_byte_offset(*offset),
            TabularError::MissingStatementData { file, .. } | TabularError::Spreadsheet { file, .. } | TabularError::Io { file, .. } => {
                e = e.with_file(file.clone());
            }
            _ => {}
        }
        e
    }
}

//! The facade's error type: what went wrong in a call through `bankrec`.

use crate::policy::Action;

/// An error from a facade call. Member crates' errors are carried as their text plus the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The policy refused the action; the refusal is in the audit trail.
    #[error("{actor} may not {action:?}: {reason}")]
    PermissionDenied {
        /// Who asked.
        actor: String,
        /// What.
        action: Action,
        /// The policy's reason.
        reason: String,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A saved state or configuration file could not be read.
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: String,
        /// What is wrong, with the position when known.
        message: String,
    },
    /// A model rule was broken (unknown account, mixed currencies, ...).
    #[error(transparent)]
    Model(#[from] bankrec_model::ModelError),
    /// An input file was refused; the import errors say where and why.
    #[error("{path}: {count} error(s), first: {first}")]
    Input {
        /// The file.
        path: String,
        /// How many errors.
        count: usize,
        /// The first error.
        first: Box<bankrec_model::ImportError>,
    },
    /// The connector failed.
    #[error("ledger source: {0}")]
    Source(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// An operation refused by the matching engine or a report.
    #[error("{0}")]
    Refused(String),
}

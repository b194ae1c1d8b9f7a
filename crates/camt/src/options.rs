//! Reader configuration: strict or lenient, bounds on untrusted input, the file name for error
//! locations, and an optional account map for the negative-balance check.

use bankrec_model::AccountMap;

use crate::error::CamtError;

/// What to do with a bad record (entry, balance, statement).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Mode {
    /// Stop at the first error; nothing partial is returned.
    #[default]
    Strict,
    /// Skip each bad record with an [`bankrec_model::ImportError`] and go on; XML that is not
    /// well-formed still stops reading, after the statements read so far.
    Lenient,
}

/// Bounds on untrusted input. The defaults read any real bank file (a 1.9 GB camt.053 with a
/// million entries included) while keeping memory bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Limits {
    /// Largest input in bytes (default 16 GiB).
    pub max_input_bytes: u64,
    /// Deepest element nesting (default 64; camt needs about 15).
    pub max_depth: u32,
    /// Longest single text, tag or comment in bytes (default 1 MiB).
    pub max_text_bytes: u64,
    /// Most elements in one record: one entry with its details, or one statement header
    /// (default 1,000,000).
    pub max_elements_per_record: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { max_input_bytes: 16 << 30, max_depth: 64, max_text_bytes: 1 << 20, max_elements_per_record: 1_000_000 }
    }
}

/// How to read: built with [`ReaderOptions::builder`], or [`ReaderOptions::default`] (strict,
/// default limits, no file name).
///
/// ```
/// use bankrec_camt::{Mode, ReaderOptions};
/// let options = ReaderOptions::builder().lenient().file_name("2024-03.xml").max_depth(32).build().expect("valid options");
/// assert_eq!(options.mode(), Mode::Lenient);
/// assert!(ReaderOptions::builder().max_depth(0).build().is_err());
/// ```
#[derive(Debug, Clone, Default)]
pub struct ReaderOptions {
    mode: Mode,
    limits: Limits,
    file_name: Option<String>,
    accounts: Option<AccountMap>,
}

impl ReaderOptions {
    /// A builder starting from the defaults.
    pub fn builder() -> ReaderOptionsBuilder {
        ReaderOptionsBuilder { options: ReaderOptions::default() }
    }

    /// Strict (default) or lenient.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The bounds.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The file name put into error locations.
    pub fn file_name(&self) -> Option<&str> {
        self.file_name.as_deref()
    }

    /// The account map used for the negative-balance check, when given.
    pub fn accounts(&self) -> Option<&AccountMap> {
        self.accounts.as_ref()
    }

    /// The same options with another file name (for reading several files with one set).
    pub fn with_file_name(&self, file_name: impl Into<String>) -> ReaderOptions {
        ReaderOptions { file_name: Some(file_name.into()), ..self.clone() }
    }
}

/// Builds [`ReaderOptions`]; [`ReaderOptionsBuilder::build`] refuses zero limits.
#[derive(Debug, Clone)]
pub struct ReaderOptionsBuilder {
    options: ReaderOptions,
}

impl ReaderOptionsBuilder {
    /// Strict (the default) or lenient.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.options.mode = mode;
        self
    }

    /// Lenient mode: every good record plus an error for each bad one.
    pub fn lenient(self) -> Self {
        self.mode(Mode::Lenient)
    }

    /// Strict mode: stop at the first error.
    pub fn strict(self) -> Self {
        self.mode(Mode::Strict)
    }

    /// The file name put into error locations.
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.options.file_name = Some(name.into());
        self
    }

    /// All bounds at once.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.options.limits = limits;
        self
    }

    /// Largest input in bytes.
    pub fn max_input_bytes(mut self, n: u64) -> Self {
        self.options.limits.max_input_bytes = n;
        self
    }

    /// Deepest element nesting.
    pub fn max_depth(mut self, n: u32) -> Self {
        self.options.limits.max_depth = n;
        self
    }

    /// Longest single text or tag in bytes.
    pub fn max_text_bytes(mut self, n: u64) -> Self {
        self.options.limits.max_text_bytes = n;
        self
    }

    /// Most elements in one entry or statement header.
    pub fn max_elements_per_record(mut self, n: u64) -> Self {
        self.options.limits.max_elements_per_record = n;
        self
    }

    /// Checks negative balances against each account's overdraft setting (accounts not in the
    /// map are reported as unknown).
    pub fn accounts(mut self, accounts: AccountMap) -> Self {
        self.options.accounts = Some(accounts);
        self
    }

    /// Validates and returns the options.
    pub fn build(self) -> Result<ReaderOptions, CamtError> {
        let l = &self.options.limits;
        for (name, value) in [
            ("max_input_bytes", l.max_input_bytes),
            ("max_depth", u64::from(l.max_depth)),
            ("max_text_bytes", l.max_text_bytes),
            ("max_elements_per_record", l.max_elements_per_record),
        ] {
            if value == 0 {
                return Err(CamtError::InvalidOption { name, value, reason: "must be at least 1" });
            }
        }
        if l.max_depth < 4 {
            return Err(CamtError::InvalidOption {
                name: "max_depth",
                value: u64::from(l.max_depth),
                reason: "a camt document needs at least 4 levels",
            });
        }
        Ok(self.options)
    }
}

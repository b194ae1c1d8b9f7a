//! Errors for humans: what failed, in which file and line, and the exit code it maps to.

use std::fmt;

use crate::EXIT_BAD_INPUT;

/// A failure of a command.
#[derive(Debug)]
pub(crate) struct Failure {
    message: String,
}

impl Failure {
    pub(crate) fn new(message: impl Into<String>) -> Failure {
        Failure { message: message.into() }
    }

    /// Every failure is bad input or an unusable file: exit code 2.
    pub(crate) fn exit_code(&self) -> u8 {
        EXIT_BAD_INPUT
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<bankrec::Error> for Failure {
    fn from(e: bankrec::Error) -> Failure {
        Failure::new(e.to_string())
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Failure {
        Failure::new(e.to_string())
    }
}

impl From<bankrec::ModelError> for Failure {
    fn from(e: bankrec::ModelError) -> Failure {
        Failure::new(e.to_string())
    }
}

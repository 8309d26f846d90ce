//! The crate-level error, its exit codes, and how each failure category maps to one.

use crate::matrix::MatrixError;
use crate::report::ReportError;
use crate::snapshot::SnapshotError;

pub use crate::model::exit::*;

/// A failure that stops a command.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    /// A matrix file is unreadable or invalid.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Matrix(#[from] MatrixError),

    /// The daemon could not be reached or probed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Probe(#[from] crate::probe::ProbeError),

    /// The command line or the configuration makes no sense.
    #[error("{message}")]
    #[diagnostic(code(dockmatrix::usage))]
    Usage {
        /// What is wrong.
        message: String,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },

    /// Snapshot files could not be read, written or reviewed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Snapshot(#[from] SnapshotError),

    /// Output (a table, a report) could not be written.
    #[error("failed to write {what}")]
    #[diagnostic(code(dockmatrix::output))]
    Output {
        /// What was being written.
        what: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },

    /// A saved run is unreadable (usage, 2), or a report could not be written (output, 4).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Report(#[from] ReportError),
}

impl Error {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Matrix(MatrixError::Write { .. }) => EXIT_OUTPUT,
            Error::Matrix(_) | Error::Usage { .. } => EXIT_USAGE,
            Error::Output { .. } | Error::Snapshot(_) => EXIT_OUTPUT,
            Error::Probe(crate::probe::ProbeError::Output { .. }) => EXIT_OUTPUT,
            Error::Probe(_) => EXIT_UNREACHABLE,
            Error::Report(e) => e.exit_code(),
        }
    }

    /// A usage error with an optional hint.
    pub fn usage(message: impl Into<String>, help: Option<&str>) -> Self {
        Error::Usage { message: message.into(), help: help.map(str::to_string) }
    }
}

//! Everything a person reads: tables of the matrices, and the runs' reports in every format.
//!
//! A report is made in two steps. [`document::Document`] computes each section once from the runs and the
//! matrices (the computations are in [`sections`]) and decides once where the shared ones go; a renderer of
//! [`render`] then turns that document into bytes for its format, building no section itself. [`format`] picks the
//! renderer; [`grid`], [`policy`] (`--fail-on`), [`read`] (saved runs) and [`diff`] (two runs compared) stand
//! beside them.

pub mod diff;
pub mod document;
pub mod error;
pub mod format;
pub mod grid;
pub mod matrix_tables;
pub mod policy;
pub mod read;
pub mod render;
pub mod sections;
#[cfg(test)]
mod synthetic;

pub use document::Document;
pub use error::ReportError;
pub use format::{ReportFormat, ReportTarget, write_document, write_report, write_report_file};
pub use grid::Grid;
pub use policy::{FailOn, MAX_POLICY_LINES, PolicyFailure, evaluate, list_all_command, policy_lines};
pub use read::read_runs;
pub use sections::side_by_side::SideBySide;

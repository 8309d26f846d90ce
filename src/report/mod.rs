//! Everything a person reads: tables of the matrices, and the run's reports in every format.

pub mod clients;
pub mod coverage;
pub mod diff;
pub mod document;
pub mod drift;
pub mod error;
pub mod format;
pub mod grid;
pub mod html;
pub mod html_drift;
pub mod html_overview;
pub mod html_refusals;
pub mod json;
pub mod junit;
pub mod kubernetes;
pub mod markdown;
pub mod matrix_tables;
pub mod policy;
pub mod read;
pub mod refusals;
pub mod scenario;
pub mod side_by_side;
pub mod stream;
pub mod summary;
#[cfg(test)]
mod synthetic;
pub mod table;

pub use document::Document;
pub use error::ReportError;
pub use format::{ReportFormat, ReportTarget, write_document, write_report, write_report_file};
pub use grid::Grid;
pub use policy::{FailOn, MAX_POLICY_LINES, PolicyFailure, evaluate, list_all_command, policy_lines};
pub use read::read_runs;
pub use side_by_side::SideBySide;

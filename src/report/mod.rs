//! Everything a person reads: tables of the matrices, and the run's reports in every format.

pub mod coverage;
pub mod error;
pub mod grid;
pub mod matrix_tables;
pub mod model;
pub mod read;

pub use error::ReportError;
pub use grid::Grid;
pub use model::RunReport;
pub use read::read_runs;

//! Everything a person reads: tables of the matrices, and (later) the run's reports.

pub mod grid;
pub mod matrix_tables;
pub mod model;

pub use grid::Grid;
pub use model::RunReport;

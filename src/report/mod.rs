//! Everything a person reads: tables of the matrices, and (later) the run's reports.

pub mod grid;
pub mod matrix_tables;

pub use grid::Grid;

//! The sections of a report, each computed once from the runs (and the matrices) when a
//! [`super::document::Document`] is built: pure, no I/O, no format.

pub mod clients;
pub mod coverage;
pub mod drift;
pub mod gates;
pub mod kubernetes;
pub mod overview;
pub mod refusals;
pub mod scenario;
pub mod side_by_side;
pub mod stream;

//! `dockmatrix diff A.json B.json`: what changed from one saved run to another. Each kind of change in its own
//! module: the daemon's identity and API ranges ([`daemon`]), each endpoint's verdict and status per API version
//! grouped into ranges ([`verdict`]), the fields of the JSON bodies it served ([`field`]), the format of its answers
//! and the values its recipes observe ([`format`]), and its answers to malformed requests ([`refusal`]).
//! [`RunDiff`] gathers them and [`write()`] renders them as text, Markdown or JSON.

pub mod daemon;
pub mod field;
pub mod format;
pub mod refusal;
pub mod run_diff;
pub mod verdict;
pub mod write;

pub use run_diff::{RunDiff, RunSide, Side};
pub use write::{DiffFormat, write};

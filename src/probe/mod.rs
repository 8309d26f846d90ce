//! Probing a daemon: discovery, the plan of cases, the bounded concurrent runner and the verdicts.

pub mod case;
pub mod conform;
pub mod discover;
mod error;
pub mod observe;
pub mod runner;
pub mod verdict;

pub use case::{ApiSelection, PlanOptions, ProbeCase};
pub use error::ProbeError;

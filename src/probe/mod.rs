//! Probing a daemon: discovery, the plan of cases, the bounded concurrent runner and the verdicts.

pub mod case;
pub mod daemon;
pub mod discover;
mod error;
pub mod outcome;
pub mod runner;
pub mod tokens;
pub mod verdict;

pub use case::{ApiSelection, PlanOptions, ProbeCase};
pub use daemon::{DaemonInfo, EngineKind};
pub use error::ProbeError;
pub use outcome::{Evidence, ProbeOutcome, Verdict};

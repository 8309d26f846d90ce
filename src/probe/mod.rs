//! Probing a daemon: discovery, the plan of cases, the bounded concurrent runner and the verdicts.

pub mod daemon;
pub mod outcome;

pub use daemon::{DaemonInfo, EngineKind};
pub use outcome::{Evidence, ProbeOutcome, Verdict};

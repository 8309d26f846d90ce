//! Scenarios: request sequences from `matrices/scenarios.yaml` (the `lifecycle` of a minimal client), replayed at
//! each API version with captured values passed from step to step, and their outcomes.

pub mod runner;
pub mod vars;

pub use runner::{daemon_versions, run_all, run_in_daemon_range, run_scenario, run_within};
pub use vars::ScenarioVars;

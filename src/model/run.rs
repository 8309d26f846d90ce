//! `RunRecord`: the complete, timed result of a run; the single source of every report format and of run.json.

use serde::{Deserialize, Serialize};

use super::{ApiVersion, DaemonInfo, ProbeOutcome, RefusalOutcome, ScenarioOutcome, Verdict};

/// The run.json schema version; bump it whenever a field changes meaning.
pub const RUN_SCHEMA_VERSION: u32 = 1;

/// Everything a run produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Always [`RUN_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// `dockmatrix <version>`.
    pub tool: String,
    /// The run's id (also the `dockmatrix.run` label on every object it created).
    pub run_id: String,
    /// The daemon address as given (`unix:///var/run/docker.sock`).
    pub host: String,
    /// Start time, RFC 3339 UTC.
    pub started_at: String,
    /// Wall time of the whole run, milliseconds.
    pub duration_ms: u64,
    /// Whether the run finished (false when interrupted or when the daemon went away).
    pub complete: bool,
    /// The daemon.
    pub daemon: DaemonInfo,
    /// The API versions the plan covered, oldest first.
    pub api_versions: Vec<ApiVersion>,
    /// Every probe, sorted by endpoint id then API version (unversioned first).
    pub probes: Vec<ProbeOutcome>,
    /// Every scenario run, sorted by scenario then API version; absent from run.json when there are none (so
    /// run.json files written before scenarios existed still read).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scenarios: Vec<ScenarioOutcome>,
    /// Every malformed request sent on purpose (probes.yaml `refusals`), sorted by endpoint, kind, then API version;
    /// absent from run.json when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refusals: Vec<RefusalOutcome>,
}

impl RunRecord {
    /// How many probes got each verdict, in [`Verdict::ALL`] order.
    pub fn verdict_counts(&self) -> Vec<(Verdict, usize)> {
        Verdict::ALL.iter().map(|v| (*v, self.probes.iter().filter(|p| p.verdict == *v).count())).collect()
    }

    /// Sorts probes and scenarios into their canonical order (so the report never depends on the order probes finished).
    pub fn sort(&mut self) {
        self.probes.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.scenarios.sort_by(|a, b| (&a.scenario, a.api_version).cmp(&(&b.scenario, b.api_version)));
        self.refusals.sort_by(|a, b| (&a.endpoint, a.kind, a.api_version).cmp(&(&b.endpoint, b.kind, b.api_version)));
    }
}

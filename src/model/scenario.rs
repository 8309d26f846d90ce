//! What a scenario run produced: one `StepOutcome` per step, and whether the sequence passed at its API version.

use serde::{Deserialize, Serialize};

use super::{ApiVersion, Method};

/// One scenario at one API version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioOutcome {
    /// The scenario's name (`lifecycle`).
    pub scenario: String,
    /// The API version in the request paths; `None` for unversioned paths.
    pub api_version: Option<ApiVersion>,
    /// Whether every step worked.
    pub passed: bool,
    /// One outcome per step, in order; the steps after a failed one are there, not sent.
    pub steps: Vec<StepOutcome>,
    /// The index in `steps` of the first step that failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_at: Option<usize>,
    /// The cleanup steps (run even after a failure); they do not decide `passed`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cleanup: Vec<StepOutcome>,
    /// Wall time of the steps and the cleanup, milliseconds.
    #[serde(default)]
    pub duration_ms: u64,
    /// Set when the failure is the machine's, not the daemon's: why (a resource limit whose cgroup controller is not
    /// delegated where the daemon runs). Reports say it cannot run here; `--fail-on scenario` does not count it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// Set when this is a second run, alone after the sweep: how the first, among the sweep's requests, failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retried: Option<String>,
}

impl ScenarioOutcome {
    /// Whether the scenario failed because of the daemon (not of the machine it runs on).
    pub fn failed_here(&self) -> bool {
        !self.passed && self.environment.is_none()
    }

    /// The step that failed first.
    pub fn failed_step(&self) -> Option<&StepOutcome> {
        self.steps.get(self.failed_at?)
    }

    /// Whether a cleanup step that was sent did not work (something the scenario made may be left).
    pub fn cleanup_failed(&self) -> bool {
        self.cleanup.iter().any(|s| s.sent && !s.ok)
    }
}

/// One request of a scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepOutcome {
    /// Endpoint id (`container.create`).
    pub endpoint: String,
    /// HTTP method.
    pub method: Method,
    /// The path and query sent (`/v1.41/containers/<id>/start`); empty when the step was not sent.
    pub request: String,
    /// Whether the request went out.
    pub sent: bool,
    /// The status, when the daemon answered.
    pub status: Option<u16>,
    /// Whether the step worked: an expected status, every capture found and every match equal.
    pub ok: bool,
    /// Why the step failed or was not sent; for steps that worked, a note (empty when there is none).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// Time from sending to the end of the answer, milliseconds.
    pub duration_ms: u64,
}

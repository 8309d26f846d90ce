//! The verdict: what one answer means, given the status, the body and the matrices.

use serde::{Deserialize, Serialize};

/// What one answer means, given the status, the body and the matrices. Exactly one per probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The endpoint answered as defined at that version.
    Ok,
    /// 400 with Docker's "client version X is too old/new" message.
    VersionRejected,
    /// The daemon does not route it (404 "page not found", 405, 501).
    Absent,
    /// A defined condition that is not a fault (503 "not a swarm manager", 404 for a name made sure not to exist).
    NotApplicable,
    /// The daemon routes the endpoint only to say it does not implement it (Podman's 503 "Podman does not support
    /// service: ..."): a gap of that daemon, counted by the default `--fail-on`.
    Unsupported,
    /// The answer contradicts the matrices (a defined endpoint absent inside the range, a version outside the range
    /// accepted, a 5xx).
    Incompatible,
    /// Transport failure or timeout.
    Error,
    /// Served, but the body breaks the spec of that API version in a way a typed client trips on (a required field
    /// missing, a value of the wrong type, not JSON where JSON is documented): see the probe's `conformance`.
    Nonconforming,
    /// Answered at a version outside the range the daemon advertises, by a daemon that does not enforce API
    /// versions (Podman serves any `/vX.Y`): not counted by the default `--fail-on`; `--fail-on unenforced` counts
    /// it.
    Unenforced,
    /// Not probed; `reason` says why.
    Skipped,
}

impl Verdict {
    /// Every verdict, in report order.
    pub const ALL: [Verdict; 10] = [
        Verdict::Ok,
        Verdict::VersionRejected,
        Verdict::Absent,
        Verdict::NotApplicable,
        Verdict::Unsupported,
        Verdict::Incompatible,
        Verdict::Nonconforming,
        Verdict::Error,
        Verdict::Unenforced,
        Verdict::Skipped,
    ];

    /// The kebab-case name used in run.json and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::VersionRejected => "version-rejected",
            Verdict::Absent => "absent",
            Verdict::NotApplicable => "not-applicable",
            Verdict::Unsupported => "unsupported",
            Verdict::Incompatible => "incompatible",
            Verdict::Error => "error",
            Verdict::Nonconforming => "nonconforming",
            Verdict::Unenforced => "unenforced",
            Verdict::Skipped => "skipped",
        }
    }

    /// Whether the verdict is a failure by default (`incompatible`, `unsupported`, `nonconforming`, `error`).
    pub fn is_failure(self) -> bool {
        matches!(self, Verdict::Incompatible | Verdict::Unsupported | Verdict::Nonconforming | Verdict::Error)
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

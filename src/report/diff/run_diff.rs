//! [`RunDiff`]: everything that changed from run A to run B.

use std::fmt;
use std::path::Path;

use serde::Serialize;

use crate::model::RunRecord;

use super::daemon::{DaemonChange, daemon_changes};
use super::field::{FieldChange, field_changes};
use super::format::{HeaderChange, ObservedChange, header_changes, observed_changes};
use super::refusal::{RefusalChange, refusal_changes};
use super::verdict::{VerdictChange, verdict_changes};

/// Which of the two runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// The first run, the one changes are from.
    A,
    /// The second run, the one changes are to.
    B,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::A => "A",
            Side::B => "B",
        })
    }
}

/// One of the two runs, as the diff names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunSide {
    /// The file it was read from.
    pub file: String,
    /// The run's target name (`docker-20.10`).
    pub name: String,
    /// The run's id.
    pub run_id: String,
}

impl RunSide {
    fn of(run: &RunRecord, file: &Path) -> Self {
        RunSide { file: file.display().to_string(), name: run.daemon.name.clone(), run_id: run.run_id.clone() }
    }

    /// `docker-20.10 (a/run.json, run 3f9c2a1b4d5e)`.
    pub fn line(&self) -> String {
        format!("{} ({}, run {})", self.name, self.file, self.run_id)
    }
}

/// What changed from run A to run B.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunDiff {
    /// Run A.
    pub a: RunSide,
    /// Run B.
    pub b: RunSide,
    /// The daemon's version and API ranges.
    pub daemon: Vec<DaemonChange>,
    /// Verdicts and statuses, per endpoint and range of API versions.
    pub verdicts: Vec<VerdictChange>,
    /// Fields of the served JSON bodies.
    pub fields: Vec<FieldChange>,
    /// The format of the answers (their Content-Type), per endpoint and range of API versions.
    pub headers: Vec<HeaderChange>,
    /// What the recipes observe (`observe:`), per value: its version ranges in each run.
    pub observed: Vec<ObservedChange>,
    /// Answers to the malformed requests; `None` when neither run sent any (runs from before refusals existed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refusals: Option<Vec<RefusalChange>>,
}

impl RunDiff {
    /// Compares run `a` (read from `a_file`) with run `b` (read from `b_file`).
    pub fn of(a: &RunRecord, a_file: &Path, b: &RunRecord, b_file: &Path) -> Self {
        RunDiff {
            a: RunSide::of(a, a_file),
            b: RunSide::of(b, b_file),
            daemon: daemon_changes(&a.daemon, &b.daemon),
            verdicts: verdict_changes(a, b),
            fields: field_changes(a, b),
            headers: header_changes(a, b),
            observed: observed_changes(a, b),
            refusals: (!a.refusals.is_empty() || !b.refusals.is_empty()).then(|| refusal_changes(a, b)),
        }
    }

    /// How many changes: daemon properties, verdict lines, fields, formats, observed values and refusal lines.
    pub fn count(&self) -> usize {
        self.daemon.len()
            + self.verdicts.len()
            + self.fields.len()
            + self.headers.len()
            + self.observed.len()
            + self.refusals.as_ref().map_or(0, Vec::len)
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.count() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sections::coverage::tests::fixture;

    #[test]
    fn a_run_against_itself_has_no_changes() {
        let run = fixture();
        let diff = RunDiff::of(&run, Path::new("a.json"), &run, Path::new("b.json"));
        assert!(diff.is_empty(), "{diff:?}");
        assert_eq!(diff.a.line(), format!("docker-20.10 (a.json, run {})", run.run_id));
    }
}

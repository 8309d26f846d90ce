//! Daemon-level changes: engine kind and version, platform, and the advertised and enforced API ranges.

use serde::Serialize;

use crate::model::ApiVersion;
use crate::model::DaemonInfo;

/// One property of the daemon that differs between the runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DaemonChange {
    /// The property's key in run.json's `daemon` (`enforced_min`).
    pub field: &'static str,
    /// Its value in run A (`unknown` when absent).
    pub before: String,
    /// Its value in run B.
    pub after: String,
}

impl DaemonChange {
    /// The property for a person (`enforced minimum`).
    pub fn label(&self) -> &'static str {
        LABELS.iter().find(|(field, _)| *field == self.field).map_or(self.field, |(_, label)| label)
    }

    /// `enforced minimum 1.12 → 1.24`.
    pub fn line(&self) -> String {
        format!("{} {} → {}", self.label(), self.before, self.after)
    }
}

/// The properties compared, in report order, with their labels.
const LABELS: &[(&str, &str)] = &[
    ("kind", "engine"),
    ("version", "version"),
    ("os", "os"),
    ("arch", "arch"),
    ("min_api_version", "advertised minimum"),
    ("api_version", "advertised maximum"),
    ("enforced_min", "enforced minimum"),
    ("enforced_max", "enforced maximum"),
];

/// What differs between the daemons of run A and run B (the target names are labels, not compared).
pub fn daemon_changes(a: &DaemonInfo, b: &DaemonInfo) -> Vec<DaemonChange> {
    let version = |v: Option<ApiVersion>| v.map_or_else(|| "unknown".to_string(), |v| v.to_string());
    let values = |d: &DaemonInfo| {
        [
            d.kind.as_str().to_string(),
            d.version.clone(),
            d.os.clone(),
            d.arch.clone(),
            version(d.min_api_version),
            version(d.api_version),
            version(d.enforced_min),
            version(d.enforced_max),
        ]
    };
    LABELS
        .iter()
        .zip(values(a).into_iter().zip(values(b)))
        .filter(|(_, (before, after))| before != after)
        .map(|((field, _), (before, after))| DaemonChange { field, before, after })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sections::coverage::tests::fixture;
    use crate::report::synthetic::daemon_run;

    #[test]
    fn names_each_changed_property_of_the_daemon() {
        let a = fixture().daemon;
        let cases: &[(DaemonInfo, &[&str])] = &[
            (a.clone(), &[]),
            (
                daemon_run("docker-26.1", "26.1.4", (24, 45), (24, 45), (23, 46)).daemon,
                &[
                    "version 20.10.24+dfsg1 → 26.1.4",
                    "advertised minimum 1.12 → 1.24",
                    "advertised maximum 1.41 → 1.45",
                    "enforced minimum 1.12 → 1.24",
                    "enforced maximum 1.41 → 1.45",
                ],
            ),
            (
                DaemonInfo { enforced_min: None, name: "renamed".into(), ..a.clone() },
                &["enforced minimum 1.12 → unknown"],
            ),
            (
                daemon_run("podman-4.3", "20.10.24+dfsg1", (12, 41), (0, 57), (0, 57)).daemon,
                &["engine docker → podman", "enforced minimum 1.12 → 1.0", "enforced maximum 1.41 → 1.57"],
            ),
        ];
        for (b, expected) in cases {
            let lines: Vec<String> = daemon_changes(&a, b).iter().map(DaemonChange::line).collect();
            assert_eq!(lines, *expected, "{}", b.name);
        }
    }
}

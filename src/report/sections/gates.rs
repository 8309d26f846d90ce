//! Version gates observed: what each run saw of the values its recipes observe (`observe:` in probes.yaml), as
//! version ranges (`/*/SharedSize`: `-1` at 1.24–1.41, `>0` at 1.42–1.51), and the same of several runs side by
//! side, the daemons that saw alike on one line.

use std::collections::BTreeMap;

use serde::Serialize;

use super::drift::{VersionSpan, Versions};
use crate::model::{ApiVersion, RunRecord, Verdict};

/// One observed value of one probe in one run, by the versions it took each value at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gate {
    /// The probe id (`image.list[shared-size]`).
    pub probe: String,
    /// What was observed (`/*/SharedSize`, `header:Content-Type`, `status`).
    pub key: String,
    /// Each value seen, in the order of the versions it was first seen at, with those versions.
    pub seen: Vec<Seen>,
}

/// One value a [`Gate`] took, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Seen {
    /// The value, or its kind (see [`crate::matrix::model::Observe`]).
    pub value: String,
    /// The requests that saw it.
    pub versions: Versions,
}

impl Gate {
    /// Whether the value changes with the API version (a gate, seen).
    pub fn changes(&self) -> bool {
        self.seen.len() > 1
    }

    /// `-1 at 1.24–1.41 · >0 at 1.42–1.51, unversioned`; `-1 at every version` when it never changes.
    pub fn text(&self) -> String {
        match self.seen.as_slice() {
            [one] => format!("{} at every version", shown(&one.value)),
            many => many.iter().map(Seen::text).collect::<Vec<_>>().join(" · "),
        }
    }
}

/// An observed key as a report writes it: `(the body)` for the whole body's pointer, the key itself otherwise.
pub fn key_text(key: &str) -> &str {
    if key.is_empty() { "(the body)" } else { key }
}

impl Seen {
    /// `>0 at 1.42–1.51, unversioned`: the versioned requests first, in order.
    pub fn text(&self) -> String {
        let mut at: Vec<String> = self.versions.ranges.iter().map(VersionSpan::text).collect();
        if self.versions.unversioned {
            at.push(crate::model::RequestVersion::UNVERSIONED.to_string());
        }
        format!("{} at {}", shown(&self.value), at.join(", "))
    }
}

/// A value as a report writes it: `""` for the empty text.
fn shown(value: &str) -> String {
    if value.is_empty() { "\"\"".into() } else { value.to_string() }
}

/// What one probe saw of one key, by request version.
type Observed = Vec<(Option<ApiVersion>, String)>;

/// What one run observed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Gates {
    /// A row per probe and observed key, in the run's probe order.
    pub rows: Vec<Gate>,
}

impl Gates {
    /// The observations of `run`'s answers: those the endpoint itself gave (not an unrouted path, a transport
    /// error or a skip); of a version refusal, only its status and headers (a refusal has no body of the endpoint's,
    /// but its status and format are the daemon's answer at that version).
    pub fn of(run: &RunRecord) -> Self {
        let mut order: Vec<(String, String)> = Vec::new();
        let mut by: BTreeMap<(String, String), Observed> = BTreeMap::new();
        for p in &run.probes {
            if matches!(p.verdict, Verdict::Absent | Verdict::Error | Verdict::Skipped) {
                continue;
            }
            let refused = p.verdict == Verdict::VersionRejected;
            for (key, value) in
                p.observed.iter().filter(|(k, _)| !refused || *k == "status" || k.starts_with("header:"))
            {
                let k = (p.endpoint.clone(), key.clone());
                if !by.contains_key(&k) {
                    order.push(k.clone());
                }
                by.entry(k).or_default().push((p.api_version, value.clone()));
            }
        }
        let rows = order
            .into_iter()
            .map(|k| {
                let mut at = by.remove(&k).unwrap_or_default();
                at.sort_by_key(|(v, _)| *v);
                let (probe, key) = k;
                Gate { probe, key, seen: spans(&at) }
            })
            .collect();
        Gates { rows }
    }

    /// The rows whose value changes with the version.
    pub fn changing(&self) -> impl Iterator<Item = &Gate> {
        self.rows.iter().filter(|g| g.changes())
    }
}

/// The values of `at` (sorted, unversioned first) with the versions each was seen at, consecutive versions with the
/// same value in one span.
fn spans(at: &[(Option<ApiVersion>, String)]) -> Vec<Seen> {
    let mut seen: Vec<Seen> = Vec::new();
    let mut last: Option<&str> = None;
    for (v, value) in at {
        let i = match seen.iter().position(|s| s.value == *value) {
            Some(i) => i,
            None => {
                seen.push(Seen { value: value.clone(), versions: Versions::default() });
                seen.len() - 1
            }
        };
        let versions = &mut seen[i].versions;
        match v {
            None => versions.unversioned = true,
            Some(v) => match versions.ranges.last_mut() {
                Some(r) if last == Some(value.as_str()) => r.last = *v,
                _ => versions.ranges.push(VersionSpan { first: *v, last: *v }),
            },
        }
        if v.is_some() {
            last = Some(value.as_str());
        }
    }
    // In the order of the versions, the values only the unversioned request saw last.
    seen.sort_by_key(|s| s.versions.ranges.first().map_or((1, None), |r| (0, Some(r.first))));
    seen
}

/// The gates of several runs side by side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GatesSection {
    /// The runs' daemons, in the order given.
    pub daemons: Vec<String>,
    /// A row per probe and key some run observed, those that change with the version on some daemon first.
    pub rows: Vec<GateRow>,
}

/// One observed value across the runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GateRow {
    /// The probe id.
    pub probe: String,
    /// What was observed.
    pub key: String,
    /// Whether it changes with the version on some daemon.
    pub changes: bool,
    /// What the daemons saw: the daemons that saw alike, and what (see [`Gate::text`]).
    pub lines: Vec<(Vec<String>, String)>,
}

impl GatesSection {
    /// The rows of `runs` (with their gates); `None` when no run observed anything.
    pub fn of(runs: &[(&str, &Gates)]) -> Option<Self> {
        let mut rows: Vec<GateRow> = Vec::new();
        for (daemon, gates) in runs {
            for g in &gates.rows {
                let row = match rows.iter_mut().position(|r| r.probe == g.probe && r.key == g.key) {
                    Some(i) => &mut rows[i],
                    None => {
                        let row =
                            GateRow { probe: g.probe.clone(), key: g.key.clone(), changes: false, lines: Vec::new() };
                        rows.push(row);
                        rows.last_mut().expect("just pushed")
                    }
                };
                row.changes |= g.changes();
                let text = g.text();
                match row.lines.iter_mut().find(|(_, t)| *t == text) {
                    Some((daemons, _)) => daemons.push(daemon.to_string()),
                    None => row.lines.push((vec![daemon.to_string()], text)),
                }
            }
        }
        if rows.is_empty() {
            return None;
        }
        rows.sort_by_key(|r| !r.changes);
        Some(GatesSection { daemons: runs.iter().map(|(d, _)| d.to_string()).collect(), rows })
    }

    /// `9 of 24 observed values change with the API version`.
    pub fn summary(&self) -> String {
        let n = self.rows.iter().filter(|r| r.changes).count();
        format!("{n} of {} observed values change with the API version", self.rows.len())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::ProbeOutcome;

    fn v(minor: u16) -> ApiVersion {
        ApiVersion::new(1, minor)
    }

    /// A run whose `image.list[shared-size]` saw `-1` below 1.42 and `>0` from it, rejected 1.23, and whose
    /// `container.logs` saw one content type throughout.
    pub(crate) fn gated(name: &str) -> RunRecord {
        let mut run = crate::report::sections::coverage::tests::fixture();
        run.daemon.name = name.into();
        run.probes.clear();
        let probe = |endpoint: &str, at: Option<ApiVersion>, verdict: Verdict, key: &str, value: &str| {
            let mut p: ProbeOutcome = serde_json::from_value(serde_json::json!({
                "endpoint": endpoint, "method": "GET", "path": "/x", "api_version": at, "status": 200,
                "verdict": verdict, "duration_ms": 1
            }))
            .expect("a probe");
            p.observed.insert(key.into(), value.into());
            p
        };
        run.probes.push(probe("image.list[shared-size]", Some(v(23)), Verdict::VersionRejected, "/*/SharedSize", "x"));
        for m in 24..=51 {
            let value = if m < 42 { "-1" } else { ">0" };
            run.probes.push(probe("image.list[shared-size]", Some(v(m)), Verdict::Ok, "/*/SharedSize", value));
            run.probes.push(probe("container.logs", Some(v(m)), Verdict::Ok, "header:Content-Type", "raw"));
        }
        run.probes.push(probe("image.list[shared-size]", None, Verdict::Ok, "/*/SharedSize", ">0"));
        run
    }

    #[test]
    fn a_gate_reads_as_the_version_ranges_of_each_value() {
        let gates = Gates::of(&gated("docker-28.5"));
        let texts: Vec<(String, String, bool)> =
            gates.rows.iter().map(|g| (g.probe.clone(), g.text(), g.changes())).collect();
        assert_eq!(
            texts,
            [
                ("image.list[shared-size]".into(), "-1 at 1.24–1.41 · >0 at 1.42–1.51, unversioned".into(), true),
                ("container.logs".into(), "raw at every version".into(), false),
            ]
        );
        assert_eq!(gates.changing().count(), 1);
    }

    #[test]
    fn daemons_that_saw_alike_share_a_line_and_changing_rows_come_first() {
        let (a, b) = (Gates::of(&gated("docker-26.1")), Gates::of(&gated("docker-28.5")));
        let mut c = gated("podman-5.8");
        c.probes.iter_mut().filter(|p| p.endpoint.starts_with("image.list")).for_each(|p| {
            p.observed.insert("/*/SharedSize".into(), "-1".into());
        });
        let c = Gates::of(&c);
        let s = GatesSection::of(&[("docker-26.1", &a), ("docker-28.5", &b), ("podman-5.8", &c)]).expect("rows");
        assert_eq!(s.summary(), "1 of 2 observed values change with the API version");
        let first = &s.rows[0];
        assert_eq!((first.probe.as_str(), first.changes), ("image.list[shared-size]", true));
        assert_eq!(
            first.lines,
            [
                (vec!["docker-26.1".to_string(), "docker-28.5".to_string()], first.lines[0].1.clone()),
                (vec!["podman-5.8".to_string()], "-1 at every version".to_string()),
            ]
        );
        assert_eq!(GatesSection::of(&[("x", &Gates::default())]), None);
    }
}

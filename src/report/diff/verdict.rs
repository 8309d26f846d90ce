//! Verdict and status changes per endpoint and API version, grouped so that one systematic change is one line:
//! consecutive versions (of those either run probed) that changed the same way make one range.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::model::ApiVersion;
use crate::model::{Method, ProbeOutcome, RequestVersion, RunRecord, Verdict};
use crate::report::sections::coverage::worst;

/// What one run got from an endpoint at one API version: the verdict, and the status of the probe behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Answer {
    /// The verdict (the most telling one when the version was probed more than once).
    pub verdict: Verdict,
    /// The HTTP status, absent when no answer came.
    pub status: Option<u16>,
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(s) => write!(f, "{} ({s})", self.verdict),
            None => write!(f, "{} (no answer)", self.verdict),
        }
    }
}

/// One endpoint whose answers changed the same way over a range of API versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerdictChange {
    /// Endpoint id (`volume.update`).
    pub endpoint: String,
    /// HTTP method.
    pub method: Method,
    /// Swagger-form path.
    pub path: String,
    /// First API version of the range; `None` for the unversioned request.
    pub first: Option<ApiVersion>,
    /// Last API version of the range; `None` for the unversioned request.
    pub last: Option<ApiVersion>,
    /// The answer in run A; `None` when A did not probe these versions.
    pub before: Option<Answer>,
    /// The answer in run B; `None` when B did not probe these versions.
    pub after: Option<Answer>,
}

impl VerdictChange {
    /// `1.42–1.45`, `1.42` or `unversioned`.
    pub fn versions(&self) -> String {
        RequestVersion::span(self.first, self.last)
    }

    /// `absent (404) → ok (200)`, `not probed → ok (200)`.
    pub fn change(&self) -> String {
        let side = |a: Option<Answer>| a.map_or_else(|| NOT_PROBED.to_string(), |a| a.to_string());
        format!("{} → {}", side(self.before), side(self.after))
    }

    /// `PUT /volumes/{name}`.
    pub fn route(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// `volume.update PUT /volumes/{name}: 1.42–1.45: absent (404) → ok (200)`.
    pub fn line(&self) -> String {
        format!("{} {}: {}: {}", self.endpoint, self.route(), self.versions(), self.change())
    }
}

/// How an answer reads when a run did not probe that version.
pub const NOT_PROBED: &str = "not probed";

/// Each endpoint's answer at each version it was probed at (`None`: unversioned).
type Answers<'a> = BTreeMap<&'a str, BTreeMap<Option<ApiVersion>, Answer>>;

fn answers(run: &RunRecord) -> Answers<'_> {
    let mut probes: BTreeMap<(&str, Option<ApiVersion>), Vec<&ProbeOutcome>> = BTreeMap::new();
    for p in &run.probes {
        probes.entry((p.endpoint.as_str(), p.api_version)).or_default().push(p);
    }
    let mut out: Answers<'_> = BTreeMap::new();
    for ((endpoint, version), ps) in probes {
        let Some(verdict) = worst(ps.iter().map(|p| p.verdict)) else { continue };
        let status = ps.iter().find(|p| p.verdict == verdict).and_then(|p| p.status);
        out.entry(endpoint).or_default().insert(version, Answer { verdict, status });
    }
    out
}

/// Every change from run A to run B, endpoint by endpoint (by tag, then id), versions oldest first with the
/// unversioned request before them. Versions where both runs answered the same end a range.
pub fn verdict_changes(a: &RunRecord, b: &RunRecord) -> Vec<VerdictChange> {
    let (before, after) = (answers(a), answers(b));
    let mut routes: BTreeMap<&str, (&str, Method, &str)> = BTreeMap::new();
    for p in a.probes.iter().chain(&b.probes) {
        routes.entry(p.endpoint.as_str()).or_insert((p.tag.as_str(), p.method, p.path.as_str()));
    }
    let mut endpoints: Vec<(&str, &(&str, Method, &str))> = routes.iter().map(|(id, r)| (*id, r)).collect();
    endpoints.sort_by_key(|(id, (tag, ..))| (*tag, *id));
    let empty = BTreeMap::new();
    let mut changes = Vec::new();
    for (id, (_, method, path)) in endpoints {
        let (ba, aa) = (before.get(id).unwrap_or(&empty), after.get(id).unwrap_or(&empty));
        let mut versions: Vec<Option<ApiVersion>> = ba.keys().chain(aa.keys()).copied().collect();
        versions.sort();
        versions.dedup();
        let mut open = false;
        for v in versions {
            let (x, y) = (ba.get(&v).copied(), aa.get(&v).copied());
            if x == y {
                open = false;
                continue;
            }
            match changes.last_mut() {
                Some(c @ VerdictChange { .. })
                    if open && v.is_some() && c.first.is_some() && c.before == x && c.after == y =>
                {
                    c.last = v;
                }
                _ => changes.push(VerdictChange {
                    endpoint: id.to_string(),
                    method: *method,
                    path: path.to_string(),
                    first: v,
                    last: v,
                    before: x,
                    after: y,
                }),
            }
            open = true;
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sections::coverage::tests::fixture;
    use crate::report::synthetic::{answer, daemon_run};

    fn lines(a: &RunRecord, b: &RunRecord, endpoint: &str) -> Vec<String> {
        verdict_changes(a, b).iter().filter(|c| c.endpoint == endpoint).map(VerdictChange::line).collect()
    }

    #[test]
    fn groups_consecutive_versions_that_changed_the_same_way() {
        let d26 = daemon_run("docker-26.1", "26.1.4", (24, 45), (24, 45), (23, 46));
        let mut d26b = d26.clone();
        answer(&mut d26b, "system.ping.head", 42..=45, Verdict::Absent, Some(404), None);
        answer(&mut d26b, "exec.start", 30..=30, Verdict::Error, None, None);
        answer(&mut d26b, "exec.start", 31..=33, Verdict::Incompatible, Some(500), None);
        answer(&mut d26b, "exec.start", 35..=35, Verdict::Incompatible, Some(500), None);
        let mut unversioned = d26.clone();
        for p in unversioned.probes.iter_mut().filter(|p| p.endpoint == "system.ping" && p.api_version.is_none()) {
            p.status = Some(500);
            p.verdict = Verdict::Incompatible;
        }
        let cases: Vec<(&RunRecord, &RunRecord, &str, Vec<&str>)> = vec![
            (&d26, &d26, "system.ping.head", vec![]),
            (&d26, &d26b, "system.ping.head", vec!["system.ping.head HEAD /_ping: 1.42–1.45: ok (200) → absent (404)"]),
            (
                &d26,
                &d26b,
                "exec.start",
                vec![
                    "exec.start POST /exec/{id}/start: 1.30: ok (101) → error (no answer)",
                    "exec.start POST /exec/{id}/start: 1.31–1.33: ok (101) → incompatible (500)",
                    "exec.start POST /exec/{id}/start: 1.35: ok (101) → incompatible (500)",
                ],
            ),
            (
                &d26,
                &unversioned,
                "system.ping",
                vec!["system.ping GET /_ping: unversioned: ok (200) → incompatible (500)"],
            ),
        ];
        for (a, b, endpoint, expected) in cases {
            assert_eq!(lines(a, b, endpoint), expected, "{endpoint}");
        }
    }

    #[test]
    fn a_version_probed_in_one_run_only_is_not_probed_on_the_other_side() {
        let a = fixture();
        let b = daemon_run("docker-26.1", "26.1.4", (24, 45), (24, 45), (23, 46));
        let cases: &[(&str, &[&str])] = &[
            (
                "system.ping",
                &[
                    "system.ping GET /_ping: 1.11: version-rejected (400) → not probed",
                    "system.ping GET /_ping: 1.12–1.22: ok (200) → not probed",
                    "system.ping GET /_ping: 1.23: ok (200) → version-rejected (400)",
                    "system.ping GET /_ping: 1.42: version-rejected (400) → ok (200)",
                    "system.ping GET /_ping: 1.43–1.45: not probed → ok (200)",
                    "system.ping GET /_ping: 1.46: not probed → version-rejected (400)",
                ],
            ),
            (
                "exec.start",
                &[
                    "exec.start POST /exec/{id}/start: 1.15–1.22: ok (101) → not probed",
                    "exec.start POST /exec/{id}/start: 1.23: ok (101) → version-rejected (400)",
                    "exec.start POST /exec/{id}/start: 1.42: version-rejected (400) → ok (101)",
                    "exec.start POST /exec/{id}/start: 1.43–1.45: not probed → ok (101)",
                    "exec.start POST /exec/{id}/start: 1.46: not probed → version-rejected (400)",
                ],
            ),
        ];
        for (endpoint, expected) in cases {
            assert_eq!(lines(&a, &b, endpoint), *expected, "{endpoint}");
        }
        let mut gone = a.clone();
        gone.probes.retain(|p| p.endpoint != "swarm.inspect");
        assert_eq!(
            lines(&a, &gone, "swarm.inspect"),
            [
                "swarm.inspect GET /swarm: unversioned: not-applicable (503) → not probed",
                "swarm.inspect GET /swarm: 1.24–1.41: not-applicable (503) → not probed",
                "swarm.inspect GET /swarm: 1.42: version-rejected (400) → not probed",
            ]
        );
    }
}

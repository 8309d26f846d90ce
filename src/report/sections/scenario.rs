//! What every format says about scenarios: per scenario, the API version ranges over which it passed, or failed at
//! the same step.

use crate::model::ApiVersion;
use crate::model::{RequestVersion, RunRecord, ScenarioOutcome};

/// Consecutive API versions at which a scenario ended the same way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioRange<'a> {
    /// First version (`None`: unversioned paths, which never share a range with versioned ones).
    pub first: Option<ApiVersion>,
    /// Last version.
    pub last: Option<ApiVersion>,
    /// The outcomes of the range, oldest first (at least one).
    pub outcomes: Vec<&'a ScenarioOutcome>,
}

impl ScenarioRange<'_> {
    /// `1.12–1.41`, `1.25` or `unversioned`.
    pub fn versions(&self) -> String {
        RequestVersion::span(self.first, self.last)
    }

    /// The first outcome (every outcome of the range ended the same way).
    pub fn outcome(&self) -> &ScenarioOutcome {
        self.outcomes[0]
    }

    /// Whether the scenario passed over the range.
    pub fn passed(&self) -> bool {
        self.outcome().passed
    }

    /// `pass`, or `fail at step 7 (container.stats)`.
    pub fn result(&self) -> String {
        let o = self.outcome();
        match (o.passed, o.failed_at, o.failed_step()) {
            (true, _, _) => "pass".into(),
            (false, Some(i), Some(step)) if o.environment.is_some() => {
                format!("cannot run here (step {}, {})", i + 1, step.endpoint)
            }
            (false, Some(i), Some(step)) => format!("fail at step {} ({})", i + 1, step.endpoint),
            (false, _, _) => "fail".into(),
        }
    }

    /// Why the first outcome's failed step failed, or why it cannot run on this machine (empty when it passed).
    pub fn reason(&self) -> &str {
        let o = self.outcome();
        o.environment.as_deref().or_else(|| o.failed_step().map(|s| s.reason.as_str())).unwrap_or("")
    }

    /// The versions of the range whose cleanup failed (something may be left behind).
    pub fn cleanup_failures(&self) -> Vec<&ScenarioOutcome> {
        self.outcomes.iter().copied().filter(|o| o.cleanup_failed()).collect()
    }

    /// `1.12–1.24 pass`.
    pub fn line(&self) -> String {
        format!("{} {}", self.versions(), self.result())
    }
}

/// One scenario of a run and its ranges.
#[derive(Debug, Clone)]
pub struct ScenarioSummary<'a> {
    /// The scenario's name.
    pub name: &'a str,
    /// Its ranges, unversioned first, then oldest to newest.
    pub ranges: Vec<ScenarioRange<'a>>,
}

impl ScenarioSummary<'_> {
    /// Whether the scenario passed at every version it ran at.
    pub fn all_passed(&self) -> bool {
        self.ranges.iter().all(ScenarioRange::passed)
    }

    /// `lifecycle: 1.12–1.24 pass; 1.25 fail at step 7 (container.stats); 1.26–1.41 pass`.
    pub fn line(&self) -> String {
        format!("{}: {}", self.name, self.ranges.iter().map(ScenarioRange::line).collect::<Vec<_>>().join("; "))
    }
}

/// The scenarios of `run`, by name; empty when it ran none.
pub fn summaries(run: &RunRecord) -> Vec<ScenarioSummary<'_>> {
    let mut outcomes: Vec<&ScenarioOutcome> = run.scenarios.iter().collect();
    outcomes.sort_by(|a, b| (&a.scenario, a.api_version).cmp(&(&b.scenario, b.api_version)));
    // Two outcomes share a range when both passed, or both failed at the same step.
    let key = |o: &ScenarioOutcome| (o.passed, o.failed_at, o.failed_step().map(|s| s.endpoint.clone()));
    let mut out: Vec<ScenarioSummary<'_>> = Vec::new();
    for chunk in outcomes.chunk_by(|a, b| a.scenario == b.scenario) {
        let mut ranges: Vec<ScenarioRange<'_>> = Vec::new();
        for o in chunk {
            match ranges.last_mut() {
                Some(r) if r.last.is_some() && o.api_version.is_some() && key(r.outcome()) == key(o) => {
                    r.last = o.api_version;
                    r.outcomes.push(o);
                }
                _ => ranges.push(ScenarioRange { first: o.api_version, last: o.api_version, outcomes: vec![o] }),
            }
        }
        out.push(ScenarioSummary { name: &chunk[0].scenario, ranges });
    }
    out
}

/// `Scenarios: 1 of 2 pass at every API version they ran at`.
pub fn headline(summaries: &[ScenarioSummary<'_>]) -> String {
    let passing = summaries.iter().filter(|s| s.all_passed()).count();
    format!("Scenarios: {passing} of {} pass at every API version they ran at", summaries.len())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::Method;
    use crate::model::StepOutcome;
    use crate::report::sections::coverage::tests::fixture;

    const LIFECYCLE: [(&str, Method, &str); 9] = [
        ("system.version", Method::Get, "/version"),
        ("system.info", Method::Get, "/info"),
        ("container.create", Method::Post, "/containers/create?name=dockmatrix-7f3a-lifecycle"),
        ("container.start", Method::Post, "/containers/c0ffee/start"),
        ("container.list", Method::Get, "/containers/json?all=1"),
        ("container.inspect", Method::Get, "/containers/c0ffee/json"),
        ("container.stats", Method::Get, "/containers/c0ffee/stats?stream=false"),
        ("container.stop", Method::Post, "/containers/c0ffee/stop?t=0"),
        ("container.delete", Method::Delete, "/containers/c0ffee?force=1"),
    ];

    /// A step sent to `path` (at `api`), unless its reason says it was not run.
    fn step(
        (endpoint, method, path): (&str, Method, &str),
        api: Option<ApiVersion>,
        status: Option<u16>,
        reason: &str,
    ) -> StepOutcome {
        let sent = !reason.starts_with("not run");
        StepOutcome {
            endpoint: endpoint.into(),
            method,
            request: if sent {
                format!("{}{path}", api.map_or_else(String::new, |v| format!("/v{v}")))
            } else {
                String::new()
            },
            sent,
            status,
            ok: status.is_some() && reason.is_empty(),
            reason: reason.into(),
            duration_ms: 7,
        }
    }

    /// The lifecycle at `api`, failing at step index `fail` with `status` and `reason` when given.
    fn lifecycle(api: Option<ApiVersion>, fail: Option<(usize, Option<u16>, &str)>) -> ScenarioOutcome {
        let steps: Vec<StepOutcome> = LIFECYCLE
            .iter()
            .enumerate()
            .map(|(i, s)| match fail {
                Some((f, status, reason)) if i == f => step(*s, api, status, reason),
                Some((f, _, _)) if i > f => {
                    step(*s, api, None, &format!("not run: step {} ({}) failed", f + 1, LIFECYCLE[f].0))
                }
                _ => step(*s, api, Some([200, 200, 201, 204, 200, 200, 200, 204, 204][i]), ""),
            })
            .collect();
        ScenarioOutcome {
            scenario: "lifecycle".into(),
            api_version: api,
            passed: fail.is_none(),
            steps,
            failed_at: fail.map(|(f, _, _)| f),
            cleanup: vec![step(LIFECYCLE[8], api, Some(404), "")],
            duration_ms: 1200,
            environment: None,
            retried: None,
        }
    }

    /// The fixed run with scenario outcomes: `lifecycle` passes at 1.12–1.24 and 1.26–1.39, fails at stats at
    /// 1.25 (and its cleanup fails there), and at stop at 1.40–1.41; `ping` passes unversioned and at 1.41.
    pub(crate) fn fixture_with_scenarios() -> RunRecord {
        let mut run = fixture();
        let v = |m: u16| Some(ApiVersion::new(1, m));
        for m in 12..=41 {
            let outcome = match m {
                25 => {
                    let mut o = lifecycle(v(m), Some((6, Some(500), "status 500, expected 2xx: cannot get stats")));
                    let reason = "status 409, expected 204 or 404: removal of container c0ffee is already in progress";
                    o.cleanup = vec![step(LIFECYCLE[8], v(m), Some(409), reason)];
                    o
                }
                40 | 41 => lifecycle(
                    v(m),
                    Some((7, None, "timed out after 30 s waiting for POST /v1.40/containers/c0ffee/stop?t=0")),
                ),
                _ => lifecycle(v(m), None),
            };
            run.scenarios.push(outcome);
        }
        for api in [None, v(41)] {
            run.scenarios.push(ScenarioOutcome {
                scenario: "ping".into(),
                api_version: api,
                passed: true,
                steps: vec![step(("system.ping", Method::Get, "/_ping"), api, Some(200), "")],
                failed_at: None,
                cleanup: Vec::new(),
                duration_ms: 3,
                environment: None,
                retried: None,
            });
        }
        run
    }

    #[test]
    fn collapses_versions_that_ended_the_same_way() {
        let run = fixture_with_scenarios();
        let s = summaries(&run);
        assert_eq!(s.len(), 2);
        assert_eq!(
            s[0].line(),
            "lifecycle: 1.12–1.24 pass; 1.25 fail at step 7 (container.stats); 1.26–1.39 pass; \
             1.40–1.41 fail at step 8 (container.stop)"
        );
        assert_eq!(s[1].line(), "ping: unversioned pass; 1.41 pass");
        assert_eq!(headline(&s), "Scenarios: 1 of 2 pass at every API version they ran at");
        assert_eq!(s[0].ranges[1].cleanup_failures().len(), 1);
        assert_eq!(s[0].ranges[3].outcomes.len(), 2);
    }

    #[test]
    fn a_run_without_scenarios_has_no_summaries() {
        assert!(summaries(&fixture()).is_empty());
    }

    #[test]
    fn run_json_without_scenarios_reads_and_writes_back_without_them() {
        let run = fixture();
        let text = serde_json::to_string(&run).expect("serialise");
        assert!(!text.contains("\"scenarios\""));
        let with = fixture_with_scenarios();
        let back: RunRecord = serde_json::from_str(&serde_json::to_string(&with).expect("serialise")).expect("read");
        assert_eq!(back, with);
    }
}

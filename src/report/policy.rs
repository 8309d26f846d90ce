//! The CI policy (`--fail-on`): which results of a run fail the build. Pure evaluation of a finished run.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use crate::matrix::Matrices;
use crate::model::{FindingKind, ProbeOutcome, RequestVersion, RunRecord, Verdict, shell_word};

use super::error::ReportError;
use super::sections::coverage::{daemon_max, worst};

/// One `--fail-on` policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub enum FailOn {
    /// Any `incompatible` verdict (the default).
    #[default]
    Incompatible,
    /// Any `error` verdict.
    Error,
    /// Any `unsupported` verdict: the daemon says it does not implement an endpoint (a default).
    Unsupported,
    /// Any `unenforced` verdict: an answer at a version outside the daemon's advertised range (opt-in).
    Unenforced,
    /// Any `nonconforming` verdict: a served body that breaks the spec of its version (a default).
    Nonconforming,
    /// Any field the spec of the answer's version does not list (`undocumented` findings; opt-in).
    Undocumented,
    /// Any snapshot that changed.
    ChangedSnapshot,
    /// `kubernetes:1.23`: an endpoint this release's kubelet calls is not ok at the version it would use against
    /// this daemon, or the release refuses the daemon's API version outright.
    Kubernetes(String),
    /// `scenario`: a scenario (matrices/scenarios.yaml) failed at an API version it ran at.
    Scenario,
    /// `refusal`: a malformed request (probes.yaml `refusals`) got a 5xx, was accepted, or got no answer (opt-in).
    Refusal,
    /// `client:GLOB`: a client of clients.yaml (or a kubelet, `kubelet-1.23`) whose name matches breaks against the
    /// daemon (see `crate::client_compat`).
    Client(String),
    /// `endpoint:GLOB`: a probe of a matching endpoint id (`*` any run of characters, `?` one) is `incompatible`
    /// or `error`.
    Endpoint(String),
}

impl FailOn {
    /// The policies in force when none is given.
    pub fn defaults() -> Vec<FailOn> {
        vec![FailOn::Incompatible, FailOn::Unsupported, FailOn::Nonconforming]
    }

    /// Checks what the matrices can tell before a run: a `kubernetes:` release must exist.
    pub fn check(&self, matrices: &Matrices) -> Result<(), ReportError> {
        match self {
            FailOn::Client(glob) if crate::client_compat::clients(matrices, std::slice::from_ref(glob)).is_empty() => {
                let known: Vec<String> =
                    crate::client_compat::clients(matrices, &[]).into_iter().map(|c| c.name).collect();
                Err(ReportError::Policy {
                    input: self.to_string(),
                    message: format!("no client matches `{glob}`; clients: {}", known.join(", ")),
                })
            }
            FailOn::Kubernetes(name) if matrices.k8s_release(name).is_none() => {
                let known: Vec<&str> = matrices.kubernetes.releases.iter().map(|r| r.name.as_str()).collect();
                Err(ReportError::Policy {
                    input: self.to_string(),
                    message: format!("unknown Kubernetes release `{name}`; known releases: {}", known.join(", ")),
                })
            }
            _ => Ok(()),
        }
    }
}

impl fmt::Display for FailOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FailOn::Incompatible => f.write_str("incompatible"),
            FailOn::Error => f.write_str("error"),
            FailOn::Unsupported => f.write_str("unsupported"),
            FailOn::Unenforced => f.write_str("unenforced"),
            FailOn::Nonconforming => f.write_str("nonconforming"),
            FailOn::Undocumented => f.write_str("undocumented"),
            FailOn::ChangedSnapshot => f.write_str("changed-snapshot"),
            FailOn::Scenario => f.write_str("scenario"),
            FailOn::Refusal => f.write_str("refusal"),
            FailOn::Kubernetes(r) => write!(f, "kubernetes:{r}"),
            FailOn::Endpoint(g) => write!(f, "endpoint:{g}"),
            FailOn::Client(g) => write!(f, "client:{g}"),
        }
    }
}

impl FromStr for FailOn {
    type Err = ReportError;

    fn from_str(s: &str) -> Result<Self, ReportError> {
        let err = |message: &str| ReportError::Policy { input: s.to_string(), message: message.to_string() };
        let t = s.trim();
        if let Some((kind, arg)) = t.split_once(':') {
            let arg = arg.trim();
            return match kind.trim().to_ascii_lowercase().as_str() {
                "kubernetes" | "k8s" if !arg.is_empty() => Ok(FailOn::Kubernetes(arg.to_string())),
                "kubernetes" | "k8s" => Err(err("name a release, for example kubernetes:1.23")),
                "endpoint" if !arg.is_empty() => Ok(FailOn::Endpoint(arg.to_string())),
                "endpoint" => Err(err("give an endpoint id or glob, for example endpoint:container.*")),
                "client" if !arg.is_empty() => Ok(FailOn::Client(arg.to_string())),
                "client" => Err(err("name a client or a glob, for example client:traefik-3.6.0 or client:kubelet-*")),
                _ => Err(err("unknown policy kind")),
            };
        }
        match t.to_ascii_lowercase().as_str() {
            "incompatible" => Ok(FailOn::Incompatible),
            "error" => Ok(FailOn::Error),
            "unsupported" => Ok(FailOn::Unsupported),
            "unenforced" => Ok(FailOn::Unenforced),
            "nonconforming" => Ok(FailOn::Nonconforming),
            "undocumented" => Ok(FailOn::Undocumented),
            "changed-snapshot" | "changed-snapshots" => Ok(FailOn::ChangedSnapshot),
            "scenario" | "scenarios" => Ok(FailOn::Scenario),
            "refusal" | "refusals" => Ok(FailOn::Refusal),
            _ => Err(err("unknown policy")),
        }
    }
}

/// One reason a policy fails a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyFailure {
    /// The policy that failed.
    pub policy: FailOn,
    /// The target (daemon name) of the run.
    pub target: String,
    /// What failed, for a person.
    pub message: String,
}

impl fmt::Display for PolicyFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: --fail-on {}: {}", self.target, self.policy, self.message)
    }
}

/// Every failure the `policies` find in `run`; empty means the run passes. `changed_snapshots` is how many
/// snapshots the run changed (0 when re-rendering a saved run).
pub fn evaluate(
    policies: &[FailOn],
    run: &RunRecord,
    matrices: &Matrices,
    changed_snapshots: usize,
) -> Vec<PolicyFailure> {
    let mut failures = Vec::new();
    for policy in policies {
        let mut fail = |message: String| {
            failures.push(PolicyFailure { policy: policy.clone(), target: run.daemon.name.clone(), message })
        };
        match policy {
            FailOn::Incompatible | FailOn::Error | FailOn::Unsupported | FailOn::Unenforced | FailOn::Nonconforming => {
                let wanted = match policy {
                    FailOn::Incompatible => Verdict::Incompatible,
                    FailOn::Error => Verdict::Error,
                    FailOn::Unsupported => Verdict::Unsupported,
                    FailOn::Nonconforming => Verdict::Nonconforming,
                    _ => Verdict::Unenforced,
                };
                run.probes.iter().filter(|p| p.verdict == wanted).for_each(|p| fail(describe(p)));
            }
            FailOn::Undocumented => {
                for p in &run.probes {
                    let Some(c) = &p.conformance else { continue };
                    for f in c.findings.iter().filter(|f| f.kind == FindingKind::Undocumented) {
                        let at = p
                            .api_version
                            .map_or_else(|| RequestVersion::UNVERSIONED.to_string(), |v| format!("API {v}"));
                        fail(format!("{} at {at}: {} is not in spec v{}", p.endpoint, f.pointer, c.spec));
                    }
                }
            }
            FailOn::ChangedSnapshot if changed_snapshots > 0 => {
                fail(format!("{changed_snapshots} snapshot(s) changed; review them with `dockmatrix snapshot review`"))
            }
            FailOn::ChangedSnapshot => {}
            FailOn::Scenario => run.scenarios.iter().filter(|s| s.failed_here()).for_each(|s| {
                let at = s.api_version.map_or_else(|| RequestVersion::UNVERSIONED.to_string(), |v| format!("API {v}"));
                let step = s.failed_at.and_then(|i| s.steps.get(i));
                let why = step.map_or_else(String::new, |st| {
                    format!(" at step {} ({}): {}", s.failed_at.unwrap_or(0) + 1, st.endpoint, st.reason)
                });
                fail(format!("scenario {} fails at {at}{why}", s.scenario));
            }),
            FailOn::Refusal => run.refusals.iter().filter(|r| r.verdict.misleads()).for_each(|r| {
                let at = RequestVersion(r.api_version);
                let status = r.status.map_or_else(|| "no answer".to_string(), |s| s.to_string());
                fail(format!("{} {} at API {at} is {} ({status}): {}", r.endpoint, r.kind, r.verdict, r.reason))
            }),
            FailOn::Endpoint(glob) => run
                .probes
                .iter()
                .filter(|p| p.verdict.is_failure() && crate::glob::matches(glob, &p.endpoint))
                .for_each(|p| fail(describe(p))),
            FailOn::Kubernetes(name) => kubernetes(name, run, matrices).into_iter().for_each(&mut fail),
            FailOn::Client(glob) => {
                let view = crate::client_compat::DaemonView::of_run(run);
                for spec in crate::client_compat::clients(matrices, std::slice::from_ref(glob)) {
                    let o = crate::client_compat::evaluate(&spec, &view, matrices);
                    if o.verdict == crate::model::ClientVerdict::Breaks {
                        fail(format!("{} ({}) breaks: {}", o.client, o.covers, o.reason));
                    }
                }
            }
        }
    }
    failures
}

/// At most this many policy failures are printed (by `run` and `report`) unless every one is asked for: a daemon
/// that went away fails every probe it did not answer, and the lines must stay on one screen.
pub const MAX_POLICY_LINES: usize = 20;

/// The lines printed for `failures` on stderr: one per failure, at most `max` unless `all`, then one counting the
/// rest that names `list_all`, a command that prints every one of them.
pub fn policy_lines(failures: &[PolicyFailure], all: bool, max: usize, list_all: &str) -> Vec<String> {
    let shown = if all { failures.len() } else { failures.len().min(max) };
    let mut lines: Vec<String> = failures[..shown].iter().map(|f| format!("policy failure: {f}")).collect();
    let more = failures.len() - shown;
    if more > 0 {
        let s = if more == 1 { "" } else { "s" };
        lines.push(format!("... and {more} more policy failure{s} (all of them: `{list_all}`)"));
    }
    lines
}

/// The `dockmatrix report` command that lists every policy failure of `runs` under `policies`, its words quoted
/// for a POSIX shell (`--fail-on` is left out when the policies are `report`'s defaults).
pub fn list_all_command(runs: &[&Path], policies: &[FailOn]) -> String {
    let mut words: Vec<String> = vec!["dockmatrix".into(), "report".into()];
    words.extend(runs.iter().map(|p| shell_word(&p.display().to_string())));
    if policies != FailOn::defaults() {
        for policy in policies {
            words.push("--fail-on".into());
            words.push(shell_word(&policy.to_string()));
        }
    }
    words.push("--all-failures".into());
    words.join(" ")
}

fn describe(p: &ProbeOutcome) -> String {
    let at = p.api_version.map_or_else(|| RequestVersion::UNVERSIONED.to_string(), |v| format!("API {v}"));
    let status = p.status.map_or_else(|| "no answer".to_string(), |s| s.to_string());
    let reason = if p.reason.is_empty() { String::new() } else { format!(": {}", p.reason) };
    format!("{} at {at} is {} ({status}){reason}", p.endpoint, p.verdict)
}

fn kubernetes(name: &str, run: &RunRecord, m: &Matrices) -> Vec<String> {
    let Some(release) = m.k8s_release(name) else {
        return vec![format!("unknown Kubernetes release `{name}`")];
    };
    let Some(max) = daemon_max(&run.daemon) else {
        return vec!["the daemon's maximum API version is unknown, so the version Kubernetes would use is too".into()];
    };
    if release.min_api_version > max {
        return vec![format!(
            "Kubernetes {name} refuses daemons below API {}; this one serves at most {max}",
            release.min_api_version
        )];
    }
    let path_version = release.path_version.path_version(max);
    let at = release.path_version.effective_version(max);
    // What fails first, then what was not probed (a run of a few endpoints leaves most of them out).
    let (mut failures, mut unprobed) = (Vec::new(), Vec::new());
    for id in &release.endpoints {
        let mut probes: Vec<&ProbeOutcome> =
            run.probes.iter().filter(|p| &p.endpoint == id && p.api_version == Some(at)).collect();
        // An unversioned client is served at the daemon's version; its own unversioned probe is the better witness.
        if path_version.is_none() {
            let unversioned: Vec<_> =
                run.probes.iter().filter(|p| &p.endpoint == id && p.api_version.is_none()).collect();
            if !unversioned.is_empty() {
                probes = unversioned;
            }
        }
        match worst(probes.iter().map(|p| p.verdict)) {
            None => unprobed.push(format!("{id}, called by Kubernetes {name}, was not probed at API {at}")),
            Some(Verdict::Ok) => {}
            Some(v) => {
                let p = probes.iter().find(|p| p.verdict == v).expect("worst() returns a verdict of one of these");
                failures.push(format!("{} (Kubernetes {name} calls it at API {at})", describe(p)));
            }
        }
    }
    failures.append(&mut unprobed);
    failures
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ApiVersion;
    use crate::report::sections::coverage::tests::fixture;
    use crate::report::synthetic::{add_endpoint, with_failures};

    fn matrices() -> Matrices {
        crate::matrix::load::MatrixSources::built_in().load().expect("built-in matrices")
    }

    fn policy(s: &str) -> FailOn {
        s.parse().expect("valid policy")
    }

    #[test]
    fn refusal_fails_on_a_server_error_or_an_accepted_malformed_request_only_when_asked() {
        let [docker, podman] = crate::report::sections::refusals::tests::two_runs();
        let m = matrices();
        assert_eq!(policy("refusals"), FailOn::Refusal);
        assert_eq!(FailOn::Refusal.to_string(), "refusal");
        let lines = |run: &RunRecord| -> Vec<String> {
            evaluate(&[FailOn::Refusal], run, &m, 0).iter().map(ToString::to_string).collect()
        };
        assert_eq!(
            lines(&podman),
            [
                r#"podman-4.3: --fail-on refusal: container.list filters-not-json at API 1.40 is server-error (500): "invalid filter""#,
                r#"podman-4.3: --fail-on refusal: image.list filters-not-json at API 1.41 is server-error (500): "invalid filter""#,
            ]
        );
        assert_eq!(lines(&docker).len(), 1, "the accepted events filter");
        assert!(evaluate(&FailOn::defaults(), &podman, &m, 0).iter().all(|f| f.policy != FailOn::Refusal), "opt-in");
    }

    #[test]
    fn parses_every_policy() {
        assert_eq!(policy("incompatible"), FailOn::Incompatible);
        assert_eq!(policy("error"), FailOn::Error);
        assert_eq!(policy("changed-snapshot"), FailOn::ChangedSnapshot);
        assert_eq!(policy("kubernetes:1.23"), FailOn::Kubernetes("1.23".into()));
        assert_eq!(policy("endpoint:container.*"), FailOn::Endpoint("container.*".into()));
        for bad in ["", "kubernetes:", "endpoint:", "nope", "foo:bar"] {
            let err = bad.parse::<FailOn>().expect_err("invalid");
            assert_eq!(err.exit_code(), crate::model::exit::EXIT_USAGE, "{bad}");
        }
        assert!(policy("kubernetes:0.1").check(&matrices()).is_err());
        assert!(policy("kubernetes:1.23").check(&matrices()).is_ok());
    }

    #[test]
    fn the_defaults_pass_the_real_run_and_find_the_failures() {
        assert_eq!(evaluate(&FailOn::defaults(), &fixture(), &matrices(), 0), [], "a real 20.10 fails no probe");
        let run = with_failures();
        assert_eq!(evaluate(&FailOn::defaults(), &run, &matrices(), 0).len(), 1, "incompatible only");
        let failures = evaluate(&[FailOn::Incompatible, FailOn::Error], &run, &matrices(), 0);
        let lines: Vec<String> = failures.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                format!(
                    "docker-20.10: --fail-on incompatible: container.attach at API 1.40 is incompatible (101): \
                     the output within 10000 ms lacks `dockmatrix-{}-container-attach-v1-40`",
                    run.run_id
                ),
                format!(
                    "docker-20.10: --fail-on error: exec.start at API 1.24 is error (no answer): {}",
                    run.probes.iter().find(|p| p.verdict == Verdict::Error).expect("the error").reason
                ),
            ]
        );
        assert_eq!(evaluate(&[FailOn::Error], &run, &matrices(), 0).len(), 1);
    }

    #[test]
    fn endpoint_glob_matches_only_failures_of_matching_ids() {
        let run = with_failures();
        let m = matrices();
        let container = evaluate(&[policy("endpoint:container.*")], &run, &m, 0);
        let lines: Vec<String> = container.iter().map(|f| f.message.clone()).collect();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].starts_with("container.attach at API 1.40 is incompatible (101)"));
        let starts = evaluate(&[policy("endpoint:*.start")], &run, &m, 0);
        assert!(starts.len() == 1 && starts[0].message.starts_with("exec.start at API 1.24 is error (no answer)"));
        assert!(evaluate(&[policy("endpoint:system.*")], &run, &m, 0).is_empty());
        assert!(evaluate(&[policy("endpoint:container.attac?")], &fixture(), &m, 0).is_empty());
    }

    /// The fixture with every endpoint Kubernetes 1.23 calls and the fixture does not probe answering as
    /// `system.ping` does: ok from 1.12 to 1.41.
    fn serving_kubernetes_1_23() -> RunRecord {
        let mut run = fixture();
        let m = matrices();
        let release = m.k8s_release("1.23").expect("1.23 in the matrices");
        for id in &release.endpoints {
            if !run.probes.iter().any(|p| &p.endpoint == id) {
                let e = m.endpoints.endpoints.iter().find(|e| &e.id == id).expect("a known endpoint");
                add_endpoint(&mut run, "system.ping", id, e.method, &e.path);
            }
        }
        run
    }

    #[test]
    fn kubernetes_passes_when_every_called_endpoint_is_ok_at_its_version() {
        // 1.23 caps at 1.41 and this daemon's maximum is 1.41. The fixture's subset answers ok for the endpoints it
        // probes; every other one Kubernetes calls is not vouched for.
        let failures = evaluate(&[policy("kubernetes:1.23")], &fixture(), &matrices(), 0);
        let lines: Vec<&str> = failures.iter().map(|f| f.message.as_str()).collect();
        let release = matrices().k8s_release("1.23").expect("1.23").endpoints.clone();
        assert_eq!(lines.len(), release.len() - 4, "all but container.attach, exec.start and the pings: {lines:?}");
        assert!(lines.iter().all(|l| l.ends_with(", called by Kubernetes 1.23, was not probed at API 1.41")));
        assert!(lines.contains(&"container.list, called by Kubernetes 1.23, was not probed at API 1.41"));
        assert_eq!(evaluate(&[policy("kubernetes:1.23")], &serving_kubernetes_1_23(), &matrices(), 0), []);
    }

    #[test]
    fn kubernetes_fails_when_a_called_endpoint_is_not_ok_at_its_version() {
        let mut run = serving_kubernetes_1_23();
        let p = run
            .probes
            .iter_mut()
            .find(|p| p.endpoint == "container.attach" && p.api_version == Some(ApiVersion::new(1, 41)))
            .expect("container.attach at 1.41 in the fixture");
        p.verdict = Verdict::Absent;
        p.status = Some(404);
        p.reason = "page not found".into();
        let failures = evaluate(&[policy("kubernetes:1.23")], &run, &matrices(), 0);
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert_eq!(
            failures[0].message,
            "container.attach at API 1.41 is absent (404): page not found (Kubernetes 1.23 calls it at API 1.41)"
        );
        // An endpoint left out of the run cannot be vouched for either.
        run.probes.retain(|p| p.endpoint != "container.stats");
        let failures = evaluate(&[policy("kubernetes:1.23")], &run, &matrices(), 0);
        assert!(
            failures.iter().any(|f| f.message.contains("container.stats, called by Kubernetes 1.23, was not probed"))
        );
    }

    #[test]
    fn kubernetes_fails_when_the_release_refuses_the_daemon() {
        // cri-dockerd needs API 1.42; this daemon serves at most 1.41.
        let failures = evaluate(&[policy("kubernetes:cri-dockerd")], &fixture(), &matrices(), 0);
        assert_eq!(failures.len(), 1);
        assert!(failures[0].message.contains("refuses daemons below API 1.42; this one serves at most 1.41"));
    }

    fn failures(n: usize) -> Vec<PolicyFailure> {
        (1..=n)
            .map(|i| PolicyFailure { policy: FailOn::Error, target: "d".into(), message: format!("probe {i} failed") })
            .collect()
    }

    #[test]
    fn policy_lines_stop_at_twenty_and_name_the_command_that_lists_all() {
        let hint = "dockmatrix report run.json --all-failures";
        // (failures, all, how many failure lines, the count line)
        let cases: &[(usize, bool, usize, Option<&str>)] = &[
            (0, false, 0, None),
            (3, false, 3, None),
            (20, false, 20, None),
            (
                21,
                false,
                20,
                Some("... and 1 more policy failure (all of them: `dockmatrix report run.json --all-failures`)"),
            ),
            (
                57,
                false,
                20,
                Some("... and 37 more policy failures (all of them: `dockmatrix report run.json --all-failures`)"),
            ),
            (57, true, 57, None),
        ];
        for (n, all, shown, count) in cases {
            let lines = policy_lines(&failures(*n), *all, MAX_POLICY_LINES, hint);
            let failure_lines = lines.iter().filter(|l| l.starts_with("policy failure: ")).count();
            assert_eq!(failure_lines, *shown, "{n} failures, all: {all}");
            assert_eq!(lines.get(*shown).map(String::as_str), *count, "{n} failures, all: {all}");
            assert_eq!(lines.len(), shown + usize::from(count.is_some()));
        }
        assert_eq!(
            policy_lines(&failures(1), false, MAX_POLICY_LINES, hint),
            ["policy failure: d: --fail-on error: probe 1 failed"]
        );
    }

    #[test]
    fn the_list_all_command_repeats_the_runs_and_policies_quoted() {
        let run = Path::new("out/run.json");
        let spaced = Path::new("my runs/it's.json");
        let cases: &[(&[&Path], Vec<FailOn>, &str)] = &[
            (&[run], FailOn::defaults(), "dockmatrix report out/run.json --all-failures"),
            (
                &[run, spaced],
                vec![FailOn::Incompatible, FailOn::Error, policy("endpoint:container.*")],
                "dockmatrix report out/run.json 'my runs/it'\\''s.json' --fail-on incompatible --fail-on error \
                 --fail-on 'endpoint:container.*' --all-failures",
            ),
            (
                &[run],
                vec![policy("kubernetes:1.23")],
                "dockmatrix report out/run.json --fail-on kubernetes:1.23 --all-failures",
            ),
        ];
        for (runs, policies, expected) in cases {
            assert_eq!(list_all_command(runs, policies), *expected);
        }
    }

    #[test]
    fn changed_snapshots_fail_only_with_the_policy() {
        let m = matrices();
        assert!(evaluate(&[FailOn::ChangedSnapshot], &fixture(), &m, 0).is_empty());
        assert_eq!(evaluate(&[FailOn::ChangedSnapshot], &fixture(), &m, 3).len(), 1);
        let errors = evaluate(&[FailOn::Error], &with_failures(), &m, 3);
        assert!(!errors.is_empty() && errors.iter().all(|f| f.policy == FailOn::Error));
    }
}

//! Sending a scenario's steps in order at one API version, and every scenario at many versions with bounded
//! concurrency.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

use serde_json::Value;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::vars::{Bindings, ScenarioVars};
use crate::client::{Client, Request, Response};
use crate::matrix::{Matrices, Scenario, Step};
use crate::model::{ApiVersion, DaemonInfo, Method, ScenarioOutcome, StepOutcome};

/// How much of an unexpected answer's body a failure reason quotes.
const REASON_BODY: usize = 200;

/// Runs `scenario` at `api` (`None`: unversioned paths): the steps in order until one fails, the rest recorded as
/// not run, then every cleanup step whose variables have values. Never fails: a transport error is a failed step.
pub async fn run_scenario(
    client: &Client,
    scenario: &Scenario,
    endpoints: &Matrices,
    api: Option<ApiVersion>,
    vars: &ScenarioVars,
) -> ScenarioOutcome {
    let start = Instant::now();
    let mut bindings = Bindings::new(vars, &scenario.name, api);
    let mut steps = Vec::with_capacity(scenario.steps.len());
    let mut failed_at: Option<usize> = None;
    for (i, step) in scenario.steps.iter().enumerate() {
        let outcome = match failed_at {
            Some(f) => {
                let reason = format!("not run: step {} ({}) failed", f + 1, scenario.steps[f].endpoint);
                not_run(endpoints, step, reason)
            }
            None => run_step(client, endpoints, step, api, &mut bindings).await,
        };
        if !outcome.ok && failed_at.is_none() {
            failed_at = Some(i);
        }
        steps.push(outcome);
    }
    let mut cleanup = Vec::with_capacity(scenario.cleanup.len());
    for step in &scenario.cleanup {
        let outcome = match unbound(step, &bindings) {
            Some(var) => not_run(endpoints, step, format!("not run: ${var} has no value (nothing to clean up)")),
            None => run_step(client, endpoints, step, api, &mut bindings).await,
        };
        cleanup.push(outcome);
    }
    let environment = failed_at.and_then(|i| undelegated(&steps[i]));
    ScenarioOutcome {
        scenario: scenario.name.clone(),
        api_version: api,
        passed: failed_at.is_none(),
        steps,
        failed_at,
        cleanup,
        duration_ms: millis(start),
        environment,
        retried: None,
    }
}

/// The cgroup v2 file of a resource limit that `message` says does not exist.
fn cgroup_file(message: &str) -> Option<&'static str> {
    if !message.contains("no such file or directory") {
        return None;
    }
    ["memory.max", "memory.swap.max", "memory.low", "cpu.max", "cpu.weight", "pids.max", "io.max"]
        .into_iter()
        .find(|f| message.contains(f))
}

/// Why a failed step is the machine's failure rather than the daemon's: a resource limit the OCI runtime could not
/// write because the cgroup file of its controller does not exist where the daemon runs (Podman 6 in a private
/// cgroup2 mount on a cgroup v1 host, where only hugetlb is delegated: `open .../memory.max: no such file or
/// directory`).
fn undelegated(step: &StepOutcome) -> Option<String> {
    if step.status.is_none_or(|s| s < 500) {
        return None;
    }
    let file = cgroup_file(&step.reason)?;
    Some(format!(
        "the cgroup controller of {file} is not delegated where the daemon runs: no resource limit can be set on this \
         machine (the daemon answered {})",
        step.status.unwrap_or_default()
    ))
}

/// Runs every scenario of `matrices` at each of `versions`, at most `jobs` scenario runs at a time. The outcomes are
/// sorted by scenario, then API version.
pub async fn run_all(
    client: &Client,
    matrices: &Matrices,
    versions: &[ApiVersion],
    vars: &ScenarioVars,
    jobs: usize,
) -> Vec<ScenarioOutcome> {
    let (matrices, limit) = (Arc::new(matrices.clone()), Arc::new(Semaphore::new(jobs.max(1))));
    run_within(client, matrices, versions, vars, limit, jobs).await
}

/// [`run_all`] beside other work that shares `limit`: at most `workers` workers, each holding one permit of
/// `limit` from its first scenario run to its last and taking the next run from a common queue. A worker keeps its
/// permit between runs, so the scenarios are not queued behind everything else each time one ends.
pub async fn run_within(
    client: &Client,
    matrices: Arc<Matrices>,
    versions: &[ApiVersion],
    vars: &ScenarioVars,
    limit: Arc<Semaphore>,
    workers: usize,
) -> Vec<ScenarioOutcome> {
    if matrices.scenarios.scenarios.is_empty() || versions.is_empty() {
        return Vec::new();
    }
    let vars = Arc::new(vars.clone());
    let runs: VecDeque<(String, ApiVersion)> = matrices
        .scenarios
        .scenarios
        .keys()
        .flat_map(|name| versions.iter().map(move |&api| (name.clone(), api)))
        .collect();
    let queue = Arc::new(std::sync::Mutex::new(runs));
    let mut set = JoinSet::new();
    for _ in 0..workers.max(1) {
        let (client, matrices, vars, limit, queue) =
            (client.clone(), matrices.clone(), vars.clone(), limit.clone(), queue.clone());
        set.spawn(async move {
            let _permit = limit.acquire_owned().await.expect("the semaphore is never closed");
            let mut outcomes = Vec::new();
            loop {
                let next = queue.lock().expect("no worker panics holding the queue").pop_front();
                let Some((name, api)) = next else { break };
                let scenario = matrices.scenario(&name).expect("a scenario of these matrices");
                outcomes.push(run_scenario(&client, scenario, &matrices, Some(api), &vars).await);
            }
            outcomes
        });
    }
    let mut outcomes = Vec::new();
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok(done) => outcomes.extend(done),
            // A scenario worker only ends without its outcomes when it panicked: keep that loud.
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => {}
        }
    }
    outcomes.sort_by(|a, b| (&a.scenario, a.api_version).cmp(&(&b.scenario, b.api_version)));
    outcomes
}

/// The API versions scenarios run at against `daemon`: its enforced range (else the one it advertises; and the one
/// it advertises on a daemon that accepts versions outside it), within the versions the matrices know.
pub fn daemon_versions(matrices: &Matrices, daemon: &DaemonInfo) -> Vec<ApiVersion> {
    // A daemon that accepts every version (Podman) is judged over the range it advertises: what a client that
    // negotiates gets, and where its answers count (outside it they are `unenforced`).
    let range = if daemon.unenforced_note().is_some() {
        (daemon.min_api_version.or(daemon.enforced_min), daemon.api_version)
    } else {
        daemon.served()
    };
    let (Some(lo), Some(hi)) = range else {
        return Vec::new();
    };
    matrices.endpoints.api_versions.iter().filter(|v| lo <= *v && *v <= hi).collect()
}

/// What the `run` command calls: every scenario at every API version `daemon` accepts ([`daemon_versions`]), on
/// `workers` workers holding permits of `limit` ([`run_within`]); the result goes into `RunRecord::scenarios`.
/// Beside the sweep, sharing its permits, with the run's image:
///
/// ```text
/// let vars = ScenarioVars::new(&ctx.run_id, image);
/// report.scenarios = scenario::run_in_daemon_range(&client, matrices, &report.daemon, &vars, limit, 6).await;
/// ```
///
/// Every container a scenario makes carries the run's label; a scenario cut short (the future dropped on Ctrl-C)
/// skips its cleanup, so the run's label-based teardown must still follow.
pub async fn run_in_daemon_range(
    client: &Client,
    matrices: Arc<Matrices>,
    daemon: &DaemonInfo,
    vars: &ScenarioVars,
    limit: Arc<Semaphore>,
    workers: usize,
) -> Vec<ScenarioOutcome> {
    let versions = daemon_versions(&matrices, daemon);
    run_within(client, matrices, &versions, vars, limit, workers).await
}

/// The first variable `step` uses that has no value yet.
fn unbound(step: &Step, bindings: &Bindings<'_>) -> Option<String> {
    step.request().templates().find_map(|v| bindings.substitute(v).err())
}

/// The outcome of a step that was not sent (yet).
fn not_run(matrices: &Matrices, step: &Step, reason: String) -> StepOutcome {
    StepOutcome {
        endpoint: step.endpoint.clone(),
        method: matrices.endpoint(&step.endpoint).map_or(Method::Get, |e| e.method),
        request: String::new(),
        sent: false,
        status: None,
        ok: false,
        reason,
        duration_ms: 0,
    }
}

async fn run_step(
    client: &Client,
    matrices: &Matrices,
    step: &Step,
    api: Option<ApiVersion>,
    bindings: &mut Bindings<'_>,
) -> StepOutcome {
    let mut out = not_run(matrices, step, String::new());
    let Some(endpoint) = matrices.endpoint(&step.endpoint) else {
        out.reason = format!("unknown endpoint `{}`", step.endpoint);
        return out;
    };
    let request = match request(step, &endpoint.path, endpoint.method, api, bindings) {
        Ok(r) => r,
        Err(var) => {
            out.reason = format!("not sent: ${var} has no value");
            return out;
        }
    };
    out.request = request.path.clone();
    out.sent = true;
    let start = Instant::now();
    let result = client.send(request).await;
    out.duration_ms = millis(start);
    let resp = match result {
        Ok(resp) => resp,
        Err(e) => {
            out.reason = e.to_string();
            return out;
        }
    };
    out.status = Some(resp.status);
    match judge(step, &resp, bindings) {
        Ok(()) => {
            out.ok = true;
            if let Some(v) = api.filter(|v| !endpoint.defined_at(*v)) {
                out.reason = format!("API {v} does not define {}; the daemon served it anyway", endpoint.id);
            }
        }
        Err(reason) => out.reason = reason,
    }
    out
}

fn request(
    step: &Step,
    template: &str,
    method: Method,
    api: Option<ApiVersion>,
    b: &Bindings<'_>,
) -> Result<Request, String> {
    let filled = step.request().fill(&|v| b.substitute(v))?;
    Ok(Request::to(method, api, template, &filled.params, &filled.query, filled.body.as_ref()))
}

/// Checks the answer: status, matches, then captures (recorded into `bindings`). `Err` says why the step failed.
fn judge(step: &Step, resp: &Response, bindings: &mut Bindings<'_>) -> Result<(), String> {
    if !step.accepts(resp.status) {
        let expected = if step.expect.is_empty() {
            "2xx".to_string()
        } else {
            step.expect.iter().map(u16::to_string).collect::<Vec<_>>().join(" or ")
        };
        return Err(format!("status {}, expected {expected}: {}", resp.status, daemon_message(resp)));
    }
    if step.matches.is_empty() && step.capture.is_empty() {
        return Ok(());
    }
    let Some(json) = resp.json() else {
        return Err(format!("the answer is not JSON: {}", daemon_message(resp)));
    };
    // Every match is checked, so that one failed step names each field the daemon dropped or changed.
    let mut mismatches = Vec::new();
    for (pointer, expected) in &step.matches {
        let expected =
            bindings.substitute_json(expected).map_err(|var| format!("match {pointer}: ${var} has no value"))?;
        match json.pointer(pointer) {
            Some(found) if *found == expected => {}
            Some(found) => mismatches.push(format!("{pointer} is {}, expected {expected}", cut(&found.to_string()))),
            None => mismatches.push(format!("{pointer} is not in the answer, expected {expected}")),
        }
    }
    if !mismatches.is_empty() {
        return Err(mismatches.join("; "));
    }
    for (name, pointer) in &step.capture {
        let value = match json.pointer(pointer) {
            Some(Value::String(s)) => s.clone(),
            Some(v @ (Value::Number(_) | Value::Bool(_))) => v.to_string(),
            Some(other) => return Err(format!("capture {name}: {pointer} is {}, not a string or number", kind(other))),
            None => return Err(format!("capture {name}: {pointer} is not in the answer")),
        };
        bindings.capture(name, value);
    }
    Ok(())
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
        _ => "a scalar",
    }
}

/// The daemon's message, cut for a reason (`empty body` when there is none). A missing cgroup file named past the
/// cut is named after it, so [`undelegated`] still sees it (runc's messages put the path last).
fn daemon_message(resp: &Response) -> String {
    let m = resp.daemon_message();
    if m.is_empty() {
        return "empty body".into();
    }
    let shown = cut(&m);
    match cgroup_file(&m) {
        Some(file) if !shown.contains(file) => format!("{shown} [{file}: no such file or directory]"),
        _ => shown,
    }
}

fn cut(s: &str) -> String {
    match s.char_indices().nth(REASON_BODY) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

fn millis(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_limit_the_machine_cannot_set_is_the_machines_failure() {
        let step = |status: u16, reason: &str| StepOutcome {
            endpoint: "container.start".into(),
            method: Method::Post,
            request: "/v1.44/containers/x/start".into(),
            sent: true,
            status: Some(status),
            ok: false,
            reason: reason.into(),
            duration_ms: 1,
        };
        let runc = "status 500, expected 204: crun: opening file `memory.max` for writing: No such file or directory";
        assert_eq!(undelegated(&step(500, runc)), None, "the message must say the file is missing, in lower case");
        let runc = "status 500, expected 204: runc create failed: open /sys/fs/cgroup/libpod_parent/x/memory.max: \
                    no such file or directory: OCI runtime attempted to invoke a command that was not found";
        let why = undelegated(&step(500, runc)).expect("the machine's");
        assert!(why.starts_with("the cgroup controller of memory.max is not delegated"), "{why}");
        assert_eq!(undelegated(&step(404, runc)), None, "only a daemon's 5xx");
        assert_eq!(undelegated(&step(500, "status 500: open /etc/x: no such file or directory")), None);
        // runc names the path last, past the cut of a reason: the file is named after the cut.
        let long = format!(
            "runc create failed: {}: openat2 /sys/fs/cgroup/x/memory.max: no such file or directory",
            "x".repeat(300)
        );
        let resp = Response {
            status: 500,
            headers: Vec::new(),
            body: serde_json::json!({ "message": long }).to_string().into_bytes(),
            truncated: false,
            over_budget: false,
            elapsed: Duration::ZERO,
        };
        let reason = format!("status 500, expected 204: {}", daemon_message(&resp));
        assert!(reason.ends_with("… [memory.max: no such file or directory]"), "{reason}");
        assert!(undelegated(&step(500, &reason)).is_some());
    }
    use crate::client::host::{TlsOptions, parse};
    use crate::fake_daemon::{FakeDaemon, Kind};
    use crate::matrix::load::MatrixSources;

    /// A stateful fake daemon holding the image `img`, and a client of it.
    fn daemon() -> (FakeDaemon, Client) {
        let fake = FakeDaemon::stateful();
        fake.add(Kind::Image, "img", &[]);
        let client = client_of(&fake);
        (fake, client)
    }

    fn client_of(fake: &FakeDaemon) -> Client {
        let target = parse(&fake.host(), TlsOptions::default(), "test").expect("target");
        Client::new(target, Duration::from_secs(5), 1 << 20).expect("client")
    }

    /// The id the fake gives the `n`-th container it makes.
    fn container(n: usize) -> String {
        format!("c0ffee{n:058x}")
    }

    fn lifecycle(m: &Matrices) -> &Scenario {
        m.scenario("lifecycle").expect("lifecycle")
    }

    fn matrices() -> Matrices {
        MatrixSources::built_in().load().expect("built-in matrices")
    }

    #[tokio::test]
    async fn captured_values_reach_later_steps_and_every_step_passes() {
        let (fake, client) = daemon();
        let m = matrices();
        // The fake holds the image `img`: it creates the container.
        let vars = ScenarioVars::at("r1", "img", 0);
        let o = run_scenario(&client, lifecycle(&m), &m, Some(ApiVersion::new(1, 24)), &vars).await;
        assert!(o.passed, "{o:#?}");
        let id = container(1);
        let filters = format!("%7B%22label%22%3A%5B%22dockmatrix.run%3Dr1%22%5D%2C%22id%22%3A%5B%22{id}%22%5D%7D");
        assert_eq!(
            fake.log(),
            [
                "GET /v1.24/version".to_string(),
                "GET /v1.24/info".into(),
                "POST /v1.24/containers/create?name=dockmatrix-r1-lifecycle-1-24".into(),
                format!("POST /v1.24/containers/{id}/start"),
                format!("GET /v1.24/containers/json?all=1&filters={filters}"),
                format!("GET /v1.24/containers/{id}/json"),
                format!("GET /v1.24/containers/{id}/stats?stream=false"),
                format!("POST /v1.24/containers/{id}/stop?t=0"),
                format!("DELETE /v1.24/containers/{id}?force=1"),
                // The cleanup removes again; the fake says 404 (it is gone), which the cleanup accepts.
                format!("DELETE /v1.24/containers/{id}?force=1"),
            ]
        );
        assert_eq!(o.steps.iter().map(|s| s.status).collect::<Vec<_>>()[2..4], [Some(201), Some(204)]);
        assert_eq!((o.cleanup[0].status, o.cleanup[0].ok), (Some(404), true));
        assert!(o.steps[6].reason.is_empty(), "stats is defined at 1.24");
        assert!(fake.objects(Kind::Container).is_empty(), "the scenario removed its container");
    }

    #[tokio::test]
    async fn steps_after_a_failure_are_not_sent_and_cleanup_without_an_id_is_skipped() {
        let (fake, client) = daemon();
        let m = matrices();
        let vars = ScenarioVars::at("r2", "no-such-image", 0);
        let o = run_scenario(&client, lifecycle(&m), &m, Some(ApiVersion::new(1, 41)), &vars).await;
        assert!(!o.passed);
        assert_eq!(o.failed_at, Some(2));
        let create = o.failed_step().expect("failed step");
        assert_eq!(create.reason, "status 404, expected 201: No such image: no-such-image:latest");
        assert_eq!(fake.log().len(), 3, "version, info and create only");
        assert_eq!(o.steps[3].reason, "not run: step 3 (container.create) failed");
        assert_eq!((o.steps[3].method, o.steps[3].sent), (Method::Post, false));
        assert_eq!(o.cleanup[0].reason, "not run: $id has no value (nothing to clean up)");
        assert!(!o.cleanup_failed());
    }

    #[tokio::test]
    async fn a_failed_match_fails_the_step_and_cleanup_still_runs() {
        // A daemon that says yes to start but never runs the container.
        let (fake, client) = daemon();
        fake.answer("POST /containers/*/start", 204, "", None);
        let m = matrices();
        let vars = ScenarioVars::at("r3", "img", 0);
        let o = run_scenario(&client, lifecycle(&m), &m, Some(ApiVersion::new(1, 12)), &vars).await;
        assert_eq!(o.failed_step().map(|s| s.endpoint.as_str()), Some("container.inspect"));
        assert_eq!(o.failed_step().map(|s| s.reason.as_str()), Some("/State/Running is false, expected true"));
        assert_eq!(fake.log().last(), Some(&format!("DELETE /v1.12/containers/{}?force=1", container(1))));
        assert_eq!((o.cleanup[0].sent, o.cleanup[0].ok), (true, true));
        assert!(fake.objects(Kind::Container).is_empty(), "the cleanup removed the container");
    }

    #[tokio::test]
    async fn a_failed_step_names_every_field_the_daemon_dropped_or_changed() {
        // The fake keeps no resources: inspect answers without HostConfig's limits.
        let (fake, client) = daemon();
        let m = matrices();
        let pod = m.scenario("pod-besteffort").expect("the BestEffort pod");
        let vars = ScenarioVars::at("r4", "img", 0);
        let o = run_scenario(&client, pod, &m, Some(ApiVersion::new(1, 41)), &vars).await;
        let reason = o.failed_step().map(|s| s.reason.clone()).unwrap_or_default();
        let fields: Vec<&str> = reason.split("; ").map(|r| r.split(' ').next().unwrap_or_default()).collect();
        assert_eq!(
            fields,
            [
                "/HostConfig/CpuQuota",
                "/HostConfig/CpuShares",
                "/HostConfig/Memory",
                "/HostConfig/OomScoreAdj",
                "/HostConfig/ShmSize"
            ],
            "{reason}"
        );
        assert!(fake.objects(Kind::Container).is_empty(), "the cleanup removed the container");
    }

    #[tokio::test]
    async fn a_missing_capture_fails_the_step() {
        let (fake, client) = daemon();
        fake.answer("POST /containers/create", 201, r#"{"Warnings":[]}"#, None);
        let m = matrices();
        let o = run_scenario(&client, lifecycle(&m), &m, None, &ScenarioVars::at("r4", "img", 0)).await;
        assert_eq!(o.failed_at, Some(2));
        assert_eq!(o.steps[2].reason, "capture id: /Id is not in the answer");
        assert!(o.steps[2].request.starts_with("/containers/create?name=dockmatrix-r4-lifecycle-unversioned"));
    }

    #[tokio::test]
    async fn notes_steps_the_api_version_does_not_define() {
        let (_fake, client) = daemon();
        let m = matrices();
        let vars = ScenarioVars::at("r", "img", 0);
        let o = run_scenario(&client, lifecycle(&m), &m, Some(ApiVersion::new(1, 12)), &vars).await;
        assert!(o.passed, "{o:#?}");
        assert_eq!(o.steps[6].reason, "API 1.12 does not define container.stats; the daemon served it anyway");
    }

    #[tokio::test]
    async fn a_version_the_daemon_refuses_fails_the_first_step_with_its_message() {
        let fake = FakeDaemon::stateful().with_api("1.24", "1.41");
        fake.add(Kind::Image, "img", &[]);
        let client = client_of(&fake);
        let m = matrices();
        let o =
            run_scenario(&client, lifecycle(&m), &m, Some(ApiVersion::new(1, 23)), &ScenarioVars::at("r", "img", 0))
                .await;
        assert_eq!(o.failed_at, Some(0));
        assert_eq!(
            o.steps[0].reason,
            "status 400, expected 2xx: client version 1.23 is too old. Minimum supported API version is 1.24, please \
             upgrade your client to a newer version"
        );
        assert_eq!(fake.log(), ["GET /v1.23/version"]);
    }

    #[tokio::test]
    async fn run_all_covers_every_version_once_in_order() {
        let (fake, client) = daemon();
        let mut m = matrices();
        m.scenarios.scenarios.retain(|name, _| name == "lifecycle");
        let versions: Vec<ApiVersion> = (12..=20).rev().map(|n| ApiVersion::new(1, n)).collect();
        let outcomes = run_all(&client, &m, &versions, &ScenarioVars::at("r5", "img", 0), 3).await;
        let at: Vec<Option<ApiVersion>> = outcomes.iter().map(|o| o.api_version).collect();
        assert_eq!(at, (12..=20).map(|n| Some(ApiVersion::new(1, n))).collect::<Vec<_>>());
        assert!(outcomes.iter().all(|o| o.passed && o.scenario == "lifecycle"), "{outcomes:#?}");
        assert_eq!(fake.log().len(), 9 * 10);
        assert!(fake.objects(Kind::Container).is_empty());
    }

    #[test]
    fn runs_in_the_enforced_range_else_the_advertised_one() {
        let m = matrices();
        let mut daemon: DaemonInfo =
            serde_json::from_value(serde_json::json!({"name": "d", "kind": "docker", "version": "20.10.24",
                "api_version": "1.41", "min_api_version": "1.12", "os": "linux", "arch": "amd64", "server": "",
                "head_ping": true}))
            .expect("daemon info");
        let v = daemon_versions(&m, &daemon);
        assert_eq!((v.len(), v[0], v[29]), (30, ApiVersion::new(1, 12), ApiVersion::new(1, 41)));
        daemon.enforced_min = Some(ApiVersion::new(1, 24));
        assert_eq!(daemon_versions(&m, &daemon).len(), 18);
        // A daemon that accepts every version (Podman 4.3: serves 1.0–1.57, advertises 1.24–1.41): the advertised.
        let podman = DaemonInfo {
            min_api_version: Some(ApiVersion::new(1, 24)),
            enforced_min: Some(ApiVersion::new(1, 0)),
            enforced_max: Some(ApiVersion::new(1, 56)),
            ..daemon.clone()
        };
        let v = daemon_versions(&m, &podman);
        assert_eq!((v.len(), v[0], v[17]), (18, ApiVersion::new(1, 24), ApiVersion::new(1, 41)));
        daemon.api_version = None;
        daemon.enforced_max = None;
        assert!(daemon_versions(&m, &daemon).is_empty());
    }
}

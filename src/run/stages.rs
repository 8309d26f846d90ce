//! One run's way through the daemon, as named stages that read top to bottom: connect, discover, plan, fixtures,
//! sweep (with its second tries), refusals, swarm state, teardown, record. `stages` calls them in that order; each
//! says on stderr what the user needs to know of it, and the record keeps whatever the stages before it gathered.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::{mpsc, watch};

use crate::client::Client;
use crate::conformance::Checker;
use crate::error::Error;
use crate::fixture::{Fixtures, Needs, Scope};
use crate::matrix::Matrices;
use crate::matrix::schemas::SchemaFile;
use crate::model::{
    ApiVersion, DaemonInfo, Method, ProbeOutcome, RUN_SCHEMA_VERSION, RefusalOutcome, RunRecord, ScenarioOutcome,
    Verdict,
};
use crate::probe::ProbeError;
use crate::probe::case::{self, PlanOptions, ProbeCase};
use crate::probe::discover;
use crate::probe::runner::{self, RunContext};
use crate::progress::Progress;
use crate::refusal;
use crate::report::sections::drift::{Drift, DriftTally};
use crate::scenario::{self, ScenarioVars};
use crate::snapshot::Redactions;

use super::stop::StopRules;
use super::store::{Lines, Store};
use super::{DEFAULT_JOBS, RunConfig, SETUP_GRACE, SSH_LOGINS, connect, connect_to, cpu, retry, timing};

/// What the stages gave: the run, and why it stopped early when the daemon went away or broke.
pub(super) struct Swept {
    /// The run as recorded in run.json, but its probes slim ([`ProbeOutcome::slim`]): their evidence is in
    /// `lines`.
    pub report: RunRecord,
    /// Why the sweep stopped early (the daemon gone, hanging or broken); `None` when it did not.
    pub stopped: Option<String>,
    /// The lines of probes.jsonl that hold the probes of `report` with their evidence, in the same order.
    pub lines: Lines,
    /// The run's drift from the spec, tallied as run.json was written (the slim probes have no findings).
    pub drift: Drift,
    /// What the run's snapshots redact, the data-root and host name taken from its answers as run.json was
    /// written.
    pub redactions: Redactions,
}

/// Runs every stage of `config` against its daemon, in order.
pub(super) async fn stages(
    config: &RunConfig,
    m: &Matrices,
    schemas: Option<SchemaFile>,
    err: &mut dyn Write,
) -> Result<Swept, Error> {
    let started = SystemTime::now();
    let clock = Instant::now();
    let Connected { client, peer, jobs } = connect_stage(config, err)?;
    let daemon = discover_stage(&client, config, m, err).await?;
    let Planned { cases, api_versions, opts } = plan_stage(config, m, &daemon)?;
    let total = cases.len();
    let mut ctx = RunContext::new();
    ctx.checker = schemas.map(|s| Arc::new(Checker::new(s).with_errata(m.errata.clone())));
    let undocumented = config.fail_on.contains(&crate::report::FailOn::Undocumented);
    let mut record = Store::create(&config.out, undocumented, total)?;
    let mut signals = Signals::install();
    // The daemon side's CPU from outside the run, fixtures to teardown (see `run::cpu`).
    let cpu = locate_cpu(&client);
    let cpu_start = cpu::sample(&cpu);
    let mut timing = timing::Phases::default();

    let (cases, global) =
        fixtures_stage(&client, peer, config, m, &daemon, &opts, cases, &mut ctx, &mut signals, err).await?;
    timing.fixtures = timing.lap();

    let swept = sweep_stage(&client, config, m, &daemon, &ctx, cases, jobs, total, &mut record, &signals, err).await?;
    let Sweep { scenarios, fixture_ms, scenarios_s, stopped, mut complete } = swept;
    timing.sweep = timing.lap();
    timing.scenarios_beside = scenarios_s;

    let refusals = if complete {
        refusals_stage(&client, config, m, &daemon, &ctx, record.probes(), &signals).await
    } else {
        Some(Vec::new())
    };
    complete &= refusals.is_some();
    timing.refusals = timing.lap();

    if complete
        && !global.is_empty()
        && !swarm_state_stage(&client, &daemon, &ctx, global, &mut record, &signals).await?
    {
        complete = false;
    }
    timing.global = timing.lap();

    teardown_stage(&client, &ctx, &mut signals, err).await;
    timing.teardown = timing.lap();
    signals.abort();
    let cpu_end = cpu::sample(&cpu);
    let _ = writeln!(err, "{}", timing.line());
    let _ = writeln!(err, "{}", cpu::line(&cpu, cpu_start.as_ref(), cpu_end.as_ref(), cpu::cores()));
    let (peak, budget) = client.body_peak();
    let mib = |b: usize| b as f64 / (1024.0 * 1024.0);
    let _ = writeln!(
        err,
        "{}; the bodies read at once peaked at {:.1} MiB of a {:.0} MiB budget",
        timing::sweep_bound(m, record.probes(), fixture_ms, &scenarios, jobs),
        mib(peak),
        mib(budget)
    );

    let report = RunRecord {
        schema_version: RUN_SCHEMA_VERSION,
        tool: format!("dockmatrix {}", env!("CARGO_PKG_VERSION")),
        run_id: ctx.run_id.clone(),
        host: client.target().display.clone(),
        started_at: super::rfc3339(started),
        duration_ms: u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX),
        complete: complete && stopped.is_none(),
        daemon,
        api_versions,
        probes: Vec::new(),
        scenarios,
        refusals: refusals.unwrap_or_default(),
    };
    record_stage(config, report, record, total, stopped, err)
}

/// The daemon side whose CPU time the run measures: the process listening on a unix socket; a daemon reached over
/// tcp or ssh is not measured.
fn locate_cpu(client: &Client) -> cpu::Daemon {
    match &client.target().address {
        crate::client::Address::Unix(path) => cpu::Daemon::locate(Some(path), ""),
        crate::client::Address::Tcp { base, .. } => cpu::Daemon::locate(
            None,
            &format!("the daemon is reached over tcp ({base}): only a unix socket's is located"),
        ),
        crate::client::Address::Ssh { .. } => cpu::Daemon::locate(None, "the daemon is on another machine (ssh)"),
    }
}

/// The client of the daemon, the swarm peer's when there is one, and the requests in flight.
struct Connected {
    client: Client,
    peer: Option<Client>,
    jobs: usize,
}

/// Connect: resolves the host (and the swarm peer's) and picks `--jobs` (fewer over ssh, where each is a login).
fn connect_stage(config: &RunConfig, err: &mut dyn Write) -> Result<Connected, Error> {
    let client = connect(config)?;
    let peer =
        config.swarm_peer.as_deref().map(|h| connect_to(Some(h), Default::default(), config.timeout)).transpose()?;
    let ssh = matches!(client.target().address, crate::client::Address::Ssh { .. });
    let jobs = config.jobs.unwrap_or(if ssh { SSH_LOGINS } else { DEFAULT_JOBS });
    if ssh && jobs > SSH_LOGINS {
        let _ = writeln!(
            err,
            "warning: --jobs {jobs} over ssh: each connection is an ssh login, and sshd drops logins beyond \
             {SSH_LOGINS} at once by default (MaxStartups 10); lower --jobs if the run reports ssh errors"
        );
    }
    Ok(Connected { client, peer, jobs })
}

/// Discover: what the daemon is, the range it advertises and the range it enforces (scanned one past the newest
/// version the matrices know).
async fn discover_stage(
    client: &Client,
    config: &RunConfig,
    m: &Matrices,
    err: &mut dyn Write,
) -> Result<DaemonInfo, Error> {
    let mut daemon = discover::discover(client, config.name.as_deref()).await?;
    let known = m.endpoints.api_versions;
    let scan: Vec<_> = known.iter().chain(std::iter::once(known.last.next())).collect();
    if let Some((lo, hi)) = discover::enforced_range(client, &scan).await {
        daemon.enforced_min = Some(lo);
        daemon.enforced_max = Some(hi);
    }
    let _ = writeln!(
        err,
        "daemon: {} ({} {}), advertises API {}..={}, enforces {}..={}",
        client.target().display,
        daemon.kind.as_str(),
        daemon.version,
        opt(daemon.min_api_version),
        opt(daemon.api_version),
        opt(daemon.enforced_min),
        opt(daemon.enforced_max),
    );
    if let Some(note) = daemon.unenforced_note() {
        let _ = writeln!(
            err,
            "daemon: {note}; its answers outside the advertised range are `unenforced` (`--fail-on unenforced` counts them)"
        );
    }
    Ok(daemon)
}

/// The cases to send, the API versions selected, and the options they were planned with.
struct Planned {
    cases: Vec<ProbeCase>,
    api_versions: Vec<ApiVersion>,
    opts: PlanOptions,
}

/// Plan: every case of `--only`, `--api` and `--allow` against this daemon; an empty plan is a usage error.
fn plan_stage(config: &RunConfig, m: &Matrices, daemon: &DaemonInfo) -> Result<Planned, Error> {
    let opts = PlanOptions { api: Some(config.api.clone()), only: config.only.clone(), allow: config.allow.clone() };
    let cases = case::plan(m, daemon, &opts);
    if cases.is_empty() {
        return Err(Error::usage(
            "the plan is empty: --only matches no endpoint",
            Some("list endpoint ids with `dockmatrix matrix table kubernetes --api 1.41`"),
        ));
    }
    Ok(Planned { cases, api_versions: case::selected_versions(m, daemon, &config.api), opts })
}

/// Fixtures: makes the shared fixtures of a full plan (whatever `--only` selected: a list or an event probe must show
/// the same objects in a run of one endpoint as in a run of all of them), says what could not be made, and fills the
/// cases' tokens. Returns the cases of the sweep and, apart, those that change the daemon's global state (they go
/// after the refusals). Interrupted, it lets the setup finish and returns no case.
#[allow(clippy::too_many_arguments)]
async fn fixtures_stage(
    client: &Client,
    peer: Option<Client>,
    config: &RunConfig,
    m: &Matrices,
    daemon: &DaemonInfo,
    opts: &PlanOptions,
    mut cases: Vec<ProbeCase>,
    ctx: &mut RunContext,
    signals: &mut Signals,
    err: &mut dyn Write,
) -> Result<(Vec<ProbeCase>, Vec<ProbeCase>), Error> {
    let mut needs = {
        let all = case::plan(m, daemon, &PlanOptions { only: Vec::new(), ..opts.clone() });
        Needs::of(all.iter().filter(|c| c.skip.is_none()).map(|c| &*c.recipe))
    };
    needs.saved_image = Needs::of(cases.iter().filter(|c| c.skip.is_none()).map(|c| &*c.recipe)).saved_image;
    needs.swarm = opts.allow.contains("swarm");
    needs.plugin = opts.allow.contains("plugin");
    needs.registry = config.registry.clone().filter(|_| opts.allow.contains("registry"));
    let setup = {
        let mut cancel = signals.cancel.clone();
        let made = Fixtures::setup(client, &ctx.run_id, config.image.as_deref(), &needs);
        tokio::pin!(made);
        tokio::select! {
            r = &mut made => Some(r),
            _ = cancel.wait_for(|c| *c) => {
                // A create dropped in flight still makes its object a moment later, after the teardown has looked:
                // let the setup finish (a second or two), unless it takes longer than SETUP_GRACE or a second
                // interrupt comes; the teardown then removes all it made.
                let mut hard = signals.hard.clone();
                tokio::select! {
                    _ = tokio::time::timeout(SETUP_GRACE, &mut made) => {}
                    _ = hard.wait_for(|h| *h) => {}
                }
                None
            }
        }
    };
    match setup {
        Some(Ok(mut fixtures)) => {
            fixtures.adopt_peer(peer, &ctx.run_id, &needs).await;
            fixtures.adopt_restart(config.restart_cmd.clone(), &needs);
            let problems = [
                (&fixtures.peer_problem, "swarm peer: ", "swarm.join and node.delete name $missing"),
                (&fixtures.problem, "", "the probes that need a container or an image are skipped"),
                (&fixtures.swarm_problem, "swarm: ", "the probes of services and tasks name $missing"),
                (&fixtures.plugin_problem, "plugin: ", "the probes of plugins name $missing"),
                (&fixtures.registry_problem, "registry: ", "the probes that need it are skipped"),
            ];
            for (problem, what, so) in problems {
                if let Some(problem) = problem {
                    let _ = writeln!(err, "warning: {what}{problem}; {so}");
                }
            }
            if fixtures.foreign_swarm && needs.swarm {
                let _ = writeln!(err, "{}", foreign_swarm_notice(fixtures.foreign_swarm_run.as_deref()));
            }
            ctx.fixtures = Arc::new(fixtures);
        }
        Some(Err(e)) if e.is_unreachable() => {
            teardown_stage(client, ctx, signals, err).await;
            return Err(ProbeError::from(e).into());
        }
        Some(Err(e)) => {
            let _ = writeln!(err, "warning: fixtures: {e}; the probes that need them are skipped");
            let stand_ins = needs.plugins_not_allowed();
            ctx.fixtures = Arc::new(Fixtures { problem: Some(e.to_string()), stand_ins, ..Fixtures::default() });
        }
        // Interrupted while the fixtures were made: nothing is sent, the teardown removes what was made.
        None => cases.clear(),
    }
    for case in cases.iter_mut().filter(|c| c.skip.is_none()) {
        let filled = ctx.fixtures.with_stand_ins(&case.recipe);
        if filled != *case.recipe {
            case.recipe = Arc::new(filled);
        }
        case.skip = ctx.fixtures.missing_for(&case.recipe);
    }
    // What changes the daemon's global state (the swarm's, by init, join, leave and unlock; an unlock restarts the
    // daemon) goes after the refusals, which need the shared fixtures as the sweep left them.
    let (global, cases): (Vec<ProbeCase>, Vec<ProbeCase>) = cases.into_iter().partition(runner::is_global);
    Ok((cases, global))
}

/// What the sweep gathered (its probes are in the [`Store`]).
struct Sweep {
    scenarios: Vec<ScenarioOutcome>,
    /// The time the chains' own fixtures took.
    fixture_ms: u64,
    /// The time the scenarios took beside the sweep.
    scenarios_s: f64,
    /// Why the sweep stopped early, if it did.
    stopped: Option<String>,
    /// Whether every case was sent (not interrupted, not stopped).
    complete: bool,
}

/// Sweep: every case with at most `jobs` in flight and the scenarios beside them sharing the permits (their steps
/// wait on the daemon while the probes keep it busy); each outcome on disk as it comes, the progress drawn, the
/// [`StopRules`] applied. A complete sweep then sends again, alone, what timed out (see [`retry`]).
#[allow(clippy::too_many_arguments)]
async fn sweep_stage(
    client: &Client,
    config: &RunConfig,
    m: &Matrices,
    daemon: &DaemonInfo,
    ctx: &RunContext,
    cases: Vec<ProbeCase>,
    jobs: usize,
    total: usize,
    record: &mut Store,
    signals: &Signals,
    err: &mut dyn Write,
) -> Result<Sweep, Error> {
    let (tx, mut rx) = mpsc::unbounded_channel::<ProbeOutcome>();
    let vars =
        ctx.fixtures.shared.get("image").filter(|_| config.only.is_empty()).map(|i| ScenarioVars::new(&ctx.run_id, i));
    let (retry_cases, retry_vars) = (cases.clone(), vars.clone());
    let run = {
        let (client, ctx, daemon) = (client.clone(), ctx.clone(), daemon.clone());
        let (cancel, m) = (signals.cancel.clone(), Arc::new(m.clone()));
        tokio::spawn(async move {
            let scenarios = |limit| async {
                let clock = Instant::now();
                let Some(vars) = vars else { return (Vec::new(), 0.0) };
                let s = scenario::run_in_daemon_range(&client, m, &daemon, &vars, limit, jobs.div_ceil(2)).await;
                (s, clock.elapsed().as_secs_f64())
            };
            runner::sweep(&client, &ctx, &daemon, cases, jobs, runner::Line { tx, cancel }, scenarios).await
        })
    };
    let mut progress = Progress::new(total, config.quiet, config.verbose);
    let mut rules = StopRules::new(jobs);
    let mut stopped: Option<String> = None;
    while let Some(outcome) = rx.recv().await {
        // Each outcome is on disk as soon as it is known, so an interrupted run keeps what it had; only its slim
        // form stays in memory.
        progress.tick(&outcome);
        rules.observe(outcome.verdict == Verdict::Error, retry::timed_out(&outcome));
        record.add(outcome)?;
        if stopped.is_some() {
            continue;
        }
        let ping_failed =
            rules.wants_ping() && client.send(crate::client::Request::new(Method::Get, "/_ping")).await.is_err();
        if let Some(stop) = rules.stop(ping_failed) {
            stopped = Some(stop.message(record.probes().last().map_or("", |p| p.reason.as_str())));
            let _ = signals.cancel_tx.send(true);
        }
    }
    progress.finish();
    let end = run.await.ok();
    let complete = end.as_ref().is_some_and(|e| e.complete) && stopped.is_none();
    let fixture_ms = end.as_ref().map_or(0, |e| e.fixture_ms);
    let (mut scenarios, scenarios_s) = end.and_then(|e| e.beside).unwrap_or_default();
    if complete {
        let with = (m, retry_vars.as_ref());
        let (cases, cancel) = (&retry_cases, signals.cancel.clone());
        let r = retry::timeouts(client, ctx, daemon, cases, record, &mut scenarios, with, jobs, cancel).await?;
        if let Some(line) = r.line(jobs) {
            let _ = writeln!(err, "{line}");
        }
    }
    Ok(Sweep { scenarios, fixture_ms, scenarios_s, stopped, complete })
}

/// Refusals: the malformed requests, on the shared fixtures, where the sweep found each endpoint served. `None` when
/// interrupted.
async fn refusals_stage(
    client: &Client,
    config: &RunConfig,
    m: &Matrices,
    daemon: &DaemonInfo,
    ctx: &RunContext,
    probes: &[ProbeOutcome],
    signals: &Signals,
) -> Option<Vec<RefusalOutcome>> {
    let planned = refusal::plan(m, probes, &config.only, &config.allow);
    let mut cancel = signals.cancel.clone();
    tokio::select! {
        r = refusal::run_all(client, ctx, daemon, &planned) => Some(r),
        _ = cancel.wait_for(|c| *c) => None,
    }
}

/// Swarm state: the cases that change the daemon's global state, one after another; their outcomes in the
/// [`Store`]. `false` when interrupted.
async fn swarm_state_stage(
    client: &Client,
    daemon: &DaemonInfo,
    ctx: &RunContext,
    cases: Vec<ProbeCase>,
    record: &mut Store,
    signals: &Signals,
) -> Result<bool, Error> {
    let mut cancel = signals.cancel.clone();
    tokio::select! {
        outcomes = runner::global(client, ctx, daemon, cases) => {
            for outcome in outcomes {
                record.add(outcome)?;
            }
            Ok(true)
        }
        _ = cancel.wait_for(|c| *c) => Ok(false),
    }
}

/// Teardown: removes the run's objects from the daemon and from the swarm peer (the swarm the peer may still manage,
/// labelled; nothing else of the run's is there).
async fn teardown_stage(client: &Client, ctx: &RunContext, signals: &mut Signals, err: &mut dyn Write) {
    teardown(client, &ctx.run_id, &mut signals.hard, err).await;
    if let Some(peer) = &ctx.fixtures.peer {
        teardown(peer, &ctx.run_id, &mut signals.hard, err).await;
    }
}

/// Record: the run sorted into run.json, its probes read back from probes.jsonl one at a time (and the drift and
/// the snapshots' redactions taken from them on the way); an interrupted run says how much it kept.
fn record_stage(
    config: &RunConfig,
    mut report: RunRecord,
    record: Store,
    total: usize,
    stopped: Option<String>,
    err: &mut dyn Write,
) -> Result<Swept, Error> {
    let (probes, lines) = record.into_sorted();
    report.probes = probes;
    report.sort();
    let path = config.out.join("run.json");
    let mut tally = DriftTally::default();
    let mut redactions = crate::snapshot::redactions_of_run(&report, &[]);
    super::write_json_streamed(&path, &report, &lines, |p| {
        tally.add(p);
        crate::snapshot::note_info(&mut redactions, p);
    })?;
    if !report.complete && stopped.is_none() {
        let _ = writeln!(err, "interrupted: {} of {total} probes kept in {}", report.probes.len(), path.display());
    }
    let drift = tally.finish(&report.daemon.name);
    Ok(Swept { report, stopped, lines, drift, redactions })
}

/// Removes the run's objects; says what may be left, and how to remove it, when that fails or is interrupted.
async fn teardown(client: &Client, run_id: &str, hard: &mut watch::Receiver<bool>, err: &mut dyn Write) {
    let scope = Scope::Run(run_id.to_string());
    let result = tokio::select! {
        r = tokio::time::timeout(Duration::from_secs(120), crate::fixture::clean(client, &scope)) => r.ok(),
        _ = hard.wait_for(|h| *h) => None,
    };
    let hint = format!(
        "objects labelled {}={run_id} may be left: remove them with `dockmatrix clean --run {run_id}`",
        crate::model::labels::RUN_LABEL
    );
    match result {
        Some(Ok(report)) if report.failures.is_empty() => {
            if report.total() > 0 {
                let _ = writeln!(err, "fixtures removed: {}", report.summary());
            }
        }
        Some(Ok(report)) => {
            let _ =
                writeln!(err, "fixtures removed: {}; not removed: {}", report.summary(), report.failures.join("; "));
            let _ = writeln!(err, "{hint}");
        }
        Some(Err(e)) => {
            let _ = writeln!(err, "could not remove the fixtures ({e}); {hint}");
        }
        None => {
            let _ = writeln!(err, "fixture removal interrupted; {hint}");
        }
    }
}

/// The first SIGINT/SIGTERM stops the sweep (`cancel`; the teardown still runs); a second one stops the teardown too
/// (`hard`).
struct Signals {
    cancel_tx: watch::Sender<bool>,
    cancel: watch::Receiver<bool>,
    hard: watch::Receiver<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Signals {
    fn install() -> Self {
        let (cancel_tx, cancel) = watch::channel(false);
        let (hard_tx, hard) = watch::channel(false);
        let task = {
            let cancel_tx = cancel_tx.clone();
            tokio::spawn(async move {
                super::wait_for_signal().await;
                let _ = cancel_tx.send(true);
                super::wait_for_signal().await;
                let _ = hard_tx.send(true);
            })
        };
        Signals { cancel_tx, cancel, hard, task }
    }

    fn abort(&self) {
        self.task.abort();
    }
}

fn opt(v: Option<ApiVersion>) -> String {
    v.map_or_else(|| "?".into(), |v| v.to_string())
}

/// What a run with `--allow swarm` says up front when its daemon is in a swarm it did not make (`run`: the run whose
/// label that swarm's spec carries, when an earlier run made it).
fn foreign_swarm_notice(run: Option<&str>) -> String {
    let skipped = "the swarm probes are skipped (dockmatrix changes no one else's swarm)";
    match run {
        Some(run) => format!(
            "warning: the daemon is in the swarm of an earlier dockmatrix run ({run}) that did not get to leave it: \
             {skipped}; if no run is using it, `docker swarm leave --force` on this daemon ends it"
        ),
        None => format!(
            "warning: the daemon is in a swarm the run did not make: {skipped}; sweep a daemon in none to see them"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::foreign_swarm_notice;

    #[test]
    fn a_swarm_the_run_did_not_make_is_said_up_front_with_the_way_out() {
        let left = foreign_swarm_notice(Some("1bfe7bdb93bf"));
        assert!(left.contains("earlier dockmatrix run (1bfe7bdb93bf)") && left.contains("docker swarm leave --force"));
        let theirs = foreign_swarm_notice(None);
        assert!(theirs.contains("a swarm the run did not make") && !theirs.contains("leave"), "{theirs}");
        assert!([left, theirs].iter().all(|n| n.contains("the swarm probes are skipped")));
    }
}

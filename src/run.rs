//! The `run` command: connect, discover, sweep, write results as they arrive, and summarise.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use std::sync::Arc;

use tokio::sync::{mpsc, watch};

use crate::client::host::{self, HostInputs, TlsOptions};
use crate::client::{Client, DEFAULT_BODY_CAP};
use crate::conformance::Checker;
use crate::error::{EXIT_OK, EXIT_POLICY_FAILURE, Error};
use crate::fixture::{self, Fixtures, Needs, Scope};
use crate::matrix::Matrices;
use crate::matrix::schemas::SchemaFile;
use crate::model::{Method, ProbeOutcome, RUN_SCHEMA_VERSION, RunReport, ScenarioOutcome, Verdict};
use crate::probe::ProbeError;
use crate::probe::case::{self, ApiSelection, PlanOptions, ProbeCase};
use crate::probe::discover;
use crate::probe::runner::{self, RunContext};
use crate::progress::Progress;
use crate::refusal;
use crate::report::{FailOn, ReportFormat, ReportTarget};
use crate::scenario::{self, ScenarioVars};
use crate::snapshot::{self, CompareOptions};

mod retry;

/// How long an interrupted run lets the fixture setup finish, so that no create is left in flight.
const SETUP_GRACE: Duration = Duration::from_secs(30);
/// Everything `run` needs, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunConfig {
    /// `--host`.
    pub host: Option<String>,
    /// `--tls*`.
    pub tls: TlsOptions,
    /// `--api`.
    pub api: ApiSelection,
    /// `--only` globs.
    pub only: Vec<String>,
    /// `--jobs`; `None` for the default, [`DEFAULT_JOBS`] (or [`SSH_LOGINS`] over ssh).
    pub jobs: Option<usize>,
    /// `--out`.
    pub out: PathBuf,
    /// `--name`.
    pub name: Option<String>,
    /// `--allow` classes.
    pub allow: BTreeSet<String>,
    /// `--image`: what fixture containers are made from.
    pub image: Option<String>,
    /// `--registry`: the loopback registry the `registry` class pushes to and pulls from.
    pub registry: Option<String>,
    /// `--swarm-peer`: a second daemon the `swarm` class may move between swarms of the run's.
    pub swarm_peer: Option<String>,
    /// `--restart-cmd`: the shell command that restarts the daemon, for a locked swarm.
    pub restart_cmd: Option<String>,
    /// `--timeout`.
    pub timeout: Duration,
    /// `--quiet`: no progress.
    pub quiet: bool,
    /// `--verbose`: one line per request and its answer on stderr, and the whole table at the end (not the one-screen
    /// summary).
    pub verbose: bool,
    /// Where snapshots are compared: `--snapshots DIR`, else `./snapshots` if it exists.
    pub snapshots: SnapshotDir,
    /// `--ci` or `CI=true`: a changed snapshot fails the run and nothing is written.
    pub ci: bool,
    /// `--report FMT[:FILE]`, written at the end of the run.
    pub reports: Vec<ReportTarget>,
    /// `--fail-on` policies (default: incompatible, unsupported, nonconforming, error and scenario).
    pub fail_on: Vec<FailOn>,
    /// Whether answers are checked against the spec of their version (not with `--no-conformance`).
    pub conformance: bool,
}

/// Where a run compares its snapshots, decided once from the flags and the folder the run starts in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotDir {
    /// Compared with the snapshots in this folder, where new and changed ones are written as `.snap.new` (the folder
    /// made if need be; in CI nothing is written).
    In(PathBuf),
    /// Not compared: `--no-snapshots`.
    Off,
    /// Not compared: no `--snapshots DIR`, and no `./snapshots` folder where the run started (none is made there).
    NoFolder,
}

impl SnapshotDir {
    /// `--snapshots DIR` (`flag`) wins, `--no-snapshots` (`off`) turns them off, and otherwise `default` is used
    /// only if it is a folder already.
    pub fn resolve(flag: Option<PathBuf>, off: bool, default: &Path) -> SnapshotDir {
        match flag {
            _ if off => SnapshotDir::Off,
            Some(dir) => SnapshotDir::In(dir),
            None if default.is_dir() => SnapshotDir::In(default.to_path_buf()),
            None => SnapshotDir::NoFolder,
        }
    }

    /// The line a run prints when it compares no snapshots (`None` when it does): why, and how to compare them.
    pub fn not_compared(&self, complete: bool, ci: bool) -> Option<String> {
        let why = match self {
            SnapshotDir::In(_) if complete => return None,
            // Every probe it did not make would show as a change.
            SnapshotDir::In(_) => "the run is partial",
            SnapshotDir::Off => "--no-snapshots",
            SnapshotDir::NoFolder if ci => "no ./snapshots here; --snapshots DIR names the folder to compare with",
            SnapshotDir::NoFolder => "no ./snapshots here; --snapshots DIR makes one",
        };
        Some(format!("snapshots: not compared ({why})"))
    }
}

/// Runs the sweep and returns the exit code (0 clean, 1 incompatible or error verdicts).
pub fn run(
    config: &RunConfig,
    m: &Matrices,
    schemas: Option<SchemaFile>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, Error> {
    let rt = runtime()?;
    if let Some(bad) = config.allow.iter().find(|c| !m.probes.classes.contains_key(*c)) {
        let known: Vec<&str> = m.probes.classes.keys().map(String::as_str).collect();
        return Err(Error::usage(
            format!("--allow: unknown class `{bad}`"),
            Some(&format!("classes: {}", known.join(", "))),
        ));
    }
    for policy in &config.fail_on {
        policy.check(m)?;
    }
    let Swept { mut report, stopped } = rt.block_on(sweep(config, m, schemas, err))?;
    if let Some(why) = stopped {
        // One screen: what happened, what was kept, what to try; no summary of a sweep that did not happen.
        let run_json = config.out.join("run.json");
        let _ = writeln!(err, "error: the sweep stopped early: {why}");
        let _ = writeln!(
            err,
            "  kept: {} probes (complete: false) in {}; `dockmatrix report {} --format summary` shows them",
            report.probes.len(),
            run_json.display(),
            run_json.display()
        );
        let _ = writeln!(
            err,
            "  try: check the daemon (its log, `docker info`) or the proxy in front of it; --timeout SECONDS if it is \
             only slow; --only GLOB to probe fewer endpoints"
        );
        return Ok(crate::model::exit::EXIT_UNREACHABLE);
    }
    // What every client would make of this daemon, once for the summary and every report.
    crate::report::clients::fill(std::slice::from_mut(&mut report), m);
    let runs = std::slice::from_ref(&report);
    // One screen by default; the whole table with --verbose (or --report table).
    if config.verbose {
        crate::report::write_report(ReportFormat::Table, runs, m, out)?;
    } else {
        crate::report::summary::write(&report, out)
            .map_err(|source| Error::Output { what: "the summary".into(), source })?;
    }
    for target in &config.reports {
        if let Some(warning) = target.write(runs, m, out)? {
            let _ = writeln!(err, "warning: {warning}");
        }
    }
    let _ = writeln!(err, "results: {}", config.out.join("run.json").display());
    // One line says where the snapshots went, or why they were not compared (a partial run would show every probe
    // it did not make as a change: only complete runs are compared).
    let mut changed = 0;
    let mut snapshot_failure = false;
    if let Some(line) = config.snapshots.not_compared(report.complete, config.ci) {
        let _ = writeln!(err, "{line}");
    } else if let SnapshotDir::In(dir) = &config.snapshots {
        let options = CompareOptions { ci: config.ci, fixture_names: Vec::new() };
        let summary = snapshot::compare(&report, dir, &report.daemon.name, &options)?;
        // Under the one-screen summary a few changed snapshots and the count; under the whole table every one.
        summary
            .write(out, config.verbose)
            .map_err(|source| Error::Output { what: "the snapshot summary".into(), source })?;
        changed = summary.changed().count();
        snapshot_failure = summary.is_failure();
    }
    let failures = crate::report::evaluate(&config.fail_on, &report, m, changed);
    // One screen: a daemon that went away fails every probe it did not answer.
    let list_all = crate::report::list_all_command(&[&config.out.join("run.json")], &config.fail_on);
    // Under the one-screen summary (which lists the failures) a few; under the whole table as many as `report`.
    let max = if config.verbose { crate::report::MAX_POLICY_LINES } else { crate::report::summary::RUN_POLICY_LINES };
    for line in crate::report::policy_lines(&failures, false, max, &list_all) {
        let _ = writeln!(err, "{line}");
    }
    if !report.complete {
        let _ = writeln!(err, "the run was interrupted: its results are partial");
    }
    Ok(if failures.is_empty() && report.complete && !snapshot_failure { EXIT_OK } else { EXIT_POLICY_FAILURE })
}

/// The logins sshd accepts at once by default (`MaxStartups 10:30:100`, less a margin for hijacked streams): the
/// default `--jobs` over ssh.
pub const SSH_LOGINS: usize = 8;

/// The default `--jobs`: on a 2-core machine against dockerd 20.10, the full run took 41 s at 8, 37 s at 12, 38 s at
/// 16 and 34 s at 32 (the daemon's CPU is the limit past 12; a stats probe holds its slot while the daemon samples).
pub const DEFAULT_JOBS: usize = 12;

/// Resolves the host and builds a client (no request yet).
pub fn connect(config: &RunConfig) -> Result<Client, ProbeError> {
    connect_to(config.host.as_deref(), config.tls.clone(), config.timeout)
}

/// Resolves `--host` (else DOCKER_HOST, the Docker context, the default socket) and builds a client.
pub fn connect_to(flag: Option<&str>, tls: TlsOptions, timeout: Duration) -> Result<Client, ProbeError> {
    let env = |k: &str| std::env::var(k).ok();
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let target = host::resolve(&HostInputs { flag, tls_flags: tls, env: &env, home })?;
    Ok(Client::new(target, timeout, DEFAULT_BODY_CAP)?)
}

/// `dockmatrix clean`: removes the objects of one run or of all runs, found by label only.
pub fn clean_command(host: Option<&str>, scope: &Scope, out: &mut dyn Write) -> Result<u8, Error> {
    let rt = runtime()?;
    let client = connect_to(host, TlsOptions::default(), crate::client::DEFAULT_TIMEOUT)?;
    let report = rt.block_on(fixture::clean(&client, scope)).map_err(ProbeError::from)?;
    let what = match scope {
        Scope::Run(id) => format!("run {id}"),
        Scope::All => "every dockmatrix run".into(),
    };
    let _ = writeln!(out, "{}: removed {} of {what}", client.target().display, report.summary());
    for f in &report.failures {
        let _ = writeln!(out, "not removed: {f}");
    }
    Ok(if report.failures.is_empty() { EXIT_OK } else { EXIT_POLICY_FAILURE })
}

fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|source| Error::Output { what: "the async runtime".into(), source })
}

/// After this many error verdicts in a row the sweep stops, the daemon answering pings or not.
pub const BROKEN_AFTER: usize = 32;

/// What a sweep gave: the run, and why it stopped early when the daemon went away or broke.
struct Swept {
    report: RunReport,
    stopped: Option<String>,
}

async fn sweep(
    config: &RunConfig,
    m: &Matrices,
    schemas: Option<SchemaFile>,
    err: &mut dyn Write,
) -> Result<Swept, Error> {
    let started = std::time::SystemTime::now();
    let clock = Instant::now();
    let client = connect(config)?;
    let peer =
        config.swarm_peer.as_deref().map(|h| connect_to(Some(h), TlsOptions::default(), config.timeout)).transpose()?;
    let ssh = matches!(client.target().address, crate::client::Address::Ssh { .. });
    let jobs = config.jobs.unwrap_or(if ssh { SSH_LOGINS } else { DEFAULT_JOBS });
    if ssh && jobs > SSH_LOGINS {
        let _ = writeln!(
            err,
            "warning: --jobs {jobs} over ssh: each connection is an ssh login, and sshd drops logins beyond \
             {SSH_LOGINS} at once by default (MaxStartups 10); lower --jobs if the run reports ssh errors"
        );
    }
    let mut daemon = discover::discover(&client, config.name.as_deref()).await?;
    let known = m.endpoints.api_versions;
    let scan: Vec<_> = known.iter().chain(std::iter::once(known.last.next())).collect();
    if let Some((lo, hi)) = discover::enforced_range(&client, &scan).await {
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
    let opts = PlanOptions { api: Some(config.api.clone()), only: config.only.clone(), allow: config.allow.clone() };
    let cases = case::plan(m, &daemon, &opts);
    if cases.is_empty() {
        return Err(Error::usage(
            "the plan is empty: --only matches no endpoint",
            Some("list endpoint ids with `dockmatrix matrix table kubernetes --api 1.41`"),
        ));
    }
    let api_versions = case::selected_versions(m, &daemon, &config.api);
    let total = cases.len();
    let mut ctx = RunContext::new();
    ctx.checker = schemas.map(|s| Arc::new(Checker::new(s).with_errata(m.errata.clone())));
    std::fs::create_dir_all(&config.out).map_err(|source| ProbeError::Output { path: config.out.clone(), source })?;
    let jsonl_path = config.out.join("probes.jsonl");
    let mut jsonl =
        std::fs::File::create(&jsonl_path).map_err(|source| ProbeError::Output { path: jsonl_path.clone(), source })?;

    // The first SIGINT/SIGTERM stops the sweep (teardown still runs); a second one stops the teardown too.
    let (cancel_tx, cancel_rx) = watch::channel(false);
    let (hard_tx, mut hard_rx) = watch::channel(false);
    let signals = {
        let cancel_tx = cancel_tx.clone();
        tokio::spawn(async move {
            wait_for_signal().await;
            let _ = cancel_tx.send(true);
            wait_for_signal().await;
            let _ = hard_tx.send(true);
        })
    };
    let phase = Instant::now();
    // The shared fixtures are those of a full plan, whatever --only selected: a list or an event probe must show
    // the same objects in a run of one endpoint as in a run of all of them.
    let mut needs = {
        let all = case::plan(m, &daemon, &PlanOptions { only: Vec::new(), ..opts.clone() });
        Needs::of(all.iter().filter(|c| c.skip.is_none()).map(|c| &c.recipe))
    };
    needs.saved_image = Needs::of(cases.iter().filter(|c| c.skip.is_none()).map(|c| &c.recipe)).saved_image;
    needs.swarm = opts.allow.contains("swarm");
    needs.plugin = opts.allow.contains("plugin");
    needs.registry = config.registry.clone().filter(|_| opts.allow.contains("registry"));
    let setup = {
        let mut cancel = cancel_rx.clone();
        let made = Fixtures::setup(&client, &ctx.run_id, config.image.as_deref(), &needs);
        tokio::pin!(made);
        tokio::select! {
            r = &mut made => Some(r),
            _ = cancel.wait_for(|c| *c) => {
                // A create dropped in flight still makes its object a moment later, after the teardown has looked:
                // let the setup finish (a second or two), unless it takes longer than SETUP_GRACE or a second
                // interrupt comes; the teardown then removes all it made.
                let mut hard = hard_rx.clone();
                tokio::select! {
                    _ = tokio::time::timeout(SETUP_GRACE, &mut made) => {}
                    _ = hard.wait_for(|h| *h) => {}
                }
                None
            }
        }
    };
    let mut cases = cases;
    match setup {
        Some(Ok(mut fixtures)) => {
            fixtures.adopt_peer(peer.clone(), &ctx.run_id, &needs).await;
            fixtures.adopt_restart(config.restart_cmd.clone(), &needs);
            if let Some(problem) = &fixtures.peer_problem {
                let _ = writeln!(err, "warning: swarm peer: {problem}; swarm.join and node.delete name $missing");
            }
            if let Some(problem) = &fixtures.problem {
                let _ = writeln!(err, "warning: {problem}; the probes that need a container or an image are skipped");
            }
            if let Some(problem) = &fixtures.swarm_problem {
                let _ = writeln!(err, "warning: swarm: {problem}; the probes of services and tasks name $missing");
            }
            if let Some(problem) = &fixtures.plugin_problem {
                let _ = writeln!(err, "warning: plugin: {problem}; the probes of plugins name $missing");
            }
            if let Some(problem) = &fixtures.registry_problem {
                let _ = writeln!(err, "warning: registry: {problem}; the probes that need it are skipped");
            }
            ctx.fixtures = Arc::new(fixtures);
        }
        Some(Err(e)) if e.is_unreachable() => {
            teardown(&client, &ctx.run_id, &mut hard_rx, err).await;
            return Err(ProbeError::from(e).into());
        }
        Some(Err(e)) => {
            let _ = writeln!(err, "warning: fixtures: {e}; the probes that need them are skipped");
            let stand_ins = needs.plugins_not_allowed();
            ctx.fixtures = Arc::new(Fixtures { problem: Some(e.to_string()), stand_ins, ..Fixtures::default() });
        }
        // Interrupted while the fixtures were made: nothing is sent, the teardown below removes what was made.
        None => cases.clear(),
    }
    for case in cases.iter_mut().filter(|c| c.skip.is_none()) {
        case.recipe = ctx.fixtures.with_stand_ins(&case.recipe);
        case.skip = ctx.fixtures.missing_for(&case.recipe);
    }

    let setup_s = phase.elapsed().as_secs_f64();
    let phase = Instant::now();
    let (tx, mut rx) = mpsc::unbounded_channel::<ProbeOutcome>();
    // The scenarios replay a client's sequence at each accepted version on the run's image, beside the sweep and
    // sharing its permits: their steps wait on the daemon (stats' sampling tick) while the probes keep it busy.
    let vars =
        ctx.fixtures.shared.get("image").filter(|_| config.only.is_empty()).map(|i| ScenarioVars::new(&ctx.run_id, i));
    // What changes the daemon's global state (the swarm's, by init, join, leave and unlock; an unlock restarts the
    // daemon) goes after the refusals, which need the shared fixtures as the sweep left them.
    let (global, cases): (Vec<ProbeCase>, Vec<ProbeCase>) = cases.into_iter().partition(runner::is_global);
    let (retry_cases, retry_vars) = (cases.clone(), vars.clone());
    let run = {
        let (client, ctx, daemon) = (client.clone(), ctx.clone(), daemon.clone());
        let (cancel_rx, m) = (cancel_rx.clone(), Arc::new(m.clone()));
        tokio::spawn(async move {
            let scenarios = |limit| async {
                let clock = Instant::now();
                let Some(vars) = vars else { return (Vec::new(), 0.0) };
                let s = scenario::run_in_daemon_range(&client, m, &daemon, &vars, limit, jobs.div_ceil(2)).await;
                (s, clock.elapsed().as_secs_f64())
            };
            runner::sweep(&client, &ctx, &daemon, cases, jobs, runner::Line { tx, cancel: cancel_rx }, scenarios).await
        })
    };
    let mut probes = Vec::with_capacity(total);
    let mut progress = Progress::new(total, config.quiet, config.verbose);
    let mut errors_in_a_row = 0;
    let mut timeouts_in_a_row = 0;
    // A whole wave of requests in flight timing out (at least 4): the daemon hangs on everything but /_ping.
    let hang_after = jobs.clamp(4, BROKEN_AFTER);
    let mut stopped: Option<String> = None;
    while let Some(outcome) = rx.recv().await {
        // Each outcome is on disk as soon as it is known, so an interrupted run keeps what it had.
        let line = serde_json::to_string(&outcome).unwrap_or_default();
        writeln!(jsonl, "{line}").map_err(|source| ProbeError::Output { path: jsonl_path.clone(), source })?;
        progress.tick(&outcome);
        errors_in_a_row = if outcome.verdict == Verdict::Error { errors_in_a_row + 1 } else { 0 };
        let timed_out = retry::timed_out(&outcome);
        timeouts_in_a_row = if timed_out { timeouts_in_a_row + 1 } else { 0 };
        probes.push(outcome);
        if stopped.is_some() {
            continue;
        }
        let last = || probes.last().map_or("", |p| p.reason.as_str());
        // Many failures in a row: if the daemon no longer answers a ping, stop rather than time out every probe.
        // Asked again every 8 more: a daemon that is shutting down still answers pings for a while. A daemon that
        // still pings but gives no usable answer to BROKEN_AFTER requests in a row (bodies without end, connections
        // reset mid-answer) is evidently broken: stop too.
        let gone = errors_in_a_row >= 8
            && errors_in_a_row % 8 == 0
            && client.send(crate::client::Request::new(Method::Get, "/_ping")).await.is_err();
        if gone {
            stopped = Some(format!(
                "the daemon stopped answering: {errors_in_a_row} requests in a row failed, and so did /_ping; the \
                 last one: {}",
                last()
            ));
        } else if timeouts_in_a_row >= hang_after {
            stopped = Some(format!(
                "the daemon answers /_ping but hangs on the rest: {timeouts_in_a_row} requests in a row (every one \
                 in flight) timed out; the last one: {}",
                last()
            ));
        } else if errors_in_a_row >= BROKEN_AFTER {
            stopped = Some(format!(
                "the daemon answers /_ping but no probe usefully: {errors_in_a_row} requests in a row got no usable \
                 answer; the last one: {}",
                last()
            ));
        }
        if stopped.is_some() {
            let _ = cancel_tx.send(true);
        }
    }
    progress.finish();
    let end = run.await.ok();
    let mut complete = end.as_ref().is_some_and(|e| e.complete) && stopped.is_none();
    let fixture_ms = end.as_ref().map_or(0, |e| e.fixture_ms);
    let (mut scenarios, scenarios_s) = end.and_then(|e| e.beside).unwrap_or_default();
    if complete {
        let with = (m, retry_vars.as_ref());
        let (cases, cancel) = (&retry_cases, cancel_rx.clone());
        let r =
            retry::timeouts(&client, &ctx, &daemon, cases, &mut probes, &mut scenarios, with, jobs, &mut jsonl, cancel)
                .await
                .map_err(|source| ProbeError::Output { path: jsonl_path.clone(), source })?;
        if let Some(line) = r.line(jobs) {
            let _ = writeln!(err, "{line}");
        }
    }
    let sweep_s = phase.elapsed().as_secs_f64();
    let phase = Instant::now();
    // The malformed requests, on the shared fixtures, where the sweep found each endpoint served.
    let mut refusals = Vec::new();
    if complete {
        let planned = refusal::plan(m, &probes, &config.only, &config.allow);
        let mut cancel = cancel_rx.clone();
        tokio::select! {
            r = refusal::run_all(&client, &ctx, &daemon, &planned) => refusals = r,
            _ = cancel.wait_for(|c| *c) => complete = false,
        }
    }
    let refusals_s = phase.elapsed().as_secs_f64();
    let phase = Instant::now();
    if complete && !global.is_empty() {
        let mut cancel = cancel_rx.clone();
        tokio::select! {
            outcomes = runner::global(&client, &ctx, &daemon, global) => {
                for outcome in outcomes {
                    let line = serde_json::to_string(&outcome).unwrap_or_default();
                    writeln!(jsonl, "{line}").map_err(|source| ProbeError::Output { path: jsonl_path.clone(), source })?;
                    probes.push(outcome);
                }
            }
            _ = cancel.wait_for(|c| *c) => complete = false,
        }
    }
    let global_s = phase.elapsed().as_secs_f64();
    let phase = Instant::now();
    teardown(&client, &ctx.run_id, &mut hard_rx, err).await;
    if let Some(peer) = &ctx.fixtures.peer {
        // The swarm the peer may still manage (the run's, labelled); nothing else of the run's is there.
        teardown(peer, &ctx.run_id, &mut hard_rx, err).await;
    }
    signals.abort();
    let _ = writeln!(
        err,
        "timing: fixtures {setup_s:.1} s, sweep {sweep_s:.1} s (the scenarios beside it {scenarios_s:.1} s), refusals \
         {refusals_s:.1} s, swarm state {global_s:.1} s, teardown {:.1} s",
        phase.elapsed().as_secs_f64()
    );
    let (peak, budget) = client.body_peak();
    let mib = |b: usize| b as f64 / (1024.0 * 1024.0);
    let _ = writeln!(
        err,
        "{}; the bodies read at once peaked at {:.1} MiB of a {:.0} MiB budget",
        sweep_bound(m, &probes, fixture_ms, &scenarios, jobs),
        mib(peak),
        mib(budget)
    );
    let mut report = RunReport {
        schema_version: RUN_SCHEMA_VERSION,
        tool: format!("dockmatrix {}", env!("CARGO_PKG_VERSION")),
        run_id: ctx.run_id.clone(),
        host: client.target().display.clone(),
        started_at: rfc3339(started),
        duration_ms: u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX),
        complete,
        daemon,
        api_versions,
        probes,
        scenarios,
        refusals,
        clients: Vec::new(),
    };
    report.sort();
    write_json(&config.out.join("run.json"), &report)?;
    if !complete && stopped.is_none() {
        let _ = writeln!(
            err,
            "interrupted: {} of {total} probes kept in {}",
            report.probes.len(),
            config.out.join("run.json").display()
        );
    }
    Ok(Swept { report, stopped })
}

/// The daemon's own time in a sweep, and the shortest the sweep could be with it: what shares the permits (the
/// probes, their chains' fixtures, the scenarios) over `--jobs`, plus what runs alone (`serial` and `after_sweep`
/// probes), in full. Also the slowest endpoint with a fixture of its own (its probes run one after another, in
/// [`runner::CHAIN_LANES`] lanes).
fn sweep_bound(
    m: &Matrices,
    probes: &[ProbeOutcome],
    fixture_ms: u64,
    scenarios: &[ScenarioOutcome],
    jobs: usize,
) -> String {
    let seconds = |ms: u64| ms as f64 / 1000.0;
    let recipe = |p: &ProbeOutcome| m.probes.probes.get(&p.endpoint);
    let (alone, shared): (Vec<&ProbeOutcome>, Vec<&ProbeOutcome>) =
        probes.iter().partition(|p| recipe(p).is_some_and(|r| r.serial || r.after_sweep));
    let shared_ms: u64 = shared.iter().map(|p| p.duration_ms).sum();
    let alone_ms: u64 = alone.iter().map(|p| p.duration_ms).sum();
    let scenario_ms: u64 = scenarios.iter().map(|s| s.duration_ms).sum();
    let bound = seconds(shared_ms + fixture_ms + scenario_ms) / jobs.max(1) as f64 + seconds(alone_ms);
    let mut line = format!(
        "timing: bound {bound:.1} s: probes {:.1} s, their fixtures {:.1} s and scenarios {:.1} s over --jobs {jobs}, \
         and {:.1} s of probes alone",
        seconds(shared_ms),
        seconds(fixture_ms),
        seconds(scenario_ms),
        seconds(alone_ms)
    );
    let mut chains: std::collections::BTreeMap<&str, u64> = std::collections::BTreeMap::new();
    for p in shared.into_iter().filter(|p| recipe(p).is_some_and(|r| r.fixture.is_some())) {
        *chains.entry(p.endpoint.as_str()).or_default() += p.duration_ms;
    }
    if let Some((id, ms)) = chains.into_iter().filter(|(_, ms)| *ms > 0).max_by_key(|(_, ms)| *ms) {
        let lane = seconds(ms) / runner::CHAIN_LANES as f64;
        line.push_str(&format!(
            "; the longest chain: {id}, {:.1} s of probes in {} lanes (about {lane:.1} s each)",
            seconds(ms),
            runner::CHAIN_LANES
        ));
    }
    line
}

/// Removes the run's objects; says what may be left, and how to remove it, when that fails or is interrupted.
async fn teardown(client: &Client, run_id: &str, hard: &mut watch::Receiver<bool>, err: &mut dyn Write) {
    let scope = Scope::Run(run_id.to_string());
    let result = tokio::select! {
        r = tokio::time::timeout(Duration::from_secs(120), fixture::clean(client, &scope)) => r.ok(),
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

fn opt(v: Option<crate::model::ApiVersion>) -> String {
    v.map_or_else(|| "?".into(), |v| v.to_string())
}

/// Writes `report` to `path` as it is serialized (a run.json of 20-40 MiB is never a second copy in memory).
fn write_json(path: &Path, report: &RunReport) -> Result<(), ProbeError> {
    let fail = |source: std::io::Error| ProbeError::Output { path: path.to_path_buf(), source };
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).map_err(fail)?);
    serde_json::to_writer_pretty(&mut out, report).map_err(|e| fail(e.into()))?;
    out.write_all(b"\n").map_err(fail)?;
    out.flush().map_err(fail)
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = tokio::signal::ctrl_c() => {},
                _ = term.recv() => {},
            },
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` of a system time (UTC).
pub fn rfc3339(t: std::time::SystemTime) -> String {
    let secs = t.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil-from-days (Howard Hinnant's algorithm), valid for every date after 1970.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_go_to_the_named_folder_or_an_existing_one_and_otherwise_nowhere() {
        let here = tempfile::tempdir().expect("tempdir");
        let default = here.path().join("snapshots");
        let mine = here.path().join("mine");
        let cases = [
            // --snapshots DIR, --no-snapshots, whether ./snapshots exists: where they go.
            (Some(&mine), false, false, SnapshotDir::In(mine.clone())),
            (Some(&mine), false, true, SnapshotDir::In(mine.clone())),
            (None, false, true, SnapshotDir::In(default.clone())),
            (None, false, false, SnapshotDir::NoFolder),
            (None, true, true, SnapshotDir::Off),
        ];
        for (flag, off, exists, expected) in cases {
            if exists {
                std::fs::create_dir_all(&default).expect("mkdir");
            } else if default.exists() {
                std::fs::remove_dir(&default).expect("rmdir");
            }
            assert_eq!(SnapshotDir::resolve(flag.cloned(), off, &default), expected, "{flag:?} {off} {exists}");
        }
        assert!(!mine.exists(), "resolving makes no folder");
    }

    #[test]
    fn a_run_that_compares_no_snapshots_says_why_in_one_line() {
        let dir = SnapshotDir::In("snapshots".into());
        let cases = [
            // where, the run complete, CI: the line.
            (&dir, true, false, None),
            (&dir, false, false, Some("snapshots: not compared (the run is partial)")),
            (&SnapshotDir::Off, true, false, Some("snapshots: not compared (--no-snapshots)")),
            (
                &SnapshotDir::NoFolder,
                true,
                false,
                Some("snapshots: not compared (no ./snapshots here; --snapshots DIR makes one)"),
            ),
            (
                &SnapshotDir::NoFolder,
                true,
                true,
                Some("snapshots: not compared (no ./snapshots here; --snapshots DIR names the folder to compare with)"),
            ),
        ];
        for (dir, complete, ci, expected) in cases {
            assert_eq!(dir.not_compared(complete, ci).as_deref(), expected, "{dir:?} {complete} {ci}");
        }
    }

    #[test]
    fn the_timing_line_names_the_probe_time_per_slot_and_the_longest_chain() {
        let m = crate::matrix::load::MatrixSources::built_in().load().expect("matrices");
        let probe = |id: &str, ms: u64| ProbeOutcome {
            endpoint: id.into(),
            tag: String::new(),
            method: Method::Post,
            path: String::new(),
            api_version: None,
            request: String::new(),
            status: Some(204),
            verdict: Verdict::Ok,
            reason: String::new(),
            duration_ms: ms,
            evidence: crate::model::Evidence::default(),
            conformance: None,
            retried: None,
        };
        // container.restart and container.start have fixtures of their own (chains); system.ping does not;
        // container.prune runs alone.
        let probes =
            [probe("container.restart", 6000), probe("container.restart", 6000), probe("container.start", 4000)];
        let mut all = probes.to_vec();
        all.extend([probe("system.ping", 16_000), probe("container.prune", 500)]);
        let scenario = ScenarioOutcome {
            scenario: "lifecycle".into(),
            api_version: None,
            passed: true,
            steps: Vec::new(),
            failed_at: None,
            cleanup: Vec::new(),
            duration_ms: 8000,
            environment: None,
            retried: None,
        };
        assert_eq!(
            sweep_bound(&m, &all, 2000, &[scenario], 8),
            "timing: bound 5.8 s: probes 32.0 s, their fixtures 2.0 s and scenarios 8.0 s over --jobs 8, and 0.5 s \
             of probes alone; the longest chain: container.restart, 12.0 s of probes in 4 lanes (about 3.0 s each)"
        );
        assert_eq!(
            sweep_bound(&m, &[], 0, &[], 8),
            "timing: bound 0.0 s: probes 0.0 s, their fixtures 0.0 s and scenarios 0.0 s over --jobs 8, and 0.0 s of \
             probes alone"
        );
    }

    #[test]
    fn formats_utc_times() {
        let t = std::time::UNIX_EPOCH + Duration::from_secs(1_795_000_000);
        assert_eq!(rfc3339(t), "2026-11-18T11:06:40Z");
        assert_eq!(rfc3339(std::time::UNIX_EPOCH), "1970-01-01T00:00:00Z");
    }
}

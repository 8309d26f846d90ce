//! The `run` command: connect, discover, sweep, write results as they arrive, and summarise.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};

use crate::client::host::{self, HostInputs, TlsOptions};
use crate::client::{Client, DEFAULT_BODY_CAP};
use crate::error::{EXIT_OK, EXIT_POLICY_FAILURE, Error};
use crate::matrix::Matrices;
use crate::probe::case::{self, ApiSelection, PlanOptions};
use crate::probe::discover;
use crate::probe::runner::{self, RunContext};
use crate::probe::{ProbeError, ProbeOutcome};
use crate::progress::Progress;
use crate::report::RunReport;
use crate::report::model::RUN_SCHEMA_VERSION;
use crate::report::{FailOn, ReportFormat, ReportTarget};
use crate::snapshot::{self, CompareOptions};

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
    /// `--jobs`.
    pub jobs: usize,
    /// `--out`.
    pub out: PathBuf,
    /// `--name`.
    pub name: Option<String>,
    /// `--allow` classes.
    pub allow: BTreeSet<String>,
    /// `--timeout`.
    pub timeout: Duration,
    /// `--quiet`: no progress.
    pub quiet: bool,
    /// `--verbose`: one line per request and its answer on stderr.
    pub verbose: bool,
    /// `--snapshots DIR`; `None` with `--no-snapshots`.
    pub snapshots: Option<PathBuf>,
    /// `--ci` or `CI=true`: a changed snapshot fails the run and nothing is written.
    pub ci: bool,
    /// `--report FMT[:FILE]`, written at the end of the run.
    pub reports: Vec<ReportTarget>,
    /// `--fail-on` policies (default: incompatible and error).
    pub fail_on: Vec<FailOn>,
}

/// Runs the sweep and returns the exit code (0 clean, 1 incompatible or error verdicts).
pub fn run(config: &RunConfig, m: &Matrices, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, Error> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|source| Error::Output { what: "the async runtime".into(), source })?;
    for policy in &config.fail_on {
        policy.check(m)?;
    }
    let report = rt.block_on(sweep(config, m, err))?;
    let runs = std::slice::from_ref(&report);
    crate::report::write_report(ReportFormat::Table, runs, m, out)?;
    for target in &config.reports {
        if let Some(warning) = target.write(runs, m, out)? {
            let _ = writeln!(err, "warning: {warning}");
        }
    }
    let _ = writeln!(err, "results: {}", config.out.join("run.json").display());
    // A partial run would show every probe it did not make as a change: only complete runs are compared.
    let mut changed = 0;
    let mut snapshot_failure = false;
    if let Some(dir) = config.snapshots.as_deref().filter(|_| report.complete) {
        let options = CompareOptions { ci: config.ci, fixture_names: Vec::new() };
        let summary = snapshot::compare(&report, dir, &report.daemon.name, &options)?;
        summary.write(out).map_err(|source| Error::Output { what: "the snapshot summary".into(), source })?;
        changed = summary.changed().count();
        snapshot_failure = summary.is_failure();
    }
    let failures = crate::report::evaluate(&config.fail_on, &report, m, changed);
    for f in &failures {
        let _ = writeln!(err, "policy failure: {f}");
    }
    if !report.complete {
        let _ = writeln!(err, "the run was interrupted: its results are partial");
    }
    Ok(if failures.is_empty() && report.complete && !snapshot_failure { EXIT_OK } else { EXIT_POLICY_FAILURE })
}

/// Resolves the host and builds a client (no request yet).
pub fn connect(config: &RunConfig) -> Result<Client, ProbeError> {
    let env = |k: &str| std::env::var(k).ok();
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let target =
        host::resolve(&HostInputs { flag: config.host.as_deref(), tls_flags: config.tls.clone(), env: &env, home })?;
    Ok(Client::new(target, config.timeout, DEFAULT_BODY_CAP)?)
}

async fn sweep(config: &RunConfig, m: &Matrices, err: &mut dyn Write) -> Result<RunReport, Error> {
    let started = std::time::SystemTime::now();
    let clock = Instant::now();
    let client = connect(config)?;
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
    let ctx = RunContext::new();
    std::fs::create_dir_all(&config.out).map_err(|source| ProbeError::Output { path: config.out.clone(), source })?;
    let jsonl_path = config.out.join("probes.jsonl");
    let mut jsonl =
        std::fs::File::create(&jsonl_path).map_err(|source| ProbeError::Output { path: jsonl_path.clone(), source })?;

    let (tx, mut rx) = mpsc::unbounded_channel::<ProbeOutcome>();
    let (cancel_tx, cancel_rx) = watch::channel(false);
    let signals = tokio::spawn(async move {
        wait_for_signal().await;
        let _ = cancel_tx.send(true);
    });
    let run = {
        let (client, ctx, daemon) = (client.clone(), ctx.clone(), daemon.clone());
        let jobs = config.jobs;
        tokio::spawn(async move { runner::sweep(&client, &ctx, &daemon, cases, jobs, tx, cancel_rx).await })
    };
    let mut probes = Vec::with_capacity(total);
    let mut progress = Progress::new(total, config.quiet, config.verbose);
    while let Some(outcome) = rx.recv().await {
        // Each outcome is on disk as soon as it is known, so an interrupted run keeps what it had.
        let line = serde_json::to_string(&outcome).unwrap_or_default();
        writeln!(jsonl, "{line}").map_err(|source| ProbeError::Output { path: jsonl_path.clone(), source })?;
        progress.tick(&outcome);
        probes.push(outcome);
    }
    progress.finish();
    let complete = run.await.unwrap_or(false);
    signals.abort();
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
    };
    report.sort();
    write_json(&config.out.join("run.json"), &report)?;
    if !complete {
        let _ = writeln!(
            err,
            "interrupted: {} of {total} probes kept in {}",
            report.probes.len(),
            config.out.join("run.json").display()
        );
    }
    Ok(report)
}

fn opt(v: Option<crate::ApiVersion>) -> String {
    v.map_or_else(|| "?".into(), |v| v.to_string())
}

fn write_json(path: &Path, report: &RunReport) -> Result<(), ProbeError> {
    let text = serde_json::to_string_pretty(report).unwrap_or_default();
    std::fs::write(path, text + "\n").map_err(|source| ProbeError::Output { path: path.to_path_buf(), source })
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
    fn formats_utc_times() {
        let t = std::time::UNIX_EPOCH + Duration::from_secs(1_795_000_000);
        assert_eq!(rfc3339(t), "2026-11-18T11:06:40Z");
        assert_eq!(rfc3339(std::time::UNIX_EPOCH), "1970-01-01T00:00:00Z");
    }
}

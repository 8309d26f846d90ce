//! The `run` command: its configuration, the stages of a run (`run::stages`: connect, discover, plan, fixtures, sweep,
//! refusals, swarm state, teardown, record), and what it prints and writes when they are over.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::client::host::{self, HostInputs, TlsOptions};
use crate::client::{Client, DEFAULT_BODY_CAP};
use crate::error::{EXIT_OK, EXIT_POLICY_FAILURE, Error};
use crate::matrix::Matrices;
use crate::matrix::schemas::SchemaFile;
use crate::model::RunRecord;
use crate::probe::ProbeError;
use crate::probe::case::ApiSelection;
use crate::report::{FailOn, ReportFormat, ReportTarget};
use crate::snapshot::{self, CompareOptions};

mod cpu;
mod retry;
mod stages;
mod stop;
mod store;
mod timing;

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
    let stages::Swept { report, stopped, lines, drift, redactions } =
        rt.block_on(stages::stages(config, m, schemas, err))?;
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
    // The report's sections (what every client would make of this daemon among them), once for the summary and
    // every report: of the slim run and its drift tallied as run.json was written, or, when a report shows the
    // evidence (json, junit, html), of the run read back whole from run.json, as `dockmatrix report` would.
    let whole = if config.reports.iter().any(|t| t.format.shows_evidence()) {
        crate::report::read_runs(&config.out.join("run.json"))?
    } else {
        Vec::new()
    };
    let doc = match whole.as_slice() {
        [] => crate::report::Document::of(std::slice::from_ref(&report), m).with_drift(0, drift),
        runs => crate::report::Document::of(runs, m),
    };
    // One screen by default; the whole table with --verbose (or --report table).
    if config.verbose {
        crate::report::write_document(ReportFormat::Table, &doc, out)?;
    } else {
        crate::report::render::summary::write_all(&doc, out)
            .map_err(|source| Error::Output { what: "the summary".into(), source })?;
    }
    for target in &config.reports {
        if let Some(warning) = target.write(&doc, out)? {
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
        // Endpoint by endpoint, each one's probes read back from probes.jsonl with their evidence.
        let read_error = |source| snapshot::SnapshotError::Read { path: lines.path().to_path_buf(), source };
        let target = report.daemon.name.as_str();
        let snaps = lines.by_endpoint().map_err(read_error)?.map(|group| {
            let (endpoint, probes) = group.map_err(read_error)?;
            let probes: Vec<&crate::model::ProbeOutcome> = probes.iter().collect();
            Ok(snapshot::render_one(&report, &endpoint, &probes, target, &redactions))
        });
        let summary = snapshot::compare_each(snaps, dir, target, &options)?;
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
    let max =
        if config.verbose { crate::report::MAX_POLICY_LINES } else { crate::report::render::summary::RUN_POLICY_LINES };
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

/// The runtime a command's requests run on (two workers: the daemon, not dockmatrix, is the limit).
pub fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|source| Error::Output { what: "the async runtime".into(), source })
}

/// Writes `report` to `path` as it is serialized: what [`write_json_streamed`] writes of a run whose probes are on
/// disk, in its tests.
#[cfg(test)]
fn write_json(path: &Path, report: &RunRecord) -> Result<(), ProbeError> {
    let fail = |source: std::io::Error| ProbeError::Output { path: path.to_path_buf(), source };
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).map_err(fail)?);
    serde_json::to_writer_pretty(&mut out, report).map_err(|e| fail(e.into()))?;
    out.write_all(b"\n").map_err(fail)?;
    out.flush().map_err(fail)
}

/// Writes `report` to `path` as it is serialized, its probes read back one at a time from `lines` (those of `report`
/// are slim, see [`store`]) and each handed to `each` on its way: run.json is never a copy in memory, nor are its
/// probes' answers (the same bytes as serializing the run with its full probes).
fn write_json_streamed(
    path: &Path,
    report: &RunRecord,
    lines: &store::Lines,
    each: impl FnMut(&crate::model::ProbeOutcome),
) -> Result<(), ProbeError> {
    let fail = |source: std::io::Error| ProbeError::Output { path: path.to_path_buf(), source };
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).map_err(fail)?);
    let streamed = Streamed { run: report, probes: ProbeLines { lines, each: std::cell::RefCell::new(each) } };
    serde_json::to_writer_pretty(&mut out, &streamed).map_err(|e| fail(e.into()))?;
    out.write_all(b"\n").map_err(fail)?;
    out.flush().map_err(fail)
}

/// A run serialized as [`RunRecord`] is, field for field, with its probes read from probes.jsonl (a test checks the
/// bytes are the same).
struct Streamed<'a, F> {
    run: &'a RunRecord,
    probes: ProbeLines<'a, F>,
}

/// The probes of a run, read back as they are serialized.
struct ProbeLines<'a, F> {
    lines: &'a store::Lines,
    each: std::cell::RefCell<F>,
}

impl<F: FnMut(&crate::model::ProbeOutcome)> serde::Serialize for ProbeLines<'_, F> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeSeq};
        let fail = |e: std::io::Error| S::Error::custom(format!("reading {}: {e}", self.lines.path().display()));
        let mut seq = s.serialize_seq(Some(self.lines.len()))?;
        for probe in self.lines.read().map_err(fail)? {
            let probe = probe.map_err(fail)?;
            (self.each.borrow_mut())(&probe);
            seq.serialize_element(&probe)?;
        }
        seq.end()
    }
}

impl<F: FnMut(&crate::model::ProbeOutcome)> serde::Serialize for Streamed<'_, F> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        // The fields of `RunRecord`, in its order and with its `skip_serializing_if`s.
        let r = self.run;
        let mut st = s.serialize_struct("RunRecord", 12)?;
        st.serialize_field("schema_version", &r.schema_version)?;
        st.serialize_field("tool", &r.tool)?;
        st.serialize_field("run_id", &r.run_id)?;
        st.serialize_field("host", &r.host)?;
        st.serialize_field("started_at", &r.started_at)?;
        st.serialize_field("duration_ms", &r.duration_ms)?;
        st.serialize_field("complete", &r.complete)?;
        st.serialize_field("daemon", &r.daemon)?;
        st.serialize_field("api_versions", &r.api_versions)?;
        st.serialize_field("probes", &self.probes)?;
        if r.scenarios.is_empty() {
            st.skip_field("scenarios")?;
        } else {
            st.serialize_field("scenarios", &r.scenarios)?;
        }
        if r.refusals.is_empty() {
            st.skip_field("refusals")?;
        } else {
            st.serialize_field("refusals", &r.refusals)?;
        }
        st.end()
    }
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
    fn run_json_written_from_probes_jsonl_is_the_run_json_of_the_whole_run() {
        let text = include_str!("../tests/fixtures/run-docker-20.10.json");
        let mut run = crate::report::read::parse_runs(Path::new("run.json"), text).expect("fixture").remove(0);
        // Every field written: scenarios from a saved run, refusals from the refusal section's tests.
        let saved = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/saved/docker-20.10.json.gz");
        run.scenarios = crate::report::read_runs(&saved).expect("saved run").remove(0).scenarios;
        run.refusals = crate::report::sections::refusals::tests::two_runs()[0].refusals.clone();
        assert!(!run.scenarios.is_empty() && !run.refusals.is_empty());
        run.sort();
        let dir = tempfile::tempdir().expect("tempdir");
        let mut kept = store::Store::create(dir.path(), false, 1).expect("store");
        // In the order they came (not the run's), one of them tried twice.
        for p in run.probes.iter().rev() {
            kept.add(p.clone()).expect("add");
        }
        kept.replace(0, run.probes.last().expect("a probe").clone()).expect("replace");
        let (slim, lines) = kept.into_sorted();
        let mut header = run.clone();
        header.probes = slim;
        let (whole, streamed) = (dir.path().join("whole.json"), dir.path().join("streamed.json"));
        let mut seen = Vec::new();
        write_json_streamed(&streamed, &header, &lines, |p| seen.push(p.clone())).expect("streamed");
        assert_eq!(seen, run.probes, "each probe handed over in run order");
        write_json(&whole, &run).expect("whole");
        let read = |p: &Path| std::fs::read_to_string(p).expect("read");
        assert_eq!(read(&streamed), read(&whole));
        // The same without scenarios and refusals (absent from run.json).
        run.scenarios.clear();
        run.refusals.clear();
        header.scenarios.clear();
        header.refusals.clear();
        write_json_streamed(&streamed, &header, &lines, |_| {}).expect("streamed");
        write_json(&whole, &run).expect("whole");
        assert_eq!(read(&streamed), read(&whole));
    }

    #[test]
    fn formats_utc_times() {
        let t = std::time::UNIX_EPOCH + Duration::from_secs(1_795_000_000);
        assert_eq!(rfc3339(t), "2026-11-18T11:06:40Z");
        assert_eq!(rfc3339(std::time::UNIX_EPOCH), "1970-01-01T00:00:00Z");
    }
}

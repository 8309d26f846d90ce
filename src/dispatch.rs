//! What each command does, given a validated [`Config`]; returns the exit code.

use std::io::Write;
use std::path::Path;

use crate::config::{Config, MatrixDir, SnapshotAction, TableFormat, TableKind};
use crate::error::{EXIT_OK, EXIT_POLICY_FAILURE, Error};
use crate::matrix::load::MatrixSources;
use crate::matrix::schemas::SchemaFile;
use crate::matrix::{self, K8sRelease, Matrices};
use crate::model::RunRecord;
use crate::report::{Grid, matrix_tables};
use crate::snapshot;

/// Loads the matrices from a folder or the built-in copy.
pub fn load_matrices(dir: &MatrixDir) -> Result<Matrices, Error> {
    let sources = match dir {
        MatrixDir::Path(p) => MatrixSources::read(p)?,
        MatrixDir::BuiltIn => MatrixSources::built_in(),
    };
    Ok(sources.load()?)
}

/// Runs one command; results go to `out`, messages to `err`.
pub fn execute(config: Config, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, Error> {
    match config {
        Config::Run { dir, run } => {
            let m = load_matrices(&dir)?;
            let schemas = match (&dir, run.conformance) {
                (_, false) => None,
                (MatrixDir::Path(p), true) => Some(SchemaFile::for_dir(p)?),
                (MatrixDir::BuiltIn, true) => Some(SchemaFile::built_in()?),
            };
            crate::run::run(&run, &m, schemas, out, err)
        }
        Config::MatrixCheck { dir } => {
            let m = load_matrices(&dir)?;
            let where_ = match &dir {
                MatrixDir::Path(p) => p.display().to_string(),
                MatrixDir::BuiltIn => "built-in matrices".into(),
            };
            writeln!(
                out,
                "{where_}: ok ({} endpoints over API {}..={} with {} request variants, {} Docker releases, {} Kubernetes \
                 releases, {} scenario{}, {} clients, {} API-version gates of which {} observable, {} by a recipe)",
                m.endpoints.endpoints.iter().filter(|e| e.base_id() == e.id).count(),
                m.endpoints.api_versions.first,
                m.endpoints.api_versions.last,
                m.endpoints.endpoints.iter().filter(|e| e.base_id() != e.id).count(),
                m.docker.releases.len(),
                m.kubernetes.releases.len(),
                m.scenarios.scenarios.len(),
                if m.scenarios.scenarios.len() == 1 { "" } else { "s" },
                m.clients.clients.len(),
                m.gates.gates.len(),
                m.gates.gates.iter().filter(|g| g.observable.is_observable()).count(),
                m.gates.observed(&m.probes).count(),
            )
            .map_err(|e| output_error("the check result", e))?;
            Ok(EXIT_OK)
        }
        Config::MatrixTable { dir, kind, format } => {
            let m = load_matrices(&dir)?;
            let grid = table(&m, &kind)?;
            match format {
                TableFormat::Terminal => grid.write_terminal(out),
                TableFormat::Markdown => grid.write_markdown(out),
            }
            .map_err(|e| output_error("the table", e))?;
            Ok(EXIT_OK)
        }
        Config::MatrixSync { inputs, dir, check } => sync(&inputs, &dir, check, out, err),
        Config::Clean { host, scope } => clean(host.as_deref(), &scope, out),
        Config::Snapshot { action, dir, target } => snapshot_command(action, &dir, target.as_deref(), out),
        Config::SnapshotFrom { runs, dir } => snapshot_from(&runs, &dir, out),
        Config::Diff { before, after, format, fail_on_change } => diff(&before, &after, format, fail_on_change, out),
        Config::Clients { runs, daemons, globs, format, dir } => clients(&runs, &daemons, &globs, format, &dir, out),
        Config::Report { runs, format, output, fail_on, step_summary, all_failures, conformance, each_run, dir } => {
            let options = ReportOptions { format, output, step_summary, all_failures, conformance, each_run };
            report(&runs, options, &fail_on, &dir, out, err)
        }
    }
}

/// `dockmatrix clean`: removes the objects of one run or of all runs, found by label only.
fn clean(host: Option<&str>, scope: &crate::fixture::Scope, out: &mut dyn Write) -> Result<u8, Error> {
    let rt = crate::run::runtime()?;
    let client = crate::run::connect_to(host, Default::default(), crate::client::DEFAULT_TIMEOUT)?;
    let report = rt.block_on(crate::fixture::clean(&client, scope)).map_err(crate::probe::ProbeError::from)?;
    let what = match scope {
        crate::fixture::Scope::Run(id) => format!("run {id}"),
        crate::fixture::Scope::All => "every dockmatrix run".into(),
    };
    let _ = writeln!(out, "{}: removed {} of {what}", client.target().display, report.summary());
    for f in &report.failures {
        let _ = writeln!(out, "not removed: {f}");
    }
    Ok(if report.failures.is_empty() { EXIT_OK } else { EXIT_POLICY_FAILURE })
}

fn snapshot_command(
    action: SnapshotAction,
    dir: &Path,
    target: Option<&str>,
    out: &mut dyn Write,
) -> Result<u8, Error> {
    use std::io::IsTerminal;
    let done = match action {
        SnapshotAction::Review => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            snapshot::review(dir, target, &mut std::io::stdin().lock(), out, color)?;
            return Ok(EXIT_OK);
        }
        SnapshotAction::Accept => ("accepted", snapshot::accept(dir, target)?),
        SnapshotAction::Reject => ("rejected", snapshot::reject(dir, target)?),
    };
    let (verb, files) = done;
    for p in &files {
        writeln!(out, "{verb} {}", p.new.display()).map_err(|e| output_error("the snapshot list", e))?;
    }
    writeln!(out, "{} pending snapshots {verb} under {}", files.len(), dir.display())
        .map_err(|e| output_error("the snapshot list", e))?;
    Ok(EXIT_OK)
}

/// Compares the snapshots of the saved runs `runs` with those in `dir`, each as its own target, writing what
/// changed as `.snap.new` (never in CI: these are for review).
fn snapshot_from(runs: &[std::path::PathBuf], dir: &Path, out: &mut dyn Write) -> Result<u8, Error> {
    let options = snapshot::CompareOptions { ci: false, fixture_names: Vec::new() };
    for path in runs {
        for run in crate::report::read_runs(path)? {
            let summary = snapshot::compare(&run, dir, &run.daemon.name, &options)?;
            summary.write(out, false).map_err(|e| output_error("the snapshot summary", e))?;
        }
    }
    Ok(EXIT_OK)
}

/// How `report` renders and what it prints.
struct ReportOptions {
    format: crate::report::ReportFormat,
    output: Option<std::path::PathBuf>,
    step_summary: bool,
    all_failures: bool,
    /// Only the drift from the spec (`--conformance`).
    conformance: bool,
    /// Each run's own Markdown report in this folder, linked from the report (`--each-run`).
    each_run: Option<std::path::PathBuf>,
}

fn report(
    paths: &[std::path::PathBuf],
    options: ReportOptions,
    fail_on: &[crate::report::FailOn],
    dir: &MatrixDir,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, Error> {
    use crate::report::render::markdown;
    use crate::report::sections::drift::Drift;
    use crate::report::{Document, ReportError, ReportTarget};
    let ReportOptions { format, output, step_summary, all_failures, conformance, each_run } = options;
    if each_run.is_some() && (format != crate::report::ReportFormat::Markdown || conformance) {
        return Err(Error::usage(
            "--each-run writes Markdown pages",
            Some("use it with --format md, without --conformance"),
        ));
    }
    let m = load_matrices(dir)?;
    for policy in fail_on {
        policy.check(&m)?;
    }
    let mut runs = Vec::new();
    for path in paths {
        runs.extend(crate::report::read_runs(path)?);
    }
    if conformance && !runs.iter().any(Drift::has_conformance) {
        let paths = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(ReportError::NoConformance { paths }.into());
    }
    // The report's sections are computed once, for the format and the step summary (the whole report, also beside
    // `--conformance`).
    let target = ReportTarget { format, file: output };
    let (warning, whole) = if conformance {
        let warning = target.write(&Document::conformance(&runs), out)?;
        (warning, step_summary.then(|| Document::of(&runs, &m)))
    } else {
        let mut whole = Document::of(&runs, &m);
        if let (Some(folder), Some(page)) = (&each_run, &target.file) {
            whole.apart = Some(each_run_pages(&runs, &m, folder, page)?);
        }
        (target.write(&whole, out)?, Some(whole))
    };
    if let Some(warning) = warning {
        let _ = writeln!(err, "warning: {warning}");
    }
    if let Some(whole) = whole.filter(|_| step_summary) {
        match markdown::step_summary_path() {
            Some(path) => markdown::append_step_summary(&path, &whole)?,
            None => {
                let _ = writeln!(err, "warning: --step-summary ignored: {} is not set", markdown::STEP_SUMMARY_VAR);
            }
        }
    }
    let failures: Vec<_> = runs.iter().flat_map(|run| crate::report::evaluate(fail_on, run, &m, 0)).collect();
    let paths: Vec<&Path> = paths.iter().map(|p| p.as_path()).collect();
    let list_all = crate::report::list_all_command(&paths, fail_on);
    for line in crate::report::policy_lines(&failures, all_failures, crate::report::MAX_POLICY_LINES, &list_all) {
        let _ = writeln!(err, "{line}");
    }
    Ok(if failures.is_empty() { EXIT_OK } else { EXIT_POLICY_FAILURE })
}

/// Writes each run's own Markdown report to `folder/NAME.md` (the folder made if need be) and returns, per run, its
/// name and the link to it from `page`'s folder.
fn each_run_pages(
    runs: &[crate::model::RunRecord],
    m: &crate::matrix::Matrices,
    folder: &Path,
    page: &Path,
) -> Result<Vec<(String, String)>, Error> {
    use crate::report::{ReportFormat, write_report_file};
    let base = page.parent().unwrap_or(Path::new(""));
    let mut links = Vec::new();
    for run in runs {
        let name = &run.daemon.name;
        let file = folder.join(format!("{name}.md"));
        write_report_file(ReportFormat::Markdown, std::slice::from_ref(run), m, &file)?;
        let link = file.strip_prefix(base).unwrap_or(&file);
        links.push((name.clone(), link.display().to_string()));
    }
    Ok(links)
}

fn diff(
    before: &Path,
    after: &Path,
    format: crate::report::diff::DiffFormat,
    fail_on_change: bool,
    out: &mut dyn Write,
) -> Result<u8, Error> {
    use crate::report::diff::{RunDiff, write};
    let read_one = |path: &Path| -> Result<RunRecord, Error> {
        let mut runs = crate::report::read_runs(path)?;
        match runs.len() {
            1 => Ok(runs.remove(0)),
            found => Err(crate::report::ReportError::NotOneRun { path: path.to_path_buf(), found }.into()),
        }
    };
    let (a, b) = (read_one(before)?, read_one(after)?);
    let diff = RunDiff::of(&a, before, &b, after);
    write(&diff, format, out)?;
    Ok(if fail_on_change && !diff.is_empty() { EXIT_POLICY_FAILURE } else { EXIT_OK })
}

/// `dockmatrix clients`: a column per run (live) and per Docker release (predicted), a row per client.
fn clients(
    paths: &[std::path::PathBuf],
    daemons: &[String],
    globs: &[String],
    format: crate::config::ClientsFormat,
    dir: &MatrixDir,
    out: &mut dyn Write,
) -> Result<u8, Error> {
    use crate::client_compat::{DaemonView, evaluate};
    use crate::report::sections::clients::ClientsSection;
    let m = load_matrices(dir)?;
    let specs = crate::client_compat::clients(&m, globs);
    if specs.is_empty() {
        let names: Vec<String> = crate::client_compat::clients(&m, &[]).into_iter().map(|c| c.name).collect();
        return Err(Error::usage(
            format!("--client {} matches no client", globs.join(", ")),
            Some(&format!("clients: {}", names.join(", "))),
        ));
    }
    let mut columns: Vec<(String, Vec<crate::model::ClientOutcome>)> = Vec::new();
    for path in paths {
        for run in crate::report::read_runs(path)? {
            let view = DaemonView::of_run(&run);
            columns.push((run.daemon.name.clone(), specs.iter().map(|c| evaluate(c, &view, &m)).collect()));
        }
    }
    for name in daemons {
        let version = name.strip_prefix("docker-").unwrap_or(name);
        let Some(release) = m.docker.releases.iter().find(|r| r.version == version) else {
            let known: Vec<&str> = m.docker.releases.iter().map(|r| r.version.as_str()).collect();
            return Err(Error::usage(
                format!("--daemon {name}: no such Docker release in docker.yaml"),
                Some(&format!("releases: {}", known.join(", "))),
            ));
        };
        let label = format!("docker-{version}");
        let view = DaemonView::of_release(release, &label);
        columns.push((label.clone(), specs.iter().map(|c| evaluate(c, &view, &m)).collect()));
    }
    let predicted = paths.is_empty();
    let Some(section) = ClientsSection::of_outcomes(columns, predicted) else { return Ok(EXIT_OK) };
    let written = match format {
        crate::config::ClientsFormat::Table => crate::report::render::text::render_clients(&section, out),
        crate::config::ClientsFormat::Markdown => crate::report::render::markdown::render_clients(&section, "##", out),
        crate::config::ClientsFormat::Json => serde_json::to_writer_pretty(&mut *out, &section)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out)),
    };
    written.map_err(|e| output_error("the clients", e))?;
    Ok(EXIT_OK)
}

fn output_error(what: &str, source: std::io::Error) -> Error {
    Error::Output { what: what.to_string(), source }
}

fn table(m: &Matrices, kind: &TableKind) -> Result<Grid, Error> {
    match kind {
        TableKind::Docker => Ok(matrix_tables::docker(m)),
        TableKind::Kubernetes { api, releases, run } => {
            if !m.endpoints.api_versions.contains(*api) {
                return Err(Error::usage(
                    format!("API {api} is not a known API version"),
                    Some(&format!(
                        "the matrices know {}..={}",
                        m.endpoints.api_versions.first, m.endpoints.api_versions.last
                    )),
                ));
            }
            let chosen: Vec<&K8sRelease> = if releases.is_empty() {
                m.kubernetes.releases.iter().collect()
            } else {
                releases
                    .iter()
                    .map(|name| {
                        m.k8s_release(name).ok_or_else(|| {
                            let known: Vec<&str> = m.kubernetes.releases.iter().map(|r| r.name.as_str()).collect();
                            Error::usage(
                                format!("unknown Kubernetes release `{name}`"),
                                Some(&format!("known releases: {}", known.join(", "))),
                            )
                        })
                    })
                    .collect::<Result<_, _>>()?
            };
            let Some(path) = run else { return Ok(matrix_tables::kubernetes(m, *api, &chosen)) };
            let mut runs = crate::report::read_runs(path)?;
            if runs.len() != 1 {
                return Err(crate::report::ReportError::NotOneRun { path: path.clone(), found: runs.len() }.into());
            }
            Ok(matrix_tables::kubernetes_live(m, *api, &chosen, &runs.remove(0)))
        }
    }
}

fn sync(
    inputs: &matrix::sync::SyncInputs,
    dir: &Path,
    check: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, Error> {
    let generated = matrix::sync::sync(inputs, dir)?;
    let mut stale = 0;
    for g in &generated {
        let path = dir.join(g.file);
        let current = std::fs::read_to_string(&path).ok();
        let changed = current.as_deref() != Some(g.text.as_str());
        if check {
            if changed {
                stale += 1;
                let _ = writeln!(err, "{}: out of date; run `dockmatrix matrix sync` without --check", path.display());
            }
            continue;
        }
        if changed {
            std::fs::create_dir_all(dir)
                .map_err(|source| matrix::MatrixError::Write { path: dir.to_path_buf(), source })?;
            std::fs::write(&path, &g.text)
                .map_err(|source| matrix::MatrixError::Write { path: path.clone(), source })?;
        }
        writeln!(out, "{}: {}", path.display(), if changed { "written" } else { "unchanged" })
            .map_err(|e| output_error("the sync result", e))?;
    }
    // What sync wrote must load: a generated file that fails validation is a bug worth catching here.
    if !check
        && dir.join(matrix::load::ENDPOINTS_FILE).exists()
        && dir.join(matrix::load::KUBERNETES_FILE).exists()
        && dir.join(matrix::load::DOCKER_FILE).exists()
    {
        matrix::load_dir(dir)?;
    }
    if check && stale == 0 {
        writeln!(out, "{}: {} matrices up to date", dir.display(), generated.len())
            .map_err(|e| output_error("the sync result", e))?;
    }
    Ok(if stale > 0 { EXIT_POLICY_FAILURE } else { EXIT_OK })
}

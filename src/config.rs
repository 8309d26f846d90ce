//! Validated, owned configuration for each command; knows nothing about clap or the transport.

use std::path::PathBuf;

use crate::matrix::sync::SyncInputs;
use crate::model::ApiVersion;
use crate::report::diff::DiffFormat;
use crate::report::{FailOn, ReportFormat};

/// Where the matrices come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MatrixDir {
    /// A folder holding endpoints.yaml, docker.yaml and kubernetes.yaml.
    Path(PathBuf),
    /// The copy compiled into this binary (used when no folder is given and ./matrices does not exist).
    BuiltIn,
}

/// Output format of a matrix table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    /// A terminal table.
    Terminal,
    /// GitHub-flavoured Markdown.
    Markdown,
}

/// Which matrix table to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableKind {
    /// Docker releases and their API ranges.
    Docker,
    /// Endpoints at one API version and the Kubernetes releases that call them.
    Kubernetes {
        /// The API version whose endpoints make the rows.
        api: ApiVersion,
        /// Release names for the columns, in order; empty means all.
        releases: Vec<String>,
        /// A saved run whose verdicts replace the ticks.
        run: Option<PathBuf>,
    },
}

/// How `clients` prints its section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientsFormat {
    /// The terminal table.
    Table,
    /// GitHub Markdown.
    Markdown,
    /// The section as JSON.
    Json,
}

/// What `snapshot` does with pending snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotAction {
    /// Show each as a diff and ask.
    Review,
    /// Accept them all.
    Accept,
    /// Reject them all.
    Reject,
}

/// One command, ready to execute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Config {
    /// `run`
    Run {
        /// Matrices to plan from.
        dir: MatrixDir,
        /// The run's settings.
        run: Box<crate::run::RunConfig>,
    },
    /// `matrix check`
    MatrixCheck {
        /// Matrices to check.
        dir: MatrixDir,
    },
    /// `matrix table`
    MatrixTable {
        /// Matrices to read.
        dir: MatrixDir,
        /// Which table.
        kind: TableKind,
        /// How to print it.
        format: TableFormat,
    },
    /// `matrix sync`
    MatrixSync {
        /// The sources.
        inputs: SyncInputs,
        /// The matrix folder to write.
        dir: PathBuf,
        /// Only compare; fail when a file would change.
        check: bool,
    },
    /// `snapshot review|accept|reject`
    Snapshot {
        /// What to do.
        action: SnapshotAction,
        /// The snapshot folder.
        dir: PathBuf,
        /// Only this target; `None` for all.
        target: Option<String>,
    },
    /// `snapshot from`
    SnapshotFrom {
        /// The saved runs.
        runs: Vec<PathBuf>,
        /// The snapshot folder.
        dir: PathBuf,
    },
    /// `report`
    Report {
        /// Saved runs (run.json files), in order.
        runs: Vec<PathBuf>,
        /// Report format.
        format: ReportFormat,
        /// Output file; `None` is standard output.
        output: Option<PathBuf>,
        /// CI policies; never empty (the default is `incompatible`).
        fail_on: Vec<FailOn>,
        /// Also append the Markdown report to `$GITHUB_STEP_SUMMARY`.
        step_summary: bool,
        /// Print every policy failure, not only the first [`crate::report::MAX_POLICY_LINES`].
        all_failures: bool,
        /// Print only the drift from the spec (`--conformance`).
        conformance: bool,
        /// `--each-run DIR`: each run's own Markdown report in DIR, linked from the report.
        each_run: Option<PathBuf>,
        /// Matrices (the Kubernetes policy and table need them).
        dir: MatrixDir,
    },
    /// `diff`
    Diff {
        /// Run A, the one changes are from.
        before: PathBuf,
        /// Run B, the one changes are to.
        after: PathBuf,
        /// Output format.
        format: DiffFormat,
        /// Exit 1 when anything changed.
        fail_on_change: bool,
    },
    /// `clients`
    Clients {
        /// Saved runs (live verdicts), in order.
        runs: Vec<PathBuf>,
        /// Docker releases of docker.yaml (predicted verdicts), after the runs.
        daemons: Vec<String>,
        /// Client name globs; empty: every client.
        globs: Vec<String>,
        /// Output format.
        format: ClientsFormat,
        /// Matrices (the clients, the kubelets, the releases).
        dir: MatrixDir,
    },
    /// `clean`
    Clean {
        /// `--host`.
        host: Option<String>,
        /// Which runs' objects.
        scope: crate::fixture::Scope,
    },
}

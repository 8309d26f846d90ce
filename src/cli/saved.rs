//! The arguments of the commands over saved runs (`report`, `diff`), which need no daemon.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::report::{FailOn, ReportFormat};

use super::MatrixDirArgs;

/// `dockmatrix report`
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Saved runs; several make several targets (one JUnit test suite each, one section each elsewhere).
    #[arg(value_name = "RUN.json", required = true)]
    pub runs: Vec<PathBuf>,
    /// Format: table, md, json, junit, html or summary (the one screen `run` prints).
    #[arg(long, value_name = "FMT", default_value = "table")]
    pub format: ReportFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when the runs break this policy; repeatable [default: incompatible, unsupported and nonconforming].
    #[arg(long = "fail-on", value_name = "POLICY")]
    pub fail_on: Vec<FailOn>,
    /// Also append the Markdown report to $GITHUB_STEP_SUMMARY (when it is set).
    #[arg(long)]
    pub step_summary: bool,
    /// Print every policy failure on stderr [default: the first 20, then how many more].
    #[arg(long)]
    pub all_failures: bool,
    /// Print only where the daemons and the spec disagree (the drift), every kind of finding listed, `null` too:
    /// a line per difference with the API versions it occurs at, several runs side by side.
    #[arg(long)]
    pub conformance: bool,
    /// With several runs in Markdown: write each run's own report to DIR/NAME.md and link it from the report (-o
    /// FILE; the links are relative to FILE's folder) instead of including it.
    #[arg(long, value_name = "DIR", requires = "output")]
    pub each_run: Option<PathBuf>,
    /// Matrix folder.
    #[command(flatten)]
    pub dir: MatrixDirArgs,
}

pub(super) const REPORT_HELP: &str = "Policies (--fail-on):
  incompatible        any incompatible verdict (a default)
  unsupported         any unsupported verdict: the daemon routes an endpoint only to say it does not implement it
                      (Podman's 503 \"does not support service\", 501 with a message) (a default)
  nonconforming       any nonconforming verdict: a served body breaks the spec of its API version (a required
                      field missing, a wrong type, not JSON) (a default)
  error               any error verdict (transport failure, timeout)
  unenforced          any answer at a version outside the daemon's advertised range (a daemon that does not
                      enforce API versions, such as Podman, serves them; not counted unless asked)
  undocumented        any field the spec of the answer's API version does not list (reported, not counted
                      unless asked)
  changed-snapshot    any changed snapshot (never, when re-rendering a saved run)
  scenario            a scenario of scenarios.yaml (lifecycle, ...) failed at an API version (not one this machine
                      cannot run: a resource limit whose cgroup controller is not delegated)
  kubernetes:RELEASE  an endpoint that release's kubelet calls is not ok at the API version it would use
                      against this daemon, or the release refuses the daemon's API version
  refusal             a malformed request got a 5xx, was accepted, or got no answer
  client:GLOB         a client of matrices/clients.yaml (or kubelet-1.23, ...) that matches breaks against the
                      daemon (`dockmatrix clients RUN.json` shows each client's version and why)
  endpoint:GLOB       an incompatible or error verdict of a matching endpoint id (* and ? wildcards)

Drift (--conformance alone; a section of every format when answers were checked against the spec):
each endpoint's findings grouped by kind, place (array indices as *) and spec erratum, with the API
versions they occur at as ranges; kinds missing-required, wrong-type, null, undocumented, not-json,
undocumented-status. Other reports count the null ones instead of listing them; known mistakes of
the spec (errata) come last.

Coverage: an endpoint is answered when one of its verdicts is neither skipped nor error, and ok in the whole
range when every probe between the daemon's enforced minimum and maximum API version is ok (its advertised ones,
on a daemon that does not enforce versions).";

/// `dockmatrix diff`
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The run changes are from (a run.json holding one run).
    #[arg(value_name = "A.json")]
    pub before: PathBuf,
    /// The run changes are to.
    #[arg(value_name = "B.json")]
    pub after: PathBuf,
    /// Output format.
    #[arg(long, value_enum, value_name = "FMT", default_value = "text")]
    pub format: DiffFormatArg,
    /// Exit 1 when anything changed (for CI) [default: exit 0 either way].
    #[arg(long)]
    pub fail_on_change: bool,
}

/// Output format of `diff`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DiffFormatArg {
    /// Plain text.
    Text,
    /// GitHub-flavoured Markdown.
    Md,
    /// JSON.
    Json,
}

pub(super) const DIFF_HELP: &str = "What is compared:
  daemon   engine, version, os, arch, the advertised and the enforced API range
  verdicts each endpoint's verdict and status at each API version; consecutive versions that changed the same
           way are one range, and a version only one run probed reads `not probed`
  fields   the fields of each endpoint's served (ok) JSON bodies, by presence: a field only one run has at
           versions both served, or whose presence changes across versions in one run and not in the other";

/// `dockmatrix clients`
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("daemons").required(true).multiple(true).args(["runs", "daemon"])))]
pub struct ClientsArgs {
    /// Saved runs: the verdicts read from each live daemon's answers.
    #[arg(value_name = "RUN.json")]
    pub runs: Vec<PathBuf>,
    /// A Docker release of matrices/docker.yaml (`docker-29.0` or `29.0`): the verdicts predicted from its
    /// documented API range and the endpoints' first and last versions; repeatable.
    #[arg(long, value_name = "RELEASE")]
    pub daemon: Vec<String>,
    /// Only clients whose name matches (`traefik*`, `kubelet-1.23`); repeatable [default: every client].
    #[arg(long, value_name = "GLOB")]
    pub client: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, value_name = "FMT", default_value = "table")]
    pub format: ClientsFormatArg,
    /// Matrix folder.
    #[command(flatten)]
    pub dir: MatrixDirArgs,
}

/// `dockmatrix clients --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ClientsFormatArg {
    /// The terminal table.
    Table,
    /// GitHub Markdown.
    Md,
    /// The section as JSON.
    Json,
}

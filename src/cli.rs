//! Command-line types (clap derive) and their conversion into a validated [`Config`].

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};

use std::time::Duration;

use crate::client::host::TlsOptions;
use crate::config::{ClientsFormat, Config, MatrixDir, SnapshotAction, TableFormat, TableKind};
use crate::error::{EXIT_CODES_HELP, Error};
use crate::fixture::Scope;
use crate::matrix::sync::{SOURCES_DIR, SyncInputs};
use crate::model::ApiVersion;
use crate::probe::ApiSelection;
use crate::report::diff::DiffFormat;
use crate::report::{FailOn, ReportTarget};
use crate::run::{RunConfig, SnapshotDir};
use crate::snapshot;

mod saved;

pub use saved::{ClientsArgs, ClientsFormatArg, DiffArgs, DiffFormatArg, ReportArgs};

/// Which Docker Engine API endpoints a real daemon supports at which API version, with evidence.
#[derive(Debug, Parser)]
#[command(name = "dockmatrix", version, about, after_help = EXIT_CODES_HELP)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Probe a live daemon: every endpoint at every API version around its range; write OUT/run.json.
    Run(Box<RunArgs>),
    /// Check, print or regenerate the YAML matrices (no daemon needed).
    #[command(subcommand)]
    Matrix(MatrixCommand),
    /// Review, accept or reject pending snapshots (`.snap.new` files: new ones, and changed ones beside their `.snap`).
    #[command(subcommand)]
    Snapshot(SnapshotCommand),
    /// Render saved runs (run.json) again in any format, and apply the CI policy (no daemon needed).
    #[command(after_long_help = saved::REPORT_HELP)]
    Report(ReportArgs),
    /// Show what changed from one saved run to another: daemon, verdicts per API version, body fields.
    #[command(after_long_help = saved::DIFF_HELP)]
    Diff(DiffArgs),
    /// Will kubelet, cri-dockerd, compose, testcontainers, docker-py, Traefik or Watchtower work against a daemon,
    /// at which API version, and why not: read from saved runs, or predicted for a Docker release (--daemon).
    Clients(ClientsArgs),
    /// Remove what runs left on a daemon: only objects labelled dockmatrix.run (one run's, or all runs').
    Clean(CleanArgs),
}

/// `dockmatrix clean`
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("scope").required(true).args(["run", "all"])))]
pub struct CleanArgs {
    /// Daemon address [default: DOCKER_HOST, the current Docker context, else unix:///var/run/docker.sock].
    #[arg(long, short = 'H', value_name = "URL")]
    pub host: Option<String>,
    /// Remove the objects of this run (its id is in run.json and in the run's messages).
    #[arg(long = "run", value_name = "ID")]
    pub run: Option<String>,
    /// Remove the objects of every dockmatrix run (anything with a dockmatrix.run label, nothing else).
    #[arg(long)]
    pub all: bool,
}

/// `dockmatrix run`
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Daemon address: unix:///path, tcp://host:port, http://, https:// [default: DOCKER_HOST, the current
    /// Docker context, else unix:///var/run/docker.sock].
    #[arg(long, short = 'H', value_name = "URL", help_heading = "Connection")]
    pub host: Option<String>,
    /// Use TLS (implied by --tlsverify).
    #[arg(long, help_heading = "Connection")]
    pub tls: bool,
    /// Use TLS and verify the daemon's certificate (also DOCKER_TLS_VERIFY).
    #[arg(long, help_heading = "Connection")]
    pub tlsverify: bool,
    /// CA certificate [default: DOCKER_CERT_PATH/ca.pem].
    #[arg(long, value_name = "FILE", help_heading = "Connection")]
    pub tlscacert: Option<PathBuf>,
    /// Client certificate [default: DOCKER_CERT_PATH/cert.pem].
    #[arg(long, value_name = "FILE", help_heading = "Connection")]
    pub tlscert: Option<PathBuf>,
    /// Client key [default: DOCKER_CERT_PATH/key.pem].
    #[arg(long, value_name = "FILE", help_heading = "Connection")]
    pub tlskey: Option<PathBuf>,
    /// Seconds before a request times out.
    #[arg(long, value_name = "SECS", default_value_t = 30.0, help_heading = "Connection")]
    pub timeout: f64,
    /// API versions: `all`, `1.41`, or `1.24..1.41` [default: one below the enforced minimum to one above the
    /// enforced maximum].
    #[arg(long, value_name = "RANGE", help_heading = "Plan")]
    pub api: Option<String>,
    /// Only endpoints whose id matches (`container.*`); repeatable or comma-separated.
    #[arg(long, value_name = "GLOB", value_delimiter = ',', help_heading = "Plan")]
    pub only: Vec<String>,
    /// Opt in to a class of endpoints skipped by default (the classes of probes.yaml: registry, swarm, plugin,
    /// build-cache, session, malformed-prune).
    #[arg(long, value_name = "CLASS", value_delimiter = ',', help_heading = "Plan")]
    pub allow: Vec<String>,
    /// The registry the `registry` class pushes to and pulls from (with `--allow registry`): `127.0.0.1:PORT`,
    /// `localhost:PORT` or `[::1]:PORT`, loopback only (`bash scripts/registry.sh start DIR` starts one). Without
    /// it the registry probes are skipped.
    #[arg(long, value_name = "ADDR", help_heading = "Plan")]
    pub registry: Option<String>,
    /// A second daemon in the daemon's network namespace, in no swarm, that the run may move into and out of
    /// swarms of its own (with `--allow swarm`): a worker of the run's swarm for `node.delete`, the manager of
    /// another for `swarm.join`. Without it those probe a node and a token that do not exist.
    #[arg(long, value_name = "URL", help_heading = "Plan")]
    pub swarm_peer: Option<String>,
    /// A shell command that restarts the daemon (same address after): with `--allow swarm`, before each case of
    /// `swarm.unlock` the run gives its swarm autolock and restarts the daemon, which then starts locked. A restart
    /// stops every container that does not restart by itself, so this is for a daemon of your own, and the run sends
    /// it last. Without it the unlock is sent to a swarm that is not locked.
    #[arg(long, value_name = "CMD", help_heading = "Plan")]
    pub restart_cmd: Option<String>,
    /// Image the fixture containers are made from (it must be on the daemon; dockmatrix never pulls) [default:
    /// dockmatrix/busybox:local, else one imported from this machine's static busybox].
    #[arg(long, value_name = "NAME", help_heading = "Plan")]
    pub image: Option<String>,
    /// Requests in flight at once [default: 12; 8 over ssh, where each connection is a login].
    #[arg(long, short = 'j', value_name = "N", help_heading = "Plan")]
    pub jobs: Option<usize>,
    /// Folder for run.json and probes.jsonl.
    #[arg(long, value_name = "DIR", default_value = "dockmatrix-out", help_heading = "Output")]
    pub out: PathBuf,
    /// Target name in reports and snapshots [default: kind and version, like docker-20.10].
    #[arg(long, value_name = "NAME", help_heading = "Output")]
    pub name: Option<String>,
    /// No progress bar on stderr (it is drawn only when stderr is a terminal).
    #[arg(long, short = 'q', help_heading = "Output")]
    pub quiet: bool,
    /// Log each request and its answer on stderr, one line each: `GET /v1.41/containers/json -> 200 ok (3 ms)`
    /// (also with --quiet, which only hides the bar), and print the whole table at the end instead of the one-screen
    /// summary.
    #[arg(long, short = 'v', help_heading = "Output")]
    pub verbose: bool,
    /// Compare each endpoint's normalised answers with the snapshots in DIR (made if missing); new and changed ones
    /// are written as .snap.new, pending `dockmatrix snapshot review` or `accept` [default: ./snapshots if it
    /// exists, else no snapshots are compared].
    #[arg(long, value_name = "DIR", help_heading = "Output")]
    pub snapshots: Option<PathBuf>,
    /// Do not compare or write snapshots.
    #[arg(long, conflicts_with = "snapshots", help_heading = "Output")]
    pub no_snapshots: bool,
    /// Do not check answers against the spec of their API version (no `conformance` in run.json, no
    /// `nonconforming` verdict).
    #[arg(long, help_heading = "Plan")]
    pub no_conformance: bool,
    /// CI mode (also CI=true): a changed or missing snapshot fails the run with its diff, and nothing is written.
    #[arg(long, help_heading = "Output")]
    pub ci: bool,
    /// Also write a report at the end: table, md, json, junit, html or summary, to FILE or stdout; repeatable.
    /// `md:step-summary` appends to the file in $GITHUB_STEP_SUMMARY (and is skipped with a warning when it is
    /// not set); a FILE that is $GITHUB_STEP_SUMMARY itself is appended to as well.
    #[arg(long, value_name = "FMT[:FILE]", help_heading = "Output")]
    pub report: Vec<ReportTarget>,
    /// Exit 1 when the run breaks this policy: incompatible, unsupported, nonconforming, error, unenforced,
    /// undocumented, changed-snapshot, scenario, refusal, kubernetes:RELEASE, client:GLOB, endpoint:GLOB;
    /// repeatable [default: incompatible, unsupported, nonconforming, error and scenario].
    #[arg(long = "fail-on", value_name = "POLICY", help_heading = "Output")]
    pub fail_on: Vec<FailOn>,
    /// Matrix folder.
    #[command(flatten)]
    pub dir: MatrixDirArgs,
}

/// Parses `--registry`: a loopback address with a port (`127.0.0.1:5000`, `localhost:5000`, `[::1]:5000`), the
/// only kind a run sends images to.
fn parse_registry(s: &str) -> Result<String, Error> {
    let loopback = s.rsplit_once(':').is_some_and(|(host, port)| {
        let host_ok = host == "localhost"
            || host == "[::1]"
            || host.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback());
        host_ok && port.parse::<u16>().is_ok_and(|p| p > 0)
    });
    if loopback {
        Ok(s.to_string())
    } else {
        Err(Error::usage(
            format!("--registry {s:?} is not a loopback address with a port: a run pushes to this machine only"),
            Some("give 127.0.0.1:PORT (bash scripts/registry.sh start DIR starts a registry there)"),
        ))
    }
}

/// Parses `all`, `1.41`, `1.24..1.41`, `1.24..=1.41` or `1.24-1.41`.
fn parse_api_selection(s: &str) -> Result<ApiSelection, Error> {
    let hint = Some("write --api all, --api 1.41 or --api 1.24..1.41");
    let s = s.trim();
    if s.eq_ignore_ascii_case("all") {
        return Ok(ApiSelection::All);
    }
    let (a, b) = s.split_once("..=").or_else(|| s.split_once("..")).or_else(|| s.split_once('-')).unwrap_or((s, s));
    let parse = |t: &str| t.trim().parse::<ApiVersion>().map_err(|e| Error::usage(format!("--api: {e}"), hint));
    let (a, b) = (parse(a)?, parse(b)?);
    if a > b {
        return Err(Error::usage(format!("--api: the range {a}..{b} is inverted"), hint));
    }
    Ok(ApiSelection::Range(a, b))
}

/// `dockmatrix matrix ...`
#[derive(Debug, Subcommand)]
pub enum MatrixCommand {
    /// Load and validate the three matrices; report the first problem with its file, line and column.
    Check(MatrixDirArgs),
    /// Print a compatibility table generated from the matrices.
    Table(TableArgs),
    /// Regenerate the matrices from the official specs and the research data in sources/.
    #[command(after_long_help = SYNC_HELP)]
    Sync(SyncArgs),
}

/// Where the matrices are.
#[derive(Debug, Args)]
pub struct MatrixDirArgs {
    /// Folder with endpoints.yaml, docker.yaml and kubernetes.yaml [default: ./matrices, else the built-in copy].
    #[arg(long, value_name = "DIR", env = "DOCKMATRIX_MATRICES")]
    pub dir: Option<PathBuf>,
}

impl MatrixDirArgs {
    fn resolve(self) -> MatrixDir {
        match self.dir {
            Some(d) => MatrixDir::Path(d),
            None if PathBuf::from("matrices").join("endpoints.yaml").exists() => MatrixDir::Path("matrices".into()),
            None => MatrixDir::BuiltIn,
        }
    }
}

/// `matrix table`
#[derive(Debug, Args)]
pub struct TableArgs {
    /// Which table.
    #[command(subcommand)]
    pub which: TableWhich,
}

/// Output format of a table.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// A terminal table.
    Table,
    /// GitHub-flavoured Markdown.
    Md,
}

/// The tables.
#[derive(Debug, Subcommand)]
pub enum TableWhich {
    /// Docker releases: maximum API version, default minimum API version, release date.
    Docker {
        /// Matrix folder.
        #[command(flatten)]
        dir: MatrixDirArgs,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: FormatArg,
    },
    /// The endpoints defined at one API version, ticked per Kubernetes release whose kubelet calls them.
    #[command(after_long_help = KUBERNETES_TABLE_HELP)]
    Kubernetes {
        /// API version whose endpoints make the rows.
        #[arg(long, value_name = "VERSION")]
        api: String,
        /// Releases to show as columns, in this order (`1.4,1.3`, `cri-dockerd`) [default: all].
        #[arg(long, value_name = "LIST", value_delimiter = ',')]
        kubernetes: Vec<String>,
        /// A saved run: each tick becomes the live verdict of that endpoint at the API version the release's kubelet
        /// would use against the run's daemon.
        #[arg(long, value_name = "RUN.json")]
        run: Option<std::path::PathBuf>,
        /// Matrix folder.
        #[command(flatten)]
        dir: MatrixDirArgs,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: FormatArg,
    },
}

const KUBERNETES_TABLE_HELP: &str = "Where the data comes from:
  matrices/kubernetes.yaml is generated from sources/k8s/kubelet-docker-usage.yaml: for each release, the
  kubelet's Docker wrapper interface (dockertools 1.2-1.6, dockershim libdocker 1.7-1.23, cri-dockerd) was
  traced method by method to the HTTP calls of the Docker client it vendors, and an endpoint is listed only
  when a non-test kubelet caller exists. Releases marked † were read from a branch point, a code-freeze state
  or a vendored fork rather than the release tag. A widely shared table also ticks container changes and
  container kill; no kubelet calls them, so they are not ticked here.";

const SYNC_HELP: &str = "Where the inputs come from:
  With none of --specs, --legacy, --docker-versions and --kubelet, sync reads all four from the
  folder --sources names, by default sources/ in the current directory (the repository root):
    sources/docker-api/specs/v1.NN.yaml      -> matrices/endpoints.yaml
    sources/docker-api/endpoints.csv         -> matrices/endpoints.yaml (history before 1.25)
    sources/docker-api/docker-versions.csv   -> matrices/docker.yaml
    sources/k8s/kubelet-docker-usage.yaml    -> matrices/kubernetes.yaml
  Given any of those four flags instead, it reads only those files and regenerates only their
  matrices. sources/ is the repository's copy of the project's research data; a maintainer
  refreshes it with scripts/import-sources.sh (sources/README.md). Hand-written notes of an
  endpoint survive a re-sync.";

/// `matrix sync`
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Folder laid out like the repository's sources/ to read every input from [default: ./sources].
    #[arg(long, value_name = "DIR", conflicts_with_all = ["specs", "legacy", "docker_versions", "kubelet"])]
    pub sources: Option<PathBuf>,
    /// Folder of swagger specs v1.NN.yaml (sources/docker-api/specs).
    #[arg(long, value_name = "DIR")]
    pub specs: Option<PathBuf>,
    /// endpoints.csv: every method and path since API 1.0 (sources/docker-api/endpoints.csv).
    #[arg(long, value_name = "CSV")]
    pub legacy: Option<PathBuf>,
    /// docker-versions.csv: release → API range (sources/docker-api/docker-versions.csv).
    #[arg(long, value_name = "CSV")]
    pub docker_versions: Option<PathBuf>,
    /// kubelet-docker-usage.yaml (sources/k8s/kubelet-docker-usage.yaml).
    #[arg(long, value_name = "YAML")]
    pub kubelet: Option<PathBuf>,
    /// Matrix folder to write.
    #[arg(long, value_name = "DIR", default_value = "matrices")]
    pub dir: PathBuf,
    /// Write nothing; exit 1 when a matrix would change (for CI).
    #[arg(long)]
    pub check: bool,
}

impl SyncArgs {
    /// The files given, else every input from the sources folder.
    fn inputs(&self) -> Result<SyncInputs, Error> {
        let given = SyncInputs {
            specs: self.specs.clone(),
            legacy: self.legacy.clone(),
            docker_versions: self.docker_versions.clone(),
            kubelet: self.kubelet.clone(),
        };
        if given != SyncInputs::default() {
            return Ok(given);
        }
        let dir = self.sources.clone().unwrap_or_else(|| PathBuf::from(SOURCES_DIR));
        if !dir.is_dir() {
            let message = match &self.sources {
                Some(d) => format!("--sources: {} is not a folder", d.display()),
                None => format!("no {SOURCES_DIR}/ folder in the current directory to sync from"),
            };
            return Err(Error::usage(
                message,
                Some(
                    "run from the repository root, where sources/ is, or pass --sources DIR, or name the files with --specs, --legacy, --docker-versions and --kubelet",
                ),
            ));
        }
        Ok(SyncInputs::from_dir(&dir))
    }
}

/// `dockmatrix snapshot ...`
#[derive(Debug, Subcommand)]
pub enum SnapshotCommand {
    /// Show each pending snapshot as a diff and ask whether to accept, reject or skip it.
    Review(SnapshotArgs),
    /// Accept every pending snapshot: its `.snap.new` replaces the `.snap`.
    Accept(SnapshotArgs),
    /// Reject every pending snapshot: its `.snap.new` is deleted.
    Reject(SnapshotArgs),
    /// Compare the snapshots of saved runs (run.json, or docs/runs/NAME.json.gz) with those in DIR, as the runs
    /// would now: changed ones are written as `.snap.new` (after a dockmatrix upgrade changed what a snapshot keeps).
    From(SnapshotFromArgs),
}

/// The saved runs `snapshot from` snapshots, and where.
#[derive(Debug, Args)]
pub struct SnapshotFromArgs {
    /// Saved runs (run.json, or .json.gz); each compares as its target (its daemon's name).
    #[arg(required = true, value_name = "RUN")]
    pub runs: Vec<PathBuf>,
    /// Snapshot folder (one subfolder per target).
    #[arg(long, value_name = "DIR", default_value = snapshot::DEFAULT_DIR)]
    pub dir: PathBuf,
}

/// Which snapshots a `snapshot` subcommand works on.
#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// Snapshot folder (one subfolder per target).
    #[arg(long, value_name = "DIR", default_value = snapshot::DEFAULT_DIR)]
    pub dir: PathBuf,
    /// Only this target's snapshots (`docker-20.10`) [default: every target].
    #[arg(long, value_name = "T")]
    pub target: Option<String>,
}

impl SnapshotCommand {
    fn into_config(self) -> Config {
        let (action, args) = match self {
            SnapshotCommand::Review(a) => (SnapshotAction::Review, a),
            SnapshotCommand::Accept(a) => (SnapshotAction::Accept, a),
            SnapshotCommand::Reject(a) => (SnapshotAction::Reject, a),
            SnapshotCommand::From(a) => return Config::SnapshotFrom { runs: a.runs, dir: a.dir },
        };
        Config::Snapshot { action, dir: args.dir, target: args.target }
    }
}

impl Cli {
    /// Validates the arguments into a [`Config`]; the only validation step.
    pub fn into_config(self) -> Result<Config, Error> {
        match self.command {
            Command::Run(a) => {
                if a.jobs == Some(0) {
                    return Err(Error::usage("--jobs must be at least 1", None));
                }
                if !(a.timeout.is_finite() && a.timeout > 0.0) {
                    return Err(Error::usage("--timeout must be a positive number of seconds", None));
                }
                let api = a.api.as_deref().map(parse_api_selection).transpose()?.unwrap_or(ApiSelection::Auto);
                let registry = a.registry.as_deref().map(parse_registry).transpose()?;
                // Each of these flags serves one opt-in class, which must be allowed too.
                for (given, flag, class, what) in [
                    (
                        a.swarm_peer.is_some(),
                        "--swarm-peer",
                        "swarm",
                        "names a daemon the `swarm` class moves between swarms",
                    ),
                    (
                        a.restart_cmd.is_some(),
                        "--restart-cmd",
                        "swarm",
                        "restarts the daemon to lock the `swarm` class's swarm",
                    ),
                    (registry.is_some(), "--registry", "registry", "names the registry of the `registry` class"),
                ] {
                    if given && !a.allow.iter().any(|c| c == class) {
                        return Err(Error::usage(
                            format!("{flag} {what}, which needs --allow {class}"),
                            Some(format!("add --allow {class}, or drop {flag}").as_str()),
                        ));
                    }
                }
                let tls = TlsOptions {
                    enabled: a.tls || a.tlsverify,
                    verify: a.tlsverify,
                    ca: a.tlscacert,
                    cert: a.tlscert,
                    key: a.tlskey,
                };
                let run = RunConfig {
                    host: a.host,
                    tls,
                    api,
                    only: a.only,
                    jobs: a.jobs,
                    out: a.out,
                    name: a.name,
                    allow: a.allow.into_iter().collect(),
                    image: a.image,
                    registry,
                    swarm_peer: a.swarm_peer,
                    restart_cmd: a.restart_cmd,
                    timeout: Duration::from_secs_f64(a.timeout),
                    quiet: a.quiet,
                    verbose: a.verbose,
                    snapshots: SnapshotDir::resolve(a.snapshots, a.no_snapshots, Path::new(snapshot::DEFAULT_DIR)),
                    ci: a.ci || std::env::var("CI").is_ok_and(|v| v == "true" || v == "1"),
                    reports: a.report,
                    conformance: !a.no_conformance,
                    fail_on: if a.fail_on.is_empty() {
                        vec![
                            FailOn::Incompatible,
                            FailOn::Unsupported,
                            FailOn::Nonconforming,
                            FailOn::Error,
                            FailOn::Scenario,
                        ]
                    } else {
                        a.fail_on
                    },
                };
                Ok(Config::Run { dir: a.dir.resolve(), run: Box::new(run) })
            }
            Command::Matrix(MatrixCommand::Check(dir)) => Ok(Config::MatrixCheck { dir: dir.resolve() }),
            Command::Matrix(MatrixCommand::Table(TableArgs { which })) => Ok(match which {
                TableWhich::Docker { dir, format } => {
                    Config::MatrixTable { dir: dir.resolve(), kind: TableKind::Docker, format: format.into() }
                }
                TableWhich::Kubernetes { api, kubernetes, run, dir, format } => {
                    let api: ApiVersion =
                        api.parse().map_err(|e| Error::usage(format!("--api: {e}"), Some("for example --api 1.24")))?;
                    let releases =
                        kubernetes.into_iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
                    Config::MatrixTable {
                        dir: dir.resolve(),
                        kind: TableKind::Kubernetes { api, releases, run },
                        format: format.into(),
                    }
                }
            }),
            Command::Matrix(MatrixCommand::Sync(a)) => {
                let inputs = a.inputs()?;
                Ok(Config::MatrixSync { inputs, dir: a.dir, check: a.check })
            }
            Command::Snapshot(c) => Ok(c.into_config()),
            Command::Clean(a) => {
                let scope = match a.run {
                    Some(id) if id.trim().is_empty() => {
                        return Err(Error::usage("--run needs a run id", Some("the id is in run.json (`run_id`)")));
                    }
                    Some(id) => Scope::Run(id.trim().to_string()),
                    None => Scope::All,
                };
                Ok(Config::Clean { host: a.host, scope })
            }
            Command::Diff(a) => Ok(Config::Diff {
                before: a.before,
                after: a.after,
                format: match a.format {
                    DiffFormatArg::Text => DiffFormat::Text,
                    DiffFormatArg::Md => DiffFormat::Markdown,
                    DiffFormatArg::Json => DiffFormat::Json,
                },
                fail_on_change: a.fail_on_change,
            }),
            Command::Clients(a) => Ok(Config::Clients {
                runs: a.runs,
                daemons: a.daemon,
                globs: a.client,
                format: match a.format {
                    ClientsFormatArg::Table => ClientsFormat::Table,
                    ClientsFormatArg::Md => ClientsFormat::Markdown,
                    ClientsFormatArg::Json => ClientsFormat::Json,
                },
                dir: a.dir.resolve(),
            }),
            Command::Report(a) => Ok(Config::Report {
                runs: a.runs,
                format: a.format,
                output: a.output,
                fail_on: if a.fail_on.is_empty() { FailOn::defaults() } else { a.fail_on },
                step_summary: a.step_summary,
                all_failures: a.all_failures,
                conformance: a.conformance,
                each_run: a.each_run,
                dir: a.dir.resolve(),
            }),
        }
    }
}

impl From<FormatArg> for TableFormat {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Table => TableFormat::Terminal,
            FormatArg::Md => TableFormat::Markdown,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::report::ReportFormat;

    #[test]
    fn parses_the_kubernetes_table_command() {
        let cli = Cli::try_parse_from([
            "dockmatrix",
            "matrix",
            "table",
            "kubernetes",
            "--api",
            "1.24",
            "--kubernetes",
            "1.4,1.3",
        ])
        .expect("parses");
        let config = cli.into_config().expect("valid");
        let Config::MatrixTable { kind: TableKind::Kubernetes { api, releases, .. }, .. } = config else {
            panic!("wrong command")
        };
        assert_eq!(api, ApiVersion::new(1, 24));
        assert_eq!(releases, ["1.4", "1.3"]);
    }

    fn sync_inputs(args: &[&str]) -> Result<SyncInputs, Error> {
        let cli = Cli::try_parse_from(["dockmatrix", "matrix", "sync"].iter().chain(args)).expect("parses");
        match cli.into_config()? {
            Config::MatrixSync { inputs, .. } => Ok(inputs),
            _ => panic!("wrong command"),
        }
    }

    #[test]
    fn sync_with_no_inputs_reads_the_sources_folder() {
        // Unit tests run from the repository root, where sources/ is.
        assert_eq!(sync_inputs(&[]).expect("valid"), SyncInputs::from_dir(Path::new("sources")));
        let elsewhere = sync_inputs(&["--sources", "src"]).expect("valid");
        assert_eq!(elsewhere.kubelet.as_deref(), Some(Path::new("src/k8s/kubelet-docker-usage.yaml")));
    }

    #[test]
    fn sync_with_some_inputs_reads_only_those() {
        let inputs = sync_inputs(&["--docker-versions", "d.csv"]).expect("valid");
        let expected = SyncInputs { docker_versions: Some("d.csv".into()), ..SyncInputs::default() };
        assert_eq!(inputs, expected);
    }

    #[test]
    fn sync_rejects_a_missing_sources_folder_and_mixed_inputs() {
        let err = sync_inputs(&["--sources", "no/such/folder"]).expect_err("not a folder");
        assert_eq!(err.exit_code(), crate::error::EXIT_USAGE);
        let mixed = Cli::try_parse_from(["dockmatrix", "matrix", "sync", "--sources", "s", "--specs", "s/specs"]);
        assert!(mixed.is_err(), "--sources and --specs conflict");
    }

    #[test]
    fn rejects_a_malformed_api_version() {
        let cli = Cli::try_parse_from(["dockmatrix", "matrix", "table", "kubernetes", "--api", "1.x"]).expect("parses");
        let err = cli.into_config().expect_err("1.x is not a version");
        assert_eq!(err.exit_code(), crate::error::EXIT_USAGE);
    }

    #[test]
    fn a_registry_is_a_loopback_address_and_needs_its_class() {
        for ok in ["127.0.0.1:5000", "localhost:5000", "[::1]:5000", "127.0.0.2:443"] {
            assert_eq!(parse_registry(ok).expect(ok), ok);
        }
        for bad in ["10.0.0.1:5000", "registry.example.com:5000", "127.0.0.1", "localhost:0", "docker.io"] {
            assert_eq!(parse_registry(bad).expect_err(bad).exit_code(), crate::error::EXIT_USAGE, "{bad}");
        }
        let run = |args: &[&str]| Cli::try_parse_from(["dockmatrix", "run"].iter().chain(args)).expect("parses");
        let err = run(&["--registry", "127.0.0.1:5000"]).into_config().expect_err("registry class not allowed");
        assert!(err.to_string().contains("--allow registry"), "{err}");
        let Config::Run { run, .. } =
            run(&["--registry", "127.0.0.1:5000", "--allow", "registry"]).into_config().expect("valid")
        else {
            panic!("wrong command")
        };
        assert_eq!(run.registry.as_deref(), Some("127.0.0.1:5000"));
    }

    #[test]
    fn parses_api_selections() {
        let v = |a, b| ApiSelection::Range(ApiVersion::new(1, a), ApiVersion::new(1, b));
        assert_eq!(parse_api_selection("all").expect("valid"), ApiSelection::All);
        assert_eq!(parse_api_selection("1.24..1.41").expect("valid"), v(24, 41));
        assert_eq!(parse_api_selection("1.24..=1.41").expect("valid"), v(24, 41));
        assert_eq!(parse_api_selection("1.41").expect("valid"), v(41, 41));
        assert!(parse_api_selection("1.41..1.24").is_err());
        assert!(parse_api_selection("new").is_err());
    }

    #[test]
    fn parses_the_snapshot_commands() {
        let cli =
            Cli::try_parse_from(["dockmatrix", "snapshot", "accept", "--target", "docker-20.10"]).expect("parses");
        let config = cli.into_config().expect("valid");
        assert_eq!(
            config,
            Config::Snapshot {
                action: SnapshotAction::Accept,
                dir: "snapshots".into(),
                target: Some("docker-20.10".into())
            }
        );
        let cli = Cli::try_parse_from(["dockmatrix", "snapshot", "review", "--dir", "s"]).expect("parses");
        let config = cli.into_config().expect("valid");
        assert_eq!(config, Config::Snapshot { action: SnapshotAction::Review, dir: "s".into(), target: None });
    }

    #[test]
    fn snapshots_are_named_or_turned_off_not_both() {
        let run = |args: &[&str]| {
            let mut all = vec!["dockmatrix", "run"];
            all.extend(args);
            match Cli::try_parse_from(all).expect("parses").into_config().expect("valid") {
                Config::Run { run, .. } => run.snapshots,
                other => panic!("not a run: {other:?}"),
            }
        };
        assert_eq!(run(&["--snapshots", "s"]), SnapshotDir::In("s".into()));
        assert_eq!(run(&["--no-snapshots"]), SnapshotDir::Off);
        let both = Cli::try_parse_from(["dockmatrix", "run", "--snapshots", "s", "--no-snapshots"]).expect_err("both");
        assert_eq!(both.kind(), clap::error::ErrorKind::ArgumentConflict);
    }

    #[test]
    fn parses_the_report_command() {
        let cli = Cli::try_parse_from([
            "dockmatrix",
            "report",
            "a/run.json",
            "b/run.json",
            "--format",
            "junit",
            "-o",
            "out.xml",
            "--fail-on",
            "kubernetes:1.23",
            "--fail-on",
            "endpoint:container.*",
        ])
        .expect("parses");
        let Config::Report { runs, format, output, fail_on, .. } = cli.into_config().expect("valid") else {
            panic!("wrong command")
        };
        assert_eq!(runs.len(), 2);
        assert_eq!(format, ReportFormat::Junit);
        assert_eq!(output, Some(PathBuf::from("out.xml")));
        assert_eq!(fail_on, [FailOn::Kubernetes("1.23".into()), FailOn::Endpoint("container.*".into())]);
    }

    #[test]
    fn report_defaults_to_table_and_incompatible() {
        let cli = Cli::try_parse_from(["dockmatrix", "report", "run.json"]).expect("parses");
        let Config::Report { format, fail_on, all_failures, conformance, .. } = cli.into_config().expect("valid")
        else {
            panic!("wrong command")
        };
        assert_eq!(
            (format, fail_on, all_failures, conformance),
            (ReportFormat::Table, FailOn::defaults(), false, false)
        );
        let cli = Cli::try_parse_from(["dockmatrix", "report", "run.json", "--all-failures", "--conformance"])
            .expect("parses");
        let Config::Report { all_failures, conformance, .. } = cli.into_config().expect("valid") else {
            panic!("wrong command")
        };
        assert!(all_failures && conformance);
        let err = Cli::try_parse_from(["dockmatrix", "report", "run.json", "--format", "pdf"]).expect_err("bad");
        assert_eq!(err.exit_code(), i32::from(crate::error::EXIT_USAGE));
    }

    #[test]
    fn parses_the_diff_command() {
        let cases: &[(&[&str], DiffFormat, bool)] = &[
            (&["dockmatrix", "diff", "a.json", "b.json"], DiffFormat::Text, false),
            (
                &["dockmatrix", "diff", "a.json", "b.json", "--format", "md", "--fail-on-change"],
                DiffFormat::Markdown,
                true,
            ),
            (&["dockmatrix", "diff", "--format", "json", "a.json", "b.json"], DiffFormat::Json, false),
        ];
        for (args, format, fail_on_change) in cases {
            let config = Cli::try_parse_from(*args).expect("parses").into_config().expect("valid");
            let expected = Config::Diff {
                before: "a.json".into(),
                after: "b.json".into(),
                format: *format,
                fail_on_change: *fail_on_change,
            };
            assert_eq!(config, expected, "{args:?}");
        }
        for bad in
            [&["dockmatrix", "diff", "a.json"][..], &["dockmatrix", "diff", "a.json", "b.json", "--format", "html"]]
        {
            let err = Cli::try_parse_from(bad).expect_err("invalid");
            assert_eq!(err.exit_code(), i32::from(crate::error::EXIT_USAGE), "{bad:?}");
        }
    }

    #[test]
    fn clap_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}

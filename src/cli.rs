//! Command-line types (clap derive) and their conversion into a validated [`Config`].

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::client::version::ApiVersion;
use crate::config::{Config, MatrixDir, TableFormat, TableKind};
use crate::error::{EXIT_CODES_HELP, Error};
use crate::matrix::sync::SyncInputs;
use crate::report::{FailOn, ReportFormat};

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
    /// Check, print or regenerate the YAML matrices (no daemon needed).
    #[command(subcommand)]
    Matrix(MatrixCommand),
    /// Render saved runs (run.json) again in any format, and apply the CI policy (no daemon needed).
    #[command(after_long_help = REPORT_HELP)]
    Report(ReportArgs),
}

/// `dockmatrix matrix ...`
#[derive(Debug, Subcommand)]
pub enum MatrixCommand {
    /// Load and validate the three matrices; report the first problem with its file, line and column.
    Check(MatrixDirArgs),
    /// Print a compatibility table generated from the matrices.
    Table(TableArgs),
    /// Regenerate the matrices from the official specs and the research data in shared/.
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
        /// Matrix folder.
        #[command(flatten)]
        dir: MatrixDirArgs,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: FormatArg,
    },
}

const KUBERNETES_TABLE_HELP: &str = "Where the data comes from:
  matrices/kubernetes.yaml is generated from shared/k8s/kubelet-docker-usage.yaml: for each release, the
  kubelet's Docker wrapper interface (dockertools 1.2-1.6, dockershim libdocker 1.7-1.23, cri-dockerd) was
  traced method by method to the HTTP calls of the Docker client it vendors, and an endpoint is listed only
  when a non-test kubelet caller exists. Releases marked † were read from a branch point, a code-freeze state
  or a vendored fork rather than the release tag. A widely shared table also ticks container changes and
  container kill; no kubelet calls them, so they are not ticked here.";

/// `matrix sync`
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Folder of swagger specs v1.NN.yaml (shared/docker-api/specs).
    #[arg(long, value_name = "DIR")]
    pub specs: Option<PathBuf>,
    /// endpoints.csv: every method and path since API 1.0 (shared/docker-api/endpoints.csv).
    #[arg(long, value_name = "CSV")]
    pub legacy: Option<PathBuf>,
    /// docker-versions.csv: release → API range (shared/docker-api/docker-versions.csv).
    #[arg(long, value_name = "CSV")]
    pub docker_versions: Option<PathBuf>,
    /// kubelet-docker-usage.yaml (shared/k8s/kubelet-docker-usage.yaml).
    #[arg(long, value_name = "YAML")]
    pub kubelet: Option<PathBuf>,
    /// Matrix folder to write.
    #[arg(long, value_name = "DIR", default_value = "matrices")]
    pub dir: PathBuf,
    /// Write nothing; exit 1 when a matrix would change (for CI).
    #[arg(long)]
    pub check: bool,
}

/// `dockmatrix report`
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Saved runs; several make several targets (one JUnit test suite each, one section each elsewhere).
    #[arg(value_name = "RUN.json", required = true)]
    pub runs: Vec<PathBuf>,
    /// Format: table, md, json, junit or html.
    #[arg(long, value_name = "FMT", default_value = "table")]
    pub format: ReportFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when the runs break this policy; repeatable [default: incompatible].
    #[arg(long = "fail-on", value_name = "POLICY")]
    pub fail_on: Vec<FailOn>,
    /// Also append the Markdown report to $GITHUB_STEP_SUMMARY (when it is set).
    #[arg(long)]
    pub step_summary: bool,
    /// Matrix folder.
    #[command(flatten)]
    pub dir: MatrixDirArgs,
}

const REPORT_HELP: &str = "Policies (--fail-on):
  incompatible        any incompatible verdict (the default)
  error               any error verdict (transport failure, timeout)
  changed-snapshot    any changed snapshot (never, when re-rendering a saved run)
  kubernetes:RELEASE  an endpoint that release's kubelet calls is not ok at the API version it would use
                      against this daemon, or the release refuses the daemon's API version
  endpoint:GLOB       an incompatible or error verdict of a matching endpoint id (* and ? wildcards)

Coverage: an endpoint is answered when one of its verdicts is neither skipped nor error, and ok in the whole
enforced range when every probe between the daemon's enforced minimum and maximum API version is ok.";

impl Cli {
    /// Validates the arguments into a [`Config`]; the only validation step.
    pub fn into_config(self) -> Result<Config, Error> {
        match self.command {
            Command::Matrix(MatrixCommand::Check(dir)) => Ok(Config::MatrixCheck { dir: dir.resolve() }),
            Command::Matrix(MatrixCommand::Table(TableArgs { which })) => Ok(match which {
                TableWhich::Docker { dir, format } => {
                    Config::MatrixTable { dir: dir.resolve(), kind: TableKind::Docker, format: format.into() }
                }
                TableWhich::Kubernetes { api, kubernetes, dir, format } => {
                    let api: ApiVersion =
                        api.parse().map_err(|e| Error::usage(format!("--api: {e}"), Some("for example --api 1.24")))?;
                    let releases =
                        kubernetes.into_iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
                    Config::MatrixTable {
                        dir: dir.resolve(),
                        kind: TableKind::Kubernetes { api, releases },
                        format: format.into(),
                    }
                }
            }),
            Command::Matrix(MatrixCommand::Sync(a)) => {
                if a.specs.is_none() && a.legacy.is_none() && a.docker_versions.is_none() && a.kubelet.is_none() {
                    return Err(Error::usage(
                        "matrix sync needs at least one source",
                        Some(
                            "for example: --specs ../shared/docker-api/specs --legacy ../shared/docker-api/endpoints.csv --docker-versions ../shared/docker-api/docker-versions.csv --kubelet ../shared/k8s/kubelet-docker-usage.yaml",
                        ),
                    ));
                }
                let inputs = SyncInputs {
                    specs: a.specs,
                    legacy: a.legacy,
                    docker_versions: a.docker_versions,
                    kubelet: a.kubelet,
                };
                Ok(Config::MatrixSync { inputs, dir: a.dir, check: a.check })
            }
            Command::Report(a) => Ok(Config::Report {
                runs: a.runs,
                format: a.format,
                output: a.output,
                fail_on: if a.fail_on.is_empty() { FailOn::defaults() } else { a.fail_on },
                step_summary: a.step_summary,
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
    use super::*;

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
        let Config::MatrixTable { kind: TableKind::Kubernetes { api, releases }, .. } = config else {
            panic!("wrong command")
        };
        assert_eq!(api, ApiVersion::new(1, 24));
        assert_eq!(releases, ["1.4", "1.3"]);
    }

    #[test]
    fn rejects_a_malformed_api_version() {
        let cli = Cli::try_parse_from(["dockmatrix", "matrix", "table", "kubernetes", "--api", "1.x"]).expect("parses");
        let err = cli.into_config().expect_err("1.x is not a version");
        assert_eq!(err.exit_code(), crate::error::EXIT_USAGE);
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
        let Config::Report { format, fail_on, .. } = cli.into_config().expect("valid") else { panic!("wrong command") };
        assert_eq!((format, fail_on), (ReportFormat::Table, vec![FailOn::Incompatible]));
        let err = Cli::try_parse_from(["dockmatrix", "report", "run.json", "--format", "pdf"]).expect_err("bad");
        assert_eq!(err.exit_code(), i32::from(crate::error::EXIT_USAGE));
    }

    #[test]
    fn clap_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}

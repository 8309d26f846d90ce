//! What `dockmatrix run` tells people at the end and along the way, against a fake Docker 20.10: the Kubernetes
//! policy, `--verbose`, the progress bar on a terminal, and the GitHub step summary.

use std::path::Path;
use std::process::Command;

use super::fake_daemon::{Behaviour, FakeDaemon};
use super::{dockmatrix, stderr};

/// The request the broken fake answers with a 500: the kubelet lists containers on every sync loop.
const BROKEN: &str = "GET /containers/json";

fn run_against(fake: &FakeDaemon, out: &Path, extra: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let host = fake.host();
    let out = out.display().to_string();
    let mut args = vec!["run", "--host", &host, "--no-snapshots", "--out", &out];
    args.extend_from_slice(extra);
    dockmatrix(&args, env)
}

fn policy_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.starts_with("policy failure: docker-20.10: --fail-on kubernetes:1.23: ")).collect()
}

#[test]
fn kubernetes_1_23_fails_when_an_endpoint_its_kubelet_calls_is_broken() {
    let broken = FakeDaemon::start(Behaviour::Docker2010 { broken: Some(BROKEN) });
    let dir = tempfile::tempdir().expect("tempdir");
    let args = ["--only", "container.*", "--fail-on", "kubernetes:1.23", "--quiet"];
    let o = run_against(&broken, dir.path(), &args, &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let named = "policy failure: docker-20.10: --fail-on kubernetes:1.23: container.list at API 1.41 is incompatible \
                 (500): server error 500: fake daemon: broken on purpose (Kubernetes 1.23 calls it at API 1.41)";
    assert!(err.lines().any(|l| l == named), "{err}");

    // The same daemon without the broken endpoint: container.list is no longer named, so the line above comes
    // from the 500 and from nothing else.
    let healthy = FakeDaemon::start(Behaviour::Docker2010 { broken: None });
    let dir = tempfile::tempdir().expect("tempdir");
    let o = run_against(&healthy, dir.path(), &args, &[]);
    let err = stderr(&o);
    assert!(!err.contains("container.list"), "{err}");
    // The policy still fails there, and this is why: the fake makes no fixtures (its creates answer `{}`), so the
    // endpoints that need a container are skipped, and --only left the image, exec and system ones out. The passing
    // side is the live test on a real daemon, where the fixtures exist.
    let lines = policy_lines(&err);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(!lines.is_empty(), "{err}");
    for line in lines {
        assert!(line.contains(" is skipped (no answer): no fixture: ") || line.contains("was not probed"), "{line}");
    }
}

#[test]
fn verbose_logs_one_line_per_request_and_draws_no_bar_when_stderr_is_not_a_terminal() {
    let fake = FakeDaemon::start(Behaviour::Docker2010 { broken: Some(BROKEN) });
    let dir = tempfile::tempdir().expect("tempdir");
    let o = run_against(&fake, dir.path(), &["--only", "container.list,plugin.inspect", "--verbose"], &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "the 500 is incompatible: {err}");
    assert!(!err.contains('\r') && !err.contains('\u{1b}'), "no progress bar on a pipe: {err:?}");
    let logged: Vec<&str> = err.lines().filter(|l| l.contains(" -> ")).collect();
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("run.json")).expect("run.json")).expect("json");
    assert_eq!(logged.len(), run["probes"].as_array().expect("probes").len(), "one line per probe: {err}");
    let has = |prefix: &str, suffix: &str| logged.iter().any(|l| l.starts_with(prefix) && l.ends_with(suffix));
    assert!(
        has("GET /v1.41/containers/json?all=1&filters=", "ms): server error 500: fake daemon: broken on purpose"),
        "{err}"
    );
    assert!(
        has(
            "GET /v1.11/containers/json?all=1&filters=",
            "client version 1.11 is too old. Minimum supported API version is 1.12, please upgrade your client to a newer version"
        ),
        "{err}"
    );
    assert!(
        logged.iter().any(|l| l.starts_with("GET /v1.25/plugins/dockmatrix-missing-")
            && l.contains("/json -> 404 not-applicable (")
            && l.contains("ms): No such object: dockmatrix-missing-")),
        "{err}"
    );
    // The unversioned request is served at 1.41, broken endpoint and all.
    assert!(has("GET /containers/json?all=1&filters=", "broken on purpose"), "{err}");
    assert!(logged.iter().any(|l| l.contains(" -> 500 incompatible (")), "{err}");
}

/// Runs `dockmatrix ARGS` with stderr on a pseudo-terminal (util-linux `script`) and returns what the terminal got.
fn on_a_terminal(args: &[String]) -> String {
    let quoted: Vec<String> = std::iter::once(env!("CARGO_BIN_EXE_dockmatrix").to_string())
        .chain(args.iter().cloned())
        .map(|a| format!("'{}'", a.replace('\'', r"'\''")))
        .collect();
    // stdout goes elsewhere, so the terminal shows only stderr.
    let command = format!("{} >/dev/null", quoted.join(" "));
    let o = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("DOCKER_HOST")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env("COLUMNS", "160")
        .output()
        .expect("`script` runs (Debian's bsdutils, which scripts/test.sh installs)");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn the_progress_bar_shows_on_a_terminal_unless_quiet_and_log_lines_stay_whole() {
    let fake = FakeDaemon::start(Behaviour::Docker2010 { broken: Some(BROKEN) });
    let dir = tempfile::tempdir().expect("tempdir");
    let args = |extra: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = ["run", "--host", &fake.host(), "--no-snapshots", "--only", "container.list"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        a.extend(["--out".to_string(), dir.path().display().to_string()]);
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let shown = on_a_terminal(&args(&["--verbose"]));
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("run.json")).expect("run.json")).expect("json");
    let total = run["probes"].as_array().expect("probes").len();
    assert!(shown.contains(&format!("/{total} probes")), "done/total: {shown:?}");
    // The elapsed time as `[HH:MM:SS]`, whatever it reads: a loaded machine may take more than 10 s.
    let clock = |w: &[u8]| {
        w[0] == b'['
            && w[3] == b':'
            && w[6] == b':'
            && w[9] == b']'
            && [1, 2, 4, 5, 7, 8].iter().all(|&i| w[i].is_ascii_digit())
    };
    assert!(shown.as_bytes().windows(10).any(clock), "elapsed time: {shown:?}");
    assert!(shown.contains(" probes  container.list "), "the current endpoint: {shown:?}");
    // Each log line is printed with the bar cleared first and redrawn after: the line itself stays whole.
    let whole = shown.split('\n').map(|l| l.trim_end_matches('\r')).map(|l| l.rsplit("\u{1b}[2K").next().unwrap_or(l));
    let logged: Vec<&str> = whole.filter(|l| l.contains(" -> ")).collect();
    assert_eq!(logged.len(), total, "{shown:?}");
    assert!(logged.iter().all(|l| l.starts_with("GET /") && l.contains(" ms)")), "{logged:?}");

    let quiet = on_a_terminal(&args(&["--quiet"]));
    assert!(quiet.contains("daemon: "), "the run itself still talks: {quiet:?}");
    assert!(!quiet.contains(&format!("/{total} probes")), "no bar with --quiet: {quiet:?}");
}

#[test]
fn step_summary_reports_append_to_github_step_summary() {
    let fake = FakeDaemon::start(Behaviour::Docker2010 { broken: None });
    let dir = tempfile::tempdir().expect("tempdir");
    let summary = dir.path().join("step_summary.md");
    std::fs::write(&summary, "earlier step\n").expect("write");
    let summary_text = summary.display().to_string();
    let env = [("GITHUB_STEP_SUMMARY", summary_text.as_str())];
    let only = ["--only", "container.list", "--quiet"];

    // The keyword, and the variable's own value (as a workflow writes `md:$GITHUB_STEP_SUMMARY`): both append.
    let o = run_against(&fake, &dir.path().join("a"), &[&only[..], &["--report", "md:step-summary"]].concat(), &env);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let explicit = format!("md:{summary_text}");
    let o = run_against(&fake, &dir.path().join("b"), &[&only[..], &["--report", &explicit]].concat(), &env);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let md = std::fs::read_to_string(&summary).expect("summary");
    assert!(md.starts_with("earlier step\n## dockmatrix: docker-20.10"), "{md}");
    assert_eq!(md.matches("## dockmatrix: docker-20.10").count(), 2, "{md}");

    // Outside GitHub Actions the keyword writes nothing, and says so.
    let o = run_against(&fake, &dir.path().join("c"), &[&only[..], &["--report", "md:step-summary"]].concat(), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("warning: --report md:step-summary ignored: GITHUB_STEP_SUMMARY is not set"),
        "{}",
        stderr(&o)
    );
    assert!(!Path::new(env!("CARGO_MANIFEST_DIR")).join("step-summary").exists(), "no file named step-summary");

    // Only Markdown makes a step summary.
    let o = dockmatrix(&["run", "--host", &fake.host(), "--no-snapshots", "--report", "junit:step-summary"], &env);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("the step summary takes Markdown, not junit"), "{}", stderr(&o));
}

#[test]
fn the_docs_link_the_committed_workflow_and_the_readme_lists_every_exit_code_of_help() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let reports = std::fs::read_to_string(root.join("docs/reports.md")).expect("docs/reports.md");
    let workflow = std::fs::read_to_string(root.join("docs/github-actions.yml")).expect("docs/github-actions.yml");
    // One copy of the workflow, linked from the pages that explain it (the link check is tests/integration/docs.rs).
    assert!(reports.contains("](github-actions.yml)"), "docs/reports.md must link docs/github-actions.yml");
    assert!(readme.contains("](docs/github-actions.yml)"), "README.md must link docs/github-actions.yml");
    let first_step = "dockmatrix run --no-snapshots --out dockmatrix-out";
    assert!(workflow.contains(first_step), "{workflow}");
    assert!(
        !readme.contains(first_step) && !reports.contains(first_step),
        "a copy of the workflow goes stale: link it"
    );
    assert!(
        workflow.contains("--report junit:dockmatrix.xml")
            && workflow.contains(r#"--report "md:$GITHUB_STEP_SUMMARY""#)
    );

    let help = super::stdout(&dockmatrix(&["--help"], &[]));
    let codes_in_help: Vec<&str> =
        help.lines().skip_while(|l| *l != "Exit codes:").skip(1).filter_map(|l| l.split_whitespace().next()).collect();
    let codes_in_readme: Vec<&str> = readme
        .lines()
        .skip_while(|l| *l != "## Exit codes")
        .take_while(|l| !l.starts_with("`dockmatrix --help`"))
        .filter_map(|l| l.strip_prefix("| `")?.split('`').next())
        .collect();
    assert_eq!(codes_in_help, ["0", "1", "2", "3", "4"], "{help}");
    assert_eq!(codes_in_readme, codes_in_help);
}

//! `dockmatrix report`: re-rendering a saved run, the CI policy and the exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/run-docker-20.10.json")
}

/// A saved real run with incompatible verdicts: Podman 4.3 does not route some endpoints it advertises.
fn podman() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/saved/podman-4.3.json.gz")
}

fn dockmatrix(args: &[&str]) -> Output {
    super::dockmatrix(args, &[])
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// stderr with miette's line wrapping undone, so a message can be matched whole.
fn unwrapped(bytes: &[u8]) -> String {
    text(bytes).replace("\n  │ ", " ")
}

#[test]
fn renders_every_format_from_a_saved_run() {
    let run = fixture();
    let run = run.to_str().expect("utf-8 path");
    for (format, start) in [
        ("table", "docker-20.10: docker 20.10.24"),
        ("md", "## dockmatrix: docker-20.10"),
        ("json", "{"),
        ("junit", "<?xml"),
        ("html", "<!DOCTYPE html>"),
    ] {
        // A real docker 20.10 fails no probe: the default policy passes.
        let out = dockmatrix(&["report", run, "--format", format]);
        assert_eq!(out.status.code(), Some(0), "{format}: {}", text(&out.stderr));
        assert!(text(&out.stdout).starts_with(start), "{format}");
    }
}

#[test]
fn the_default_policy_fails_on_an_incompatible_verdict() {
    let out = dockmatrix(&["report", fixture().to_str().expect("utf-8 path"), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!text(&out.stderr).contains("policy failure"), "{}", text(&out.stderr));
    let out = dockmatrix(&["report", podman().to_str().expect("utf-8 path"), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "policy failure: podman-4.3: --fail-on incompatible: config.list at API 1.40 is incompatible (404): \
             defined at v1.40 but not routed: Not Found"
        ),
        "{stderr}"
    );
}

#[test]
fn writes_to_a_file_and_one_junit_suite_per_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("reports/junit.xml");
    let run = fixture();
    let run = run.to_str().expect("utf-8 path");
    let out = dockmatrix(&[
        "report",
        run,
        run,
        "--format",
        "junit",
        "-o",
        file.to_str().expect("utf-8"),
        "--fail-on",
        "endpoint:image.*",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let xml = std::fs::read_to_string(&file).expect("report written");
    // A suite of probes per run, each followed by its conformance suite (the fixture was checked against the spec),
    // then a suite of the real clients per run.
    assert_eq!(xml.matches("<testsuite ").count(), 6);
    assert_eq!(xml.matches(r#"<testsuite name="docker-20.10.conformance" "#).count(), 2);
    assert_eq!(xml.matches(r#"<testsuite name="docker-20.10.clients" "#).count(), 2);
}

#[test]
fn a_malformed_run_is_a_usage_error_naming_file_line_and_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("run.json");
    std::fs::write(&bad, "{\n  \"schema_version\": 1,\n  \"tool\": \"dockmatrix\",\n  \"run_id\": ,\n}\n")
        .expect("write");
    let out = dockmatrix(&["report", bad.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = unwrapped(&out.stderr);
    assert!(stderr.contains(&format!("failed to read run {}:4:13: run_id: expected value", bad.display())), "{stderr}");
}

#[test]
fn an_unwritable_report_exits_4() {
    let dir = tempfile::tempdir().expect("tempdir");
    let blocker = dir.path().join("not-a-folder");
    std::fs::write(&blocker, "").expect("write");
    let target = blocker.join("report.html");
    let run = fixture();
    let out = dockmatrix(&[
        "report",
        run.to_str().expect("utf-8"),
        "--format",
        "html",
        "-o",
        target.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
}

#[test]
fn an_unknown_kubernetes_release_is_a_usage_error() {
    let run = fixture();
    let out = dockmatrix(&["report", run.to_str().expect("utf-8"), "--fail-on", "kubernetes:9.99"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = unwrapped(&out.stderr);
    assert!(
        stderr.contains("invalid --fail-on policy `kubernetes:9.99`: unknown Kubernetes release `9.99`"),
        "{stderr}"
    );
}

#[test]
fn each_run_writes_markdown_pages_only_and_needs_a_file() {
    let (run, dir) = (fixture(), tempfile::tempdir().expect("tempdir"));
    let (run, page) = (run.to_str().expect("utf-8"), dir.path().join("page.json"));
    let pages = dir.path().join("daemons");
    let args = |format: &'static str| {
        vec![
            "report",
            run,
            "--format",
            format,
            "-o",
            page.to_str().expect("utf-8"),
            "--each-run",
            pages.to_str().expect("utf-8"),
        ]
    };
    let out = dockmatrix(&args("json"));
    assert_eq!(out.status.code(), Some(2));
    assert!(unwrapped(&out.stderr).contains("--each-run writes Markdown pages"), "{}", text(&out.stderr));
    assert!(!pages.exists() && !page.exists(), "nothing written");
    let out = dockmatrix(&["report", run, "--format", "md", "--each-run", "x"]);
    assert_eq!(out.status.code(), Some(2), "needs -o FILE: {}", text(&out.stderr));
    // One run: its page apart, linked relative to the report's folder.
    let out = dockmatrix(&args("md"));
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", text(&out.stderr));
    let md = std::fs::read_to_string(&page).expect("the report");
    assert!(md.contains("[docker-20.10](daemons/docker-20.10.md)"), "{md}");
    let own = std::fs::read_to_string(pages.join("docker-20.10.md")).expect("the run's page");
    assert!(own.starts_with("## dockmatrix: docker-20.10"), "{}", &own[..own.len().min(200)]);
}

#[test]
fn appends_markdown_to_the_step_summary_when_asked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let summary = dir.path().join("summary.md");
    let run = fixture();
    let out = Command::new(env!("CARGO_BIN_EXE_dockmatrix"))
        .args(["report", run.to_str().expect("utf-8"), "--format", "json", "--step-summary", "--fail-on", "error"])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .expect("the binary runs");
    assert_eq!(out.status.code(), Some(0), "a real docker 20.10 gives no error verdict: {}", text(&out.stderr));
    let md = std::fs::read_to_string(&summary).expect("summary written");
    assert!(md.starts_with("## dockmatrix: docker-20.10"));
}

#[test]
fn policy_failures_stop_at_twenty_and_name_the_command_that_lists_all() {
    let mut run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture()).expect("fixture")).expect("json");
    let mut made = 0;
    for p in run["probes"].as_array_mut().expect("probes") {
        if p["verdict"] == "ok" && made < 25 {
            p["verdict"] = "incompatible".into();
            made += 1;
        }
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("run.json");
    std::fs::write(&path, run.to_string()).expect("write");
    let path = path.to_str().expect("utf-8 path");

    let out = dockmatrix(&["report", path, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().filter(|l| l.starts_with("policy failure: ")).count(), 20, "{stderr}");
    let last = stderr.lines().last().unwrap_or_default();
    assert_eq!(
        last,
        format!("... and 5 more policy failures (all of them: `dockmatrix report {path} --all-failures`)")
    );

    let out = dockmatrix(&["report", path, "--format", "json", "--all-failures"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().filter(|l| l.starts_with("policy failure: ")).count(), 25, "{stderr}");
    assert!(!stderr.contains("more policy failures"), "{stderr}");
}

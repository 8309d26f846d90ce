//! `dockmatrix diff`: two saved runs in, what changed out, and the exit codes.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{dockmatrix, stderr, stdout};

fn fixture() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/run-docker-20.10.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json")
}

/// `run` with every ok answer of system.ping carrying `body`: the real pings answer `OK`, which is not JSON, and a
/// real docker 20.10 run of the fixture's endpoints has no ok answer with a JSON body to compare fields of.
fn pings_answering(mut run: Value, body: &str) -> Value {
    for p in run["probes"].as_array_mut().expect("probes") {
        if p["endpoint"] == "system.ping" && p["verdict"] == "ok" {
            p["evidence"]["body"] = body.into();
        }
    }
    run
}

/// The fixture with JSON pings carrying `Size`.
fn before() -> Value {
    pings_answering(fixture(), r#"{"Id":"x","Size":1}"#)
}

/// The fixture as a later daemon: 26.1, enforcing 1.24, HEAD /_ping absent at 1.41, pings without `Size`.
fn upgraded() -> Value {
    let mut run = pings_answering(fixture(), r#"{"Id":"x"}"#);
    run["daemon"]["name"] = "docker-26.1".into();
    run["daemon"]["version"] = "26.1.4".into();
    run["daemon"]["enforced_min"] = "1.24".into();
    run["daemon"]["min_api_version"] = "1.24".into();
    for p in run["probes"].as_array_mut().expect("probes") {
        let (endpoint, version) = (p["endpoint"].clone(), p["api_version"].clone());
        let minor = version.as_str().and_then(|v| v.strip_prefix("1.")).and_then(|m| m.parse::<u16>().ok());
        if minor.is_some_and(|m| m < 24) && p["verdict"] == "ok" {
            p["verdict"] = "version-rejected".into();
            p["status"] = 400.into();
        }
        if endpoint == "system.ping.head" && version == "1.41" {
            p["verdict"] = "absent".into();
            p["status"] = 404.into();
        }
    }
    run
}

fn write(dir: &Path, name: &str, run: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(run).expect("json")).expect("write");
    path
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn shows_daemon_verdict_and_field_changes_and_exits_1_only_when_asked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = write(dir.path(), "a.json", &before());
    let b = write(dir.path(), "b.json", &upgraded());

    let o = dockmatrix(&["diff", s(&a), s(&b)], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    let run_id = fixture()["run_id"].as_str().expect("run_id").to_string();
    for line in [
        format!("A: docker-20.10 ({}, run {run_id})", a.display()),
        "  enforced minimum 1.12 → 1.24".into(),
        "  advertised minimum 1.12 → 1.24".into(),
        "  container.attach POST /containers/{id}/attach: 1.12–1.23: ok (101) → version-rejected (400)".into(),
        "  exec.start POST /exec/{id}/start: 1.15–1.23: ok (101) → version-rejected (400)".into(),
        "  system.ping GET /_ping: 1.12–1.23: ok (200) → version-rejected (400)".into(),
        "  system.ping.head HEAD /_ping: 1.41: ok (200) → absent (404)".into(),
        "  system.ping /Size: only in A (A: present 1.12–1.41; B: absent 1.24–1.41)".into(),
    ] {
        assert!(text.lines().any(|l| l == line), "missing `{line}` in:\n{text}");
    }

    let o = dockmatrix(&["diff", s(&a), s(&b), "--fail-on-change"], &[]);
    assert_eq!(o.status.code(), Some(1));
    let o = dockmatrix(&["diff", s(&a), s(&a), "--fail-on-change"], &[]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).ends_with("\nno changes\n"), "{}", stdout(&o));

    let o = dockmatrix(&["diff", s(&a), s(&b), "--format", "md"], &[]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).starts_with("## dockmatrix diff: docker-20.10 → docker-26.1\n"));
    let o = dockmatrix(&["diff", s(&a), s(&b), "--format", "json", "--fail-on-change"], &[]);
    assert_eq!(o.status.code(), Some(1));
    let json: Value = serde_json::from_str(&stdout(&o)).expect("json output");
    assert_eq!(json["daemon"][1], serde_json::json!({"field": "min_api_version", "before": "1.12", "after": "1.24"}));
}

#[test]
fn unreadable_runs_are_usage_errors_that_say_what_to_pass() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = write(dir.path(), "a.json", &fixture());
    let missing = dir.path().join("missing.json");
    let o = dockmatrix(&["diff", s(&a), s(&missing)], &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("failed to read run") && err.contains("missing.json"), "{err}");
    assert!(err.contains("pass the run.json a `dockmatrix run` wrote"), "{err}");
    assert!(err.lines().count() < 25, "one screen: {err}");

    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\n  \"schema_version\": 1,\n  \"tool\": \n}").expect("write");
    let o = dockmatrix(&["diff", s(&bad), s(&a)], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains(":4:1: "), "{}", stderr(&o));

    let two = write(dir.path(), "two.json", &Value::Array(vec![fixture(), upgraded()]));
    let o = dockmatrix(&["diff", s(&two), s(&a)], &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o).replace("\n  │ ", " ");
    assert!(err.contains("holds 2 runs; diff compares one run with another"), "{err}");
}

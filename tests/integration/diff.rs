//! `dockmatrix diff`: two saved runs in, what changed out, and the exit codes.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{dockmatrix, stderr, stdout};

fn fixture() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/run-docker-20.10.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json")
}

/// The fixture as a later daemon: 26.1, enforcing 1.24, volume.list absent at 1.41, image.list without `Size`.
fn upgraded() -> Value {
    let mut run = fixture();
    run["daemon"]["name"] = "docker-26.1".into();
    run["daemon"]["version"] = "26.1.4".into();
    run["daemon"]["enforced_min"] = "1.24".into();
    run["daemon"]["min_api_version"] = "1.24".into();
    for p in run["probes"].as_array_mut().expect("probes") {
        let (endpoint, version) = (p["endpoint"].clone(), p["api_version"].clone());
        if version == "1.12" && p["verdict"] == "ok" {
            p["verdict"] = "version-rejected".into();
            p["status"] = 400.into();
        }
        if endpoint == "volume.list" && version == "1.41" {
            p["verdict"] = "absent".into();
            p["status"] = 404.into();
        }
        if endpoint == "image.list" && p["verdict"] == "ok" {
            p["evidence"]["body"] = r#"[{"Id":"sha256:[id]","RepoTags":["busybox:1.36"]}]"#.into();
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
    let a = write(dir.path(), "a.json", &fixture());
    let b = write(dir.path(), "b.json", &upgraded());

    let o = dockmatrix(&["diff", s(&a), s(&b)], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    for line in [
        format!("A: docker-20.10 ({}, run 20240611T101500Z-7f3a)", a.display()),
        "  enforced minimum 1.12 → 1.24".into(),
        "  advertised minimum 1.12 → 1.24".into(),
        "  1.12: ok (200) → version-rejected (400), on 13 endpoints:".into(),
        "  volume.list GET /volumes: 1.41: ok (200) → absent (404)".into(),
        "  image.list /[]/Size: only in A (A: present 1.12–1.41; B: absent 1.24–1.41)".into(),
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

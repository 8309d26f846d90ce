//! The committed run fixture (`tests/fixtures/run-docker-20.10.json`, which the report tests read) is what the runner
//! writes now (`--features live-tests`, against the docker-20.10 daemon at DOCKER_HOST that scripts/test.sh starts).
//!
//! The endpoints of tests/fixtures/run-docker-20.10.only are run again and both runs are compared once what changes
//! from run to run is left out (run id, times, durations, host, container and exec ids): the same probes with the
//! same request shape, status, verdict and reason, the same evidence fields (headers by name, the stream summary's
//! fields, its format and whether the stream was upgraded), and the same conformance findings (spec version, kind,
//! pointer and erratum of each). `bash scripts/run-fixture.sh` regenerates the
//! fixture.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::live::{docker_host, sweeping_daemon};
use super::{dockmatrix, stderr, stdout};

const FIXTURE: &str = "tests/fixtures/run-docker-20.10.json";
const ONLY: &str = "tests/fixtures/run-docker-20.10.only";
const REGENERATE: &str = "regenerate it with `bash scripts/run-fixture.sh` (it starts its own docker-20.10), then \
                          review the report snapshots that change (cargo insta review)";

/// The `--only` globs of the fixture: one a line, `#` comments and blank lines left out (as scripts/run-fixture.sh
/// reads them).
fn only_globs() -> Vec<String> {
    let text = std::fs::read_to_string(ONLY).expect("the fixture's --only list");
    text.lines().map(|l| l.split('#').next().unwrap_or_default().trim().to_string()).filter(|l| !l.is_empty()).collect()
}

/// `text` with the run id as `<run>` and every run of 32 or more hex digits (container, exec, image ids) as `<id>`.
fn normalise(text: &str, run_id: &str) -> String {
    let text = if run_id.is_empty() { text.to_string() } else { text.replace(run_id, "<run>") };
    let mut out = String::with_capacity(text.len());
    let mut hex = String::new();
    let flush = |hex: &mut String, out: &mut String| {
        out.push_str(if hex.len() >= 32 { "<id>" } else { hex.as_str() });
        hex.clear();
    };
    for c in text.chars() {
        if c.is_ascii_hexdigit() && !c.is_ascii_uppercase() {
            hex.push(c);
        } else {
            flush(&mut hex, &mut out);
            out.push(c);
        }
    }
    flush(&mut hex, &mut out);
    out
}

fn keys(v: &Value) -> Vec<&str> {
    v.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default()
}

/// Endpoint and API version → one line of what a probe must keep from run to run.
fn shape(run: &Value) -> BTreeMap<(String, String), String> {
    let run_id = run["run_id"].as_str().unwrap_or_default();
    let text = |v: &Value| normalise(v.as_str().unwrap_or_default(), run_id);
    run["probes"]
        .as_array()
        .expect("probes")
        .iter()
        .map(|p| {
            let ev = &p["evidence"];
            let mut fields = keys(ev);
            fields.sort_unstable();
            let headers: Vec<&str> =
                ev["headers"].as_array().into_iter().flatten().filter_map(|h| h[0].as_str()).collect();
            let summary = &ev["stream_summary"];
            let stream = if summary.is_null() {
                String::new()
            } else {
                let mut f = keys(summary);
                f.sort_unstable();
                format!("; stream_summary {{{}}} {} upgraded={}", f.join(","), summary["format"], summary["upgraded"])
            };
            let conformance = &p["conformance"];
            let findings: Vec<String> = conformance["findings"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|f| {
                    format!(
                        "{} {}{}",
                        f["kind"],
                        f["pointer"],
                        f["erratum"].as_str().map_or(String::new(), |e| format!(" ({e})"))
                    )
                })
                .collect();
            let conformance = if conformance.is_null() {
                String::new()
            } else {
                format!("; spec {} [{}]", conformance["spec"], findings.join(", "))
            };
            let line = format!(
                "{} {} {} [{}] {}; reason {:?}; evidence {{{}}}; headers [{}]{stream}{conformance}",
                p["method"].as_str().unwrap_or_default(),
                text(&p["request"]),
                p["status"],
                p["tag"].as_str().unwrap_or_default(),
                p["verdict"].as_str().unwrap_or_default(),
                text(&p["reason"]),
                fields.join(","),
                headers.join(","),
            );
            let endpoint = p["endpoint"].as_str().unwrap_or_default().to_string();
            let at = p["api_version"].as_str().unwrap_or("unversioned").to_string();
            ((endpoint, at), line)
        })
        .collect()
}

/// What a run says of itself and its daemon that must not change from run to run.
fn header(run: &Value) -> Vec<(String, String)> {
    let mut daemon = run["daemon"].clone();
    if let Some(d) = daemon.as_object_mut() {
        d.remove("name");
    }
    let scenarios = run["scenarios"].as_array().map_or(0, Vec::len);
    [
        ("schema_version", run["schema_version"].to_string()),
        ("tool", run["tool"].to_string()),
        ("complete", run["complete"].to_string()),
        ("daemon", daemon.to_string()),
        ("api_versions", run["api_versions"].to_string()),
        ("fields", keys(run).join(",")),
        ("scenarios", scenarios.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// The first differences between the committed run and the new one, one line each.
fn differences(committed: &Value, now: &Value) -> Vec<String> {
    let mut out: Vec<String> = header(committed)
        .into_iter()
        .zip(header(now))
        .filter(|((_, a), (_, b))| a != b)
        .map(|((k, a), (_, b))| format!("{k}: committed {a}\n    now       {b}"))
        .collect();
    let (a, b) = (shape(committed), shape(now));
    for key in a.keys().chain(b.keys().filter(|k| !a.contains_key(*k))) {
        let (was, is) = (a.get(key), b.get(key));
        if was != is {
            let show = |s: Option<&String>| s.cloned().unwrap_or_else(|| "not probed".into());
            out.push(format!("{} at {}: committed {}\n    now       {}", key.0, key.1, show(was), show(is)));
        }
    }
    out
}

#[test]
fn normalising_leaves_out_run_ids_and_object_ids_only() {
    let id = "55f5fd8dd726e179eb72f9d7b3b081bd7d9d3ea5d955360fc0a7cc1d6fab8fdc";
    assert_eq!(
        normalise(
            &format!("/v1.41/containers/{id}/attach?stream=1 dockmatrix-b5898cb91149-x 1.41 cafe"),
            "b5898cb91149"
        ),
        "/v1.41/containers/<id>/attach?stream=1 dockmatrix-<run>-x 1.41 cafe"
    );
}

#[test]
fn the_run_fixture_is_what_the_runner_writes_now() {
    let committed: Value =
        serde_json::from_str(&std::fs::read_to_string(FIXTURE).expect("the committed fixture")).expect("json");
    let host = docker_host();
    let only = only_globs().join(",");
    let out = tempfile::tempdir().expect("tempdir");
    let out_dir = out.path().display().to_string();
    // Alone on the daemon: the run makes the shared fixtures of a full plan, which a snapshot sweep must not see.
    let sweeping = sweeping_daemon();
    let o = dockmatrix(
        &["run", "--quiet", "--no-snapshots", "--jobs", "1", "--host", &host, "--only", &only, "--out", &out_dir],
        &[],
    );
    drop(sweeping);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let now: Value =
        serde_json::from_str(&std::fs::read_to_string(Path::new(&out_dir).join("run.json")).expect("run.json"))
            .expect("json");
    assert_eq!(
        now["daemon"]["version"], committed["daemon"]["version"],
        "DOCKER_HOST ({host}) must be the daemon the fixture was made on (bash scripts/daemons.sh start docker-20.10)"
    );
    let diff = differences(&committed, &now);
    let shown: Vec<&String> = diff.iter().take(12).collect();
    assert!(
        diff.is_empty(),
        "{FIXTURE} is stale: {} difference(s) from a run of {ONLY} now; the first ones:\n  {}\n{REGENERATE}",
        diff.len(),
        shown.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n  ")
    );
}

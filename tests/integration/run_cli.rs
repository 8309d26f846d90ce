//! `dockmatrix run` against the fake daemon: the failures real daemons rarely produce.

use super::fake_daemon::{Behaviour, FakeDaemon};
use super::{dockmatrix, stderr};

#[test]
fn a_missing_socket_exits_3_with_a_hint() {
    let o = dockmatrix(&["run", "--quiet", "--host", "unix:///nonexistent/docker.sock"], &[]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("is the daemon running?"), "{}", stderr(&o));
}

#[test]
fn a_server_that_is_not_docker_exits_3() {
    let fake = FakeDaemon::start(Behaviour::Garbage);
    let o = dockmatrix(&["run", "--quiet", "--host", &fake.host()], &[]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("not as a Docker Engine"), "{}", stderr(&o));
}

#[test]
fn a_hanging_daemon_times_out_with_exit_3() {
    let fake = FakeDaemon::start(Behaviour::Hang);
    let o = dockmatrix(&["run", "--quiet", "--timeout", "0.5", "--host", &fake.host()], &[]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("timed out"), "{}", stderr(&o));
}

#[test]
fn a_daemon_dropping_connections_exits_3() {
    let fake = FakeDaemon::start(Behaviour::Drop);
    let o = dockmatrix(&["run", "--quiet", "--host", &fake.host()], &[]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
}

#[test]
fn connections_dropped_mid_run_are_error_verdicts_and_keep_every_result() {
    let fake = FakeDaemon::start(Behaviour::DropAfterDiscovery);
    let out = tempfile::tempdir().expect("tempdir");
    let o = dockmatrix(
        &[
            "run",
            "--quiet",
            "--no-snapshots",
            "--host",
            &fake.host(),
            "--only",
            "system.*,container.list",
            "--out",
            &out.path().display().to_string(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("run.json")).expect("run.json written"))
            .expect("json");
    let probes = run["probes"].as_array().expect("probes");
    let errors = probes.iter().filter(|p| p["verdict"] == "error").count();
    assert!(errors > 30, "every sent probe is an error verdict, got {errors}");
    let lines = std::fs::read_to_string(out.path().join("probes.jsonl")).expect("jsonl").lines().count();
    assert_eq!(lines, probes.len(), "probes.jsonl holds every result as it arrived");
}

//! Integration tests: the real binary, run as users run it.

#[cfg(feature = "browser-tests")]
mod browser;
mod clients_cli;
mod compatibility;
mod diff;
mod docs;
mod drift;
#[path = "../support/fake_daemon.rs"]
mod fake_daemon;
mod fuzz;
mod hijack;
#[cfg(feature = "schema-tests")]
mod junit_schema;
mod layers;
#[cfg(feature = "live-tests")]
mod live;
#[cfg(feature = "live-tests")]
mod live_daemons;
#[cfg(feature = "live-tests")]
mod live_fixtures;
#[cfg(feature = "live-tests")]
mod live_run_fixture;
#[cfg(feature = "live-tests")]
mod live_scenario;
mod matrix_cli;
mod report;
mod report_layers;
mod run_cli;
mod run_report;
mod saved_runs;
mod snapshot_cli;

use std::path::Path;
use std::process::{Command, Output};

/// A plain `cargo test` leaves the live, browser and schema tests out (they need daemons and Debian packages that
/// scripts/test.sh provides): this ignored test says so in one line of the test output, and counts as ignored, not
/// as passed. Compiled only while one of the three features is off; run with `--ignored` it fails naming those off.
#[cfg(not(all(feature = "live-tests", feature = "browser-tests", feature = "schema-tests")))]
#[test]
#[cfg_attr(
    not(any(feature = "live-tests", feature = "browser-tests", feature = "schema-tests")),
    ignore = "live, browser and schema tests left out: run bash scripts/test.sh (it starts the daemons and enables them)"
)]
#[cfg_attr(
    any(feature = "live-tests", feature = "browser-tests", feature = "schema-tests"),
    ignore = "some of the live, browser and schema tests left out: run bash scripts/test.sh (it starts the daemons and enables them)"
)]
fn live_browser_and_schema_tests_left_out() {
    let features = [
        ("live-tests", cfg!(feature = "live-tests")),
        ("browser-tests", cfg!(feature = "browser-tests")),
        ("schema-tests", cfg!(feature = "schema-tests")),
    ];
    let off: Vec<&str> = features.iter().filter(|(_, on)| !on).map(|(name, _)| *name).collect();
    assert!(
        off.is_empty(),
        "the features {} are off, so their tests were not run: run bash scripts/test.sh (it starts the daemons and \
         enables them)",
        off.join(", ")
    );
}

/// Held by each test that loads the machine for a minute or more (a full live sweep) and by each test that bounds a
/// run's wall time: on a machine of two cores, two full sweeps at once made daemons answer past `--timeout` and a
/// bounded run take twice its bound. One such test at a time; the light tests still run beside them.
static HEAVY: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Waits until no other heavy or timed test runs (see [`HEAVY`]); hold the guard for the test's length.
pub fn heavy() -> std::sync::MutexGuard<'static, ()> {
    HEAVY.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `dockmatrix ARGS` from the repository root, with no DOCKER_HOST unless `env` sets it.
pub fn dockmatrix(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dockmatrix"));
    cmd.args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .env_remove("DOCKER_CONTEXT")
        .env_remove("GITHUB_STEP_SUMMARY");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run dockmatrix")
}

/// Runs `dockmatrix ARGS` from `dir` as a user would outside a CI job: no DOCKER_HOST, and no `CI` (which turns on
/// `--ci`).
pub fn dockmatrix_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dockmatrix"))
        .args(args)
        .current_dir(dir)
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("CI")
        .output()
        .expect("run dockmatrix")
}

/// stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

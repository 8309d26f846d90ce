//! `dockmatrix clients`: which real clients work against a daemon, predicted for a Docker release or read from a
//! run; and `--fail-on client:NAME` against a fake daemon whose minimum is 1.44, the Docker 29.0 case no daemon here
//! runs.

use super::fake_daemon::FakeDaemon;
use super::{dockmatrix, stderr, stdout};

/// The JSON section of `dockmatrix clients ARGS --format json`: client → the cells' `verdict version`.
pub(crate) fn cells(args: &[&str]) -> Vec<(String, Vec<String>)> {
    let mut all = vec!["clients"];
    all.extend(args);
    all.extend(["--format", "json"]);
    let o = dockmatrix(&all, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    v["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            let cells = r["cells"].as_array().expect("cells").iter().map(|c| {
                let version = c["api_version"].as_str().unwrap_or("-");
                let predicted = if c["predicted"] == true { " predicted" } else { "" };
                format!("{} {version}{predicted}", c["verdict"].as_str().unwrap_or_default())
            });
            (r["client"].as_str().unwrap_or_default().to_string(), cells.collect())
        })
        .collect()
}

#[test]
fn predicts_what_breaks_on_docker_29_before_the_upgrade() {
    let got = cells(&["--daemon", "docker-28.5", "--daemon", "29.0", "--daemon", "29.3", "--client", "traefik-*"]);
    let row = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        got,
        [
            (
                "traefik-3.6.0".to_string(),
                row(&["works 1.24 predicted", "breaks 1.24 predicted", "breaks 1.24 predicted"])
            ),
            (
                "traefik-3.6.1".to_string(),
                row(&["works 1.51 predicted", "works 1.51 predicted", "works 1.51 predicted"])
            ),
        ]
    );
    let md = stdout(&dockmatrix(&["clients", "--daemon", "29.0", "--client", "kubelet-1.23", "--format", "md"], &[]));
    assert!(
        md.contains(
            "| kubelet-1.23 | 1.41 | breaks (predicted) | negotiates to 1.41 (the daemon's 1.52, its cap 1.41); this \
             daemon enforces 1.44–1.52: every request gets 400 \"client version 1.41 is too old."
        ),
        "{md}"
    );
}

#[test]
fn an_unknown_release_or_client_is_a_usage_error_naming_the_known_ones() {
    let o = dockmatrix(&["clients", "--daemon", "docker-30.0"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no such Docker release") && stderr(&o).contains("29.3"), "{}", stderr(&o));
    let o = dockmatrix(&["clients", "--daemon", "29.0", "--client", "nothing-like-it"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("matches no client") && stderr(&o).contains("traefik-3.6.1"), "{}", stderr(&o));
    let o = dockmatrix(&["clients"], &[]);
    assert_eq!(o.status.code(), Some(2), "a run or a --daemon is needed: {}", stderr(&o));
}

/// A daemon that serves 1.44–1.52 (Docker 29.0's range): a run of it, then what each client makes of it.
#[test]
fn a_daemon_with_minimum_1_44_breaks_the_pinned_and_old_negotiating_clients() {
    let fake = FakeDaemon::stateful().with_api("1.44", "1.52");
    let out = tempfile::tempdir().expect("tempdir");
    let out_dir = out.path().display().to_string();
    let only = "system.version,system.ping,system.ping.head,container.list,container.inspect";
    let args = ["run", "--quiet", "--no-snapshots", "--host", &fake.host(), "--only", only, "--out", &out_dir];
    let o = dockmatrix(&args, &[]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    let run = out.path().join("run.json");
    let run = run.display().to_string();
    let got = cells(&[&run, "--client", "traefik-*", "--client", "kubelet-1.23", "--client", "watchtower-*"]);
    let verdicts: Vec<String> = got.iter().map(|(c, v)| format!("{c}: {}", v.join(" | "))).collect();
    assert_eq!(
        verdicts,
        [
            "kubelet-1.23: breaks 1.41",
            // Traefik 3.6.1 calls /events, which this run did not probe: no verdict without evidence.
            "traefik-3.6.0: breaks 1.24",
            "traefik-3.6.1: unknown 1.51",
            "watchtower-1.7: breaks 1.25",
        ]
    );
    let o = dockmatrix(&["report", &run, "--fail-on", "client:traefik-3.6.0", "--format", "json"], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "--fail-on client:traefik-3.6.0: traefik-3.6.0 (3.0–3.6.0, 2.x ≤ 2.11.30) breaks: pins API 1.24; this daemon \
             enforces 1.44–1.52: every request gets 400 \"client version 1.24 is too old. Minimum supported API version \
             is 1.44"
        ),
        "{}",
        stderr(&o)
    );
    let o = dockmatrix(&["report", &run, "--fail-on", "client:traefik-3.6.1", "--format", "json"], &[]);
    assert_eq!(o.status.code(), Some(0), "unknown is not breaks: {}", stderr(&o));
    let o = dockmatrix(&["report", &run, "--fail-on", "client:nope*"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

/// Podman 4.3 says `Api-Version: 1.41` and answers any version: the CLI 29.0 (moby client v0.1.0, minimum 1.44)
/// fails its negotiation and sends `docker run` at 1.52, but `docker images` returns the negotiation's error before
/// sending anything (podman#27890).
#[test]
fn the_cli_29_0_breaks_on_docker_images_against_a_daemon_that_says_1_41() {
    let podman = "tests/fixtures/saved/podman-4.3.json.gz";
    let got = cells(&[podman, "--client", "docker-cli-29.0"]);
    assert_eq!(got, [("docker-cli-29.0".to_string(), vec!["breaks 1.52".to_string()])]);
    let o = dockmatrix(&["report", podman, "--fail-on", "client:docker-cli-29.0", "--format", "json"], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "docker-cli-29.0 (29.0–29.1) breaks: negotiation fails below its minimum 1.44 (the daemon says 1.41), so \
             it stays at its 1.52; GET /images/json fails in the client, before it is sent: \"API version 1.41 is not \
             supported by this client: the minimum supported API version is 1.44\""
        ),
        "{}",
        stderr(&o)
    );
}

//! Live tests against the daemon at DOCKER_HOST (`--features live-tests`); they fail loudly when none answers.

use std::collections::HashMap;

use dockmatrix::client::host::{self, HostInputs, TlsOptions};
use dockmatrix::client::{Client, Request};
use dockmatrix::model::Method;

use super::{dockmatrix, stderr};

/// Held for writing by tests that compare the whole daemon with the committed snapshots, and for reading by tests
/// that create containers, so a sweep never lists another test's container.
static DAEMON_STATE: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());
/// When a test last changed the daemon (its containers gone), for the sweep's `events` window.
static LAST_CHANGE: std::sync::Mutex<Option<std::time::Instant>> = std::sync::Mutex::new(None);

/// A test that creates containers holds this while they exist; declare it before the containers so it is
/// dropped after their removal.
pub(crate) struct ChangingDaemon(
    #[expect(dead_code, reason = "held for its Drop")] tokio::sync::RwLockReadGuard<'static, ()>,
);

impl Drop for ChangingDaemon {
    fn drop(&mut self) {
        *LAST_CHANGE.lock().unwrap_or_else(|e| e.into_inner()) = Some(std::time::Instant::now());
    }
}

/// Waits until no snapshot sweep runs, then lets the test change the daemon.
pub(crate) async fn changing_daemon() -> ChangingDaemon {
    ChangingDaemon(DAEMON_STATE.read().await)
}

/// Waits until no test changes the daemon, and until the last change has left the sweep's `events` window
/// (`since=$now-1` in whole seconds, so up to 2 s back).
fn quiet_daemon() -> tokio::sync::RwLockWriteGuard<'static, ()> {
    let guard = DAEMON_STATE.blocking_write();
    let last = *LAST_CHANGE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(at) = last {
        std::thread::sleep(std::time::Duration::from_millis(2500).saturating_sub(at.elapsed()));
    }
    guard
}

/// A test whose sweep creates and removes many objects holds this for as long as it counts or lists what is on the
/// daemon: no other test changes the daemon meanwhile, and a snapshot sweep after it waits out its events.
pub(crate) struct SweepingDaemon(
    #[expect(dead_code, reason = "held for its Drop")] tokio::sync::RwLockWriteGuard<'static, ()>,
);

impl Drop for SweepingDaemon {
    fn drop(&mut self) {
        *LAST_CHANGE.lock().unwrap_or_else(|e| e.into_inner()) = Some(std::time::Instant::now());
    }
}

/// Waits until no test changes the daemon, then holds it for a sweep (call it outside any async runtime).
pub(crate) fn sweeping_daemon() -> SweepingDaemon {
    SweepingDaemon(quiet_daemon())
}

/// DOCKER_HOST, or a panic that says how to start a daemon.
pub(crate) fn docker_host() -> String {
    std::env::var("DOCKER_HOST").unwrap_or_else(|_| {
        panic!("live tests need DOCKER_HOST: start a daemon with `eval \"$(bash scripts/dockerd.sh start)\"`")
    })
}

/// A client for `host` with a 10 s timeout and a 1 MiB body cap.
pub(crate) fn client_for(host: &str) -> Client {
    let env = |_: &str| None;
    let target =
        host::resolve(&HostInputs { flag: Some(host), tls_flags: TlsOptions::default(), env: &env, home: None })
            .expect("valid host");
    Client::new(target, std::time::Duration::from_secs(10), 1 << 20).expect("daemon socket exists")
}

#[tokio::test]
async fn pings_the_daemon_through_the_client() {
    let client = client_for(&docker_host());
    let resp = client.send(Request::new(Method::Get, "/_ping")).await.expect("the daemon answers /_ping");
    assert_eq!(resp.status, 200);
    assert_eq!(resp.body, b"OK");
    assert!(resp.header("api-version").is_some(), "Api-Version header on /_ping");
}

/// Runs a small sweep and returns (endpoint, api version or "unversioned") → verdict.
fn sweep(host: &str, only: &str) -> HashMap<(String, String), String> {
    let out = tempfile::tempdir().expect("tempdir");
    let o = dockmatrix(
        &[
            "run",
            "--quiet",
            "--no-snapshots",
            "--host",
            host,
            "--only",
            only,
            "--out",
            &out.path().display().to_string(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("run.json")).expect("run.json")).expect("json");
    run["probes"]
        .as_array()
        .expect("probes")
        .iter()
        .map(|p| {
            let v = p["api_version"].as_str().unwrap_or("unversioned").to_string();
            (
                (p["endpoint"].as_str().unwrap_or_default().to_string(), v),
                p["verdict"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn boundary_verdicts_on_the_ci_daemon() {
    let verdicts = sweep(&docker_host(), "system.version,system.info,system.ping.head");
    let at = |e: &str, v: &str| verdicts.get(&(e.to_string(), v.to_string())).map(String::as_str);
    assert_eq!(at("system.version", "1.11"), Some("version-rejected"), "too old");
    assert_eq!(at("system.version", "1.42"), Some("version-rejected"), "too new");
    assert_eq!(at("system.version", "1.24"), Some("ok"));
    assert_eq!(at("system.info", "1.41"), Some("ok"));
    assert_eq!(at("system.ping.head", "unversioned"), Some("ok"));
    assert!(verdicts.values().all(|v| v == "ok" || v == "version-rejected"), "{verdicts:?}");
}

/// Docker 20.10 blames itself for filters that are not JSON (a 500, which the spec lists) on most lists, but refuses
/// an unknown filter key with a 400, and its volume list refuses both: each refusal judged at every version served.
#[test]
fn refusals_of_malformed_requests_on_the_ci_daemon() {
    let out = tempfile::tempdir().expect("tempdir");
    let o = dockmatrix(
        &[
            "run",
            "--quiet",
            "--no-snapshots",
            "--api",
            "1.40..1.41",
            "--host",
            &docker_host(),
            "--only",
            "container.list,volume.list,system.events",
            "--fail-on",
            "refusal",
            "--out",
            &out.path().display().to_string(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1), "the 5xx fail --fail-on refusal: {}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "--fail-on refusal: container.list filters-not-json at API 1.40 is server-error (500): \"invalid character"
        ),
        "{}",
        stderr(&o)
    );
    let run = super::live_daemons::read_run(&out.path().join("run.json"));
    let got: Vec<String> = run
        .refusals
        .iter()
        .map(|r| {
            let listed = r.status_documented().map_or("unchecked", |l| if l { "listed" } else { "unlisted" });
            format!("{} {} {} {} {:?} {listed}", r.endpoint, r.kind, r.version_label(), r.verdict, r.status)
        })
        .collect();
    assert_eq!(
        got,
        [
            "container.list filters-not-json 1.40 server-error Some(500) listed",
            "container.list filters-not-json 1.41 server-error Some(500) listed",
            "container.list filters-unknown-key 1.40 refused Some(400) listed",
            "container.list filters-unknown-key 1.41 refused Some(400) listed",
            "system.events filters-not-json 1.40 server-error Some(500) listed",
            "system.events filters-not-json 1.41 server-error Some(500) listed",
            "system.events filters-unknown-key 1.40 accepted Some(200) listed",
            "system.events filters-unknown-key 1.41 accepted Some(200) listed",
            "volume.list filters-not-json 1.40 refused Some(400) unlisted",
            "volume.list filters-not-json 1.41 refused Some(400) unlisted",
            "volume.list filters-unknown-key 1.40 refused Some(400) unlisted",
            "volume.list filters-unknown-key 1.41 refused Some(400) unlisted",
        ]
    );
    let unknown = run.refusals.iter().find(|r| r.kind.as_str() == "filters-unknown-key").expect("one");
    assert_eq!(unknown.reason, "\"Invalid filter 'dockmatrix-unknown'\"");
}

/// A dockerd of the test's own in `/tmp/dockmatrix-STEM-PID` (`env` passed to scripts/dockerd.sh: a TLS listener),
/// stopped and removed when dropped.
struct PrivateDaemon {
    dir: String,
}

impl PrivateDaemon {
    fn start(stem: &str, env: &[(&str, &std::ffi::OsStr)]) -> Self {
        let dir = format!("/tmp/dockmatrix-{stem}-{}", std::process::id());
        // Tests never install: a missing docker.io or busybox-static exits 127, naming it (in the panic below).
        let mut cmd = std::process::Command::new("bash");
        cmd.args(["scripts/dockerd.sh", "start", &dir]).env("DOCKMATRIX_NO_INSTALL", "1");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let start = cmd.output().expect("run dockerd.sh");
        let daemon = PrivateDaemon { dir };
        assert!(start.status.success(), "the {stem} daemon did not start: {}", String::from_utf8_lossy(&start.stderr));
        daemon
    }

    /// `unix://DIR/docker.sock`.
    fn host(&self) -> String {
        format!("unix://{}/docker.sock", self.dir)
    }
}

impl Drop for PrivateDaemon {
    fn drop(&mut self) {
        // The daemon, the bridges of its networks (a dockerd leaves them on the host) and its folder.
        let _ = std::process::Command::new("bash").args(["scripts/dockerd.sh", "purge", &self.dir]).output();
    }
}

/// A loopback TCP listener that forwards each connection to the unix socket, so the reqwest transport is tested
/// against the real daemon.
pub(crate) fn tcp_forwarder(socket: std::path::PathBuf) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            let Ok(unix) = std::os::unix::net::UnixStream::connect(&socket) else { continue };
            let (mut t2, mut u2) = (tcp.try_clone().expect("clone"), unix.try_clone().expect("clone"));
            let (mut t, mut u) = (tcp, unix);
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut t, &mut u2);
                let _ = u2.shutdown(std::net::Shutdown::Write);
            });
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut u, &mut t2);
                let _ = t2.shutdown(std::net::Shutdown::Write);
            });
        }
    });
    port
}

#[test]
fn the_tcp_transport_reaches_the_daemon() {
    let host = docker_host();
    let socket = host.strip_prefix("unix://").expect("the CI daemon listens on a unix socket");
    let port = tcp_forwarder(socket.into());
    let verdicts = sweep(&format!("tcp://127.0.0.1:{port}"), "system.version");
    assert_eq!(verdicts.get(&("system.version".into(), "1.24".into())).map(String::as_str), Some("ok"));
    assert_eq!(verdicts.get(&("system.version".into(), "1.42".into())).map(String::as_str), Some("version-rejected"));
}

#[test]
fn a_changed_answer_fails_ci_with_a_readable_diff() {
    let snaps = tempfile::tempdir().expect("tempdir");
    let target = snaps.path().join("docker-20.10");
    std::fs::create_dir_all(&target).expect("mkdir");
    let committed = std::fs::read_to_string("snapshots/docker-20.10/system.version.snap").expect("committed snapshot");
    assert!(committed.contains("    Os: \"linux\"\n"));
    // Pretend the daemon used to send a field it no longer sends.
    let edited = committed.replacen("    Os: \"linux\"\n", "    Os: \"linux\"\n    Platform: \"gone\"\n", 1);
    std::fs::write(target.join("system.version.snap"), &edited).expect("write");
    let out = tempfile::tempdir().expect("tempdir");
    let (s, o) = (snaps.path().display().to_string(), out.path().display().to_string());
    let run = dockmatrix(
        &[
            "run",
            "--quiet",
            "--ci",
            "--snapshots",
            &s,
            "--only",
            "system.version",
            "--host",
            &docker_host(),
            "--out",
            &o,
        ],
        &[],
    );
    let text = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(1), "{text}{}", stderr(&run));
    assert!(text.contains("system.version") && text.contains("-    Platform: \"gone\""), "{text}");
    assert_eq!(std::fs::read_to_string(target.join("system.version.snap")).expect("kept"), edited, "CI writes nothing");
    assert!(!target.join("system.version.snap.new").exists(), "CI writes nothing");
}

/// A freshly started daemon of the committed run's version (other ids, times and data-root than the committed
/// run's), swept at `--jobs 8` and in another time zone, changes no committed snapshot, gives the verdicts of the
/// committed `--jobs 1` run, and tells which clients work.
#[test]
fn a_second_fresh_daemon_changes_no_snapshot() {
    let _heavy = super::heavy();
    let daemon = PrivateDaemon::start("second", &[]);
    let host = daemon.host();
    let out = tempfile::tempdir().expect("tempdir");
    let o = dockmatrix(
        // As scripts/sweep-all.sh swept the committed run: the malformed prunes, plugins of the run's own and the
        // build cache too (the daemon is the test's own).
        &[
            "run",
            "--quiet",
            "--ci",
            "--jobs",
            "8",
            "--allow",
            "malformed-prune",
            "--allow",
            "plugin",
            "--allow",
            "build-cache",
            "--host",
            &host,
            "--out",
            &out.path().display().to_string(),
        ],
        &[("TZ", "Asia/Tokyo")],
    );
    drop(daemon);
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{text}{}", stderr(&o));
    assert!(text.contains("0 new, 0 missing, 0 changed"), "{text}");
    // What real clients make of 20.10 (API 1.12–1.41), read from this sweep: the clients that need more break.
    assert_eq!(
        super::live_daemons::clients_of(
            &out.path().join("run.json"),
            &["kubelet-1.23", "cri-dockerd-0.4.1", "docker-cli-29.0", "testcontainers-java-2.0.*", "traefik-3.6.0"]
        ),
        [
            "kubelet-1.23: works 1.41",
            "cri-dockerd-0.4.1: breaks -",
            "docker-cli-29.0: breaks 1.52",
            "testcontainers-java-2.0.2: breaks 1.44",
            "testcontainers-java-2.0.3: works 1.32",
            "traefik-3.6.0: works 1.24",
        ]
    );
    use super::live_daemons::{differences, read_run, verdicts};
    let committed = read_run(std::path::Path::new("docs/runs/docker-20.10.json.gz"));
    let now = read_run(&out.path().join("run.json"));
    let diff = differences(&verdicts(&committed), &verdicts(&now));
    assert!(diff.is_empty(), "verdicts at --jobs 8 differ from the committed run at --jobs 1:\n{}", diff.join("\n"));
}

/// A certificate authority of the test's own.
fn authority(name: &str) -> rcgen::CertifiedIssuer<'static, rcgen::KeyPair> {
    let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    p.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    p.distinguished_name.push(rcgen::DnType::CommonName, name);
    rcgen::CertifiedIssuer::self_signed(p, rcgen::KeyPair::generate().expect("key")).expect("CA certificate")
}

/// Writes a certificate `ca` signs (for `names`, as a server or a client; expired when `expired`) and its key to
/// `dir/NAME-cert.pem` and `dir/NAME-key.pem`.
fn leaf(
    ca: &rcgen::CertifiedIssuer<'static, rcgen::KeyPair>,
    dir: &std::path::Path,
    name: &str,
    names: &[&str],
    server: bool,
    expired: bool,
) {
    let mut p = rcgen::CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).expect("params");
    p.distinguished_name.push(rcgen::DnType::CommonName, name);
    p.extended_key_usages = vec![if server {
        rcgen::ExtendedKeyUsagePurpose::ServerAuth
    } else {
        rcgen::ExtendedKeyUsagePurpose::ClientAuth
    }];
    p.use_authority_key_identifier_extension = true;
    if expired {
        (p.not_before, p.not_after) = (rcgen::date_time_ymd(2019, 1, 1), rcgen::date_time_ymd(2020, 1, 1));
    }
    let key = rcgen::KeyPair::generate().expect("key");
    let cert = p.signed_by(&key, ca).expect("signed");
    std::fs::write(dir.join(format!("{name}-cert.pem")), cert.pem()).expect("write cert");
    std::fs::write(dir.join(format!("{name}-key.pem")), key.serialize_pem()).expect("write key");
}

/// A dockerd listening on 127.0.0.1 with `--tlsverify` and certificates this test makes: a run over TLS works,
/// attach and exec (hijacked streams) included; a wrong CA, no client certificate and an expired one each exit 3
/// with one line saying which.
#[test]
fn a_run_over_tls_with_tlsverify() {
    let certs = tempfile::tempdir().expect("tempdir");
    let ca = authority("dockmatrix test CA");
    std::fs::write(certs.path().join("ca.pem"), ca.pem()).expect("write CA");
    leaf(&ca, certs.path(), "server", &["127.0.0.1", "localhost"], true, false);
    leaf(&ca, certs.path(), "client", &[], false, false);
    leaf(&ca, certs.path(), "expired", &[], false, true);
    let other = authority("another CA");
    std::fs::write(certs.path().join("other-ca.pem"), other.pem()).expect("write other CA");
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let listen = format!("127.0.0.1:{port}");
    let daemon = PrivateDaemon::start(
        "tls",
        &[("DOCKMATRIX_TLS_LISTEN", listen.as_ref()), ("DOCKMATRIX_TLS_CERTS", certs.path().as_os_str())],
    );
    let host = format!("tcp://{listen}");
    let file = |n: &str| certs.path().join(n).display().to_string();
    let run = |ca: &str, client: Option<&str>| {
        let out = tempfile::tempdir().expect("tempdir");
        let mut args: Vec<String> =
            ["run", "--quiet", "--no-snapshots", "--api", "1.41", "--host", &host, "--tlsverify"]
                .iter()
                .map(|s| s.to_string())
                .collect();
        args.extend(["--tlscacert".into(), file(ca)]);
        if let Some(c) = client {
            args.extend([
                "--tlscert".into(),
                file(&format!("{c}-cert.pem")),
                "--tlskey".into(),
                file(&format!("{c}-key.pem")),
            ]);
        }
        args.extend(["--only".into(), "system.version,container.attach,exec.start".into()]);
        args.extend(["--out".into(), out.path().display().to_string()]);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = dockmatrix(&refs, &[]);
        let verdicts: Vec<String> = std::fs::read_to_string(out.path().join("run.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .map(|r| {
                r["probes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|p| p["api_version"] == "1.41")
                    .map(|p| {
                        format!(
                            "{} {}",
                            p["endpoint"].as_str().unwrap_or_default(),
                            p["verdict"].as_str().unwrap_or_default()
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        (o.status.code(), stderr(&o), verdicts)
    };
    let good = run("ca.pem", Some("client"));
    let wrong_ca = run("other-ca.pem", Some("client"));
    let no_client = run("ca.pem", None);
    let expired = run("ca.pem", Some("expired"));
    drop(daemon);
    assert_eq!(good.0, Some(0), "{}", good.1);
    assert_eq!(good.2, ["container.attach ok", "exec.start ok", "system.version ok"], "{}", good.1);
    for (what, (code, err, _), says) in [
        ("a wrong CA", &wrong_ca, "the daemon's certificate is not signed by the CA given (UnknownIssuer)"),
        ("no client certificate", &no_client, "the daemon asks for a client certificate and none was given"),
        ("an expired client certificate", &expired, "the daemon refused the client certificate"),
    ] {
        assert_eq!(*code, Some(3), "{what}: {err}");
        let said = err.replace(['│', '×'], " ").split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(said.contains(says) && err.lines().count() <= 12, "{what}: one screen that says so:\n{err}");
    }
}

/// A private sshd on 127.0.0.1 (`scripts/sshd.sh`, its own keys): `ssh -F DIR/ssh_config` reaches this machine as
/// `dockmatrix-test`; stopped and removed on drop.
struct PrivateSshd {
    dir: String,
    /// The ssh program line for `DOCKMATRIX_SSH`.
    program: String,
}

impl PrivateSshd {
    fn start() -> Self {
        let dir = format!("/tmp/dockmatrix-sshd-{}", std::process::id());
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
        // Tests never install: a missing openssh-server exits 127, naming it (in the panic below).
        let start = std::process::Command::new("bash")
            .args(["scripts/sshd.sh", "start", &dir, &port.to_string()])
            .output()
            .expect("run sshd.sh");
        let line = String::from_utf8_lossy(&start.stdout).trim().to_string();
        let program = line.strip_prefix("export DOCKMATRIX_SSH=").unwrap_or_default().trim_matches('"').to_string();
        let sshd = PrivateSshd { dir, program };
        assert!(
            start.status.success() && !sshd.program.is_empty(),
            "the test sshd did not start: {}",
            String::from_utf8_lossy(&start.stderr)
        );
        sshd
    }
}

impl Drop for PrivateSshd {
    fn drop(&mut self) {
        let _ = std::process::Command::new("bash").args(["scripts/sshd.sh", "stop", &self.dir]).output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `ssh://` as the docker CLI does it, through a local sshd to the CI daemon: a run works, attach and exec
/// (hijacked streams) included, with the same verdicts as over the socket; a host ssh cannot log in to, and a
/// remote socket with no daemon behind it, each exit 3 with ssh's (or the remote docker's) own words and what to try.
#[test]
fn a_run_over_ssh_dial_stdio() {
    let sshd = PrivateSshd::start();
    let socket = docker_host().strip_prefix("unix://").expect("the CI daemon listens on a unix socket").to_string();
    let run = |host: &str, program: &str| {
        let out = tempfile::tempdir().expect("tempdir");
        let dir = out.path().display().to_string();
        let only = "system.version,system.ping,container.list,container.attach,exec.start";
        let args = ["run", "--quiet", "--no-snapshots", "--api", "1.41", "--host", host, "--only", only, "--out", &dir];
        let o = dockmatrix(&args, &[("DOCKMATRIX_SSH", program)]);
        let verdicts: Vec<String> = std::fs::read_to_string(out.path().join("run.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .map(|r| {
                let probes = r["probes"].as_array().cloned().unwrap_or_default();
                probes
                    .iter()
                    .filter(|p| p["api_version"] == "1.41")
                    .map(|p| {
                        format!("{} {}", p["endpoint"].as_str().unwrap_or(""), p["verdict"].as_str().unwrap_or(""))
                    })
                    .collect()
            })
            .unwrap_or_default();
        (o.status.code(), stderr(&o), verdicts)
    };
    let good = run(&format!("ssh://dockmatrix-test{socket}"), &sshd.program);
    // The test key is not offered (no -F): ssh cannot log in without a prompt.
    let locked_out = run(
        &format!("ssh://root@127.0.0.1:{}{socket}", sshd_port(&sshd)),
        "ssh -o IdentitiesOnly=yes -o IdentityFile=/dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null",
    );
    let no_daemon = run("ssh://dockmatrix-test/tmp/dockmatrix-no-such/docker.sock", &sshd.program);
    let out = tempfile::tempdir().expect("tempdir");
    let host = format!("ssh://dockmatrix-test{socket}");
    let args = ["run", "--quiet", "--no-snapshots", "--jobs", "16", "--only", "system.version", "--host", &host];
    let many = dockmatrix(
        &[&args[..], &["--out", &out.path().display().to_string()]].concat(),
        &[("DOCKMATRIX_SSH", &sshd.program)],
    );
    drop(sshd);
    assert_eq!(many.status.code(), Some(0), "{}", stderr(&many));
    assert!(
        stderr(&many).contains("warning: --jobs 16 over ssh: each connection is an ssh login"),
        "{}",
        stderr(&many)
    );
    assert_eq!(good.0, Some(0), "{}", good.1);
    assert_eq!(
        good.2,
        ["container.attach ok", "container.list ok", "exec.start ok", "system.ping ok", "system.version ok"],
        "{}",
        good.1
    );
    for (what, (code, err, _), says) in [
        ("a host ssh cannot log in to", &locked_out, "Permission denied"),
        (
            "a remote socket with no daemon",
            &no_daemon,
            "dial unix /tmp/dockmatrix-no-such/docker.sock: connect: no such file",
        ),
    ] {
        assert_eq!(*code, Some(3), "{what}: {err}");
        let said = err.replace(['│', '×'], " ").split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(said.contains("ssh to ssh://") && said.contains(says), "{what}: ssh's own words:\n{err}");
        assert!(err.lines().count() <= 12, "{what}: one screen:\n{err}");
    }
}

/// The port the test sshd listens on, from its ssh_config.
fn sshd_port(sshd: &PrivateSshd) -> String {
    let config = std::fs::read_to_string(format!("{}/ssh_config", sshd.dir)).expect("ssh_config");
    config.lines().find_map(|l| l.trim().strip_prefix("Port ")).expect("a Port line").trim().to_string()
}

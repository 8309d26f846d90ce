//! Hijacked streams through the library `Client::hijack`: a fake daemon that upgrades and goes silent, and (with
//! `--features live-tests`) attach and exec against the daemon at DOCKER_HOST.

use std::time::{Duration, Instant};

use dockmatrix::client::host::{self, TlsOptions};
use dockmatrix::client::{Client, ClientError, Request};
use dockmatrix::model::{EndedBy, Method};

use super::fake_daemon::{Behaviour, FakeDaemon};

fn fake_client(fake: &FakeDaemon, timeout: Duration) -> Client {
    let target = host::parse(&fake.host(), TlsOptions::default(), "test").expect("fake socket address");
    Client::new(target, timeout, 1 << 20).expect("fake socket exists")
}

#[tokio::test]
async fn a_daemon_that_upgrades_then_goes_silent_ends_by_the_window() {
    let fake = FakeDaemon::start(Behaviour::UpgradeThenSilent);
    let client = fake_client(&fake, Duration::from_secs(10));
    let req = Request::new(Method::Post, "/v1.41/containers/probe/attach?stream=1&stdin=1&stdout=1");
    let start = Instant::now();
    let h = client.hijack(req, Some(b"echo hi\n".to_vec()), Duration::from_millis(300)).await.expect("an upgrade");
    let took = start.elapsed();
    // Ended by the 300 ms window, well before the client's 10 s timeout (5 s leaves room for a loaded machine).
    assert!(took >= Duration::from_millis(300) && took < Duration::from_secs(5), "took {took:?}");
    assert_eq!((h.status, h.upgraded, h.hijacked, h.ended_by), (101, true, true, EndedBy::Window));
    assert!(h.bytes.is_empty() && h.first_byte_after.is_none());
    assert_eq!(h.input_written, 8);
    let summary = h.summary().expect("a stream summary");
    assert_eq!((summary.ended_by, summary.stdout_bytes, summary.upgraded), (EndedBy::Window, 0, true));
}

#[tokio::test]
async fn a_daemon_that_never_answers_times_out_on_the_head() {
    let fake = FakeDaemon::start(Behaviour::Hang);
    let client = fake_client(&fake, Duration::from_millis(400));
    let start = Instant::now();
    let got = client.hijack(Request::new(Method::Post, "/exec/x/start"), None, Duration::from_secs(60)).await;
    assert!(matches!(got, Err(ClientError::Timeout { .. })), "{got:?}");
    // The 400 ms client timeout, not the 60 s window (8 s leaves room for a loaded machine).
    assert!(start.elapsed() < Duration::from_secs(8), "the head obeys the client timeout, not the window");
}

#[tokio::test]
async fn a_dropped_connection_is_a_transport_error() {
    let fake = FakeDaemon::start(Behaviour::Drop);
    let client = fake_client(&fake, Duration::from_secs(5));
    let got = client.hijack(Request::new(Method::Post, "/exec/x/start"), None, Duration::from_secs(1)).await;
    // Closed before the head, or reset while the request was written: either way a transport error.
    assert!(matches!(got, Err(ClientError::Transport { .. })), "{got:?}");
}

#[cfg(feature = "live-tests")]
mod live {
    use std::time::{Duration, Instant};

    use dockmatrix::ApiVersion;
    use dockmatrix::client::{Client, Hijacked, Request, path};
    use dockmatrix::model::{EndedBy, Method, StreamFormat};
    use serde_json::{Value, json};

    use crate::live::{changing_daemon, client_for, docker_host, tcp_forwarder};

    fn at(version: &str, template: &str, id: &str, query: &[(&str, &str)]) -> String {
        let v: ApiVersion = version.parse().expect("api version");
        path::build(Some(v), template, &[("id", id)], query)
    }

    async fn send(client: &Client, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = Request::new(method, path);
        if let Some(b) = &body {
            req = req.json(b);
        }
        let resp = client.send(req).await.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        (resp.status, resp.json().unwrap_or(Value::Null))
    }

    /// A container removed with `DELETE ?force=1` when dropped, even when an assertion failed.
    struct Container {
        id: String,
    }

    impl Drop for Container {
        fn drop(&mut self) {
            // The test's runtime may be gone or busy; remove from a thread with its own runtime and client.
            let (host, id) = (docker_host(), self.id.clone());
            let done = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                rt.block_on(async {
                    let path = at("1.41", "/containers/{id}", &id, &[("force", "1")]);
                    client_for(&host).send(Request::new(Method::Delete, path)).await.map(|r| r.status)
                })
            })
            .join();
            match done {
                Ok(Ok(204 | 404)) => {}
                other => eprintln!("could not remove test container {}: {other:?}", self.id),
            }
        }
    }

    /// A running `sh` with stdin open, as `docker run -i` makes it.
    async fn running_sh(client: &Client) -> Container {
        let body = json!({
            "Image": "dockmatrix/busybox:local",
            "Cmd": ["sh"],
            "OpenStdin": true,
            "AttachStdin": true,
            "AttachStdout": true,
            "AttachStderr": true,
            "Tty": false,
            "HostConfig": {"NetworkMode": "none"},
            "Labels": {"dockmatrix.test": "hijack"},
        });
        let (status, created) =
            send(client, Method::Post, &at("1.41", "/containers/create", "", &[]), Some(body)).await;
        assert_eq!(status, 201, "create: {created}");
        let c = Container { id: created["Id"].as_str().expect("Id").to_string() };
        let (status, body) = send(client, Method::Post, &at("1.41", "/containers/{id}/start", &c.id, &[]), None).await;
        assert_eq!(status, 204, "start: {body}");
        c
    }

    async fn exec(client: &Client, c: &Container, cmd: &[&str], tty: bool) -> Hijacked {
        let body = json!({"Cmd": cmd, "AttachStdout": true, "AttachStderr": true, "Tty": tty});
        let (status, created) =
            send(client, Method::Post, &at("1.41", "/containers/{id}/exec", &c.id, &[]), Some(body)).await;
        assert_eq!(status, 201, "exec create: {created}");
        let id = created["Id"].as_str().expect("exec Id");
        let req = Request::new(Method::Post, at("1.41", "/exec/{id}/start", id, &[]))
            .json(&json!({"Detach": false, "Tty": tty}));
        client.hijack(req, None, Duration::from_secs(30)).await.expect("exec start")
    }

    const ATTACH_QUERY: [(&str, &str); 4] = [("stream", "1"), ("stdin", "1"), ("stdout", "1"), ("stderr", "1")];

    #[tokio::test]
    async fn attach_writes_stdin_and_reads_multiplexed_stdout() {
        let _changing = changing_daemon().await;
        let client = client_for(&docker_host());
        let c = running_sh(&client).await;
        for version in ["1.41", "1.24"] {
            let req = Request::new(Method::Post, at(version, "/containers/{id}/attach", &c.id, &ATTACH_QUERY));
            let input = b"echo dockmatrix-hijack\n".to_vec();
            let h = client.hijack(req, Some(input), Duration::from_millis(800)).await.expect("attach");
            assert_eq!(
                (h.status, h.reason.as_str(), h.upgraded, h.hijacked),
                (101, "UPGRADED", true, true),
                "{version}"
            );
            assert_eq!(h.input_written, 23, "{version}");
            // The container keeps running, so the stream stays open until the window closes it.
            assert_eq!(h.ended_by, EndedBy::Window, "{version}");
            let out = h.output().expect("valid frames");
            assert_eq!(out.format, StreamFormat::Multiplexed, "{version}: {:?}", h.bytes);
            assert!(out.stdout_text().contains("dockmatrix-hijack"), "{version}: {:?}", out.stdout_text());
            let summary = h.summary().expect("stream summary");
            assert!(summary.frames >= 1 && summary.stdout.contains("dockmatrix-hijack"), "{summary:?}");
            let first = h.first_byte_after.expect("output came");
            eprintln!(
                "attach /v{version}: head {:.1} ms, first output {:.1} ms after sending",
                h.head_after.as_secs_f64() * 1e3,
                first.as_secs_f64() * 1e3
            );
        }
    }

    #[tokio::test]
    async fn an_old_client_without_upgrade_gets_a_200_hijack() {
        let _changing = changing_daemon().await;
        let client = client_for(&docker_host());
        let c = running_sh(&client).await;
        let mut req = Request::new(Method::Post, at("1.24", "/containers/{id}/attach", &c.id, &ATTACH_QUERY));
        req.headers.push(("Connection".into(), "close".into()));
        let h =
            client.hijack(req, Some(b"echo old-client\n".to_vec()), Duration::from_millis(800)).await.expect("attach");
        assert_eq!((h.status, h.upgraded, h.hijacked), (200, false, true));
        assert!(h.output().expect("frames").stdout_text().contains("old-client"));
    }

    #[tokio::test]
    async fn exec_start_streams_frames_until_the_command_exits() {
        let _changing = changing_daemon().await;
        let client = client_for(&docker_host());
        let c = running_sh(&client).await;
        let start = Instant::now();
        let h = exec(&client, &c, &["echo", "dockmatrix-exec"], false).await;
        let round_trip = start.elapsed();
        assert_eq!((h.status, h.upgraded, h.ended_by), (101, true, EndedBy::Eof));
        let out = h.output().expect("valid frames");
        assert_eq!(
            (out.format, out.stdout_text(), out.stderr_text()),
            (StreamFormat::Multiplexed, "dockmatrix-exec\n".into(), String::new())
        );
        assert!(h.elapsed < Duration::from_secs(15), "ended by EOF well before the 30 s window: {:?}", h.elapsed);
        eprintln!(
            "exec start: head {:.1} ms, EOF {:.1} ms; exec create + start {:.1} ms",
            h.head_after.as_secs_f64() * 1e3,
            h.elapsed.as_secs_f64() * 1e3,
            round_trip.as_secs_f64() * 1e3
        );
    }

    #[tokio::test]
    async fn exec_start_over_plain_tcp() {
        let _changing = changing_daemon().await;
        let host = docker_host();
        let client = client_for(&host);
        let c = running_sh(&client).await;
        let socket = host.strip_prefix("unix://").expect("the CI daemon listens on a unix socket");
        let tcp = client_for(&format!("tcp://127.0.0.1:{}", tcp_forwarder(socket.into())));
        let h = exec(&tcp, &c, &["echo", "over-tcp"], false).await;
        assert_eq!((h.status, h.upgraded, h.ended_by), (101, true, EndedBy::Eof));
        assert_eq!(h.output().expect("frames").stdout_text(), "over-tcp\n");
    }

    #[tokio::test]
    async fn exec_with_a_tty_streams_raw_bytes() {
        let _changing = changing_daemon().await;
        let client = client_for(&docker_host());
        let c = running_sh(&client).await;
        let h = exec(&client, &c, &["echo", "dockmatrix-tty"], true).await;
        assert_eq!((h.status, h.ended_by), (101, EndedBy::Eof));
        let out = h.output().expect("raw bytes");
        assert_eq!((out.format, out.frames), (StreamFormat::Raw, 0));
        // The TTY turns "\n" into "\r\n".
        assert_eq!(out.stdout_text(), "dockmatrix-tty\r\n");
    }

    #[tokio::test]
    async fn a_quiet_attach_returns_by_the_window() {
        let _changing = changing_daemon().await;
        let client = client_for(&docker_host());
        let c = running_sh(&client).await;
        let req = Request::new(Method::Post, at("1.41", "/containers/{id}/attach", &c.id, &ATTACH_QUERY));
        let start = Instant::now();
        let h = client.hijack(req, None, Duration::from_millis(300)).await.expect("attach");
        let took = start.elapsed();
        // The 300 ms window ends it, well before the client's 10 s timeout.
        assert!(took >= Duration::from_millis(300) && took < Duration::from_secs(4), "took {took:?}");
        assert_eq!((h.status, h.ended_by), (101, EndedBy::Window));
        assert!(h.bytes.is_empty(), "{:?}", h.bytes);
    }

    #[tokio::test]
    async fn a_missing_container_is_a_plain_404() {
        let client = client_for(&docker_host());
        let req =
            Request::new(Method::Post, at("1.41", "/containers/{id}/attach", "dockmatrix-no-such", &ATTACH_QUERY));
        let h = client.hijack(req, Some(b"x".to_vec()), Duration::from_secs(2)).await.expect("an answer");
        assert_eq!((h.status, h.hijacked, h.input_written), (404, false, 0));
        let text = String::from_utf8_lossy(&h.bytes);
        assert!(text.contains("No such container"), "{text}");
        assert!(h.summary().is_none());
        assert_eq!(h.to_response().status, 404);
    }
}

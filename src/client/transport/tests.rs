//! `Client::send` against a scripted daemon the test runs itself, on a unix socket in a temporary folder (and on
//! 127.0.0.1 for the reqwest transport): the body cap, the stream window, timeouts, dropped connections, a missing
//! socket, and the message of each [`ClientError`].

use std::path::PathBuf;
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, UnixListener};
use tokio::sync::mpsc;

use super::*;
use crate::client::host::{self, Address, Target, TlsOptions};

/// What the scripted daemon does once it has read a request.
#[derive(Clone)]
enum Step {
    /// Writes these bytes.
    Write(Vec<u8>),
    /// Writes this chunk of a chunked body, then waits, again and again until the client goes.
    Drip(&'static [u8], Duration),
    /// Closes the connection (without it, the daemon keeps the connection open until the client closes it).
    Close,
}

fn write(bytes: &[u8]) -> Step {
    Step::Write(bytes.to_vec())
}

/// How the client reaches the scripted daemon.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Via {
    /// hyperlocal on a unix socket.
    Unix,
    /// reqwest on 127.0.0.1.
    Tcp,
}

const BOTH: [Via; 2] = [Via::Unix, Via::Tcp];

/// A scripted daemon: where it listens, and each request it read (head and body, as text).
struct Daemon {
    target: Target,
    requests: mpsc::UnboundedReceiver<String>,
    _dir: tempfile::TempDir,
}

impl Daemon {
    fn socket(&self) -> PathBuf {
        match &self.target.address {
            Address::Unix(p) => p.clone(),
            Address::Tcp { .. } | Address::Ssh { .. } => panic!("not a unix daemon"),
        }
    }
}

/// Starts a daemon that answers every connection with `script`.
async fn daemon(via: Via, script: Vec<Step>) -> Daemon {
    let dir = tempfile::tempdir().expect("tempdir");
    let (tx, requests) = mpsc::unbounded_channel();
    let target = match via {
        Via::Unix => {
            let path = dir.path().join("docker.sock");
            let listener = UnixListener::bind(&path).expect("bind the socket");
            tokio::spawn(async move {
                while let Ok((conn, _)) = listener.accept().await {
                    tokio::spawn(serve(conn, script.clone(), tx.clone()));
                }
            });
            host::parse(&format!("unix://{}", path.display()), TlsOptions::default(), "test").expect("address")
        }
        Via::Tcp => {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1");
            let port = listener.local_addr().expect("port").port();
            tokio::spawn(async move {
                while let Ok((conn, _)) = listener.accept().await {
                    tokio::spawn(serve(conn, script.clone(), tx.clone()));
                }
            });
            host::parse(&format!("tcp://127.0.0.1:{port}"), TlsOptions::default(), "test").expect("address")
        }
    };
    Daemon { target, requests, _dir: dir }
}

/// Reads one request (head, and as much body as its Content-Length says), reports it, then plays the script.
async fn serve<S: AsyncRead + AsyncWrite + Unpin>(mut conn: S, script: Vec<Step>, seen: mpsc::UnboundedSender<String>) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match conn.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&got[..head_end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(0, |n| n.trim().parse::<usize>().expect("content-length"));
    while got.len() < head_end + length {
        match conn.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    let _ = seen.send(String::from_utf8_lossy(&got).into_owned());
    for step in script {
        match step {
            Step::Write(bytes) => {
                if conn.write_all(&bytes).await.is_err() {
                    return;
                }
            }
            Step::Drip(chunk, every) => loop {
                let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
                framed.extend_from_slice(chunk);
                framed.extend_from_slice(b"\r\n");
                if conn.write_all(&framed).await.is_err() {
                    return;
                }
                tokio::time::sleep(every).await;
            },
            Step::Close => return,
        }
    }
    // Hold the connection open until the client closes it.
    while let Ok(n) = conn.read(&mut buf).await {
        if n == 0 {
            return;
        }
    }
}

fn client(target: &Target, timeout: Duration, cap: usize) -> Client {
    Client::new(target.clone(), timeout, cap).expect("client")
}

/// Long enough that no answer expected to arrive runs into it, even on a loaded machine.
const PATIENT: Duration = Duration::from_secs(20);

fn ping() -> Request {
    Request::new(Method::Get, "/v1.41/_ping")
}

#[tokio::test]
async fn sends_the_request_as_written_and_reads_status_headers_and_body() {
    for via in BOTH {
        let body = br#"{"Id":"abc","Warnings":[]}"#;
        let mut answer = format!(
            "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nApi-Version: 1.41\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        answer.extend_from_slice(body);
        let mut d = daemon(via, vec![Step::Write(answer)]).await;
        let req = Request::new(Method::Post, "/v1.41/containers/create?name=x")
            .json(&serde_json::json!({ "Image": "alpine" }));
        let resp = client(&d.target, PATIENT, 1024).send(req).await.expect("an answer");
        assert_eq!((resp.status, resp.body.as_slice(), resp.truncated), (201, &body[..], false), "{via:?}");
        assert_eq!(resp.header("API-VERSION"), Some("1.41"), "{via:?}: names match in any case");
        assert!(resp.headers.contains(&("content-type".into(), "application/json".into())), "{via:?}: {resp:?}");
        let seen = d.requests.recv().await.expect("the daemon read the request");
        let lower = seen.to_ascii_lowercase();
        assert!(seen.starts_with("POST /v1.41/containers/create?name=x HTTP/1.1\r\n"), "{via:?}: {seen}");
        assert!(lower.contains("\r\ncontent-type: application/json\r\n"), "{via:?}: {seen}");
        assert!(seen.ends_with("\r\n\r\n{\"Image\":\"alpine\"}"), "{via:?}: {seen}");
        if via == Via::Unix {
            assert!(lower.contains("\r\nhost: docker\r\n"), "{seen}");
        }
    }
}

#[tokio::test]
async fn a_body_longer_than_the_cap_is_cut_there_without_waiting_for_the_rest() {
    for via in BOTH {
        // 100 bytes of a 1000-byte body, then nothing: reading must stop at the cap, not wait for the rest.
        let mut answer = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n".to_vec();
        answer.extend((0..100u8).map(|i| b'a' + i % 26));
        let d = daemon(via, vec![Step::Write(answer)]).await;
        let resp = client(&d.target, PATIENT, 16).send(ping()).await.expect("an answer");
        assert_eq!((resp.body.as_slice(), resp.truncated), (&b"abcdefghijklmnop"[..], true), "{via:?}");

        // A chunked body cut inside its second chunk.
        let chunked =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\na\r\nabcdefghij\r\n0\r\n\r\n";
        let d = daemon(via, vec![write(chunked)]).await;
        let resp = client(&d.target, PATIENT, 16).send(ping()).await.expect("an answer");
        assert_eq!((resp.body.as_slice(), resp.truncated), (&b"0123456789abcdef"[..], true), "{via:?}");
    }
}

#[tokio::test]
async fn bodies_read_at_once_share_one_budget_and_the_one_that_would_pass_it_is_cut() {
    for via in BOTH {
        // Two bodies without end, 16 bytes every 10 ms; each may hold 64 (the cap), both together only 96.
        let d = daemon(via, vec![write(STREAM_HEAD), Step::Drip(b"0123456789abcdef", Duration::from_millis(10))]).await;
        let c = client(&d.target, PATIENT, 64).with_body_budget(96);
        let (a, b) = tokio::join!(c.send(ping()), c.send(ping()));
        let (a, b) = (a.expect("an answer"), b.expect("an answer"));
        let mut cut: Vec<(bool, usize)> = [&a, &b].iter().map(|r| (r.over_budget, r.body.len())).collect();
        cut.sort();
        assert_eq!(cut[1], (true, 32), "{via:?}: one grows past 32 bytes only if the budget allows: {cut:?}");
        assert_eq!(cut[0], (false, 64), "{via:?}: the other reads to its cap: {cut:?}");
        assert!(a.truncated && b.truncated, "{via:?}");
        // What they held is given back: alone, a third body reads to the cap again.
        let third = c.send(ping()).await.expect("an answer");
        assert_eq!((third.over_budget, third.body.len()), (false, 64), "{via:?}");
        assert_eq!(c.body_peak(), (96, 96), "{via:?}: the peak, and the budget");
    }
}

#[tokio::test]
async fn a_body_exactly_as_long_as_the_cap_is_whole() {
    for via in BOTH {
        let d = daemon(via, vec![write(b"HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\n0123456789abcdef")]).await;
        let resp = client(&d.target, PATIENT, 16).send(ping()).await.expect("an answer");
        assert_eq!((resp.body.as_slice(), resp.truncated), (&b"0123456789abcdef"[..], false), "{via:?}");
    }
}

const STREAM_HEAD: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";

/// Whether `body` is whole `{"status":"x"}\n` lines... or a prefix cut inside one: what a drip of `line` gives.
fn drip_of(line: &[u8], body: &[u8]) -> bool {
    body.iter().enumerate().all(|(i, b)| *b == line[i % line.len()])
}

#[tokio::test]
async fn a_stream_that_keeps_coming_ends_at_its_window_with_what_was_read() {
    const LINE: &[u8] = b"{\"status\":\"x\"}\n";
    for via in BOTH {
        let d = daemon(via, vec![write(STREAM_HEAD), Step::Drip(LINE, Duration::from_millis(50))]).await;
        let window = Duration::from_millis(400);
        let started = Instant::now();
        let resp = client(&d.target, PATIENT, 1 << 20)
            .send(Request::new(Method::Get, "/v1.41/events").stream_for(window))
            .await
            .expect("what was read");
        let took = started.elapsed();
        assert!(resp.truncated, "{via:?}: cut by the window");
        assert!(resp.body.len() >= LINE.len() && drip_of(LINE, &resp.body), "{via:?}: {:?}", resp.body);
        assert!(took >= window && took < PATIENT / 2, "{via:?}: took {took:?}, not the window");
        assert!(resp.elapsed >= window, "{via:?}: {:?}", resp.elapsed);
    }
}

#[tokio::test]
async fn a_stream_that_ends_inside_its_window_is_whole() {
    for via in BOTH {
        let d = daemon(via, vec![write(STREAM_HEAD), write(b"3\r\nabc\r\n0\r\n\r\n")]).await;
        let resp = client(&d.target, PATIENT, 1 << 20)
            .send(Request::new(Method::Get, "/v1.41/events").stream_for(Duration::from_secs(10)))
            .await
            .expect("an answer");
        assert_eq!((resp.body.as_slice(), resp.truncated), (&b"abc"[..], false), "{via:?}");
        assert!(resp.elapsed < Duration::from_secs(10), "{via:?}: ended with the body, not the window");
    }
}

#[tokio::test]
async fn a_stream_quiet_after_its_first_bytes_ends_then_and_one_never_begun_waits_the_window() {
    for via in BOTH {
        let d = daemon(via, vec![write(STREAM_HEAD), write(b"3\r\nabc\r\n")]).await;
        let req = Request::new(Method::Get, "/v1.41/events").stream_for(Duration::from_secs(20));
        let resp = client(&d.target, PATIENT, 1 << 20)
            .send(req.quiet_after(Duration::from_millis(100)))
            .await
            .expect("what was read");
        assert_eq!((resp.body.as_slice(), resp.truncated), (&b"abc"[..], false), "{via:?}: whole, not cut");
        assert!(resp.elapsed < Duration::from_secs(10), "{via:?}: ended by the quiet, not the window");
        // Without a window the quiet still ends the read: what came is the answer, not a timeout.
        let d = daemon(via, vec![write(STREAM_HEAD), write(b"3\r\nabc\r\n")]).await;
        let req = Request::new(Method::Get, "/v1.41/events").quiet_after(Duration::from_millis(100));
        let resp = client(&d.target, PATIENT, 1 << 20).send(req).await.expect("what was read, not a timeout");
        assert_eq!((resp.body.as_slice(), resp.truncated), (&b"abc"[..], false), "{via:?}");

        let d = daemon(via, vec![write(STREAM_HEAD)]).await;
        let window = Duration::from_millis(400);
        let req = Request::new(Method::Get, "/v1.41/events").stream_for(window);
        let resp = client(&d.target, PATIENT, 1 << 20)
            .send(req.quiet_after(Duration::from_millis(50)))
            .await
            .expect("what was read");
        assert!(resp.body.is_empty() && resp.truncated, "{via:?}: {resp:?}");
        assert!(resp.elapsed >= window, "{via:?}: no bytes yet, so the quiet has not begun: {:?}", resp.elapsed);
    }
}

#[tokio::test]
async fn the_timeout_ends_a_stream_window_longer_than_itself() {
    let d = daemon(Via::Unix, vec![write(STREAM_HEAD), Step::Drip(b"x", Duration::from_millis(50))]).await;
    let timeout = Duration::from_millis(500);
    let resp = client(&d.target, timeout, 1 << 20)
        .send(Request::new(Method::Get, "/v1.41/events").stream_for(Duration::from_secs(60)))
        .await
        .expect("what was read, not an error");
    assert!(resp.truncated && !resp.body.is_empty() && drip_of(b"x", &resp.body), "{resp:?}");
    assert!(resp.elapsed >= timeout && resp.elapsed < Duration::from_secs(30), "{:?}", resp.elapsed);
}

#[tokio::test]
async fn a_body_that_stalls_past_the_timeout_is_a_timeout() {
    for via in BOTH {
        // 10 bytes of 100, then silence.
        let d = daemon(via, vec![write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")]).await;
        let timeout = Duration::from_millis(500);
        let started = Instant::now();
        let err = client(&d.target, timeout, 1 << 20)
            .send(Request::new(Method::Get, "/v1.41/containers/json"))
            .await
            .expect_err("the body never completes");
        assert!(
            matches!(&err, ClientError::Timeout { method, path, after }
                if method == "GET" && path == "/v1.41/containers/json" && *after == timeout),
            "{via:?}: {err:?}"
        );
        assert_eq!(err.to_string(), "GET /v1.41/containers/json timed out after 0.5 s", "{via:?}");
        assert!(!err.is_unreachable(), "{via:?}: one request failed, the daemon is there");
        assert!(started.elapsed() >= timeout, "{via:?}");
    }
}

#[tokio::test]
async fn a_daemon_that_never_answers_is_a_timeout() {
    for via in BOTH {
        let d = daemon(via, Vec::new()).await;
        let started = Instant::now();
        let err = client(&d.target, Duration::from_millis(300), 1024).send(ping()).await.expect_err("no answer");
        assert!(matches!(err, ClientError::Timeout { .. }), "{via:?}: {err:?}");
        assert!(started.elapsed() < PATIENT / 2, "{via:?}: ended by the timeout: {:?}", started.elapsed());
    }
}

#[tokio::test]
async fn a_connection_dropped_mid_head_is_a_transport_error() {
    for via in BOTH {
        let d = daemon(via, vec![write(b"HTTP/1.1 200 OK\r\nContent-Le"), Step::Close]).await;
        let err = client(&d.target, PATIENT, 1024).send(ping()).await.expect_err("half a head");
        let ClientError::Transport { method, path, message } = &err else { panic!("{via:?}: {err:?}") };
        assert_eq!((method.as_str(), path.as_str()), ("GET", "/v1.41/_ping"), "{via:?}");
        assert!(!message.is_empty(), "{via:?}");
        assert!(err.to_string().starts_with("GET /v1.41/_ping failed: "), "{via:?}: {err}");
        assert!(!err.is_unreachable(), "{via:?}");
    }
}

#[tokio::test]
async fn a_connection_dropped_mid_body_is_a_transport_error() {
    for via in BOTH {
        let d =
            daemon(via, vec![write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789"), Step::Close]).await;
        let err = client(&d.target, PATIENT, 1024).send(ping()).await.expect_err("a tenth of the body");
        assert!(matches!(&err, ClientError::Transport { path, .. } if path == "/v1.41/_ping"), "{via:?}: {err:?}");
    }
}

#[tokio::test]
async fn an_answer_that_is_not_http_is_a_transport_error() {
    for via in BOTH {
        let d = daemon(via, vec![write(b"SSH-2.0-OpenSSH_9.2\r\n\r\n"), Step::Close]).await;
        let err = client(&d.target, PATIENT, 1024).send(ping()).await.expect_err("not HTTP");
        assert!(matches!(err, ClientError::Transport { .. }), "{via:?}: {err:?}");
    }
}

#[tokio::test]
async fn a_missing_socket_is_socket_not_found_when_building_and_when_sending() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("docker.sock");
    let target = host::parse(&format!("unix://{}", path.display()), TlsOptions::default(), "test").expect("address");
    let err = Client::new(target, PATIENT, 1024).expect_err("no socket there");
    assert!(matches!(&err, ClientError::SocketNotFound { path: p } if *p == path), "{err:?}");
    assert_eq!(err.to_string(), format!("no daemon socket at {}", path.display()));
    assert!(err.is_unreachable());

    // The socket goes away after the client was made.
    let d = daemon(Via::Unix, vec![write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK")]).await;
    let c = client(&d.target, PATIENT, 1024);
    std::fs::remove_file(d.socket()).expect("remove the socket");
    let err = c.send(ping()).await.expect_err("no socket any more");
    assert!(matches!(&err, ClientError::SocketNotFound { path } if *path == d.socket()), "{err:?}");
}

#[tokio::test]
async fn a_socket_nobody_listens_on_is_a_connect_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("docker.sock");
    drop(UnixListener::bind(&path).expect("bind"));
    assert!(path.exists(), "the socket file stays after its listener is gone");
    let display = format!("unix://{}", path.display());
    let c = client(&host::parse(&display, TlsOptions::default(), "test").expect("address"), PATIENT, 1024);
    let err = c.send(ping()).await.expect_err("refused");
    assert!(matches!(&err, ClientError::Connect { address, .. } if *address == display), "{err:?}");
    assert!(err.to_string().starts_with(&format!("cannot connect to {display}: ")), "{err}");
    assert!(err.is_unreachable());

    // The same on TCP: a port nobody listens on any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("port").port();
    let display = format!("tcp://127.0.0.1:{port}");
    let c = client(&host::parse(&display, TlsOptions::default(), "test").expect("address"), PATIENT, 1024);
    let err = c.send(ping()).await.expect_err("refused");
    assert!(matches!(&err, ClientError::Connect { address, .. } if *address == display), "{err:?}");
}

#[test]
fn each_client_error_has_its_message_and_says_whether_the_daemon_is_unreachable() {
    let rows: Vec<(ClientError, &str, bool)> = vec![
        (
            ClientError::BadAddress { given: "ssh://h".into(), message: "unsupported scheme `ssh`".into() },
            "invalid daemon address `ssh://h`: unsupported scheme `ssh`",
            true,
        ),
        (ClientError::SocketNotFound { path: "/run/d.sock".into() }, "no daemon socket at /run/d.sock", true),
        (ClientError::PermissionDenied { path: "/run/d.sock".into() }, "permission denied on /run/d.sock", true),
        (
            ClientError::Connect { address: "tcp://127.0.0.1:2375".into(), message: "connection refused".into() },
            "cannot connect to tcp://127.0.0.1:2375: connection refused",
            true,
        ),
        (
            ClientError::Timeout {
                method: "POST".into(),
                path: "/v1.41/build".into(),
                after: Duration::from_millis(1500),
            },
            "POST /v1.41/build timed out after 1.5 s",
            false,
        ),
        (
            ClientError::Transport { method: "GET".into(), path: "/_ping".into(), message: "reset".into() },
            "GET /_ping failed: reset",
            false,
        ),
        (ClientError::Tls { message: "no ca.pem".into() }, "TLS setup failed: no ca.pem", true),
        (
            ClientError::Context { name: "ci".into(), message: "no home directory".into() },
            "cannot use Docker context `ci`: no home directory",
            true,
        ),
    ];
    for (err, message, unreachable) in rows {
        assert_eq!(err.to_string(), message);
        assert_eq!(err.is_unreachable(), unreachable, "{message}");
    }
}

#[test]
fn the_daemon_message_is_the_json_message_else_the_trimmed_text() {
    let answer = |body: &[u8]| Response {
        status: 404,
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.to_vec(),
        truncated: false,
        over_budget: false,
        elapsed: Duration::ZERO,
    };
    assert_eq!(answer(br#"{"message":"No such container: x"}"#).daemon_message(), "No such container: x");
    assert_eq!(answer(br#"{"cause":"x"}"#).daemon_message(), r#"{"cause":"x"}"#);
    assert_eq!(answer(b"  page not found\n").daemon_message(), "page not found");
    assert_eq!(answer(b"").daemon_message(), "");
    let long = [b'x'; 400];
    assert_eq!(answer(&long).daemon_message().len(), 300);
    assert_eq!(answer(b"{}").header("Content-Type"), Some("application/json"));
    assert_eq!(answer(b"{}").header("api-version"), None);
}

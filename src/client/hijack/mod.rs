//! Hijacked connections (`POST /containers/{id}/attach`, `POST /exec/{id}/start`): the upgrade exchange, a
//! bounded read of the raw stream, and the summary of the stream kept as evidence. The HTTP/1.1 exchange itself is in
//! [`exchange`]; the frames in [`super::frames`].
//!
//! # Use
//!
//! ```no_run
//! # async fn probe(client: &dockmatrix::client::Client) -> Result<(), dockmatrix::client::ClientError> {
//! use std::time::Duration;
//! use dockmatrix::client::Request;
//! use dockmatrix::model::{EndedBy, Method};
//!
//! let req = Request::new(Method::Post, "/v1.41/containers/probe/attach?stream=1&stdin=1&stdout=1&stderr=1");
//! let h = client.hijack(req, Some(b"echo hi\n".to_vec()), Duration::from_millis(500)).await?;
//! if h.hijacked {
//!     // The stream: frames when the container has no TTY, raw bytes with one.
//!     let out = h.output().expect("valid frames");
//!     assert!(out.stdout_text().contains("hi"));
//!     assert_eq!(h.ended_by, EndedBy::Window); // attach stays open until the container exits
//!     let _evidence = h.summary(); // Some(StreamSummary), for `Evidence::stream_summary`
//! } else {
//!     // A plain answer (404 No such container, 409 not running, ...): judge it like any response.
//!     let _resp = h.to_response();
//! }
//! # Ok(()) }
//! ```
//!
//! # Why a hand-written HTTP/1.1 exchange (unix sockets and plain TCP)
//!
//! hyper's `conn::http1` with `.with_upgrades()` covers only the `101` case. Docker also hijacks without an
//! upgrade: a client that sends no `Upgrade` header gets `200 OK` with no length, and the connection is then a
//! raw stream in both directions (the daemon keeps reading stdin from it). hyper would see a read-only body
//! there, so stdin could not be written. Writing the request and parsing the head ourselves gives one code path
//! for both answers and both socket kinds, keeps the daemon's reason phrase (`101 UPGRADED`), and hands over the
//! bytes that arrive in the same read as the head. Plain answers (`404`, `409`) are read by their own framing
//! (`Content-Length`, chunked, or until EOF). Over TLS the exchange goes through reqwest and
//! [`reqwest::Response::upgrade`], which handles the `101` case only.

mod exchange;

use std::time::{Duration, Instant};

use exchange::{exchange, hijack_reqwest};

use super::error::ClientError;
use super::frames::{StreamError, StreamOutput, decode, websocket};
use super::host::Address;
use super::transport::{Client, Request, Response};
use crate::model::{EndedBy, SUMMARY_TEXT_CAP, StreamFormat, StreamSummary, excerpt};

/// The most a hijacked read keeps (at most the body cap too): a probe's stream is a line or two of output, and
/// several hijacks run at once, each outside the body budget of [`Client::send`].
pub const HIJACK_CAP: usize = 1024 * 1024;

/// A response head larger than this is refused (Docker's heads are a few hundred bytes).
const HEAD_CAP: usize = 64 * 1024;

/// The answer to a hijack request: the head, and what was read after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hijacked {
    /// HTTP status: `101` when upgraded, `200` for a hijack without upgrade, anything else for a plain answer.
    pub status: u16,
    /// The reason phrase as sent (`UPGRADED`); empty over TLS, where reqwest does not expose it.
    pub reason: String,
    /// Headers, lower-case names, in the order received.
    pub headers: Vec<(String, String)>,
    /// The bytes read after the head (the stream, or a plain answer's body), at most the client's body cap.
    pub bytes: Vec<u8>,
    /// Whether the connection became a raw stream: `101`, or `200` with neither `Content-Length` nor
    /// `Transfer-Encoding` (Docker's answer to a client that sends no `Upgrade`). When false, `bytes` is a
    /// plain body and [`Hijacked::to_response`] judges it like any answer.
    pub hijacked: bool,
    /// Whether the daemon answered `101` (switching protocols).
    pub upgraded: bool,
    /// How reading stopped.
    pub ended_by: EndedBy,
    /// The read error, when `ended_by` is [`EndedBy::Error`].
    pub read_error: Option<String>,
    /// Bytes of `input` written to the stream (0 when not hijacked, and over TLS without `101`).
    pub input_written: usize,
    /// Time from sending to the end of the response head.
    pub head_after: Duration,
    /// Time from sending to the first byte after the head, if one came.
    pub first_byte_after: Option<Duration>,
    /// Time from sending to the end of reading.
    pub elapsed: Duration,
}

impl Hijacked {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The `Content-Type` header.
    pub fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }

    /// The stream split into stdout and stderr (see [`decode`]); the frames of a WebSocket (an upgrade the daemon
    /// answered with `Upgrade: websocket`) as [`websocket`] reads them.
    pub fn output(&self) -> Result<StreamOutput, StreamError> {
        if self.upgraded && self.header("upgrade").is_some_and(|u| u.eq_ignore_ascii_case("websocket")) {
            return Ok(websocket(&self.bytes));
        }
        decode(self.content_type(), &self.bytes)
    }

    /// The summary to keep as evidence; `None` when the connection was not hijacked (a plain answer).
    pub fn summary(&self) -> Option<StreamSummary> {
        self.hijacked.then(|| summarize(self.output(), self.bytes.len(), self))
    }

    /// The answer as a plain [`Response`] (body = the bytes read; `truncated` unless it ended by EOF), so the
    /// usual verdict and evidence code can judge a `404` or `409` answer.
    pub fn to_response(&self) -> Response {
        Response {
            status: self.status,
            headers: self.headers.clone(),
            body: self.bytes.clone(),
            truncated: self.ended_by != EndedBy::Eof,
            over_budget: false,
            elapsed: self.elapsed,
        }
    }
}

impl Client {
    /// Sends `req` as a hijack request and reads the stream for at most `window`.
    ///
    /// * Adds `Connection: Upgrade` and `Upgrade: tcp`, unless `req.headers` already has a `Connection` header
    ///   (send `Connection: close` to play an old client and get Docker's `200 OK` hijack).
    /// * The connection, the request and the response head run under the client's timeout
    ///   ([`ClientError::Timeout`]); a head that is not HTTP is a [`ClientError::Transport`].
    /// * After the head, the deadline is `window`: when the connection is hijacked, `input` (if any) is written
    ///   while reading, and reading stops at EOF, at the deadline, or at the client's body cap. The write side
    ///   is not half-closed after `input` (Docker ends the output streams when stdin closes), then the connection
    ///   is closed. An `attach` therefore ends by the window while its container runs; an `exec` by EOF.
    /// * A plain answer (`404`, `409`, `200` with a length) is read by its framing under the same deadline and
    ///   comes back with `hijacked == false`; use [`Hijacked::to_response`].
    /// * `req.stream_window` is ignored: `window` rules.
    ///
    /// Unix sockets and `tcp://` use a hand-written HTTP/1.1 exchange; `https://` goes through reqwest's
    /// upgrade support, where only a `101` answer becomes a stream (input is not written otherwise).
    pub async fn hijack(
        &self,
        req: Request,
        input: Option<Vec<u8>>,
        window: Duration,
    ) -> Result<Hijacked, ClientError> {
        self.hijack_until(req, input, window, None).await
    }

    /// [`Client::hijack`], but reading also stops as soon as the raw bytes read contain `until` (an attach to a
    /// running container then ends when the expected output arrives, not at the window).
    pub async fn hijack_until(
        &self,
        req: Request,
        input: Option<Vec<u8>>,
        window: Duration,
        until: Option<&[u8]>,
    ) -> Result<Hijacked, ClientError> {
        let start = Instant::now();
        let until = until.filter(|u| !u.is_empty()).map(<[u8]>::to_vec);
        let cap = self.body_cap().min(HIJACK_CAP);
        let limits = Limits { start, head_deadline: start + self.timeout(), window, cap, until };
        let method = req.method;
        let fail = |f: Failure| match f {
            Failure::Timeout => {
                ClientError::Timeout { method: method.to_string(), path: req.path.clone(), after: self.timeout() }
            }
            Failure::Io(message) => {
                ClientError::Transport { method: method.to_string(), path: req.path.clone(), message }
            }
        };
        let input = input.as_deref();
        match &self.target().address {
            Address::Unix(socket) => {
                let connect = tokio::net::UnixStream::connect(socket);
                let stream = match tokio::time::timeout_at(limits.head_deadline.into(), connect).await {
                    Err(_) => return Err(fail(Failure::Timeout)),
                    Ok(Err(e)) => {
                        return Err(match e.kind() {
                            std::io::ErrorKind::NotFound => ClientError::SocketNotFound { path: socket.clone() },
                            std::io::ErrorKind::PermissionDenied => {
                                ClientError::PermissionDenied { path: socket.clone() }
                            }
                            _ => {
                                ClientError::Connect { address: self.target().display.clone(), message: e.to_string() }
                            }
                        });
                    }
                    Ok(Ok(s)) => s,
                };
                exchange(stream, &req, "docker", input, &limits).await.map_err(fail)
            }
            Address::Ssh { .. } => {
                let Some(argv) = self.ssh_argv() else {
                    return Err(fail(Failure::Io("no ssh command for this target".into())));
                };
                let stream = super::ssh::SshStream::spawn(argv).map_err(|e| self.ssh_error(&e.message))?;
                exchange(stream, &req, "docker", input, &limits).await.map_err(fail)
            }
            Address::Tcp { base, .. } if base.starts_with("https://") => {
                let Some(client) = self.http_client() else {
                    return Err(fail(Failure::Io("no https client for this target".into())));
                };
                hijack_reqwest(client, base, &req, input, &limits).await.map_err(|f| match f {
                    TlsFailure::Connect(message) => {
                        ClientError::Connect { address: self.target().display.clone(), message }
                    }
                    TlsFailure::Other(f) => fail(f),
                })
            }
            Address::Tcp { base, .. } => {
                let authority = base.split_once("://").map_or(base.as_str(), |(_, rest)| rest);
                let connect = tokio::net::TcpStream::connect(authority);
                let stream = match tokio::time::timeout_at(limits.head_deadline.into(), connect).await {
                    Err(_) => return Err(fail(Failure::Timeout)),
                    Ok(Err(e)) => {
                        return Err(ClientError::Connect {
                            address: self.target().display.clone(),
                            message: e.to_string(),
                        });
                    }
                    Ok(Ok(s)) => s,
                };
                exchange(stream, &req, authority, input, &limits).await.map_err(fail)
            }
        }
    }
}

/// The deadlines and the cap of one exchange.
struct Limits {
    start: Instant,
    head_deadline: Instant,
    window: Duration,
    cap: usize,
    until: Option<Vec<u8>>,
}

/// Why an exchange failed, before the method and path are attached.
#[derive(Debug)]
enum Failure {
    Timeout,
    Io(String),
}

/// The https path also tells a failed connection apart.
enum TlsFailure {
    Connect(String),
    Other(Failure),
}

/// The summary of a hijacked stream: `output` is the stream split by kind (or why it is not frames), `len` its
/// length in bytes.
fn summarize(output: Result<StreamOutput, StreamError>, len: usize, h: &Hijacked) -> StreamSummary {
    let mut s = StreamSummary {
        stdin_bytes: h.input_written as u64,
        ended_by: h.ended_by,
        upgraded: h.upgraded,
        error: h.read_error.clone(),
        ..StreamSummary::default()
    };
    match output {
        Ok(out) => {
            s.format = out.format;
            s.frames = out.frames as u64;
            s.frame_types = out.frame_types.iter().map(|t| (*t).to_string()).collect();
            s.stdout_bytes = out.stdout.len() as u64;
            s.stderr_bytes = out.stderr.len() as u64;
            s.stdout = excerpt(&out.stdout, SUMMARY_TEXT_CAP);
            s.stderr = excerpt(&out.stderr, SUMMARY_TEXT_CAP);
            if !out.system_error.is_empty() {
                s.error.get_or_insert_with(|| format!("daemon error in stream: {}", excerpt(&out.system_error, 200)));
            }
        }
        Err(e) => {
            s.format = StreamFormat::Multiplexed;
            s.stdout_bytes = len as u64;
            s.error = Some(e.to_string());
        }
    }
    s
}

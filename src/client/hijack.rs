//! Hijacked connections (`POST /containers/{id}/attach`, `POST /exec/{id}/start`): the upgrade exchange, a
//! bounded read of the raw stream, Docker's 8-byte stream frames and a summary of the stream kept as evidence.
//!
//! # Use
//!
//! ```no_run
//! # async fn probe(client: &dockmatrix::client::Client) -> Result<(), dockmatrix::client::ClientError> {
//! use std::time::Duration;
//! use dockmatrix::client::{EndedBy, Request};
//! use dockmatrix::matrix::Method;
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

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::error::ClientError;
use super::host::Address;
use super::transport::{Client, Request, Response, header_pairs};
use crate::matrix::Method;

/// A response head larger than this is refused (Docker's heads are a few hundred bytes).
const HEAD_CAP: usize = 64 * 1024;
/// The first bytes of stdout and of stderr kept in a [`StreamSummary`], in characters.
pub const SUMMARY_TEXT_CAP: usize = 200;
/// Bytes of a frame header: stream type, three bytes of padding, payload size (u32, big-endian).
pub const FRAME_HEADER_LEN: usize = 8;

/// How reading a hijacked stream (or a plain answer's body) stopped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EndedBy {
    /// The daemon closed the connection (or a plain body was complete).
    #[default]
    Eof,
    /// The window passed first; the connection was closed by us.
    Window,
    /// The client's body cap was reached; the rest was not read.
    Cap,
    /// Reading failed (connection reset, malformed chunked body); see [`Hijacked::read_error`].
    Error,
    /// The output held the text the caller waited for ([`Client::hijack_until`]); the connection was closed by us.
    Expected,
}

impl EndedBy {
    /// The kebab-case name (`eof`, `window`, `cap`, `error`).
    pub fn as_str(self) -> &'static str {
        match self {
            EndedBy::Eof => "eof",
            EndedBy::Window => "window",
            EndedBy::Cap => "cap",
            EndedBy::Error => "error",
            EndedBy::Expected => "expected output",
        }
    }
}

impl std::fmt::Display for EndedBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

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

    /// The stream split into stdout and stderr (see [`decode`]).
    pub fn output(&self) -> Result<StreamOutput, StreamError> {
        decode(self.content_type(), &self.bytes)
    }

    /// The summary to keep as evidence; `None` when the connection was not hijacked (a plain answer).
    pub fn summary(&self) -> Option<StreamSummary> {
        self.hijacked.then(|| StreamSummary::new(self.output(), self.bytes.len(), self))
    }

    /// The answer as a plain [`Response`] (body = the bytes read; `truncated` unless it ended by EOF), so the
    /// usual verdict and evidence code can judge a `404` or `409` answer.
    pub fn to_response(&self) -> Response {
        Response {
            status: self.status,
            headers: self.headers.clone(),
            body: self.bytes.clone(),
            truncated: self.ended_by != EndedBy::Eof,
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
        let limits = Limits { start, head_deadline: start + self.timeout(), window, cap: self.body_cap(), until };
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

/// Whether the caller chose the `Connection` header (then no upgrade headers are added).
fn caller_sets_connection(req: &Request) -> bool {
    req.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("connection"))
}

/// The request head and body as bytes; refuses CR or LF inside the path or a header.
fn request_bytes(req: &Request, host: &str) -> Result<Vec<u8>, Failure> {
    let bad = |what: &str| Failure::Io(format!("invalid request: {what} contains a line break or a space"));
    if req.path.contains(['\r', '\n', ' ']) {
        return Err(bad("the path"));
    }
    let mut head = format!("{} {} HTTP/1.1\r\nHost: {host}\r\n", req.method.as_str(), req.path);
    for (k, v) in &req.headers {
        if k.is_empty() || k.contains(['\r', '\n', ' ', ':']) || v.contains(['\r', '\n']) {
            return Err(bad(&format!("header `{}`", k.escape_debug())));
        }
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if !caller_sets_connection(req) {
        head.push_str("Connection: Upgrade\r\nUpgrade: tcp\r\n");
    }
    let body = req.body.as_deref().unwrap_or_default();
    let sets_length = req.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-length"));
    if !sets_length && (!body.is_empty() || matches!(req.method, Method::Post | Method::Put)) {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    Ok(bytes)
}

/// A parsed response head.
#[derive(Debug)]
struct Head {
    status: u16,
    reason: String,
    headers: Vec<(String, String)>,
}

impl Head {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Parses `HTTP/1.1 101 UPGRADED\r\nName: value\r\n...` (without the blank line).
fn parse_head(text: &[u8]) -> Result<Head, String> {
    let text = std::str::from_utf8(text).map_err(|_| "the response head is not UTF-8".to_string())?;
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    let code = parts.next().unwrap_or_default();
    if !version.starts_with("HTTP/1.") || code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
        let shown: String = status_line.chars().take(80).collect();
        return Err(format!("malformed status line {shown:?}"));
    }
    let status = code.parse().map_err(|_| format!("malformed status code {code:?}"))?;
    let reason = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    for line in lines {
        let Some((k, v)) = line.split_once(':') else {
            let shown: String = line.chars().take(80).collect();
            return Err(format!("malformed header line {shown:?}"));
        };
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
    Ok(Head { status, reason, headers })
}

/// Reads up to the blank line; returns the head and the bytes read past it.
async fn read_head<S: AsyncRead + Unpin>(io: &mut S) -> Result<(Head, Vec<u8>), Failure> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = parse_head(&buf[..end]).map_err(|m| Failure::Io(format!("malformed response head: {m}")))?;
            return Ok((head, buf[end + 4..].to_vec()));
        }
        if buf.len() > HEAD_CAP {
            return Err(Failure::Io(format!("response head larger than {} KiB", HEAD_CAP / 1024)));
        }
        let n = io.read(&mut chunk).await.map_err(|e| Failure::Io(e.to_string()))?;
        if n == 0 {
            return Err(Failure::Io(if buf.is_empty() {
                "connection closed before the response head".into()
            } else {
                "connection closed inside the response head".into()
            }));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// How a plain answer's body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    None,
    Length(u64),
    Chunked,
    UntilEof,
}

fn framing(head: &Head, method: Method) -> Framing {
    if method == Method::Head || head.status / 100 == 1 || head.status == 204 || head.status == 304 {
        return Framing::None;
    }
    if head.header("transfer-encoding").is_some_and(|t| t.to_ascii_lowercase().contains("chunked")) {
        return Framing::Chunked;
    }
    match head.header("content-length").and_then(|l| l.parse().ok()) {
        Some(n) => Framing::Length(n),
        None => Framing::UntilEof,
    }
}

/// One hijack exchange over an open connection: request, head, then the stream or the plain body.
async fn exchange<S>(
    mut io: S,
    req: &Request,
    host: &str,
    input: Option<&[u8]>,
    limits: &Limits,
) -> Result<Hijacked, Failure>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let bytes = request_bytes(req, host)?;
    let head = async {
        io.write_all(&bytes).await.map_err(|e| Failure::Io(e.to_string()))?;
        io.flush().await.map_err(|e| Failure::Io(e.to_string()))?;
        read_head(&mut io).await
    };
    let (head, first) =
        tokio::time::timeout_at(limits.head_deadline.into(), head).await.map_err(|_| Failure::Timeout)??;
    let head_after = limits.start.elapsed();
    let deadline = Instant::now() + limits.window;
    let framing = framing(&head, req.method);
    let hijacked = head.status == 101 || (head.status == 200 && framing == Framing::UntilEof);
    let read = if hijacked {
        pump(io, first, input, deadline, limits).await
    } else {
        plain_body(&mut io, first, framing, deadline, limits).await
    };
    Ok(read.into_answer(head, hijacked, head_after, limits))
}

/// What was read after the head.
struct Read {
    bytes: Vec<u8>,
    ended_by: EndedBy,
    error: Option<String>,
    written: usize,
    first_byte_after: Option<Duration>,
}

impl Read {
    /// Nothing read yet; ends by the window unless something else happens first.
    fn new() -> Self {
        Self { bytes: Vec::new(), ended_by: EndedBy::Window, error: None, written: 0, first_byte_after: None }
    }

    /// The answer: the head, and what was read after it.
    fn into_answer(self, head: Head, hijacked: bool, head_after: Duration, limits: &Limits) -> Hijacked {
        Hijacked {
            upgraded: head.status == 101,
            status: head.status,
            reason: head.reason,
            headers: head.headers,
            bytes: self.bytes,
            hijacked,
            ended_by: self.ended_by,
            read_error: self.error,
            input_written: self.written,
            head_after,
            first_byte_after: self.first_byte_after,
            elapsed: limits.start.elapsed(),
        }
    }

    /// Appends what fits under the cap; true when the cap is reached.
    /// Whether the bytes read so far hold the text the caller waits for.
    fn holds(&self, limits: &Limits) -> bool {
        limits.until.as_ref().is_some_and(|u| self.bytes.windows(u.len()).any(|w| w == u.as_slice()))
    }

    fn take(&mut self, chunk: &[u8], limits: &Limits) -> bool {
        if self.first_byte_after.is_none() && !chunk.is_empty() {
            self.first_byte_after = Some(limits.start.elapsed());
        }
        let room = limits.cap.saturating_sub(self.bytes.len());
        self.bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if chunk.len() >= room && self.bytes.len() >= limits.cap {
            self.ended_by = EndedBy::Cap;
            return true;
        }
        false
    }
}

/// The hijacked stream: writes `input` while reading, until EOF, the deadline or the cap.
async fn pump<S>(io: S, first: Vec<u8>, input: Option<&[u8]>, deadline: Instant, limits: &Limits) -> Read
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut read = Read::new();
    if read.take(&first, limits) {
        return read;
    }
    // The output may come in the same read as the 101 head (an exec whose command is quick): then it is here.
    if read.holds(limits) {
        read.ended_by = EndedBy::Expected;
        return read;
    }
    let (mut rd, mut wr) = tokio::io::split(io);
    let mut written = 0usize;
    {
        let write = async {
            let Some(data) = input else { return };
            while written < data.len() {
                match wr.write(&data[written..]).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => written += n,
                }
            }
            let _ = wr.flush().await;
        };
        let reading = async {
            let mut chunk = vec![0u8; 16 * 1024];
            loop {
                match rd.read(&mut chunk).await {
                    Ok(0) => {
                        read.ended_by = EndedBy::Eof;
                        return;
                    }
                    Ok(n) => {
                        if read.take(&chunk[..n], limits) {
                            return;
                        }
                        if read.holds(limits) {
                            read.ended_by = EndedBy::Expected;
                            return;
                        }
                    }
                    Err(e) => {
                        read.ended_by = EndedBy::Error;
                        read.error = Some(e.to_string());
                        return;
                    }
                }
            }
        };
        // On the deadline both futures are dropped; `read` keeps what came and says Window.
        let _ = tokio::time::timeout_at(deadline.into(), async { tokio::join!(write, reading) }).await;
    }
    read.written = written;
    read
}

/// A plain answer's body, by its framing, until the deadline or the cap.
async fn plain_body<S>(io: &mut S, first: Vec<u8>, framing: Framing, deadline: Instant, limits: &Limits) -> Read
where
    S: AsyncRead + Unpin,
{
    let mut read = Read::new();
    if !first.is_empty() {
        read.first_byte_after = Some(limits.start.elapsed());
    }
    let mut raw = first;
    let mut chunked = Dechunker::default();
    let mut chunk = vec![0u8; 16 * 1024];
    loop {
        // Complete, over the cap, or malformed yet?
        let end = match framing {
            Framing::None => Some(EndedBy::Eof),
            Framing::Length(n) => {
                let have = raw.len().min(usize::try_from(n).unwrap_or(usize::MAX));
                if have > limits.cap { Some(EndedBy::Cap) } else { (raw.len() as u64 >= n).then_some(EndedBy::Eof) }
            }
            Framing::Chunked => match chunked.feed(&raw) {
                Err(e) => {
                    read.error = Some(format!("malformed chunked body: {e}"));
                    Some(EndedBy::Error)
                }
                Ok(_) if chunked.out.len() > limits.cap => Some(EndedBy::Cap),
                Ok(done) => done.then_some(EndedBy::Eof),
            },
            Framing::UntilEof => (raw.len() > limits.cap).then_some(EndedBy::Cap),
        };
        if let Some(end) = end {
            read.ended_by = end;
            break;
        }
        match tokio::time::timeout_at(deadline.into(), io.read(&mut chunk)).await {
            Err(_) => {
                read.ended_by = EndedBy::Window;
                break;
            }
            // A length or chunked body cut short by the daemon also ends by EOF; the bytes show how much came.
            Ok(Ok(0)) => {
                read.ended_by = EndedBy::Eof;
                break;
            }
            Ok(Ok(n)) => {
                read.first_byte_after.get_or_insert_with(|| limits.start.elapsed());
                raw.extend_from_slice(&chunk[..n]);
            }
            Ok(Err(e)) => {
                read.ended_by = EndedBy::Error;
                read.error = Some(e.to_string());
                break;
            }
        }
    }
    let body: &[u8] = match framing {
        Framing::None => &[],
        Framing::Length(n) => &raw[..raw.len().min(usize::try_from(n).unwrap_or(usize::MAX))],
        Framing::Chunked => &chunked.out,
        Framing::UntilEof => &raw,
    };
    read.bytes = body[..body.len().min(limits.cap)].to_vec();
    read
}

/// Decodes a chunked body incrementally: `feed` is called with the whole raw buffer read so far.
#[derive(Default)]
struct Dechunker {
    /// Offset in the raw buffer of the next chunk-size line.
    pos: usize,
    /// The body decoded so far.
    out: Vec<u8>,
}

impl Dechunker {
    /// Decodes the complete chunks past `pos`; true once the last (zero-size) chunk is seen.
    fn feed(&mut self, raw: &[u8]) -> Result<bool, String> {
        loop {
            let rest = &raw[self.pos..];
            let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") else {
                return if rest.len() > 1024 { Err("chunk-size line longer than 1 KiB".into()) } else { Ok(false) };
            };
            let line = std::str::from_utf8(&rest[..eol]).map_err(|_| "chunk-size line is not text".to_string())?;
            let digits = line.split(';').next().unwrap_or_default().trim();
            let size = usize::from_str_radix(digits, 16).map_err(|_| format!("bad chunk size {digits:?}"))?;
            if size == 0 {
                return Ok(true);
            }
            let data = eol + 2;
            let Some(after) = data.checked_add(size).and_then(|e| e.checked_add(2)) else {
                return Err(format!("chunk size {size} overflows"));
            };
            if rest.len() < after {
                return Ok(false);
            }
            if &rest[data + size..after] != b"\r\n" {
                return Err("chunk data not followed by CRLF".into());
            }
            self.out.extend_from_slice(&rest[data..data + size]);
            self.pos += after;
        }
    }
}

/// The https path: reqwest sends the request, and a `101` answer is upgraded into the stream.
async fn hijack_reqwest(
    client: &reqwest::Client,
    base: &str,
    req: &Request,
    input: Option<&[u8]>,
    limits: &Limits,
) -> Result<Hijacked, TlsFailure> {
    let io = |e: &dyn std::error::Error| TlsFailure::Other(Failure::Io(super::transport::error_chain(e)));
    let method = reqwest::Method::from_bytes(req.method.as_str().as_bytes()).map_err(|e| io(&e))?;
    let mut b = client.request(method, format!("{base}{}", req.path));
    for (k, v) in &req.headers {
        b = b.header(k.as_str(), v.as_str());
    }
    if !caller_sets_connection(req) {
        b = b.header("Connection", "Upgrade").header("Upgrade", "tcp");
    }
    if let Some(body) = &req.body {
        b = b.body(body.clone());
    }
    let head_deadline = limits.head_deadline.into();
    let resp = match tokio::time::timeout_at(head_deadline, b.send()).await {
        Err(_) => return Err(TlsFailure::Other(Failure::Timeout)),
        Ok(Err(e)) if e.is_connect() => return Err(TlsFailure::Connect(super::transport::error_chain(&e))),
        Ok(Err(e)) => return Err(io(&e)),
        Ok(Ok(r)) => r,
    };
    let status = resp.status().as_u16();
    let headers = header_pairs(resp.headers());
    let head_after = limits.start.elapsed();
    let deadline = Instant::now() + limits.window;
    let (read, hijacked) = if status == 101 {
        let upgraded = match tokio::time::timeout_at(head_deadline, resp.upgrade()).await {
            Err(_) => return Err(TlsFailure::Other(Failure::Timeout)),
            Ok(Err(e)) => return Err(io(&e)),
            Ok(Ok(u)) => u,
        };
        (pump(upgraded, Vec::new(), input, deadline, limits).await, true)
    } else {
        (reqwest_body(resp, deadline, limits).await, false)
    };
    Ok(read.into_answer(Head { status, reason: String::new(), headers }, hijacked, head_after, limits))
}

async fn reqwest_body(mut resp: reqwest::Response, deadline: Instant, limits: &Limits) -> Read {
    let mut read = Read::new();
    loop {
        match tokio::time::timeout_at(deadline.into(), resp.chunk()).await {
            Err(_) => break,
            Ok(Ok(None)) => {
                read.ended_by = EndedBy::Eof;
                break;
            }
            Ok(Ok(Some(chunk))) => {
                if read.take(&chunk, limits) {
                    break;
                }
            }
            Ok(Err(e)) => {
                read.ended_by = EndedBy::Error;
                read.error = Some(super::transport::error_chain(&e));
                break;
            }
        }
    }
    read
}

// ---------------------------------------------------------------------------------------------------------------
// Frames

/// Which stream a frame belongs to (the first byte of its header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StreamKind {
    /// `0`: stdin (Docker's own reader writes it to stdout).
    Stdin,
    /// `1`: stdout.
    Stdout,
    /// `2`: stderr.
    Stderr,
    /// `3`: an error from the daemon itself, inside the stream (moby `stdcopy.Systemerr`, used by `logs`).
    SystemErr,
}

impl StreamKind {
    fn from_byte(b: u8) -> Option<Self> {
        match b {
            0 => Some(StreamKind::Stdin),
            1 => Some(StreamKind::Stdout),
            2 => Some(StreamKind::Stderr),
            3 => Some(StreamKind::SystemErr),
            _ => None,
        }
    }
}

/// One frame of a multiplexed stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The stream it belongs to.
    pub stream: StreamKind,
    /// Its payload.
    pub data: Vec<u8>,
}

/// Why bytes are not a sequence of Docker stream frames; offsets count from the first byte.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Fewer than 8 bytes left for a header.
    #[error("truncated frame header at byte {offset}: {have} of 8 bytes")]
    TruncatedHeader {
        /// Where the header starts.
        offset: usize,
        /// Bytes present.
        have: usize,
    },
    /// The payload is shorter than its header says.
    #[error("truncated frame at byte {offset}: the header announces {declared} B of payload, {have} B follow")]
    TruncatedPayload {
        /// Where the frame starts.
        offset: usize,
        /// Payload size in the header.
        declared: u32,
        /// Payload bytes present.
        have: usize,
    },
    /// The stream byte is not 0 (stdin), 1 (stdout), 2 (stderr) or 3 (daemon error).
    #[error("frame at byte {offset} names stream {byte} (0 stdin, 1 stdout, 2 stderr and 3 daemon error exist)")]
    BadStream {
        /// Where the frame starts.
        offset: usize,
        /// The stream byte.
        byte: u8,
    },
    /// Bytes 1 to 3 of the header are not zero.
    #[error("frame at byte {offset} has nonzero padding {padding:02x?}")]
    BadPadding {
        /// Where the frame starts.
        offset: usize,
        /// The three padding bytes.
        padding: [u8; 3],
    },
}

/// Splits `bytes` into frames; every byte must belong to a complete, well-formed frame.
pub fn demux(bytes: &[u8]) -> Result<Vec<Frame>, FrameError> {
    let mut frames = Vec::new();
    let mut offset = 0;
    while offset < bytes.len() {
        let rest = &bytes[offset..];
        if rest.len() < FRAME_HEADER_LEN {
            return Err(FrameError::TruncatedHeader { offset, have: rest.len() });
        }
        let stream = StreamKind::from_byte(rest[0]).ok_or(FrameError::BadStream { offset, byte: rest[0] })?;
        if rest[1..4] != [0, 0, 0] {
            return Err(FrameError::BadPadding { offset, padding: [rest[1], rest[2], rest[3]] });
        }
        let declared = u32::from_be_bytes([rest[4], rest[5], rest[6], rest[7]]);
        let payload = &rest[FRAME_HEADER_LEN..];
        let size = usize::try_from(declared).unwrap_or(usize::MAX);
        if payload.len() < size {
            return Err(FrameError::TruncatedPayload { offset, declared, have: payload.len() });
        }
        frames.push(Frame { stream, data: payload[..size].to_vec() });
        offset += FRAME_HEADER_LEN + size;
    }
    Ok(frames)
}

/// Whether `bytes` are (non-empty) well-formed frames: how a `raw-stream` answer, which Docker before API 1.42
/// sends for multiplexed output too, is told apart from a TTY's raw bytes.
pub fn looks_multiplexed(bytes: &[u8]) -> bool {
    !bytes.is_empty() && demux(bytes).is_ok()
}

/// Whether a stream carried frames or raw bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StreamFormat {
    /// Raw bytes (a TTY), all of it stdout.
    #[default]
    Raw,
    /// 8-byte-header frames.
    Multiplexed,
}

impl StreamFormat {
    /// The kebab-case name (`raw`, `multiplexed`).
    pub fn as_str(self) -> &'static str {
        match self {
            StreamFormat::Raw => "raw",
            StreamFormat::Multiplexed => "multiplexed",
        }
    }
}

impl std::fmt::Display for StreamFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stream split by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamOutput {
    /// Frames or raw bytes.
    pub format: StreamFormat,
    /// Number of frames (0 for raw bytes).
    pub frames: usize,
    /// stdout bytes (stdin frames included, as Docker's reader does; all of a raw stream).
    pub stdout: Vec<u8>,
    /// stderr bytes.
    pub stderr: Vec<u8>,
    /// Payloads of daemon-error frames (stream 3).
    pub system_error: Vec<u8>,
}

impl StreamOutput {
    /// stdout as text (lossy UTF-8).
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// stderr as text (lossy UTF-8).
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// The content type says multiplexed, but the bytes are not frames.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("content type `{content_type}` says multiplexed, but the stream is not docker frames: {source}")]
pub struct StreamError {
    /// The content type of the answer.
    pub content_type: String,
    /// What is wrong with the bytes.
    pub source: FrameError,
}

/// Splits a stream into stdout and stderr, given the answer's content type.
///
/// `application/vnd.docker.multiplexed-stream` (API 1.42 and later) must be frames, or this fails. Any other
/// content type (`raw-stream`, none) is frames when the bytes look like frames ([`looks_multiplexed`]) and raw
/// TTY bytes otherwise, because Docker sends `raw-stream` for both before 1.42 and for `exec` at every version.
pub fn decode(content_type: Option<&str>, bytes: &[u8]) -> Result<StreamOutput, StreamError> {
    let declared = content_type.is_some_and(|c| c.to_ascii_lowercase().contains("multiplexed-stream"));
    let frames = match demux(bytes) {
        Ok(frames) if declared || !bytes.is_empty() => frames,
        Ok(_) => return Ok(StreamOutput { stdout: bytes.to_vec(), ..StreamOutput::default() }),
        Err(source) if declared => {
            return Err(StreamError { content_type: content_type.unwrap_or_default().to_string(), source });
        }
        Err(_) => return Ok(StreamOutput { stdout: bytes.to_vec(), ..StreamOutput::default() }),
    };
    let mut out = StreamOutput { format: StreamFormat::Multiplexed, frames: frames.len(), ..StreamOutput::default() };
    for f in frames {
        match f.stream {
            StreamKind::Stdin | StreamKind::Stdout => out.stdout.extend_from_slice(&f.data),
            StreamKind::Stderr => out.stderr.extend_from_slice(&f.data),
            StreamKind::SystemErr => out.system_error.extend_from_slice(&f.data),
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------------------------
// Evidence

/// A hijacked stream, summarised for `Evidence::stream_summary`: small, serde, stable across runs against the
/// same daemon (no timings).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamSummary {
    /// Frames or raw bytes.
    #[serde(default)]
    pub format: StreamFormat,
    /// Number of frames (0 for raw).
    #[serde(default)]
    pub frames: u64,
    /// stdout bytes (all bytes of a raw stream).
    #[serde(default)]
    pub stdout_bytes: u64,
    /// stderr bytes.
    #[serde(default)]
    pub stderr_bytes: u64,
    /// The first [`SUMMARY_TEXT_CAP`] characters of stdout (lossy UTF-8).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub stdout: String,
    /// The first [`SUMMARY_TEXT_CAP`] characters of stderr (lossy UTF-8).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub stderr: String,
    /// Bytes written to stdin.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub stdin_bytes: u64,
    /// How reading stopped.
    #[serde(default)]
    pub ended_by: EndedBy,
    /// Whether the daemon answered `101`.
    #[serde(default)]
    pub upgraded: bool,
    /// What was wrong with the stream: frames announced but not sent, a daemon error frame, a read error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The first `cap` characters of `bytes` as lossy UTF-8.
fn excerpt(bytes: &[u8], cap: usize) -> String {
    String::from_utf8_lossy(bytes).chars().take(cap).collect()
}

impl StreamSummary {
    fn new(output: Result<StreamOutput, StreamError>, len: usize, h: &Hijacked) -> Self {
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
                s.stdout_bytes = out.stdout.len() as u64;
                s.stderr_bytes = out.stderr.len() as u64;
                s.stdout = excerpt(&out.stdout, SUMMARY_TEXT_CAP);
                s.stderr = excerpt(&out.stderr, SUMMARY_TEXT_CAP);
                if !out.system_error.is_empty() {
                    s.error
                        .get_or_insert_with(|| format!("daemon error in stream: {}", excerpt(&out.system_error, 200)));
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

    /// One line for `Evidence::stream` and snapshots:
    /// `multiplexed stream, 101: 1 frame, stdout 18 B, stderr 0 B, stdin 23 B, ended by window; stdout "…"`.
    pub fn describe(&self) -> String {
        let mut s = format!("{} stream, {}: ", self.format, if self.upgraded { "101" } else { "not upgraded" });
        if self.format == StreamFormat::Multiplexed {
            s += &format!("{} frame{}, ", self.frames, if self.frames == 1 { "" } else { "s" });
        }
        s += &format!("stdout {} B, stderr {} B", self.stdout_bytes, self.stderr_bytes);
        if self.stdin_bytes > 0 {
            s += &format!(", stdin {} B", self.stdin_bytes);
        }
        s += &format!(", ended by {}", self.ended_by);
        let quoted = |t: &str| serde_json::Value::String(t.chars().take(80).collect()).to_string();
        if !self.stdout.is_empty() {
            s += &format!("; stdout {}", quoted(&self.stdout));
        }
        if !self.stderr.is_empty() {
            s += &format!("; stderr {}", quoted(&self.stderr));
        }
        if let Some(e) = &self.error {
            s += &format!("; error: {e}");
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(stream: u8, data: &[u8]) -> Vec<u8> {
        let mut v = vec![stream, 0, 0, 0];
        v.extend_from_slice(&(data.len() as u32).to_be_bytes());
        v.extend_from_slice(data);
        v
    }

    #[test]
    fn demux_splits_several_frames_in_order() {
        let mut bytes = frame(1, b"out1\n");
        bytes.extend(frame(2, b"err1\n"));
        bytes.extend(frame(1, b""));
        bytes.extend(frame(0, b"in"));
        let frames = demux(&bytes).expect("valid frames");
        let kinds: Vec<StreamKind> = frames.iter().map(|f| f.stream).collect();
        assert_eq!(kinds, [StreamKind::Stdout, StreamKind::Stderr, StreamKind::Stdout, StreamKind::Stdin]);
        assert_eq!(frames[0].data, b"out1\n");
        assert_eq!(frames[1].data, b"err1\n");
        assert!(frames[2].data.is_empty());
        assert_eq!(demux(&[]).expect("empty is no frames"), []);
    }

    #[test]
    fn demux_reports_a_split_or_truncated_frame() {
        let mut bytes = frame(1, b"hello");
        let whole = bytes.len();
        bytes.extend(frame(2, b"world"));
        // Cut inside the second payload: the first frame is fine, the second is short by 2 bytes.
        let cut = &bytes[..bytes.len() - 2];
        assert_eq!(demux(cut), Err(FrameError::TruncatedPayload { offset: whole, declared: 5, have: 3 }));
        // Cut inside the second header.
        assert_eq!(demux(&bytes[..whole + 3]), Err(FrameError::TruncatedHeader { offset: whole, have: 3 }));
        // A frame delivered in two reads parses once joined.
        let (a, b) = bytes.split_at(whole + 4);
        assert!(demux(a).is_err());
        assert_eq!(demux(&[a, b].concat()).expect("joined").len(), 2);
    }

    #[test]
    fn demux_rejects_a_bad_stream_byte_and_padding() {
        let mut bytes = frame(1, b"ok");
        bytes.extend(frame(4, b"x"));
        assert_eq!(demux(&bytes), Err(FrameError::BadStream { offset: 10, byte: 4 }));
        let mut padded = frame(2, b"x");
        padded[2] = 7;
        assert_eq!(demux(&padded), Err(FrameError::BadPadding { offset: 0, padding: [0, 7, 0] }));
        // Stream 3 is the daemon's own error (moby stdcopy.Systemerr).
        assert_eq!(demux(&frame(3, b"boom")).expect("systemerr")[0].stream, StreamKind::SystemErr);
    }

    #[test]
    fn raw_tty_bytes_are_not_frames() {
        let tty = b"dockmatrix-tty\r\n";
        assert!(!looks_multiplexed(tty));
        assert!(matches!(demux(tty), Err(FrameError::BadStream { offset: 0, byte: b'd' })));
        let out = decode(Some("application/vnd.docker.raw-stream"), tty).expect("raw is fine");
        assert_eq!((out.format, out.frames, out.stdout_text()), (StreamFormat::Raw, 0, "dockmatrix-tty\r\n".into()));
        assert!(!looks_multiplexed(b""));
    }

    #[test]
    fn decode_follows_the_content_type_and_the_bytes() {
        let mut bytes = frame(1, b"out\n");
        bytes.extend(frame(2, b"err\n"));
        bytes.extend(frame(3, b"daemon broke"));
        for ct in [Some("application/vnd.docker.raw-stream"), Some("application/vnd.docker.multiplexed-stream"), None] {
            let out = decode(ct, &bytes).expect("frames");
            assert_eq!(out.format, StreamFormat::Multiplexed, "{ct:?}");
            assert_eq!((out.frames, out.stdout_text(), out.stderr_text()), (3, "out\n".into(), "err\n".into()));
            assert_eq!(out.system_error, b"daemon broke");
        }
        let err = decode(Some("application/vnd.docker.multiplexed-stream"), b"plain text").expect_err("not frames");
        assert_eq!(err.source, FrameError::BadStream { offset: 0, byte: b'p' });
        assert!(err.to_string().contains("says multiplexed"), "{err}");
        let empty = decode(Some("application/vnd.docker.multiplexed-stream"), b"").expect("no frames yet");
        assert_eq!((empty.format, empty.frames), (StreamFormat::Multiplexed, 0));
        assert_eq!(decode(None, b"").expect("empty").format, StreamFormat::Raw);
    }

    fn limits(window_ms: u64, cap: usize) -> Limits {
        let start = Instant::now();
        Limits {
            start,
            head_deadline: start + Duration::from_secs(5),
            window: Duration::from_millis(window_ms),
            cap,
            until: None,
        }
    }

    /// Runs an exchange against a scripted peer on an in-memory pipe; returns the answer and the request bytes.
    async fn scripted(
        req: Request,
        input: Option<&[u8]>,
        answer: Vec<u8>,
        close: bool,
        limits: Limits,
    ) -> (Result<Hijacked, Failure>, Vec<u8>) {
        let (ours, mut theirs) = tokio::io::duplex(64 * 1024);
        let peer = tokio::spawn(async move {
            let mut seen = Vec::new();
            let mut buf = [0u8; 4096];
            while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = theirs.read(&mut buf).await.expect("read request");
                if n == 0 {
                    break;
                }
                seen.extend_from_slice(&buf[..n]);
            }
            theirs.write_all(&answer).await.expect("answer");
            if close {
                drop(theirs);
                return seen;
            }
            // Keep the connection open, collecting what the client writes, until it closes.
            loop {
                match theirs.read(&mut buf).await {
                    Ok(0) | Err(_) => return seen,
                    Ok(n) => seen.extend_from_slice(&buf[..n]),
                }
            }
        });
        let got = exchange(ours, &req, "docker", input, &limits).await;
        let seen = peer.await.expect("peer");
        (got, seen)
    }

    /// The output of a quick exec can arrive in the same read as the 101 head: reading stops there, at once.
    #[tokio::test]
    async fn expected_output_in_the_read_of_the_head_ends_the_stream() {
        let mut answer =
            b"HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
                .to_vec();
        answer.extend(frame(1, b"dockmatrix-x\n"));
        let req = Request::new(Method::Post, "/v1.41/exec/x/start");
        let limits = Limits { until: Some(b"dockmatrix-x".to_vec()), ..limits(60_000, 1024) };
        let started = Instant::now();
        let (got, _) = scripted(req, None, answer, false, limits).await;
        let h = got.expect("hijacked");
        assert_eq!(h.ended_by, EndedBy::Expected, "not the 60 s window, nor EOF");
        assert!(started.elapsed() < Duration::from_secs(20), "{:?}", started.elapsed());
        assert_eq!(h.output().expect("frames").stdout_text(), "dockmatrix-x\n");
    }

    #[tokio::test]
    async fn an_upgrade_hands_over_the_stream_and_writes_stdin() {
        let mut answer =
            b"HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
                .to_vec();
        answer.extend(frame(1, b"hello\n"));
        let req = Request::new(Method::Post, "/v1.41/containers/x/attach?stream=1&stdin=1&stdout=1");
        let (got, seen) = scripted(req, Some(b"echo hello\n"), answer, false, limits(200, 1024)).await;
        let h = got.expect("hijacked");
        assert_eq!((h.status, h.reason.as_str(), h.upgraded, h.hijacked), (101, "UPGRADED", true, true));
        assert_eq!(h.ended_by, EndedBy::Window);
        assert_eq!(h.input_written, 11);
        assert_eq!(h.output().expect("frames").stdout_text(), "hello\n");
        assert_eq!(h.content_type(), Some("application/vnd.docker.raw-stream"));
        let seen = String::from_utf8_lossy(&seen);
        assert!(seen.starts_with("POST /v1.41/containers/x/attach?stream=1&stdin=1&stdout=1 HTTP/1.1\r\n"), "{seen}");
        assert!(seen.contains("Connection: Upgrade\r\nUpgrade: tcp\r\n") && seen.contains("Content-Length: 0\r\n"));
        assert!(seen.ends_with("\r\n\r\necho hello\n"), "{seen}");
        let summary = h.summary().expect("a stream");
        assert_eq!(
            (summary.format, summary.frames, summary.stdout.as_str()),
            (StreamFormat::Multiplexed, 1, "hello\n")
        );
        assert_eq!(
            summary.describe(),
            "multiplexed stream, 101: 1 frame, stdout 6 B, stderr 0 B, stdin 11 B, ended by window; stdout \"hello\\n\""
        );
    }

    #[tokio::test]
    async fn a_200_without_length_is_a_hijack_without_upgrade() {
        let mut answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n".to_vec();
        answer.extend_from_slice(b"tty bytes\r\n");
        let mut req = Request::new(Method::Post, "/v1.24/exec/e/start").json(&serde_json::json!({"Detach": false}));
        req.headers.push(("Connection".into(), "close".into()));
        let (got, seen) = scripted(req, Some(b"x"), answer, true, limits(2000, 1024)).await;
        let h = got.expect("answer");
        assert_eq!((h.status, h.upgraded, h.hijacked, h.ended_by), (200, false, true, EndedBy::Eof));
        let out = h.output().expect("raw");
        assert_eq!((out.format, out.stdout_text()), (StreamFormat::Raw, "tty bytes\r\n".into()));
        let seen = String::from_utf8_lossy(&seen);
        assert!(!seen.contains("Upgrade"), "the caller's Connection header replaces the upgrade: {seen}");
        assert!(seen.contains("Content-Length: 16\r\n") && seen.contains("{\"Detach\":false}"), "{seen}");
    }

    #[tokio::test]
    async fn plain_answers_are_read_by_their_framing() {
        // Docker's 404 for attach: no length, the connection closes after the message.
        let answer = b"HTTP/1.1 404 Not Found\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\nNo such container: nope\r\n";
        let req = || Request::new(Method::Post, "/v1.41/containers/nope/attach?stream=1");
        let (got, _) = scripted(req(), Some(b"ignored"), answer.to_vec(), true, limits(2000, 1024)).await;
        let h = got.expect("answer");
        assert_eq!((h.status, h.hijacked, h.ended_by, h.input_written), (404, false, EndedBy::Eof, 0));
        assert_eq!(h.to_response().body, b"No such container: nope\r\n");
        assert!(h.summary().is_none());
        // Content-Length on a kept-alive connection: complete without waiting for the window.
        let answer = b"HTTP/1.1 409 Conflict\r\nContent-Length: 12\r\n\r\n{\"m\":\"busy\"}";
        let (got, _) = scripted(req(), None, answer.to_vec(), false, limits(30_000, 1024)).await;
        let h = got.expect("answer");
        assert_eq!((h.status, h.bytes.as_slice(), h.ended_by), (409, &b"{\"m\":\"busy\"}"[..], EndedBy::Eof));
        assert!(h.elapsed < Duration::from_secs(8), "{:?}", h.elapsed);
        // Chunked, kept alive.
        let answer = b"HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n";
        let (got, _) = scripted(req(), None, answer.to_vec(), false, limits(5000, 1024)).await;
        let h = got.expect("answer");
        assert_eq!((h.bytes.as_slice(), h.ended_by), (&b"hello world"[..], EndedBy::Eof));
        // A 200 with a length (exec start with Detach) is a plain answer too.
        let answer = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
        let (got, _) = scripted(req(), None, answer.to_vec(), false, limits(5000, 1024)).await;
        assert!(!got.expect("answer").hijacked);
    }

    #[tokio::test]
    async fn the_body_cap_stops_reading() {
        let mut answer = b"HTTP/1.1 101 UPGRADED\r\n\r\n".to_vec();
        answer.extend(vec![b'a'; 100]);
        let (got, _) = scripted(Request::new(Method::Post, "/x"), None, answer, false, limits(2000, 10)).await;
        let h = got.expect("answer");
        assert_eq!((h.bytes.len(), h.ended_by), (10, EndedBy::Cap));
        let mut answer = b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 100\r\n\r\n".to_vec();
        answer.extend(vec![b'b'; 100]);
        let (got, _) = scripted(Request::new(Method::Post, "/x"), None, answer, false, limits(2000, 10)).await;
        let h = got.expect("answer");
        assert_eq!((h.bytes.as_slice(), h.ended_by, h.hijacked), (&[b'b'; 10][..], EndedBy::Cap, false));
        assert!(h.to_response().truncated);
    }

    #[tokio::test]
    async fn a_head_that_is_not_http_is_a_transport_error() {
        let (got, _) = scripted(
            Request::new(Method::Post, "/x"),
            None,
            b"SSH-2.0-OpenSSH\r\n\r\n".to_vec(),
            true,
            limits(100, 10),
        )
        .await;
        assert!(matches!(got, Err(Failure::Io(ref m)) if m.contains("malformed status line")), "{got:?}");
        let (got, _) =
            scripted(Request::new(Method::Post, "/x"), None, b"HTTP/1.1 101 UPGR".to_vec(), true, limits(100, 10))
                .await;
        assert!(matches!(got, Err(Failure::Io(ref m)) if m.contains("inside the response head")), "{got:?}");
    }

    #[tokio::test]
    async fn a_silent_daemon_times_out_on_the_head() {
        let (ours, _theirs) = tokio::io::duplex(1024);
        let start = Instant::now();
        let l = Limits {
            start,
            head_deadline: start + Duration::from_millis(200),
            window: Duration::from_secs(60),
            cap: 10,
            until: None,
        };
        let got = exchange(ours, &Request::new(Method::Post, "/x"), "docker", None, &l).await;
        assert!(matches!(got, Err(Failure::Timeout)), "{got:?}");
        assert!(start.elapsed() < Duration::from_secs(8), "the 200 ms head deadline, not the 60 s window");
    }

    #[test]
    fn rejects_line_breaks_in_headers() {
        let mut req = Request::new(Method::Post, "/x");
        req.headers.push(("X-Evil".into(), "a\r\nInjected: 1".into()));
        assert!(matches!(request_bytes(&req, "docker"), Err(Failure::Io(ref m)) if m.contains("X-Evil")));
    }

    /// The https path, exercised over plain http: reqwest's upgrade against a scripted TCP peer.
    #[tokio::test]
    async fn the_reqwest_path_upgrades_and_writes_stdin() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
        let port = listener.local_addr().expect("addr").port();
        let peer = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.expect("accept");
            let mut seen = Vec::new();
            let mut buf = [0u8; 4096];
            while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = s.read(&mut buf).await.expect("read");
                seen.extend_from_slice(&buf[..n]);
            }
            s.write_all(b"HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n").await.expect("head");
            let mut stdin = [0u8; 3];
            s.read_exact(&mut stdin).await.expect("stdin");
            s.write_all(&frame(1, &stdin)).await.expect("echo");
            String::from_utf8_lossy(&seen).into_owned()
        });
        let client = reqwest::Client::builder().no_proxy().http1_only().build().expect("client");
        let req = Request::new(Method::Post, "/v1.41/exec/e/start");
        let got =
            hijack_reqwest(&client, &format!("http://127.0.0.1:{port}"), &req, Some(b"abc"), &limits(3000, 1024)).await;
        let Ok(h) = got else { panic!("reqwest upgrade failed") };
        assert_eq!((h.status, h.upgraded, h.input_written, h.ended_by), (101, true, 3, EndedBy::Eof));
        assert_eq!(h.output().expect("frames").stdout_text(), "abc");
        let seen = peer.await.expect("peer").to_ascii_lowercase();
        assert!(seen.contains("connection: upgrade") && seen.contains("upgrade: tcp"), "{seen}");
    }
}

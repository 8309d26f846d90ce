//! The hand-written HTTP/1.1 hijack exchange: the request head, the response head, the body's framing, the
//! bounded read of the stream while stdin is written, and the same over reqwest for TLS.

use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::{Failure, HEAD_CAP, Hijacked, Limits, TlsFailure};
use crate::client::transport::{Request, header_pairs};
use crate::model::{EndedBy, Method};

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
pub(super) async fn exchange<S>(
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
pub(super) async fn hijack_reqwest(
    client: &reqwest::Client,
    base: &str,
    req: &Request,
    input: Option<&[u8]>,
    limits: &Limits,
) -> Result<Hijacked, TlsFailure> {
    let io = |e: &dyn std::error::Error| TlsFailure::Other(Failure::Io(crate::client::transport::error_chain(e)));
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
        Ok(Err(e)) if e.is_connect() => return Err(TlsFailure::Connect(crate::client::transport::error_chain(&e))),
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
                read.error = Some(crate::client::transport::error_chain(&e));
                break;
            }
        }
    }
    read
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::frames::tests::frame;
    use crate::model::StreamFormat;

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

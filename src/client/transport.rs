//! The three transports (unix socket through hyperlocal, TCP/TLS through reqwest, ssh through hyper over a child's
//! stdio) behind one `send`.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::TokioExecutor;
use hyperlocal::UnixConnector;

use super::error::ClientError;
use super::host::{Address, Target, TlsOptions};
use super::path;
use super::ssh::SshConnector;
use crate::model::{ApiVersion, Method};

/// One request: method, path (already versioned by `path::build`), headers and body.
#[derive(Debug, Clone)]
pub struct Request {
    /// HTTP method.
    pub method: Method,
    /// Path and query, as `path::build` wrote it.
    pub path: String,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// Body bytes, if any.
    pub body: Option<Vec<u8>>,
    /// For streaming endpoints: read the body for at most this long, then return what was read.
    pub stream_window: Option<Duration>,
    /// Within the stream window: stop once the body has been quiet this long after its first bytes (a stream whose
    /// past part came at once and whose live part is not wanted, as events from `since`).
    pub stream_quiet: Option<Duration>,
}

impl Request {
    /// A request without body.
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Self { method, path: path.into(), headers: Vec::new(), body: None, stream_window: None, stream_quiet: None }
    }

    /// The request a recipe or a scenario step describes, once filled in: `method` to the path `template` at
    /// `api` with its path parameters and query (see [`path::build`]), and the JSON `body` if there is one.
    pub fn to(
        method: Method,
        api: Option<ApiVersion>,
        template: &str,
        params: &[(String, String)],
        query: &[(String, String)],
        body: Option<&serde_json::Value>,
    ) -> Self {
        fn pairs(v: &[(String, String)]) -> Vec<(&str, &str)> {
            v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
        }
        let req = Self::new(method, path::build(api, template, &pairs(params), &pairs(query)));
        match body {
            Some(body) => req.json(body),
            None => req,
        }
    }

    /// Adds a JSON body and its content type.
    pub fn json(mut self, body: &serde_json::Value) -> Self {
        self.headers.push(("Content-Type".into(), "application/json".into()));
        self.body = Some(body.to_string().into_bytes());
        self
    }

    /// Adds a raw body with a content type.
    pub fn body(mut self, content_type: &str, body: Vec<u8>) -> Self {
        self.headers.push(("Content-Type".into(), content_type.into()));
        self.body = Some(body);
        self
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Reads a streaming answer for at most `window`.
    pub fn stream_for(mut self, window: Duration) -> Self {
        self.stream_window = Some(window);
        self
    }

    /// Within the stream window, stops reading once the body has been quiet for `quiet` after its first bytes: what
    /// came by then is the whole answer (not `truncated`).
    pub fn quiet_after(mut self, quiet: Duration) -> Self {
        self.stream_quiet = Some(quiet);
        self
    }
}

/// What the daemon answered, whichever transport carried it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// Headers, lower-case names, in the order received.
    pub headers: Vec<(String, String)>,
    /// Body bytes read (at most the client's cap).
    pub body: Vec<u8>,
    /// Whether the body was cut at the cap or by the stream window (a read that ended quiet is not cut).
    pub truncated: bool,
    /// Whether the cut was the memory budget's: the bodies being read at once passed [`DEFAULT_BODY_BUDGET`]
    /// (implies `truncated`).
    pub over_budget: bool,
    /// Time from sending to the end of reading.
    pub elapsed: Duration,
}

impl Response {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The daemon's message: `message` of a JSON error body, else the first 300 bytes of the body as text, trimmed
    /// (empty for an empty body).
    pub fn daemon_message(&self) -> String {
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&self.body)
            && let Some(m) = v.get("message").and_then(|m| m.as_str())
        {
            return m.to_string();
        }
        String::from_utf8_lossy(&self.body[..self.body.len().min(300)]).trim().to_string()
    }

    /// The error a progress stream ends with (push, pull, build and load answer 200, then report a failure as a
    /// JSON line `{"errorDetail": {...}, "error": "..."}`): its message, if a line of the body is one.
    pub fn stream_error(&self) -> Option<String> {
        self.body.split(|b| *b == b'\n').find_map(|line| {
            let v: serde_json::Value = serde_json::from_slice(line).ok()?;
            let obj = v.as_object()?;
            let message = obj.get("error").and_then(|e| e.as_str()).map(str::to_string);
            let detail = obj.get("errorDetail")?;
            message.or_else(|| detail.get("message").and_then(|m| m.as_str()).map(str::to_string))
        })
    }
}

/// The transport, private to `client`.
#[derive(Clone)]
enum Transport {
    Unix { client: Box<HyperClient<UnixConnector, Full<Bytes>>>, socket: PathBuf },
    Http { client: reqwest::Client, base: String },
    Ssh { client: Box<HyperClient<SshConnector, Full<Bytes>>>, argv: Vec<String> },
}

/// A daemon connection pool with a per-request timeout, a body size cap and a memory budget shared by its clones.
#[derive(Clone)]
pub struct Client {
    transport: Transport,
    target: Target,
    timeout: Duration,
    body_cap: usize,
    budget: Arc<BodyBudget>,
}

/// The bytes of the bodies being read at once, by all clones of a client, against a limit: a daemon that answers
/// every request without end makes at most this much of them wait in memory, whatever `--jobs` is. Real answers
/// stay far below it (the largest, `GET /images/get`, is 2 MB); the run's timing line shows the peak.
#[derive(Debug)]
struct BodyBudget {
    limit: usize,
    held: AtomicUsize,
    peak: AtomicUsize,
}

impl BodyBudget {
    /// A budget of `limit` bytes, none held.
    fn new(limit: usize) -> Arc<Self> {
        Arc::new(Self { limit, held: AtomicUsize::new(0), peak: AtomicUsize::new(0) })
    }

    /// Takes `n` bytes; false (taking nothing) when that would pass the limit.
    fn take(&self, n: usize) -> bool {
        let mut held = self.held.load(Ordering::Relaxed);
        loop {
            let next = held.saturating_add(n);
            if next > self.limit {
                return false;
            }
            match self.held.compare_exchange_weak(held, next, Ordering::AcqRel, Ordering::Relaxed) {
                Ok(_) => {
                    self.peak.fetch_max(next, Ordering::Relaxed);
                    return true;
                }
                Err(now) => held = now,
            }
        }
    }
}

/// One body's share of the budget, given back when the read ends, however it ends (a dropped future included).
struct Held<'a> {
    budget: &'a BodyBudget,
    bytes: usize,
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.budget.held.fetch_sub(self.bytes, Ordering::AcqRel);
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("target", &self.target.display).field("timeout", &self.timeout).finish()
    }
}

/// The default per-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The default body cap (bytes read before a body is cut).
pub const DEFAULT_BODY_CAP: usize = 8 * 1024 * 1024;
/// The default memory budget of the bodies being read at once (see [`Client::with_body_budget`]).
pub const DEFAULT_BODY_BUDGET: usize = 32 * 1024 * 1024;

impl Client {
    /// Builds a client for `target`; checks that a unix socket exists.
    pub fn new(target: Target, timeout: Duration, body_cap: usize) -> Result<Self, ClientError> {
        let transport = match &target.address {
            Address::Unix(socket) => {
                check_socket(socket)?;
                let client = HyperClient::builder(TokioExecutor::new())
                    .pool_idle_timeout(Duration::from_secs(30))
                    .pool_max_idle_per_host(64)
                    .build(UnixConnector);
                Transport::Unix { client: Box::new(client), socket: socket.clone() }
            }
            Address::Tcp { base, tls } => {
                let mut b = reqwest::Client::builder().pool_max_idle_per_host(64).no_proxy().http1_only();
                if let Some(tls) = tls {
                    b = configure_tls(b, tls)?;
                }
                let client = b.build().map_err(|e| ClientError::Tls { message: error_chain(&e) })?;
                Transport::Http { client, base: base.clone() }
            }
            Address::Ssh { spec, program } => {
                let argv = spec.argv(program);
                // Each pooled connection is an ssh process (and a dial-stdio on the host): few, kept a while.
                let client = HyperClient::builder(TokioExecutor::new())
                    .pool_idle_timeout(Duration::from_secs(30))
                    .pool_max_idle_per_host(16)
                    .build(SshConnector::new(argv.clone()));
                Transport::Ssh { client: Box::new(client), argv }
            }
        };
        let budget = BodyBudget::new(DEFAULT_BODY_BUDGET.max(body_cap));
        Ok(Self { transport, target, timeout, body_cap, budget })
    }

    /// The same client with a memory budget of `bytes` for the bodies its clones read at once (at least the body
    /// cap, so one body alone is never cut by it).
    pub fn with_body_budget(mut self, bytes: usize) -> Self {
        self.budget = BodyBudget::new(bytes.max(self.body_cap));
        self
    }

    /// The most body bytes this client and its clones held at once so far, and their budget.
    pub fn body_peak(&self) -> (usize, usize) {
        (self.budget.peak.load(Ordering::Relaxed), self.budget.limit)
    }

    /// The daemon this client talks to.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The per-request timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The body cap: bytes read before a body (or a hijacked stream) is cut.
    pub fn body_cap(&self) -> usize {
        self.body_cap
    }

    /// The reqwest client of a `tcp://`/`https://` target, for the hijack path over TLS.
    pub(super) fn http_client(&self) -> Option<&reqwest::Client> {
        match &self.transport {
            Transport::Http { client, .. } => Some(client),
            Transport::Unix { .. } | Transport::Ssh { .. } => None,
        }
    }

    /// The ssh command line of an `ssh://` target, for the hijack path (a connection of its own).
    pub(super) fn ssh_argv(&self) -> Option<&[String]> {
        match &self.transport {
            Transport::Ssh { argv, .. } => Some(argv),
            Transport::Unix { .. } | Transport::Http { .. } => None,
        }
    }

    /// Sends one request and reads the answer, under the timeout and the body cap.
    pub async fn send(&self, req: Request) -> Result<Response, ClientError> {
        let start = Instant::now();
        let deadline = start + self.timeout;
        let method = req.method;
        let timeout_err =
            || ClientError::Timeout { method: method.to_string(), path: req.path.clone(), after: self.timeout };
        let head = tokio::time::timeout(self.timeout, self.start(&req));
        let started = head.await.map_err(|_| timeout_err())??;
        let body_deadline = match req.stream_window {
            Some(w) => deadline.min(start + w),
            None => deadline,
        };
        let (status, headers, mut body) = started;
        let mut out = Vec::new();
        let (mut truncated, mut over_budget) = (false, false);
        let mut held = Held { budget: &self.budget, bytes: 0 };
        loop {
            let window_left = body_deadline.saturating_duration_since(Instant::now());
            let quiet = req.stream_quiet.filter(|q| !out.is_empty() && *q < window_left);
            let next = tokio::time::timeout(quiet.unwrap_or(window_left), body.next_chunk()).await;
            match next {
                // Quiet after its first bytes: the daemon has said what it had, the answer is whole.
                Err(_) if quiet.is_some() => break,
                Err(_) if req.stream_window.is_some() => {
                    truncated = true;
                    break;
                }
                Err(_) => return Err(timeout_err()),
                Ok(Ok(None)) => break,
                Ok(Ok(Some(chunk))) => {
                    let room = self.body_cap.saturating_sub(out.len());
                    let kept = chunk.len().min(room);
                    // The budget counts what is allocated: the body grows by doubling (up to the cap), else by
                    // just what this chunk needs, else it is cut here.
                    let need = out.len() + kept;
                    if need > out.capacity() {
                        let doubled = need.max(out.capacity() * 2).min(self.body_cap);
                        let Some(grown) = [doubled, need].into_iter().find(|c| self.budget.take(c - out.capacity()))
                        else {
                            (truncated, over_budget) = (true, true);
                            break;
                        };
                        held.bytes += grown - out.capacity();
                        out.reserve_exact(grown - out.len());
                    }
                    out.extend_from_slice(&chunk[..kept]);
                    if chunk.len() > room {
                        truncated = true;
                        break;
                    }
                }
                Ok(Err(message)) => {
                    return Err(ClientError::Transport { method: method.to_string(), path: req.path.clone(), message });
                }
            }
        }
        drop(held);
        Ok(Response { status, headers, body: out, truncated, over_budget, elapsed: start.elapsed() })
    }

    async fn start(&self, req: &Request) -> Result<(u16, Vec<(String, String)>, BodyStream), ClientError> {
        let method = req.method;
        let fail =
            |message: String| ClientError::Transport { method: method.to_string(), path: req.path.clone(), message };
        let hyper_request = |uri: hyper::Uri| {
            let mut b = hyper::Request::builder().method(method.as_str()).uri(uri).header("Host", "docker");
            for (k, v) in &req.headers {
                b = b.header(k.as_str(), v.as_str());
            }
            let body = Full::new(Bytes::from(req.body.clone().unwrap_or_default()));
            b.body(body).map_err(|e| fail(e.to_string()))
        };
        let answer = |resp: hyper::Response<hyper::body::Incoming>| {
            let status = resp.status().as_u16();
            let headers = header_pairs(resp.headers());
            (status, headers, BodyStream::Hyper(resp.into_body()))
        };
        match &self.transport {
            Transport::Unix { client, socket } => {
                let request = hyper_request(hyperlocal::Uri::new(socket, &req.path).into())?;
                let resp = client.request(request).await.map_err(|e| self.unix_error(e, socket, &fail))?;
                Ok(answer(resp))
            }
            Transport::Ssh { client, .. } => {
                let uri = format!("http://docker{}", req.path)
                    .parse()
                    .map_err(|e: hyper::http::uri::InvalidUri| fail(e.to_string()))?;
                let resp = client.request(hyper_request(uri)?).await.map_err(|e| match super::ssh::exit_in(&e) {
                    Some(exit) => self.ssh_error(&exit.message),
                    None => fail(error_chain(&e)),
                })?;
                Ok(answer(resp))
            }
            Transport::Http { client, base } => {
                let m = reqwest::Method::from_bytes(method.as_str().as_bytes()).map_err(|e| fail(e.to_string()))?;
                let send = || {
                    let mut b = client.request(m.clone(), format!("{base}{}", req.path));
                    for (k, v) in &req.headers {
                        b = b.header(k.as_str(), v.as_str());
                    }
                    if let Some(body) = &req.body {
                        b = b.body(body.clone());
                    }
                    b.send()
                };
                let cert = match &self.target.address {
                    Address::Tcp { tls: Some(t), .. } => t.cert.as_deref(),
                    _ => None,
                };
                let mut sent = send().await;
                // Over TLS 1.3 a daemon refuses a client certificate after the client's side of the handshake is
                // done: the alert may come only after the connection was handed to the request, which then fails
                // as "not ready" with no word of why. A read sent once more meets the alert.
                if let Err(e) = &sent
                    && cert.is_some()
                    && matches!(method, Method::Get | Method::Head)
                    && error_chain(e).contains("connection was not ready")
                {
                    sent = send().await;
                }
                let resp = sent.map_err(|e| {
                    let message = error_chain(&e);
                    if let Some((why, help)) = super::error::tls_handshake(&message, cert) {
                        ClientError::TlsHandshake { address: self.target.display.clone(), why, help }
                    } else if e.is_connect() {
                        ClientError::Connect { address: self.target.display.clone(), message }
                    } else {
                        fail(message)
                    }
                })?;
                let status = resp.status().as_u16();
                let headers = header_pairs(resp.headers());
                Ok((status, headers, BodyStream::Reqwest(resp)))
            }
        }
    }

    /// ssh's failure `why`, with what to try.
    pub(super) fn ssh_error(&self, why: &str) -> ClientError {
        ClientError::Ssh { address: self.target.display.clone(), why: why.to_string(), help: super::ssh::help_for(why) }
    }

    fn unix_error(
        &self,
        e: hyper_util::client::legacy::Error,
        socket: &std::path::Path,
        fail: &dyn Fn(String) -> ClientError,
    ) -> ClientError {
        if let Some(kind) = io_kind(&e) {
            match kind {
                std::io::ErrorKind::PermissionDenied => {
                    return ClientError::PermissionDenied { path: socket.to_path_buf() };
                }
                std::io::ErrorKind::NotFound => return ClientError::SocketNotFound { path: socket.to_path_buf() },
                _ => {}
            }
        }
        if e.is_connect() {
            ClientError::Connect { address: self.target.display.clone(), message: error_chain(&e) }
        } else {
            fail(error_chain(&e))
        }
    }
}

/// A response body being read, whichever transport.
enum BodyStream {
    Hyper(hyper::body::Incoming),
    Reqwest(reqwest::Response),
}

impl BodyStream {
    async fn next_chunk(&mut self) -> Result<Option<Bytes>, String> {
        match self {
            BodyStream::Hyper(b) => loop {
                match b.frame().await {
                    None => return Ok(None),
                    Some(Err(e)) => return Err(error_chain(&e)),
                    Some(Ok(frame)) => {
                        if let Ok(data) = frame.into_data() {
                            return Ok(Some(data));
                        }
                    }
                }
            },
            BodyStream::Reqwest(r) => r.chunk().await.map_err(|e| error_chain(&e)),
        }
    }
}

pub(super) fn header_pairs(h: &hyper::HeaderMap) -> Vec<(String, String)> {
    h.iter()
        .map(|(k, v)| (k.as_str().to_ascii_lowercase(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect()
}

/// The error and its sources, joined (`connection refused: ...`).
pub(super) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = s.source();
    }
    parts.join(": ")
}

fn io_kind(e: &(dyn std::error::Error + 'static)) -> Option<std::io::ErrorKind> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        cur = err.source();
    }
    None
}

fn check_socket(socket: &std::path::Path) -> Result<(), ClientError> {
    match std::fs::metadata(socket) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            Err(ClientError::PermissionDenied { path: socket.to_path_buf() })
        }
        Err(_) => Err(ClientError::SocketNotFound { path: socket.to_path_buf() }),
    }
}

fn configure_tls(mut b: reqwest::ClientBuilder, tls: &TlsOptions) -> Result<reqwest::ClientBuilder, ClientError> {
    let read = |p: &std::path::Path| {
        std::fs::read(p).map_err(|e| ClientError::Tls { message: format!("cannot read {}: {e}", p.display()) })
    };
    if let Some(ca) = &tls.ca
        && (tls.verify || ca.exists())
    {
        // Parsed here rather than when the client is built (what `Certificate::from_pem` leaves to reqwest), so that
        // an error names the file.
        let certs = reqwest::Certificate::from_pem_bundle(&read(ca)?)
            .map_err(|e| ClientError::Tls { message: format!("{}: {}", ca.display(), error_chain(&e)) })?;
        for cert in certs {
            b = b.add_root_certificate(cert);
        }
    }
    if let (Some(cert), Some(key)) = (&tls.cert, &tls.key)
        && cert.exists()
    {
        // One PEM buffer for both: a newline between them, so a certificate file without a final newline does not
        // run its END line into the key's BEGIN line.
        let mut pem = read(cert)?;
        pem.push(b'\n');
        pem.extend_from_slice(&read(key)?);
        let id = reqwest::Identity::from_pem(&pem).map_err(|e| ClientError::Tls {
            message: format!("{} / {}: {}", cert.display(), key.display(), error_chain(&e)),
        })?;
        b = b.identity(id);
    }
    if !tls.verify {
        b = b.danger_accept_invalid_certs(true);
    }
    Ok(b)
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tls_tests;

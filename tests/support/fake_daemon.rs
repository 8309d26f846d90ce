//! The one fake Docker daemon of the tests, on a temporary unix socket: the unit tests include this file from
//! `src/lib.rs`, the integration tests from `tests/integration/main.rs`, so it names nothing of either crate and uses
//! only std, serde_json and tempfile.
//!
//! Two kinds of fake: fixed [`Behaviour`]s for what real daemons rarely do (garbage, hangs, dropped connections, a
//! Docker 20.10 look-alike with one endpoint broken on purpose), and a small stateful daemon
//! ([`FakeDaemon::stateful`]) that keeps containers, images, volumes, networks and exec instances the way the
//! runner's fixtures, probes and scenarios use them. Either way every request is logged ([`FakeDaemon::log`]), and
//! any route can be given a scripted answer ([`FakeDaemon::answer`]) or a delay ([`FakeDaemon::delay`]).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::Duration;

use serde_json::{Value, json};

/// How the fake answers a request, when it is not the stateful daemon.
#[derive(Clone, Copy, Debug)]
#[allow(dead_code, reason = "the unit tests use the stateful daemon only")]
pub enum Behaviour {
    /// `/_ping` answers OK, `/version` answers a body that is not JSON.
    Garbage,
    /// Accepts connections and never answers.
    Hang,
    /// Closes every connection without a word.
    Drop,
    /// Pings and `/version` like a Docker 20.10; every other request's connection is dropped.
    DropAfterDiscovery,
    /// Answers every request with `101 UPGRADED`, then never sends a byte nor closes (it reads until the client
    /// closes).
    UpgradeThenSilent,
    /// Pings and `/version` (any `/vX.Y/version` too) like a Docker 20.10; every other request gets a 200 JSON answer
    /// whose chunked body never ends (it writes until the client closes).
    EndlessBody,
    /// Pings and `/version` like a Docker 20.10; every other request gets the head of a 200 JSON answer announcing
    /// 64 KiB, 16 bytes of it, and the connection closed.
    ResetMidBody,
    /// Pings and `/version` like a Docker 20.10; every other request is read and never answered (for 30 s).
    HangAfterDiscovery,
    /// Pings and `/version` like a Docker 20.10; every other request gets a proxy's `502 Bad Gateway` HTML page (the
    /// daemon behind it gone).
    ProxyErrorPage,
    /// Pings and `/version` like a Docker 20.10; every other request gets the head of a 200 JSON answer and then
    /// its chunked body one byte every 200 ms, without end.
    Trickle,
    /// Pings and `/version` like a Docker 20.10; every other request gets `200` with `Content-Type:
    /// application/json` and an HTML page as the body.
    WrongContentType,
    /// Answers like a Docker 20.10 daemon that holds no objects: ping headers and `/version` of API 1.41 (minimum
    /// 1.12), a 400 "client version ... is too old/new" outside 1.12..=1.41, 404 "No such container: NAME" (or
    /// image, exec instance) for the names a run makes sure do not exist, and 200 `[]` to lists, `{}` to the rest.
    /// `broken`, a method and unversioned path (`GET /containers/json`), answers 500 at every version instead.
    Docker2010 {
        /// The request that fails with a 500, if any.
        broken: Option<&'static str>,
    },
}

impl Behaviour {
    /// Whether it pings and says its version like a Docker 20.10, and fails only the requests after those.
    fn fails_after_discovery(self) -> bool {
        matches!(
            self,
            Behaviour::EndlessBody
                | Behaviour::ResetMidBody
                | Behaviour::HangAfterDiscovery
                | Behaviour::ProxyErrorPage
                | Behaviour::Trickle
                | Behaviour::WrongContentType
        )
    }
}

/// What the fake is: a fixed behaviour or the stateful daemon.
#[derive(Clone, Copy, Debug)]
enum Mode {
    Fixed(Behaviour),
    Stateful,
}

/// The kinds of object the stateful daemon keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Containers: created, running, paused or exited.
    Container,
    /// Images, each with its tags.
    Image,
    /// Volumes (their name is their id).
    Volume,
    /// Networks.
    Network,
    /// Exec instances (never run: their start answers at once).
    Exec,
}

impl Kind {
    /// The prefix of the ids the daemon gives this kind (hex, so the ids look like Docker's).
    fn prefix(self) -> &'static str {
        match self {
            Kind::Container => "c0ffee",
            Kind::Image => "1ea9e0",
            Kind::Volume => "",
            Kind::Network => "7e7000",
            Kind::Exec => "e8ec00",
        }
    }
}

/// One object of the stateful daemon, as the test sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Object {
    /// The id: 64 hex digits, the kind's prefix and then the object's number of its kind in hex (the first container
    /// made is `c0ffee0…01`); a volume's id is its name. An image's `Id` in answers is `sha256:` and this.
    pub id: String,
    /// The names: a container's, volume's or network's one name, an image's tags (`busybox:latest`).
    pub names: Vec<String>,
    /// The labels (a container's include those of its image, as on a real daemon).
    pub labels: BTreeMap<String, String>,
    /// A container's state (`created`, `running`, `paused`, `exited`); empty for other kinds.
    pub status: &'static str,
    /// An exec instance's container; a container's image id; empty otherwise.
    pub parent: String,
}

/// A scripted answer to a route, for its next `left` requests (`None`: all of them).
#[derive(Debug)]
struct Scripted {
    route: String,
    status: u16,
    body: String,
    left: Option<usize>,
}

/// The request log: every request in arrival order, and which were being answered side by side.
#[derive(Debug, Default)]
struct Log {
    /// `METHOD /path?query` of every request.
    lines: Vec<String>,
    /// Whether each request was being answered while another was.
    overlapped: Vec<bool>,
    /// The requests being answered now (their indices in `lines`).
    active: Vec<usize>,
}

/// What the connection threads share with the test.
#[derive(Debug)]
struct Shared {
    mode: Mode,
    log: Mutex<Log>,
    scripted: Mutex<Vec<Scripted>>,
    delays: Mutex<Vec<(String, Duration)>>,
    state: Mutex<State>,
}

/// Locks `m`, ignoring poison: a test that panicked while the fake held a lock must still see its log.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A running fake; the socket lives as long as the value.
pub struct FakeDaemon {
    _dir: tempfile::TempDir,
    /// The socket path.
    pub socket: PathBuf,
    shared: Arc<Shared>,
}

impl FakeDaemon {
    /// Starts serving `behaviour` on a new socket.
    #[allow(dead_code, reason = "the unit tests use the stateful daemon only")]
    pub fn start(behaviour: Behaviour) -> Self {
        Self::serve(Mode::Fixed(behaviour))
    }

    /// Starts a stateful daemon that holds nothing yet, on a new socket: a Docker 20.10 serving API 1.12 to 1.41
    /// (see [`FakeDaemon::with_api`]).
    ///
    /// It answers `/_ping` (GET and HEAD), `/version`, `/info`; containers: create (from a known image; its labels
    /// join the image's), list (`all`, and the `label` and `id` filters), inspect, start, stop, kill, pause, unpause,
    /// wait (it exits at once), stats, exec create, remove (`force` for a running one); exec start; images: list
    /// (`label` filter), inspect, save (`/get`), remove (with all its tags), and `POST /commit`
    /// (a new image with the container's labels and the `LABEL k=v` of `changes`); volumes and networks: create,
    /// list (`label` filter), inspect, remove. A versioned path outside the API range is refused with a 400, as
    /// dockerd does; every other route is a 404 `page not found`.
    pub fn stateful() -> Self {
        Self::serve(Mode::Stateful)
    }

    fn serve(mode: Mode) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let socket = dir.path().join("fake.sock");
        let listener = UnixListener::bind(&socket).expect("bind fake socket");
        let shared = Arc::new(Shared {
            mode,
            log: Mutex::default(),
            scripted: Mutex::default(),
            delays: Mutex::default(),
            state: Mutex::new(State::default()),
        });
        let served = shared.clone();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let shared = served.clone();
                thread::spawn(move || serve(stream, &shared));
            }
        });
        Self { _dir: dir, socket, shared }
    }

    /// The API range the stateful daemon serves (`"1.24"`, `"1.41"`): `/version` says so and versioned paths
    /// outside it are refused.
    pub fn with_api(self, min: &str, max: &str) -> Self {
        let parse = |v: &str| parse_version(v).unwrap_or_else(|| panic!("an API version: {v}"));
        let mut state = lock(&self.shared.state);
        (state.min_api, state.max_api) = (parse(min), parse(max));
        drop(state);
        self
    }

    /// `unix://...` for `--host`.
    pub fn host(&self) -> String {
        format!("unix://{}", self.socket.display())
    }

    /// `METHOD /path?query` of every request so far, in the order they arrived.
    pub fn log(&self) -> Vec<String> {
        lock(&self.shared.log).lines.clone()
    }

    /// The requests (as in [`FakeDaemon::log`]) that were being answered while another one was: from the moment
    /// the fake read the request to the moment it had its answer ready (a [`FakeDaemon::delay`] included).
    #[allow(dead_code, reason = "the integration tests do not look at concurrency")]
    pub fn overlapped(&self) -> Vec<String> {
        let log = lock(&self.shared.log);
        log.lines.iter().zip(&log.overlapped).filter(|(_, o)| **o).map(|(l, _)| l.clone()).collect()
    }

    /// Answers `route` with `status` and the JSON `body` instead of the usual answer, for the next `times` requests
    /// (`None`: all of them), without touching the state. A route is `METHOD /path` with the path unversioned and
    /// without its query; `*` stands for any method or one path segment (`POST /containers/*/start`), and `*` alone
    /// for every request. The first scripted answer that matches and has requests left wins.
    pub fn answer(&self, route: &str, status: u16, body: &str, times: Option<usize>) {
        let scripted = Scripted { route: route.to_string(), status, body: body.to_string(), left: times };
        lock(&self.shared.scripted).push(scripted);
    }

    /// Holds every answer to `route` (as in [`FakeDaemon::answer`]) for `delay` before it is sent; the longest
    /// delay that matches applies.
    #[allow(dead_code, reason = "the integration tests need no slow daemon")]
    pub fn delay(&self, route: &str, delay: Duration) {
        lock(&self.shared.delays).push((route.to_string(), delay));
    }

    /// Makes an image (`name` is its tag), volume or network in the stateful daemon without a request: what was
    /// there before the test. Returns its id.
    pub fn add(&self, kind: Kind, name: &str, labels: &[(&str, &str)]) -> String {
        let labels = labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let name = match kind {
            Kind::Image => normalize_tag(name),
            Kind::Volume | Kind::Network => name.to_string(),
            Kind::Container | Kind::Exec => panic!("add_container makes containers; exec instances come from requests"),
        };
        lock(&self.shared.state).make(kind, Some(name), labels, String::new())
    }

    /// Makes a container (created, never started) named `name` from the image `image`, which must exist, without a
    /// request; its labels join the image's. Returns its id.
    pub fn add_container(&self, name: &str, image: &str, labels: &[(&str, &str)]) -> String {
        let mut state = lock(&self.shared.state);
        let from = state.image(image).expect("the container's image is on the fake");
        let (parent, mut all) = (from.id.clone(), from.labels.clone());
        all.extend(labels.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        state.make(Kind::Container, Some(name.to_string()), all, parent)
    }

    /// The objects of `kind` the stateful daemon holds now, oldest first.
    pub fn objects(&self, kind: Kind) -> Vec<Object> {
        lock(&self.shared.state).objects.iter().filter(|o| o.kind == kind).map(|o| o.public.clone()).collect()
    }
}

/// The request the fake is answering, from its arrival until its answer is ready.
struct Ticket<'a> {
    shared: &'a Shared,
    index: usize,
}

impl<'a> Ticket<'a> {
    /// Logs `line` and counts it as being answered.
    fn arrive(shared: &'a Shared, line: String) -> Self {
        let mut log = lock(&shared.log);
        let index = log.lines.len();
        let busy = !log.active.is_empty();
        for i in log.active.clone() {
            log.overlapped[i] = true;
        }
        log.lines.push(line);
        log.overlapped.push(busy);
        log.active.push(index);
        Ticket { shared, index }
    }
}

impl Drop for Ticket<'_> {
    /// The answer is ready: it no longer counts as being answered. This happens before the answer is written, so
    /// a request the client sends only once it has read this answer never counts as overlapping it.
    fn drop(&mut self) {
        lock(&self.shared.log).active.retain(|i| *i != self.index);
    }
}

/// Whether `route` (`METHOD /path`, `*` for any method or segment, or `*` alone) matches `method` `path`.
fn route_matches(route: &str, method: &str, path: &str) -> bool {
    if route == "*" {
        return true;
    }
    let Some((m, p)) = route.split_once(' ') else { return false };
    if m != "*" && m != method {
        return false;
    }
    let (want, got): (Vec<&str>, Vec<&str>) = (p.split('/').collect(), path.split('/').collect());
    want.len() == got.len() && want.iter().zip(&got).all(|(w, g)| *w == "*" || w == g)
}

fn read_head(stream: &mut UnixStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => buf.push(byte[0]),
            _ => return None,
        }
    }
    Some(String::from_utf8_lossy(&buf).into_owned())
}

/// Reads the request body (`Content-Length` or chunked, the latter kept raw), so keep-alive requests stay in step.
fn read_body(stream: &mut UnixStream, head: &str) -> Option<Vec<u8>> {
    let header = |name: &str| {
        head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_ascii_lowercase())
        })
    };
    if let Some(len) = header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        let mut body = vec![0u8; len];
        stream.read_exact(&mut body).ok()?;
        return Some(body);
    }
    if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        let mut body = Vec::new();
        let mut byte = [0u8; 1];
        while !body.ends_with(b"0\r\n\r\n") {
            stream.read_exact(&mut byte).ok()?;
            body.push(byte[0]);
        }
        return Some(body);
    }
    Some(Vec::new())
}

/// One answer: status, content type, body.
struct Answer {
    status: u16,
    content_type: &'static str,
    body: String,
}

impl Answer {
    fn json(status: u16, body: Value) -> Self {
        let body = if status == 204 || status == 304 { String::new() } else { body.to_string() };
        Answer { status, content_type: "application/json", body }
    }

    /// A daemon error: `{"message": ...}`.
    fn error(status: u16, message: &str) -> Self {
        Answer::json(status, json!({ "message": message }))
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        304 => "Not Modified",
        400 => "Bad Request",
        404 => "Not Found",
        409 => "Conflict",
        500 => "Internal Server Error",
        _ => "Status",
    }
}

/// Writes `answer` with the headers of a Docker 20.10 at API `api`, `extra` (whole header lines) among them.
fn respond(stream: &mut UnixStream, head_only: bool, api: &str, extra: &str, answer: &Answer) {
    let Answer { status, content_type, body } = answer;
    let head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nApi-Version: {api}\r\n{extra}Server: Docker/20.10.24 (linux)\r\nContent-Length: {}\r\n\r\n",
        reason(*status),
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    // A HEAD answer announces its length but carries no body.
    if !head_only {
        let _ = stream.write_all(body.as_bytes());
    }
}

fn serve(mut stream: UnixStream, shared: &Shared) {
    loop {
        if matches!(shared.mode, Mode::Fixed(Behaviour::Drop)) {
            return;
        }
        let Some(head) = read_head(&mut stream) else { return };
        let line = head.lines().next().unwrap_or_default().to_string();
        let mut words = line.split_whitespace();
        let (method, target) = (words.next().unwrap_or_default().to_string(), words.next().unwrap_or_default());
        let target = target.to_string();
        let head_only = method == "HEAD";
        let Some(body) = read_body(&mut stream, &head) else { return };
        let ticket = Ticket::arrive(shared, format!("{method} {target}"));
        let (_, rest) = split_version(target.split('?').next().unwrap_or_default());
        let delay = lock(&shared.delays)
            .iter()
            .filter(|(route, _)| route_matches(route, &method, &rest))
            .map(|(_, d)| *d)
            .max();
        if let Some(delay) = delay {
            thread::sleep(delay);
        }
        let scripted = lock(&shared.scripted).iter_mut().find_map(|s| {
            let matches = route_matches(&s.route, &method, &rest) && s.left != Some(0);
            matches.then(|| {
                s.left = s.left.map(|n| n - 1);
                Answer { status: s.status, content_type: "application/json", body: s.body.clone() }
            })
        });
        let answer = match (scripted, shared.mode) {
            (Some(answer), _) => answer,
            (None, Mode::Stateful) => lock(&shared.state).answer(&method, &target, &body),
            (None, Mode::Fixed(behaviour)) => match fixed(behaviour, &method, &target, &body, &mut stream) {
                Some(answer) => answer,
                None => return,
            },
        };
        let (api, extra) = match shared.mode {
            Mode::Stateful => (lock(&shared.state).max_api_text(), "Ostype: linux\r\n"),
            Mode::Fixed(_) => ("1.41".to_string(), ""),
        };
        drop(ticket);
        respond(&mut stream, head_only, &api, extra, &answer);
    }
}

/// The answer of a fixed behaviour; `None` when the connection is to end (dropped, hung, hijacked).
fn fixed(behaviour: Behaviour, method: &str, target: &str, body: &[u8], stream: &mut UnixStream) -> Option<Answer> {
    let path = target.split('?').next().unwrap_or_default();
    let is_ping = path == "/_ping" || (path.starts_with("/v") && path.ends_with("/_ping"));
    let text = |status: u16, content_type: &'static str, body: &str| Answer { status, content_type, body: body.into() };
    match behaviour {
        Behaviour::Hang => {
            thread::sleep(Duration::from_secs(30));
            None
        }
        Behaviour::Garbage if is_ping => Some(text(200, "text/plain", "OK")),
        Behaviour::Garbage => Some(text(200, "text/html", "<html>surprise</html>")),
        Behaviour::DropAfterDiscovery if is_ping => Some(text(200, "text/plain", "OK")),
        Behaviour::DropAfterDiscovery if path == "/version" => Some(text(200, "application/json", VERSION_JSON)),
        Behaviour::UpgradeThenSilent => {
            let head = "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n";
            let _ = stream.write_all(head.as_bytes());
            let mut sink = [0u8; 4096];
            while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
            None
        }
        b if b.fails_after_discovery() && is_ping => Some(text(200, "text/plain", "OK")),
        b if b.fails_after_discovery() && (path == "/version" || path.ends_with("/version")) => {
            Some(text(200, "application/json", VERSION_JSON))
        }
        Behaviour::ProxyErrorPage => Some(text(
            502,
            "text/html",
            "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center>\
             <hr><center>nginx</center></body></html>",
        )),
        Behaviour::Trickle => {
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
            if stream.write_all(head.as_bytes()).is_ok() {
                while stream.write_all(b"1\r\n[\r\n").is_ok() {
                    thread::sleep(Duration::from_millis(200));
                }
            }
            None
        }
        Behaviour::WrongContentType => {
            Some(text(200, "application/json", "<html><body>Welcome to the proxy</body></html>"))
        }
        Behaviour::EndlessBody => {
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nApi-Version: 1.41\r\nTransfer-Encoding: chunked\r\n\r\n";
            let chunk = format!("1000\r\n{}\r\n", "[".repeat(0x1000));
            if stream.write_all(head.as_bytes()).is_ok() {
                while stream.write_all(chunk.as_bytes()).is_ok() {}
            }
            None
        }
        Behaviour::ResetMidBody => {
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nApi-Version: 1.41\r\nContent-Length: 65536\r\n\r\n[{\"Id\":\"cut here";
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.shutdown(std::net::Shutdown::Both);
            None
        }
        Behaviour::HangAfterDiscovery => {
            thread::sleep(Duration::from_secs(30));
            None
        }
        Behaviour::DropAfterDiscovery | Behaviour::Drop => None,
        Behaviour::Docker2010 { broken } => {
            let (status, content_type, text) = docker_20_10(method, target, body, broken);
            Some(Answer { status, content_type, body: text })
        }
    }
}

const VERSION_JSON: &str = r#"{"Version":"20.10.24","ApiVersion":"1.41","MinAPIVersion":"1.12","Os":"linux","Arch":"amd64","Components":[{"Name":"Engine"}]}"#;

/// `1.41` as `(1, 41)`.
fn parse_version(v: &str) -> Option<(u32, u32)> {
    let (major, minor) = v.split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// `/v1.41/containers/json` -> `(Some((1, 41)), "/containers/json")`; an unversioned path comes back as is.
fn split_version(path: &str) -> (Option<(u32, u32)>, String) {
    path.strip_prefix("/v")
        .and_then(|p| {
            let (v, rest) = p.split_once('/')?;
            Some((Some(parse_version(v)?), format!("/{rest}")))
        })
        .unwrap_or((None, path.to_string()))
}

/// dockerd's answer to a versioned path outside `min..=max`, if `version` is.
fn version_refusal(version: Option<(u32, u32)>, min: (u32, u32), max: (u32, u32)) -> Option<String> {
    let (major, minor) = version?;
    if (major, minor) < min {
        let m = format!(
            "client version {major}.{minor} is too old. Minimum supported API version is {}.{}, please upgrade your client to a newer version",
            min.0, min.1
        );
        return Some(m);
    }
    if (major, minor) > max {
        return Some(format!(
            "client version {major}.{minor} is too new. Maximum supported API version is {}.{}",
            max.0, max.1
        ));
    }
    None
}

/// What a Docker 20.10 with no objects answers to `method` `target` (path and query) with `body`.
fn docker_20_10(method: &str, target: &str, body: &[u8], broken: Option<&str>) -> (u16, &'static str, String) {
    const JSON: &str = "application/json";
    let path = target.split('?').next().unwrap_or_default();
    // An unversioned path is served at 1.41.
    let (version, rest) = split_version(path);
    let message = |m: String| json!({ "message": m }).to_string();
    if let Some(m) = version_refusal(version, (1, 12), (1, 41)) {
        return (400, JSON, message(m));
    }
    if rest == "/_ping" {
        return (200, "text/plain; charset=utf-8", "OK".into());
    }
    if rest == "/version" {
        return (200, JSON, VERSION_JSON.into());
    }
    if broken == Some(format!("{method} {rest}").as_str()) {
        return (500, JSON, message("fake daemon: broken on purpose".into()));
    }
    let body = String::from_utf8_lossy(body);
    let missing = rest.split('/').find(|s| s.starts_with("dockmatrix-missing-")).map(str::to_string).or_else(|| {
        // `POST /containers/create` names its image in the body.
        let v: Value = serde_json::from_str(&body).ok()?;
        v.get("Image")?.as_str().filter(|i| i.starts_with("dockmatrix-missing-")).map(|i| format!("{i}:latest"))
    });
    if let Some(name) = missing {
        let kind = match rest.split('/').nth(1) {
            Some("containers") if rest != "/containers/create" => "container",
            Some("containers" | "images") => "image",
            Some("exec") => "exec instance",
            _ => "object",
        };
        return (404, JSON, message(format!("No such {kind}: {name}")));
    }
    const LISTS: &[&str] = &[
        "/containers/json",
        "/images/json",
        "/networks",
        "/plugins",
        "/services",
        "/tasks",
        "/nodes",
        "/secrets",
        "/configs",
    ];
    let list = method == "GET" && LISTS.contains(&rest.as_str());
    (200, JSON, if list { "[]".into() } else { "{}".into() })
}

/// Percent-decodes a path segment or query part.
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `busybox` -> `busybox:latest`; a tag or digest stays.
fn normalize_tag(name: &str) -> String {
    let last = name.rsplit('/').next().unwrap_or(name);
    if last.contains(':') || last.contains('@') { name.to_string() } else { format!("{name}:latest") }
}

/// One object with what only the daemon needs.
#[derive(Debug)]
struct Stored {
    kind: Kind,
    /// Creation order, for `Created`.
    serial: u64,
    public: Object,
}

/// The stateful daemon's objects and API range.
#[derive(Debug)]
struct State {
    min_api: (u32, u32),
    max_api: (u32, u32),
    objects: Vec<Stored>,
    /// How many objects of each kind were ever made, for ids.
    made: BTreeMap<&'static str, usize>,
    serial: u64,
}

impl Default for State {
    fn default() -> Self {
        State { min_api: (1, 12), max_api: (1, 41), objects: Vec::new(), made: BTreeMap::new(), serial: 0 }
    }
}

/// The parsed request the stateful daemon routes.
struct Call<'a> {
    method: &'a str,
    segments: Vec<String>,
    query: Vec<(String, String)>,
    body: Value,
}

impl Call<'_> {
    /// The first value of the query parameter `key`.
    fn query(&self, key: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Whether the query flag `key` is set (`1` or `true`).
    fn flag(&self, key: &str) -> bool {
        matches!(self.query(key), Some("1" | "true"))
    }

    /// The `filters` query parameter: filter name → values.
    fn filters(&self) -> BTreeMap<String, Vec<String>> {
        let v: Value = self.query("filters").and_then(|f| serde_json::from_str(f).ok()).unwrap_or_default();
        let strings = |v: &Value| v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(String::from)).collect());
        v.as_object()
            .map(|o| o.iter().filter_map(|(k, v)| Some((k.clone(), strings(v)?))).collect())
            .unwrap_or_default()
    }

    /// The body's `Labels` object.
    fn labels(&self) -> BTreeMap<String, String> {
        labels_of(self.body.get("Labels"))
    }
}

fn labels_of(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|o| o.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect())
        .unwrap_or_default()
}

/// Whether `labels` satisfy every `key` or `key=value` of a `label` filter.
fn labels_match(labels: &BTreeMap<String, String>, wanted: &[String]) -> bool {
    wanted.iter().all(|w| match w.split_once('=') {
        Some((k, v)) => labels.get(k).is_some_and(|have| have == v),
        None => labels.contains_key(w.as_str()),
    })
}

impl State {
    fn max_api_text(&self) -> String {
        format!("{}.{}", self.max_api.0, self.max_api.1)
    }

    /// Makes an object and returns its id.
    fn make(&mut self, kind: Kind, name: Option<String>, labels: BTreeMap<String, String>, parent: String) -> String {
        let key = match kind {
            Kind::Container => "container",
            Kind::Image => "image",
            Kind::Volume => "volume",
            Kind::Network => "network",
            Kind::Exec => "exec",
        };
        let n = self.made.entry(key).or_default();
        *n += 1;
        let prefix = kind.prefix();
        let id = format!("{prefix}{:0width$x}", *n, width = 64 - prefix.len());
        let name = name.unwrap_or_else(|| format!("fake_{key}_{n}"));
        let id = if kind == Kind::Volume { name.clone() } else { id };
        let status = if kind == Kind::Container { "created" } else { "" };
        self.serial += 1;
        let public = Object { id: id.clone(), names: vec![name], labels, status, parent };
        self.objects.push(Stored { kind, serial: self.serial, public });
        id
    }

    /// The object of `kind` that `reference` names: its id, an id prefix, or a name (an image's tag; a container's
    /// name with or without its `/`).
    fn find(&self, kind: Kind, reference: &str) -> Option<&Object> {
        self.index(kind, reference).map(|i| &self.objects[i].public)
    }

    fn index(&self, kind: Kind, reference: &str) -> Option<usize> {
        let reference = reference.strip_prefix("sha256:").unwrap_or(reference);
        let of_kind = || self.objects.iter().enumerate().filter(|(_, o)| o.kind == kind);
        let by_name = |r: &str| of_kind().find(|(_, o)| o.public.names.iter().any(|n| n == r));
        let named = match kind {
            Kind::Image => by_name(&normalize_tag(reference)),
            Kind::Container => by_name(reference.trim_start_matches('/')),
            _ => by_name(reference),
        };
        // Ids can be shortened, names cannot (and a volume's id is its name).
        let by_id = || {
            of_kind().find(|(_, o)| kind != Kind::Volume && !reference.is_empty() && o.public.id.starts_with(reference))
        };
        of_kind().find(|(_, o)| o.public.id == reference).or(named).or_else(by_id).map(|(i, _)| i)
    }

    fn image(&self, reference: &str) -> Option<&Object> {
        self.find(Kind::Image, reference)
    }

    /// The objects of `kind` that pass the call's `label` filter (every `key` or `key=value` of it) and `id` filter
    /// (any id prefix of it).
    fn listed<'a>(&'a self, kind: Kind, call: &Call<'_>) -> impl Iterator<Item = (&'a Stored, &'a Object)> + 'a {
        let filters = call.filters();
        let labels = filters.get("label").cloned().unwrap_or_default();
        let ids = filters.get("id").cloned();
        self.objects
            .iter()
            .filter(move |o| {
                o.kind == kind
                    && labels_match(&o.public.labels, &labels)
                    && ids.as_ref().is_none_or(|ids| ids.iter().any(|i| o.public.id.starts_with(i.as_str())))
            })
            .map(|o| (o, &o.public))
    }

    /// The stateful answer to `method` `target` with `body`.
    fn answer(&mut self, method: &str, target: &str, body: &[u8]) -> Answer {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let (version, rest) = split_version(path);
        if let Some(m) = version_refusal(version, self.min_api, self.max_api) {
            return Answer::error(400, &m);
        }
        let call = Call {
            method,
            segments: rest.trim_start_matches('/').split('/').map(decode).collect(),
            query: query
                .split('&')
                .filter(|kv| !kv.is_empty())
                .map(|kv| {
                    let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                    (decode(k), decode(v))
                })
                .collect(),
            body: serde_json::from_slice(body).unwrap_or_default(),
        };
        let segments: Vec<&str> = call.segments.iter().map(String::as_str).collect();
        let not_found = || Answer::error(404, "page not found");
        match (method, segments.as_slice()) {
            ("GET" | "HEAD", ["_ping"]) => {
                Answer { status: 200, content_type: "text/plain; charset=utf-8", body: "OK".into() }
            }
            ("GET", ["version"]) => Answer::json(
                200,
                json!({"Version": "20.10.24", "ApiVersion": self.max_api_text(),
                    "MinAPIVersion": format!("{}.{}", self.min_api.0, self.min_api.1), "Os": "linux", "Arch": "amd64",
                    "Components": [{"Name": "Engine"}]}),
            ),
            ("GET", ["info"]) => {
                let count = |k: Kind| self.objects.iter().filter(|o| o.kind == k).count();
                let info = json!({"ID": "FAKE:DAEMON", "Name": "fake-daemon", "ServerVersion": "20.10.24",
                    "Containers": count(Kind::Container), "Images": count(Kind::Image)});
                Answer::json(200, info)
            }
            ("GET", ["containers", "json"]) => {
                let all = call.flag("all");
                let list: Vec<Value> = self
                    .listed(Kind::Container, &call)
                    .filter(|(_, o)| all || matches!(o.status, "running" | "paused"))
                    .map(|(s, o)| {
                        json!({"Id": o.id, "Names": [format!("/{}", o.names[0])], "Labels": o.labels,
                            "ImageID": format!("sha256:{}", o.parent), "State": o.status, "Created": s.serial})
                    })
                    .collect();
                Answer::json(200, Value::Array(list))
            }
            ("POST", ["containers", "create"]) => self.create_container(&call),
            (_, ["containers", id, rest @ ..]) => self.container(&call, id, rest).unwrap_or_else(not_found),
            ("POST", ["exec", id, "start"]) => match self.find(Kind::Exec, id) {
                Some(_) => Answer::json(200, Value::Null),
                None => Answer::error(404, &format!("No such exec instance: {id}")),
            },
            ("POST", ["commit"]) => self.commit(&call),
            ("GET", ["images", "json"]) => {
                let list: Vec<Value> = self
                    .listed(Kind::Image, &call)
                    .map(|(s, o)| {
                        json!({"Id": format!("sha256:{}", o.id), "RepoTags": o.names, "Labels": o.labels,
                            "Created": s.serial})
                    })
                    .collect();
                Answer::json(200, Value::Array(list))
            }
            (_, ["images", ..]) => self.image_call(&call).unwrap_or_else(not_found),
            ("GET", ["volumes"]) => {
                let list: Vec<Value> = self
                    .listed(Kind::Volume, &call)
                    .map(|(_, o)| json!({"Name": o.id, "Driver": "local", "Labels": o.labels}))
                    .collect();
                Answer::json(200, json!({"Volumes": list, "Warnings": null}))
            }
            ("POST", ["volumes", "create"]) => {
                let name = call.body.get("Name").and_then(Value::as_str).unwrap_or_default().to_string();
                let id = match self.find(Kind::Volume, &name).filter(|_| !name.is_empty()) {
                    Some(existing) => existing.id.clone(),
                    None => self.make(Kind::Volume, Some(name).filter(|n| !n.is_empty()), call.labels(), String::new()),
                };
                let labels = self.find(Kind::Volume, &id).map(|o| o.labels.clone()).unwrap_or_default();
                Answer::json(201, json!({"Name": id, "Driver": "local", "Labels": labels}))
            }
            (_, ["volumes", name]) => self.simple(Kind::Volume, &call, name, "volume").unwrap_or_else(not_found),
            ("GET", ["networks"]) => {
                let list: Vec<Value> = self
                    .listed(Kind::Network, &call)
                    .map(|(_, o)| json!({"Name": o.names[0], "Id": o.id, "Driver": "bridge", "Labels": o.labels}))
                    .collect();
                Answer::json(200, Value::Array(list))
            }
            ("POST", ["networks", "create"]) => {
                let name = call.body.get("Name").and_then(Value::as_str).unwrap_or_default().to_string();
                if self.objects.iter().any(|o| o.kind == Kind::Network && o.public.names[0] == name) {
                    return Answer::error(409, &format!("network with name {name} already exists"));
                }
                let id = self.make(Kind::Network, Some(name), call.labels(), String::new());
                Answer::json(201, json!({"Id": id, "Warning": ""}))
            }
            (_, ["networks", id]) => self.simple(Kind::Network, &call, id, "network").unwrap_or_else(not_found),
            _ => not_found(),
        }
    }

    /// Inspect (`GET`) and remove (`DELETE`) of a volume or network.
    fn simple(&mut self, kind: Kind, call: &Call<'_>, reference: &str, what: &str) -> Option<Answer> {
        let Some(i) = self.index(kind, reference) else {
            return matches!(call.method, "GET" | "DELETE")
                .then(|| Answer::error(404, &format!("{what} {reference} not found")));
        };
        let o = &self.objects[i].public;
        match call.method {
            "GET" => Some(Answer::json(200, json!({"Name": o.names[0], "Id": o.id, "Labels": o.labels}))),
            "DELETE" => {
                self.objects.remove(i);
                Some(Answer::json(204, Value::Null))
            }
            _ => None,
        }
    }

    fn create_container(&mut self, call: &Call<'_>) -> Answer {
        let image = call.body.get("Image").and_then(Value::as_str).unwrap_or_default();
        let Some(from) = self.image(image) else {
            return Answer::error(404, &format!("No such image: {}", normalize_tag(image)));
        };
        let parent = from.id.clone();
        let mut labels = from.labels.clone();
        labels.extend(call.labels());
        let name = call.query("name").map(str::to_string);
        if let Some(n) = &name
            && let Some(other) = self.find(Kind::Container, n)
            && other.names[0] == *n
        {
            let m = format!(
                "Conflict. The container name \"/{n}\" is already in use by container \"{}\". You have to remove \
                 (or rename) that container to be able to reuse that name.",
                other.id
            );
            return Answer::error(409, &m);
        }
        let id = self.make(Kind::Container, name, labels, parent);
        Answer::json(201, json!({"Id": id, "Warnings": []}))
    }

    /// `/containers/{id}/...` but create and list.
    fn container(&mut self, call: &Call<'_>, reference: &str, rest: &[&str]) -> Option<Answer> {
        let Some(i) = self.index(Kind::Container, reference) else {
            let known = matches!((call.method, rest), ("DELETE", []) | ("GET", ["json" | "stats"]) | ("POST", [_]));
            return known.then(|| Answer::error(404, &format!("No such container: {reference}")));
        };
        let o = &mut self.objects[i].public;
        let id = o.id.clone();
        let running = matches!(o.status, "running" | "paused");
        let refuse = |m: &str| Some(Answer::error(409, &format!("Container {id} {m}")));
        let set = |o: &mut Object, status: &'static str| {
            o.status = status;
            Some(Answer::json(204, Value::Null))
        };
        match (call.method, rest) {
            ("GET", ["json"]) => {
                let state = json!({"Status": o.status, "Running": running, "Paused": o.status == "paused",
                    "ExitCode": 0});
                let body = json!({"Id": o.id, "Name": format!("/{}", o.names[0]), "State": state,
                    "Image": format!("sha256:{}", o.parent), "Config": {"Labels": o.labels}});
                Some(Answer::json(200, body))
            }
            ("GET", ["stats"]) => Some(Answer::json(200, json!({"id": o.id, "read": "0001-01-01T00:00:00Z"}))),
            ("POST", ["start"]) if running => Some(Answer::json(304, Value::Null)),
            ("POST", ["start"]) => set(o, "running"),
            ("POST", ["stop"]) if !running => Some(Answer::json(304, Value::Null)),
            ("POST", ["stop"]) => set(o, "exited"),
            ("POST", ["kill"]) if !running => refuse("is not running"),
            ("POST", ["kill"]) => set(o, "exited"),
            ("POST", ["pause"]) if !running => refuse("is not running"),
            ("POST", ["pause"]) if o.status == "paused" => refuse("is already paused"),
            ("POST", ["pause"]) => set(o, "paused"),
            ("POST", ["unpause"]) if o.status != "paused" => refuse("is not paused"),
            ("POST", ["unpause"]) => set(o, "running"),
            ("POST", ["wait"]) => {
                o.status = "exited";
                Some(Answer::json(200, json!({"StatusCode": 0})))
            }
            ("POST", ["exec"]) if !running => refuse("is not running"),
            ("POST", ["exec"]) => {
                let exec = self.make(Kind::Exec, None, BTreeMap::new(), id);
                Some(Answer::json(201, json!({"Id": exec})))
            }
            ("DELETE", []) if running && !call.flag("force") => Some(Answer::error(
                409,
                &format!(
                    "You cannot remove a running container {id}. Stop the container before attempting removal or \
                     force remove"
                ),
            )),
            ("DELETE", []) => {
                self.objects.retain(|o| o.public.id != id && !(o.kind == Kind::Exec && o.public.parent == id));
                Some(Answer::json(204, Value::Null))
            }
            _ => None,
        }
    }

    /// `POST /commit?container=&repo=&tag=&changes=`: an image with the container's labels and those of the
    /// `LABEL k=v` changes.
    fn commit(&mut self, call: &Call<'_>) -> Answer {
        let container = call.query("container").unwrap_or_default();
        let Some(from) = self.find(Kind::Container, container) else {
            return Answer::error(404, &format!("No such container: {container}"));
        };
        let mut labels = from.labels.clone();
        for change in call.query.iter().filter(|(k, _)| k == "changes").map(|(_, v)| v) {
            if let Some((k, v)) = change.strip_prefix("LABEL ").and_then(|l| l.split_once('=')) {
                labels.insert(k.to_string(), v.to_string());
            }
        }
        let tag = call.query("repo").map(|r| format!("{r}:{}", call.query("tag").unwrap_or("latest")));
        if let Some(t) = &tag {
            self.untag(t);
        }
        let id = self.make(Kind::Image, tag.clone(), labels, String::new());
        if tag.is_none() {
            self.objects.last_mut().expect("just made").public.names.clear();
        }
        Answer::json(201, json!({"Id": format!("sha256:{id}")}))
    }

    /// Takes the tag `tag` off whichever image has it.
    fn untag(&mut self, tag: &str) {
        for o in self.objects.iter_mut().filter(|o| o.kind == Kind::Image) {
            o.public.names.retain(|n| n != tag);
        }
    }

    /// `/images/{name}/json`, `/images/{name}/get`, `DELETE /images/{name}` (the image, whichever of its names;
    /// a name may hold `/`, encoded or not).
    fn image_call(&mut self, call: &Call<'_>) -> Option<Answer> {
        let parts = &call.segments[1..];
        let (name, action) = match (call.method, parts.last().map(String::as_str)) {
            ("DELETE", _) => (parts.join("/"), ""),
            (_, Some(a @ ("json" | "get"))) => (parts[..parts.len() - 1].join("/"), a),
            _ => return None,
        };
        let Some(i) = self.index(Kind::Image, &name) else {
            return Some(Answer::error(404, &format!("No such image: {}", normalize_tag(&name))));
        };
        let o = &self.objects[i].public;
        match (call.method, action) {
            ("GET", "json") => {
                let body = json!({"Id": format!("sha256:{}", o.id), "RepoTags": o.names,
                    "Config": {"Labels": o.labels}});
                Some(Answer::json(200, body))
            }
            ("GET", "get") => {
                Some(Answer { status: 200, content_type: "application/x-tar", body: "fake image".into() })
            }
            ("DELETE", _) => {
                let mut gone: Vec<Value> = o.names.iter().map(|t| json!({"Untagged": t})).collect();
                gone.push(json!({"Deleted": format!("sha256:{}", o.id)}));
                self.objects.remove(i);
                Some(Answer::json(200, Value::Array(gone)))
            }
            _ => None,
        }
    }
}

//! A fake daemon on a temporary unix socket, for what real daemons rarely do: garbage, hangs, dropped connections,
//! and a Docker 20.10 look-alike with one endpoint broken on purpose.

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::thread;

/// How the fake answers a request.
#[derive(Clone, Copy, Debug)]
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
    /// Answers like a Docker 20.10 daemon that holds no objects: ping headers and `/version` of API 1.41 (minimum
    /// 1.12), a 400 "client version ... is too old/new" outside 1.12..=1.41, 404 "No such container: NAME" (or
    /// image, exec instance) for the names a run makes sure do not exist, and 200 `[]` to lists, `{}` to the rest.
    /// `broken`, a method and unversioned path (`GET /containers/json`), answers 500 at every version instead.
    Docker2010 {
        /// The request that fails with a 500, if any.
        broken: Option<&'static str>,
    },
}

/// A running fake; the socket lives as long as the value.
pub struct FakeDaemon {
    _dir: tempfile::TempDir,
    /// The socket path.
    pub socket: PathBuf,
}

impl FakeDaemon {
    /// Starts serving on a new socket.
    pub fn start(behaviour: Behaviour) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let socket = dir.path().join("fake.sock");
        let listener = UnixListener::bind(&socket).expect("bind fake socket");
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                thread::spawn(move || serve(stream, behaviour));
            }
        });
        Self { _dir: dir, socket }
    }

    /// `unix://...` for `--host`.
    pub fn host(&self) -> String {
        format!("unix://{}", self.socket.display())
    }
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

/// Reads and discards the request body (`Content-Length` or chunked), so keep-alive requests stay in step.
fn skip_body(stream: &mut UnixStream, head: &str) -> Option<Vec<u8>> {
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

fn respond(stream: &mut UnixStream, head_only: bool, status: &str, content_type: &str, body: &str) {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nApi-Version: 1.41\r\nServer: Docker/20.10.24 (linux)\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    // A HEAD answer announces its length but carries no body.
    if !head_only {
        let _ = stream.write_all(body.as_bytes());
    }
}

fn serve(mut stream: UnixStream, behaviour: Behaviour) {
    loop {
        if matches!(behaviour, Behaviour::Drop) {
            return;
        }
        let Some(head) = read_head(&mut stream) else { return };
        let line = head.lines().next().unwrap_or_default().to_string();
        let path = line.split_whitespace().nth(1).unwrap_or_default().to_string();
        let h = line.starts_with("HEAD ");
        let Some(body) = skip_body(&mut stream, &head) else { return };
        let is_ping = path == "/_ping" || (path.starts_with("/v") && path.ends_with("/_ping"));
        match behaviour {
            Behaviour::Hang => {
                thread::sleep(std::time::Duration::from_secs(30));
                return;
            }
            Behaviour::Garbage if is_ping => respond(&mut stream, h, "200 OK", "text/plain", "OK"),
            Behaviour::Garbage => respond(&mut stream, h, "200 OK", "text/html", "<html>surprise</html>"),
            Behaviour::DropAfterDiscovery if is_ping => respond(&mut stream, h, "200 OK", "text/plain", "OK"),
            Behaviour::DropAfterDiscovery if path == "/version" => respond(
                &mut stream,
                h,
                "200 OK",
                "application/json",
                r#"{"Version":"20.10.24","ApiVersion":"1.41","MinAPIVersion":"1.12","Os":"linux","Arch":"amd64","Components":[{"Name":"Engine"}]}"#,
            ),
            Behaviour::UpgradeThenSilent => {
                let head = "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n";
                let _ = stream.write_all(head.as_bytes());
                let mut sink = [0u8; 4096];
                while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
                return;
            }
            Behaviour::DropAfterDiscovery | Behaviour::Drop => return,
            Behaviour::Docker2010 { broken } => {
                let method = line.split_whitespace().next().unwrap_or_default();
                let (status, content_type, text) = docker_20_10(method, &path, &body, broken);
                respond(&mut stream, h, status, content_type, &text);
            }
        }
    }
}

const VERSION_JSON: &str = r#"{"Version":"20.10.24","ApiVersion":"1.41","MinAPIVersion":"1.12","Os":"linux","Arch":"amd64","Components":[{"Name":"Engine"}]}"#;

/// What a Docker 20.10 with no objects answers to `method` `target` (path and query) with `body`.
fn docker_20_10(method: &str, target: &str, body: &[u8], broken: Option<&str>) -> (&'static str, &'static str, String) {
    const JSON: &str = "application/json";
    let path = target.split('?').next().unwrap_or_default();
    // `/v1.41/containers/json` -> (Some((1, 41)), "/containers/json"); an unversioned path is served at 1.41.
    let (version, rest) = path
        .strip_prefix("/v")
        .and_then(|p| {
            let (v, rest) = p.split_once('/')?;
            let (major, minor) = v.split_once('.')?;
            Some((Some((major.parse::<u32>().ok()?, minor.parse::<u32>().ok()?)), format!("/{rest}")))
        })
        .unwrap_or((None, path.to_string()));
    let message = |m: String| serde_json::json!({ "message": m }).to_string();
    if let Some((major, minor)) = version {
        if (major, minor) < (1, 12) {
            let m = format!(
                "client version {major}.{minor} is too old. Minimum supported API version is 1.12, please upgrade your client to a newer version"
            );
            return ("400 Bad Request", JSON, message(m));
        }
        if (major, minor) > (1, 41) {
            let m = format!("client version {major}.{minor} is too new. Maximum supported API version is 1.41");
            return ("400 Bad Request", JSON, message(m));
        }
    }
    if rest == "/_ping" {
        return ("200 OK", "text/plain; charset=utf-8", "OK".into());
    }
    if rest == "/version" {
        return ("200 OK", JSON, VERSION_JSON.into());
    }
    if broken == Some(format!("{method} {rest}").as_str()) {
        return ("500 Internal Server Error", JSON, message("fake daemon: broken on purpose".into()));
    }
    let body = String::from_utf8_lossy(body);
    let missing = rest.split('/').find(|s| s.starts_with("dockmatrix-missing-")).map(str::to_string).or_else(|| {
        // `POST /containers/create` names its image in the body.
        let v: serde_json::Value = serde_json::from_str(&body).ok()?;
        v.get("Image")?.as_str().filter(|i| i.starts_with("dockmatrix-missing-")).map(|i| format!("{i}:latest"))
    });
    if let Some(name) = missing {
        let kind = match rest.split('/').nth(1) {
            Some("containers") if rest != "/containers/create" => "container",
            Some("containers" | "images") => "image",
            Some("exec") => "exec instance",
            _ => "object",
        };
        return ("404 Not Found", JSON, message(format!("No such {kind}: {name}")));
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
    ("200 OK", JSON, if list { "[]".into() } else { "{}".into() })
}

//! A fake daemon on a temporary unix socket, for what real daemons rarely do: garbage, hangs, dropped connections.

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
        }
    }
}

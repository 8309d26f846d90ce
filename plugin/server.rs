//! The server of dockmatrix's own test plugin: the entrypoint of the plugin a run makes (`--allow plugin`), built
//! by `build.rs` as a static binary and put in the plugin's root file system with nothing else.
//!
//! dockerd enables a managed plugin by starting its entrypoint and calling `POST /Plugin.Activate` on the socket
//! its config names (`/run/docker/plugins/dm.sock` inside the plugin); the plugin says which interfaces it
//! implements. This one says `LogDriver`, an interface dockerd only calls when a container names the plugin as its
//! log driver (none does), and answers every other call with `{}`. It uses the standard library only: no network,
//! no files but its socket.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};

/// Where dockerd looks for the socket of a plugin whose config says `"socket": "dm.sock"`.
const SOCKET: &str = "/run/docker/plugins/dm.sock";

unsafe extern "C" {
    fn signal(signum: i32, handler: usize) -> usize;
    fn _exit(status: i32) -> !;
}

/// SIGTERM ends the server at once. It runs as PID 1 of the plugin's PID namespace, which the kernel gives no
/// default action: without a handler dockerd's `disable` would wait its stop timeout (10 s) and then kill it.
extern "C" fn on_term(_: i32) {
    // SAFETY: `_exit` is async-signal-safe and ends the process without running anything else.
    unsafe { _exit(0) }
}

fn main() {
    const SIGTERM: i32 = 15;
    // SAFETY: `on_term` has the signature of a handler and only calls an async-signal-safe function.
    unsafe { signal(SIGTERM, on_term as extern "C" fn(i32) as usize) };
    let path = std::env::args().nth(1).unwrap_or_else(|| SOCKET.to_string());
    let _ = std::fs::remove_file(&path);
    let listener = match UnixListener::bind(&path) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("dockmatrix plugin: cannot listen on {path}: {e}");
            std::process::exit(1);
        }
    };
    for stream in listener.incoming().flatten() {
        std::thread::spawn(move || serve(stream));
    }
}

/// Answers the requests of one connection (HTTP/1.1, kept alive) until the daemon closes it.
fn serve(stream: UnixStream) {
    let Ok(read_half) = stream.try_clone() else { return };
    let (mut reader, mut writer) = (BufReader::new(read_half), stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let path = line.split(' ').nth(1).unwrap_or_default().to_string();
        let mut length = 0usize;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            if header.trim().is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let answer = if path == "/Plugin.Activate" { r#"{"Implements":["LogDriver"]}"# } else { "{}" };
        let whole = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.plugins.v1.2+json\r\nContent-Length: {}\r\n\r\n{answer}",
            answer.len()
        );
        if writer.write_all(whole.as_bytes()).is_err() {
            return;
        }
    }
}

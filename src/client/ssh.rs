//! `ssh://` daemons, reached the way the docker CLI reaches them: every connection is the system's
//! `ssh [-l USER] [-p PORT] -- HOST docker [--host=unix://PATH] system dial-stdio`, and HTTP (hijacked streams
//! included) goes over its stdin and stdout. The system's ssh, so `~/.ssh/config`, the agent and known hosts apply.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::process::Stdio;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// The environment variable naming the ssh program and any options before the docker CLI's own
/// (`DOCKMATRIX_SSH="ssh -F ./ssh_config"`), as `GIT_SSH_COMMAND` does for git; split on whitespace.
pub const SSH_PROGRAM_VAR: &str = "DOCKMATRIX_SSH";

/// The parts of an `ssh://[USER@]HOST[:PORT][/SOCKET]` address, checked as the docker CLI checks them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshSpec {
    /// The login name, if the address names one (`-l USER`).
    pub user: Option<String>,
    /// The host name or address (brackets of an IPv6 address removed).
    pub host: String,
    /// The port, if the address names one (`-p PORT`).
    pub port: Option<u16>,
    /// The daemon's socket on the remote host, if the address has a path (`docker --host=unix://PATH`).
    pub socket: Option<String>,
}

impl SshSpec {
    /// Parses what follows `ssh://`; the error says what is wrong, as the docker CLI's `ssh.ParseURL` would.
    pub fn parse(rest: &str) -> Result<Self, String> {
        if rest.contains('?') {
            return Err("query parameters are not allowed".into());
        }
        if rest.contains('#') {
            return Err("fragments are not allowed".into());
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let (user, hostport) = match authority.rsplit_once('@') {
            Some((user, hostport)) => {
                if user.contains(':') {
                    return Err("plain-text password is not supported".into());
                }
                (Some(user.to_string()).filter(|u| !u.is_empty()), hostport)
            }
            None => (None, authority),
        };
        let (host, port) = if let Some(inner) = hostport.strip_prefix('[') {
            let (host, after) = inner.split_once(']').ok_or("an IPv6 address needs its closing `]`")?;
            (host, after.strip_prefix(':'))
        } else {
            match hostport.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (hostport, None),
            }
        };
        if host.is_empty() {
            return Err("hostname is empty".into());
        }
        let port = match port {
            Some(p) => Some(p.parse::<u16>().ok().filter(|p| *p > 0).ok_or(format!("invalid port `{p}`"))?),
            None => None,
        };
        let socket = Some(path.to_string()).filter(|p| !p.trim_matches('/').is_empty());
        Ok(Self { user, host: host.to_string(), port, socket })
    }

    /// The command line of one connection: `program` (the ssh program and its leading options), the docker CLI's
    /// options (`-o ConnectTimeout=30 -T`) and `-o BatchMode=yes` (never a password prompt: a run is unattended),
    /// then `-l`, `-p`, `--`, the host and the remote `docker ... system dial-stdio`.
    pub fn argv(&self, program: &[String]) -> Vec<String> {
        let mut argv: Vec<String> = if program.is_empty() { vec!["ssh".into()] } else { program.to_vec() };
        argv.extend(["-o", "ConnectTimeout=30", "-T", "-o", "BatchMode=yes"].map(String::from));
        if let Some(user) = &self.user {
            argv.extend(["-l".into(), user.clone()]);
        }
        if let Some(port) = self.port {
            argv.extend(["-p".into(), port.to_string()]);
        }
        argv.extend(["--".into(), self.host.clone(), "docker".into()]);
        if let Some(socket) = &self.socket {
            argv.push(format!("--host=unix://{socket}"));
        }
        argv.extend(["system".into(), "dial-stdio".into()]);
        argv
    }
}

/// Why an ssh connection ended: ssh's own message (it exited non-zero, or could not be started).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SshExit {
    /// `ssh exited with exit status: 255: Permission denied (publickey).`, or why it could not start.
    pub message: String,
}

/// The [`SshExit`] somewhere in `e`'s chain of sources, if there is one.
pub fn exit_in<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a SshExit> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(exit) = err.downcast_ref::<SshExit>() {
            return Some(exit);
        }
        if let Some(exit) = err.downcast_ref::<io::Error>().and_then(|io| io.get_ref()).and_then(|i| i.downcast_ref()) {
            return Some(exit);
        }
        cur = err.source();
    }
    None
}

/// How much of ssh's stderr is kept for the message (the rest is read and dropped, so ssh never blocks on it).
const STDERR_KEPT: usize = 4096;

/// One connection: a running ssh, its stdout read and its stdin written. Dropping it ends the ssh.
pub struct SshStream {
    /// `None` once shut down: dropping the pipe is what tells the remote end no more input comes.
    stdin: Option<ChildStdin>,
    stdout: ChildStdout,
    /// ssh's exit, with its stderr: an empty message when it exited 0.
    exit: Pin<Box<dyn Future<Output = String> + Send>>,
    /// The exit's message once known (the future is not polled again).
    said: Option<String>,
    ended: bool,
}

impl std::fmt::Debug for SshStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SshStream").field("ended", &self.ended).finish()
    }
}

impl SshStream {
    /// Starts `argv` (see [`SshSpec::argv`]) with piped stdio.
    pub fn spawn(argv: &[String]) -> Result<Self, SshExit> {
        let (program, args) = argv.split_first().ok_or_else(|| SshExit { message: "no ssh program".into() })?;
        let mut child: Child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| SshExit { message: format!("cannot run `{program}`: {e}") })?;
        let (Some(stdin), Some(stdout), Some(mut stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(SshExit { message: format!("`{program}` started without its pipes") });
        };
        let errors = tokio::spawn(async move {
            let (mut kept, mut chunk) = (Vec::new(), [0u8; 1024]);
            while let Ok(n) = stderr.read(&mut chunk).await {
                if n == 0 {
                    break;
                }
                kept.extend_from_slice(&chunk[..n.min(STDERR_KEPT.saturating_sub(kept.len()))]);
            }
            kept
        });
        let exit = Box::pin(async move {
            let status = child.wait().await;
            let stderr = errors.await.unwrap_or_default();
            // The last line is ssh's verdict (or the remote docker's); the lines before it are warnings.
            let text = String::from_utf8_lossy(&stderr);
            let said = text.lines().map(str::trim).rfind(|l| !l.is_empty()).unwrap_or_default().to_string();
            match status {
                Ok(s) if s.success() => String::new(),
                Ok(s) if said.is_empty() => format!("ssh exited with {s}"),
                Ok(s) => format!("ssh exited with {s}: {said}"),
                Err(e) => format!("ssh: {e}"),
            }
        });
        Ok(Self { stdin: Some(stdin), stdout, exit, said: None, ended: false })
    }
}

impl SshStream {
    /// ssh's exit as an error, once it has exited: `None` when it exited 0.
    fn poll_exit(&mut self, cx: &mut Context<'_>) -> Poll<Option<io::Error>> {
        if self.said.is_none() {
            self.said = Some(ready!(self.exit.as_mut().poll(cx)));
        }
        let message = self.said.clone().unwrap_or_default();
        Poll::Ready(
            (!message.is_empty()).then(|| io::Error::new(io::ErrorKind::ConnectionAborted, SshExit { message })),
        )
    }
}

impl AsyncRead for SshStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        ready!(Pin::new(&mut self.stdout).poll_read(cx, buf))?;
        if buf.filled().len() == before && buf.remaining() > 0 && !self.ended {
            // The end of ssh's output: a clean end if ssh exited 0, else its own message as the error.
            let failed = ready!(self.poll_exit(cx));
            self.ended = true;
            if let Some(e) = failed {
                return Poll::Ready(Err(e));
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for SshStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let written = match self.stdin.as_mut() {
            Some(stdin) => ready!(Pin::new(stdin).poll_write(cx, buf)),
            None => Err(io::ErrorKind::BrokenPipe.into()),
        };
        match written {
            // ssh is gone before it read the request (a refused login fails in milliseconds): its own words.
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                Poll::Ready(Err(ready!(self.poll_exit(cx)).unwrap_or(e)))
            }
            other => Poll::Ready(other),
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.stdin.as_mut() {
            Some(stdin) => Pin::new(stdin).poll_flush(cx),
            None => Poll::Ready(Ok(())),
        }
    }

    /// Closes ssh's stdin (tokio's `ChildStdin` does not close on shutdown; only a drop does).
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(stdin) = self.stdin.as_mut() {
            ready!(Pin::new(stdin).poll_flush(cx))?;
        }
        self.stdin = None;
        Poll::Ready(Ok(()))
    }
}

impl Connection for SshStream {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

/// hyper's connector for an ssh daemon: a new ssh per pooled connection.
#[derive(Debug, Clone)]
pub struct SshConnector {
    argv: Arc<Vec<String>>,
}

impl SshConnector {
    /// Connections run `argv` (see [`SshSpec::argv`]).
    pub fn new(argv: Vec<String>) -> Self {
        Self { argv: Arc::new(argv) }
    }
}

impl tower_service::Service<hyper::Uri> for SshConnector {
    type Response = TokioIo<SshStream>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<Self::Response>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: hyper::Uri) -> Self::Future {
        let argv = self.argv.clone();
        Box::pin(async move {
            SshStream::spawn(&argv).map(TokioIo::new).map_err(|e| io::Error::new(io::ErrorKind::NotConnected, e))
        })
    }
}

/// What to try when ssh failed with `message`.
pub fn help_for(message: &str) -> String {
    let m = message.to_ascii_lowercase();
    if m.contains("cannot run") {
        "install the ssh client (apt-get install openssh-client), or name it in DOCKMATRIX_SSH".into()
    } else if m.contains("host key verification failed") {
        "the host's key is not in your known_hosts: connect once with ssh to check and accept it".into()
    } else if m.contains("permission denied") {
        "ssh could not log in without a prompt (dockmatrix runs it with BatchMode=yes): add your key to the \
         host's authorized_keys, or load it into ssh-agent"
            .into()
    } else if m.contains("connection refused") || m.contains("could not resolve") || m.contains("timed out") {
        "is sshd running on that host and port? check the address with `ssh HOST true`".into()
    } else if m.contains("command not found") || m.contains("status: 127") {
        "the remote host has no docker CLI on its PATH: dockmatrix runs `docker system dial-stdio` there, as the \
         docker CLI does (Docker 18.09 or later)"
            .into()
    } else if m.contains("raw stream connection") || m.contains("cannot connect to the docker daemon") {
        "the docker CLI on the remote host could not reach a daemon at that socket: check that the daemon runs \
         there, and the socket's path in the address (ssh://USER@HOST/var/run/docker.sock)"
            .into()
    } else {
        "check the address with `ssh HOST docker system dial-stdio`; DOCKMATRIX_SSH sets the ssh program and \
         options"
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_addresses_as_the_docker_cli_does() {
        let spec = SshSpec::parse("me@host.example:2222/run/docker.sock").expect("valid");
        assert_eq!(
            spec,
            SshSpec {
                user: Some("me".into()),
                host: "host.example".into(),
                port: Some(2222),
                socket: Some("/run/docker.sock".into())
            }
        );
        let plain = SshSpec::parse("host").expect("valid");
        assert_eq!((plain.user, plain.port, plain.socket), (None, None, None));
        assert_eq!(SshSpec::parse("[::1]:22").expect("valid").host, "::1");
        assert_eq!(SshSpec::parse("me@host/").expect("valid").socket, None, "a bare / names no socket");
        for (bad, why) in [
            ("me:secret@host", "plain-text password is not supported"),
            ("host?x=1", "query parameters are not allowed"),
            ("host#x", "fragments are not allowed"),
            ("me@", "hostname is empty"),
            ("host:ssh", "invalid port `ssh`"),
            ("host:0", "invalid port `0`"),
        ] {
            assert_eq!(SshSpec::parse(bad).expect_err(bad), why, "{bad}");
        }
    }

    #[test]
    fn the_command_is_the_docker_cli_s_with_batch_mode() {
        let spec = SshSpec::parse("me@127.0.0.1:2222/tmp/d/docker.sock").expect("valid");
        assert_eq!(
            spec.argv(&["ssh".into(), "-F".into(), "/tmp/cfg".into()]).join(" "),
            "ssh -F /tmp/cfg -o ConnectTimeout=30 -T -o BatchMode=yes -l me -p 2222 -- 127.0.0.1 docker \
             --host=unix:///tmp/d/docker.sock system dial-stdio"
        );
        assert_eq!(
            SshSpec::parse("h").expect("valid").argv(&[]).join(" "),
            "ssh -o ConnectTimeout=30 -T -o BatchMode=yes -- h docker system dial-stdio"
        );
    }

    /// A client whose "ssh" is `sh -c script` (the ssh options and the remote command become `$0`, `$1`, ...).
    fn client_running(script: &str) -> crate::client::Client {
        let target = crate::client::Target {
            address: crate::client::Address::Ssh {
                spec: SshSpec::parse("dockmatrix-test").expect("valid"),
                program: vec!["sh".into(), "-c".into(), script.into()],
            },
            display: "ssh://dockmatrix-test".into(),
            origin: "test".into(),
        };
        crate::client::Client::new(target, std::time::Duration::from_secs(5), 1 << 20).expect("client")
    }

    #[tokio::test]
    async fn http_goes_over_the_child_s_stdio_and_its_failure_is_an_ssh_error() {
        // Reads the request line, answers, and stays until the client closes the connection.
        let answer = r"read -r line; printf 'HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 2\r\n\r\nOK'; cat >/dev/null";
        let client = client_running(answer);
        let resp =
            client.send(crate::client::Request::new(crate::model::Method::Get, "/_ping")).await.expect("answered");
        assert_eq!((resp.status, resp.header("api-version"), resp.body.as_slice()), (200, Some("1.41"), &b"OK"[..]));

        let refused = client_running("echo 'Host key verification failed.' >&2; exit 255");
        let err =
            refused.send(crate::client::Request::new(crate::model::Method::Get, "/_ping")).await.expect_err("refused");
        assert!(err.is_unreachable(), "{err:?}");
        let crate::client::ClientError::Ssh { address, why, help } = err else { panic!("an ssh error: {err:?}") };
        assert_eq!(address, "ssh://dockmatrix-test");
        assert_eq!(why, "ssh exited with exit status: 255: Host key verification failed.");
        assert!(help.contains("known_hosts"), "{help}");
    }

    #[tokio::test]
    async fn a_hijacked_stream_is_a_connection_of_its_own() {
        // Upgraded at once, then the stream says one line and reads what it is sent.
        let upgrade = r"printf 'HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\nhi\n'; cat >/dev/null";
        let client = client_running(upgrade);
        let req = crate::client::Request::new(
            crate::model::Method::Post,
            "/v1.41/containers/x/attach?stream=1&stdin=1&stdout=1",
        );
        let h = client
            .hijack(req, Some(b"echo hi".to_vec()), std::time::Duration::from_millis(700))
            .await
            .expect("hijacked");
        assert_eq!((h.status, h.upgraded, h.hijacked), (101, true, true));
        assert_eq!(h.bytes, b"hi\n");
    }

    #[tokio::test]
    async fn a_failed_ssh_is_an_error_with_its_own_words_and_a_clean_exit_is_an_end() {
        let argv = |script: &str| vec!["sh".to_string(), "-c".into(), script.into()];
        let script = "echo 'Warning: Permanently added [h]:22 to the known hosts.' >&2; \
                      echo 'root@h: Permission denied (publickey).' >&2; exit 255";
        let mut failed = SshStream::spawn(&argv(script)).expect("sh");
        let mut out = Vec::new();
        let err = failed.read_to_end(&mut out).await.expect_err("ssh failed");
        let exit = exit_in(&err).expect("the exit in the chain");
        assert_eq!(exit.message, "ssh exited with exit status: 255: root@h: Permission denied (publickey).");
        assert!(help_for(&exit.message).contains("authorized_keys"));

        let mut echo = SshStream::spawn(&argv("cat")).expect("sh");
        tokio::io::AsyncWriteExt::write_all(&mut echo, b"GET /_ping HTTP/1.1\r\n\r\n").await.expect("write");
        tokio::io::AsyncWriteExt::shutdown(&mut echo).await.expect("close stdin");
        let mut out = Vec::new();
        echo.read_to_end(&mut out).await.expect("a clean end");
        assert_eq!(out, b"GET /_ping HTTP/1.1\r\n\r\n");

        let missing = SshStream::spawn(&["/no/such/ssh".to_string()]).expect_err("not there");
        assert!(missing.message.starts_with("cannot run `/no/such/ssh`: "), "{}", missing.message);
        assert!(help_for(&missing.message).contains("openssh-client"));
    }
}

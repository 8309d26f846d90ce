//! `ClientError`: why a request could not be made or answered, with what to do about it.

use std::path::PathBuf;
use std::time::Duration;

/// A transport-level failure (not an HTTP status: any status is a response).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ClientError {
    /// The daemon address is not one this tool understands.
    #[error("invalid daemon address `{given}`: {message}")]
    #[diagnostic(
        code(dockmatrix::client::address),
        help(
            "accepted forms: unix:///var/run/docker.sock, tcp://127.0.0.1:2375, http://..., https://..., \
             ssh://user@host[:port][/socket]"
        )
    )]
    BadAddress {
        /// What was given.
        given: String,
        /// What is wrong.
        message: String,
    },

    /// The unix socket does not exist.
    #[error("no daemon socket at {}", path.display())]
    #[diagnostic(
        code(dockmatrix::client::no_socket),
        help("is the daemon running? pass --host or set DOCKER_HOST (bash scripts/dockerd.sh start prints one)")
    )]
    SocketNotFound {
        /// The socket path.
        path: PathBuf,
    },

    /// The socket exists but may not be opened.
    #[error("permission denied on {}", path.display())]
    #[diagnostic(
        code(dockmatrix::client::permission),
        help("run as a user in the socket's group (usually `docker`), or as root")
    )]
    PermissionDenied {
        /// The socket path.
        path: PathBuf,
    },

    /// Connecting failed.
    #[error("cannot connect to {address}: {message}")]
    #[diagnostic(
        code(dockmatrix::client::connect),
        help("is the daemon running and listening there? pass --host or set DOCKER_HOST")
    )]
    Connect {
        /// The daemon address.
        address: String,
        /// The underlying error.
        message: String,
    },

    /// No answer within the timeout.
    #[error("{method} {path} timed out after {:.1} s", after.as_secs_f64())]
    #[diagnostic(code(dockmatrix::client::timeout), help("raise --timeout, or check that the daemon is not stuck"))]
    Timeout {
        /// Method of the request.
        method: String,
        /// Path of the request.
        path: String,
        /// The timeout.
        after: Duration,
    },

    /// The request failed after connecting (connection reset, malformed HTTP, ...).
    #[error("{method} {path} failed: {message}")]
    #[diagnostic(code(dockmatrix::client::transport))]
    Transport {
        /// Method of the request.
        method: String,
        /// Path of the request.
        path: String,
        /// The underlying error.
        message: String,
    },

    /// TLS material is missing or unusable.
    #[error("TLS setup failed: {message}")]
    #[diagnostic(
        code(dockmatrix::client::tls),
        help("DOCKER_CERT_PATH (or --tlscacert/--tlscert/--tlskey) must name ca.pem, cert.pem and key.pem")
    )]
    Tls {
        /// What is wrong.
        message: String,
    },

    /// The TLS handshake failed: the daemon's certificate was not trusted, or the daemon refused ours.
    #[error("TLS handshake with {address} failed: {why}")]
    #[diagnostic(code(dockmatrix::client::tls_handshake))]
    TlsHandshake {
        /// The daemon address.
        address: String,
        /// Which side refused, and why (`the daemon's certificate is not signed by the CA given (UnknownIssuer)`).
        why: String,
        /// What to do about it.
        #[help]
        help: String,
    },

    /// ssh could not be run, or ended the connection: its own words, and what to try.
    #[error("ssh to {address} failed: {why}")]
    #[diagnostic(code(dockmatrix::client::ssh))]
    Ssh {
        /// The daemon address (`ssh://...`).
        address: String,
        /// ssh's own message (`ssh exited with exit status: 255: Permission denied (publickey).`).
        why: String,
        /// What to do about it.
        #[help]
        help: String,
    },

    /// The Docker context could not be resolved.
    #[error("cannot use Docker context `{name}`: {message}")]
    #[diagnostic(
        code(dockmatrix::client::context),
        help("list contexts with `docker context ls`, or pass --host / set DOCKER_HOST")
    )]
    Context {
        /// The context name.
        name: String,
        /// What is wrong.
        message: String,
    },
}

impl ClientError {
    /// Whether the daemon could not be reached at all (as opposed to a failure of one request).
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            ClientError::SocketNotFound { .. }
                | ClientError::PermissionDenied { .. }
                | ClientError::Connect { .. }
                | ClientError::BadAddress { .. }
                | ClientError::Tls { .. }
                | ClientError::TlsHandshake { .. }
                | ClientError::Ssh { .. }
                | ClientError::Context { .. }
        )
    }
}

/// The handshake failure `message` (an error chain) speaks of, as `(why, help)`; `None` when it is no TLS failure.
/// `client_cert` is the client certificate given, if any.
pub fn tls_handshake(message: &str, client_cert: Option<&std::path::Path>) -> Option<(String, String)> {
    if let Some(rest) = message.split("invalid peer certificate: ").nth(1) {
        let reason = rest.split([';', '\n']).next().unwrap_or(rest).trim().trim_end_matches(')');
        let why = match reason {
            "UnknownIssuer" => "the daemon's certificate is not signed by the CA given (UnknownIssuer)".to_string(),
            "Expired" => "the daemon's certificate has expired (Expired)".to_string(),
            r if r.contains("NotValidForName") || r.contains("not valid for name") => {
                format!("the daemon's certificate is not for this address ({r})")
            }
            r => format!("the daemon's certificate was refused ({r})"),
        };
        return Some((
            why,
            "--tlscacert (or DOCKER_CERT_PATH/ca.pem) must name the CA that signed the daemon's certificate".into(),
        ));
    }
    let alert = message.split("received fatal alert: ").nth(1)?;
    let alert = alert.split([')', ';', '\n', ' ']).next().unwrap_or(alert).trim();
    Some(match client_cert {
        None => (
            format!("the daemon asks for a client certificate and none was given (alert {alert})"),
            "pass --tlscert and --tlskey (or DOCKER_CERT_PATH with cert.pem and key.pem)".into(),
        ),
        Some(cert) => (
            format!("the daemon refused the client certificate {} (alert {alert})", cert.display()),
            "the daemon's CA must have signed it, and it must not have expired".into(),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_handshake_failure_names_the_side_that_refused() {
        let unknown = "error sending request (https://127.0.0.1:1/_ping): client error (Connect): invalid peer certificate: UnknownIssuer";
        let (why, help) = tls_handshake(unknown, None).expect("a TLS failure");
        assert_eq!(why, "the daemon's certificate is not signed by the CA given (UnknownIssuer)");
        assert!(help.starts_with("--tlscacert"), "{help}");
        let alert = "client error (SendRequest): connection error: received fatal alert: BadCertificate";
        assert_eq!(
            tls_handshake(alert, None).map(|(w, _)| w).as_deref(),
            Some("the daemon asks for a client certificate and none was given (alert BadCertificate)")
        );
        let cert = std::path::Path::new("/certs/cert.pem");
        assert_eq!(
            tls_handshake(alert, Some(cert)).map(|(w, _)| w).as_deref(),
            Some("the daemon refused the client certificate /certs/cert.pem (alert BadCertificate)")
        );
        assert_eq!(tls_handshake("connection refused (os error 111)", None), None);
    }
}

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
        help("accepted forms: unix:///var/run/docker.sock, tcp://127.0.0.1:2375, http://..., https://...")
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
                | ClientError::Context { .. }
        )
    }
}

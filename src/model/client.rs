//! What a real client would make of a daemon: the verdict of one client (a release line of matrices/clients.yaml, or
//! a kubelet) against one daemon, and why. Computed by `crate::client_compat` from a run or from the matrices.

use serde::Serialize;

use super::{ApiVersion, RequestVersion};

/// What one client would make of one daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClientVerdict {
    /// Every call it makes answers as defined at the version it uses.
    Works,
    /// It works, but a call is answered outside the daemon's advertised range, breaks the spec, is not defined
    /// at that version, or the version handshake needed a fallback.
    WorksWithWarnings,
    /// A call fails, the version it uses is refused, or it refuses the daemon.
    Breaks,
    /// A call was not probed at that version: no verdict without evidence.
    Unknown,
}

impl ClientVerdict {
    /// `works`, `works with warnings`, `breaks`, `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            ClientVerdict::Works => "works",
            ClientVerdict::WorksWithWarnings => "works with warnings",
            ClientVerdict::Breaks => "breaks",
            ClientVerdict::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for ClientVerdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One client against one daemon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientOutcome {
    /// The client's name (`traefik-3.6.0`).
    pub client: String,
    /// Its family (`traefik`).
    pub family: String,
    /// The releases it covers.
    pub covers: String,
    /// The daemon's name.
    pub daemon: String,
    /// Whether the verdict is predicted from the matrices (no live run).
    pub predicted: bool,
    /// The API version in its paths; `None` for unversioned paths (or when it never gets to send one).
    pub api_version: Option<ApiVersion>,
    /// How it got there, in its own terms (`pins API 1.24`, `negotiates to 1.41 (the daemon's 1.41, its cap 1.51)`).
    pub how: String,
    /// The verdict.
    pub verdict: ClientVerdict,
    /// The first reason, in the client's terms; for `works`, how it picks its version.
    pub reason: String,
    /// Every warning (for `works with warnings`), and the further reasons of a `breaks` or `unknown`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl ClientOutcome {
    /// `1.41`, `unversioned`, or `-` when the client never sends a request.
    pub fn version_text(&self) -> String {
        match (&self.api_version, self.how.contains("no version")) {
            (Some(v), _) => v.to_string(),
            (None, true) => RequestVersion::UNVERSIONED.to_string(),
            (None, false) => "-".into(),
        }
    }
}

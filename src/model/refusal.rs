//! How a daemon refuses a malformed request: the kinds of malformed input, the verdict of each answer, and the
//! outcome kept in run.json.

use serde::{Deserialize, Serialize};

use super::{ApiVersion, Conformance, Evidence, Method, RequestVersion};

/// What is wrong with the request, on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RefusalKind {
    /// A `filters` query value that is not JSON.
    FiltersNotJson,
    /// A `filters` value with a key the endpoint does not know (next to the run's label, so a daemon that ignores
    /// the key still matches nothing of anyone else's).
    FiltersUnknownKey,
    /// A request body that is not JSON where JSON is documented.
    BodyNotJson,
    /// A name the daemon validates, with characters it does not allow.
    InvalidName,
}

impl RefusalKind {
    /// Every kind, in report order.
    pub const ALL: [RefusalKind; 4] = [
        RefusalKind::FiltersNotJson,
        RefusalKind::FiltersUnknownKey,
        RefusalKind::BodyNotJson,
        RefusalKind::InvalidName,
    ];

    /// The kebab-case name of run.json and probes.yaml.
    pub fn as_str(self) -> &'static str {
        match self {
            RefusalKind::FiltersNotJson => "filters-not-json",
            RefusalKind::FiltersUnknownKey => "filters-unknown-key",
            RefusalKind::BodyNotJson => "body-not-json",
            RefusalKind::InvalidName => "invalid-name",
        }
    }
}

impl std::fmt::Display for RefusalKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the answer to a malformed request means to a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RefusalVerdict {
    /// A 4xx: the daemon blamed the request, so a client reports the mistake and does not retry.
    Refused,
    /// A 5xx: the daemon blamed itself for the client's mistake; a client retries it or reports a daemon fault.
    ServerError,
    /// A 2xx or 3xx: the daemon did what it could with the input and did not say it was wrong.
    Accepted,
    /// No answer (transport failure or timeout).
    Error,
    /// Not sent; `reason` says why.
    Skipped,
}

impl RefusalVerdict {
    /// Every verdict, in report order.
    pub const ALL: [RefusalVerdict; 5] = [
        RefusalVerdict::Refused,
        RefusalVerdict::ServerError,
        RefusalVerdict::Accepted,
        RefusalVerdict::Error,
        RefusalVerdict::Skipped,
    ];

    /// The verdict of an answer with `status`.
    pub fn of_status(status: u16) -> Self {
        match status {
            400..=499 => RefusalVerdict::Refused,
            500..=599 => RefusalVerdict::ServerError,
            _ => RefusalVerdict::Accepted,
        }
    }

    /// The kebab-case name of run.json.
    pub fn as_str(self) -> &'static str {
        match self {
            RefusalVerdict::Refused => "refused",
            RefusalVerdict::ServerError => "server-error",
            RefusalVerdict::Accepted => "accepted",
            RefusalVerdict::Error => "error",
            RefusalVerdict::Skipped => "skipped",
        }
    }

    /// Whether a client is misled: a 5xx, an accepted malformed request, or no answer (`--fail-on refusal`).
    pub fn misleads(self) -> bool {
        matches!(self, RefusalVerdict::ServerError | RefusalVerdict::Accepted | RefusalVerdict::Error)
    }
}

impl std::fmt::Display for RefusalVerdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One malformed request at one API version, and how the daemon answered it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusalOutcome {
    /// Endpoint id (`container.list`).
    pub endpoint: String,
    /// What is malformed.
    pub kind: RefusalKind,
    /// HTTP method.
    pub method: Method,
    /// Swagger-form path.
    pub path: String,
    /// The API version in the request path.
    pub api_version: Option<ApiVersion>,
    /// The path and query sent.
    #[serde(default)]
    pub request: String,
    /// HTTP status, absent when no answer came.
    pub status: Option<u16>,
    /// What the answer means to a client.
    pub verdict: RefusalVerdict,
    /// The daemon's message, or why the request was not sent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// Wall time of the request, milliseconds.
    pub duration_ms: u64,
    /// The answer.
    #[serde(default)]
    pub evidence: Evidence,
    /// The answer checked against the spec of its version: `undocumented-status` when the spec does not list the
    /// status for the operation, and the error body against `ErrorResponse`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conformance: Option<Conformance>,
}

impl RefusalOutcome {
    /// The API version as reports show it.
    pub fn version_label(&self) -> String {
        RequestVersion(self.api_version).to_string()
    }

    /// Whether the spec of the version lists the answer's status for the operation (`None`: not checked).
    pub fn status_documented(&self) -> Option<bool> {
        let c = self.conformance.as_ref()?;
        Some(!c.findings.iter().any(|f| f.kind == super::FindingKind::UndocumentedStatus))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_class_decides_the_verdict() {
        let got: Vec<_> = [400, 404, 409, 500, 503, 200, 201, 204, 304].map(RefusalVerdict::of_status).to_vec();
        use RefusalVerdict::*;
        assert_eq!(got, [Refused, Refused, Refused, ServerError, ServerError, Accepted, Accepted, Accepted, Accepted]);
        assert!(!Refused.misleads() && !Skipped.misleads());
        assert!(ServerError.misleads() && Accepted.misleads() && Error.misleads());
    }

    #[test]
    fn kinds_read_and_write_their_kebab_names() {
        for k in RefusalKind::ALL {
            let json = serde_json::to_string(&k).expect("json");
            assert_eq!(json, format!("\"{k}\""));
            assert_eq!(serde_json::from_str::<RefusalKind>(&json).expect("reads back"), k);
        }
        assert!(serde_json::from_str::<RefusalKind>("\"filters-bad\"").is_err());
    }
}

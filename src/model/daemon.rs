//! What discovery learned about the daemon: identity, advertised and enforced API ranges.

use serde::{Deserialize, Serialize};

use super::ApiVersion;

/// Which engine answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineKind {
    /// Docker Engine (moby).
    Docker,
    /// Podman's Docker-compatible service.
    Podman,
    /// Something else that speaks the API.
    Other,
}

impl EngineKind {
    /// Lower-case name (`docker`, `podman`).
    pub fn as_str(self) -> &'static str {
        match self {
            EngineKind::Docker => "docker",
            EngineKind::Podman => "podman",
            EngineKind::Other => "other",
        }
    }
}

impl DaemonInfo {
    /// The range of API versions the daemon serves, `(lowest, highest)`: what the sweep found it enforcing, else
    /// what it advertises (before a sweep, or when the sweep saw no version accepted at an end).
    pub fn served(&self) -> (Option<ApiVersion>, Option<ApiVersion>) {
        (self.enforced_min.or(self.min_api_version), self.enforced_max.or(self.api_version))
    }

    /// `serves 1.0–1.57, advertises 1.24–1.41: does not enforce API versions`, when the sweep found the daemon
    /// accepting versions outside the range it advertises; `None` for a daemon that enforces what it says.
    pub fn unenforced_note(&self) -> Option<String> {
        let (lo, hi) = (self.enforced_min?, self.enforced_max?);
        let (alo, ahi) = (self.min_api_version.unwrap_or(lo), self.api_version?);
        (lo < alo || hi > ahi)
            .then(|| format!("serves {lo}–{hi}, advertises {alo}–{ahi}: does not enforce API versions"))
    }
}

#[cfg(test)]
impl DaemonInfo {
    /// Test data: a dockerd named `docker-20.10` that advertises `advertised` and enforces `enforced` (`None` ends:
    /// not known), on linux/amd64.
    pub(crate) fn docker(
        advertised: (Option<ApiVersion>, Option<ApiVersion>),
        enforced: (Option<ApiVersion>, Option<ApiVersion>),
    ) -> Self {
        Self {
            name: "docker-20.10".into(),
            kind: EngineKind::Docker,
            version: "20.10.24".into(),
            min_api_version: advertised.0,
            api_version: advertised.1,
            enforced_min: enforced.0,
            enforced_max: enforced.1,
            os: "linux".into(),
            arch: "amd64".into(),
            server: String::new(),
            ostype: None,
            experimental: None,
            builder_version: None,
            head_ping: true,
        }
    }
}

/// The daemon as discovered before the sweep.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaemonInfo {
    /// Target name for snapshots and reports (`docker-20.10`, `podman-4.3`, or `--name`).
    pub name: String,
    /// Engine kind.
    pub kind: EngineKind,
    /// Engine version (`20.10.24+dfsg1`).
    pub version: String,
    /// Advertised maximum API version (`ApiVersion` of `/version`, else the `Api-Version` header).
    pub api_version: Option<ApiVersion>,
    /// Advertised minimum API version (`MinAPIVersion`).
    pub min_api_version: Option<ApiVersion>,
    /// Lowest version the daemon accepted in the sweep (what it enforces, not what it says).
    pub enforced_min: Option<ApiVersion>,
    /// Highest version the daemon accepted in the sweep.
    pub enforced_max: Option<ApiVersion>,
    /// `Os` of `/version`.
    pub os: String,
    /// `Arch` of `/version`.
    pub arch: String,
    /// The `Server` header of `/_ping`.
    #[serde(default)]
    pub server: String,
    /// `Ostype` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ostype: Option<String>,
    /// `Docker-Experimental` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experimental: Option<String>,
    /// `Builder-Version` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub builder_version: Option<String>,
    /// Whether `HEAD /_ping` is routed (else discovery fell back to `GET /_ping`).
    #[serde(default)]
    pub head_ping: bool,
}

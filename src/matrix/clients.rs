//! `matrices/clients.yaml` (hand-written): real Docker clients, one entry per release line, each with how it picks
//! the API version of its paths, the endpoints of its main flows, and the source of each fact. The kubelets of
//! kubernetes.yaml are clients too; [`ClientsFile::with_kubelets`] adds them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::model::{K8sRelease, KubernetesFile, PathMode, SCHEMA_VERSION};
use crate::model::ApiVersion;

/// The file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientsFile {
    /// Always [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Where the facts come from, in general (each client names its own source too).
    #[serde(default)]
    pub sources: Vec<String>,
    /// The clients, in report order.
    #[serde(default)]
    pub clients: Vec<ClientSpec>,
}

impl Default for ClientsFile {
    fn default() -> Self {
        Self { schema_version: SCHEMA_VERSION, sources: Vec::new(), clients: Vec::new() }
    }
}

/// One client release line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientSpec {
    /// The id `--client` and `--fail-on client:` match (`traefik-3.6.0`).
    pub name: String,
    /// The client (`traefik`), shared by its release lines.
    pub family: String,
    /// The releases this entry covers (`3.0–3.6.0`).
    pub covers: String,
    /// How it picks the API version of its paths, written as a one-key map (`{pinned: '1.24'}`) or a word
    /// (`unversioned`).
    #[serde(with = "serde_yaml::with::singleton_map")]
    pub rule: VersionRule,
    /// The lowest API version it accepts from the daemon's `GET /version` `ApiVersion`, refusing to start below it
    /// (the kubelet's and cri-dockerd's `MinimumDockerAPIVersion`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires: Option<ApiVersion>,
    /// The environment variable or setting that overrides the version (`DOCKER_API_VERSION`, `api.version`).
    #[serde(default, rename = "override", skip_serializing_if = "Option::is_none")]
    pub override_with: Option<String>,
    /// Where the rule and the flows were read: repository, file, tag or commit.
    pub source: String,
    /// Flow name → the endpoint ids (endpoints.yaml) it calls at the chosen version, in order.
    pub flows: BTreeMap<String, Vec<String>>,
}

impl ClientSpec {
    /// Every endpoint of every flow, each once, in flow order.
    pub fn endpoints(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for id in self.flows.values().flatten() {
            if !out.contains(&id.as_str()) {
                out.push(id);
            }
        }
        out
    }
}

/// How a client picks the `/vX.Y` of its paths.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub enum VersionRule {
    /// Always this version (Traefik ≤ 3.6.0's 1.24, Watchtower's 1.25).
    Pinned(ApiVersion),
    /// The Go SDK's negotiation: `HEAD /_ping` (then `GET /_ping`), the lower of the `Api-Version` header and `cap`.
    Negotiate(Negotiate),
    /// `GET /version` unversioned, then its `ApiVersion` (docker-py, bollard's negotiation, Portainer's frontend),
    /// capped at `cap` when there is one.
    VersionEndpoint(VersionEndpoint),
    /// Each version in turn, as `GET /vX.Y/_ping`, until one answers (testcontainers-java 2.0.3: 1.44, then 1.32).
    Try(Vec<ApiVersion>),
    /// No version in the path: the daemon serves its newest.
    Unversioned,
}

/// The Go SDK's negotiation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Negotiate {
    /// The SDK's own version: never more.
    pub cap: ApiVersion,
    /// The SDK's lowest version (moby client v0.1.0 on): a daemon below it fails the negotiation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor: Option<ApiVersion>,
    /// What the client does when the negotiation fails below `floor`.
    #[serde(default)]
    pub below_floor: BelowFloor,
    /// The endpoints (ids of its flows) whose call, as this client makes it, runs the negotiation itself and returns
    /// its error (the SDK's `checkVersion`): below `floor` they fail in the client, before anything is sent, while
    /// the other calls go at the cap (`stay-at-cap`). The docker CLI 29.0–29.2's `docker images`: moby client v0.1.0
    /// `ImageList` with `Manifests` set.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checked: Vec<String>,
}

/// What a negotiating client does with a daemon below its floor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BelowFloor {
    /// Keeps its cap and sends every request at it (the docker CLI 29.0 swallows the error), but for its `checked`
    /// calls, which fail with the error.
    #[default]
    StayAtCap,
    /// Stops with the negotiation's error (a library returns it to its caller).
    Refuse,
}

/// `GET /version`'s `ApiVersion`, taken as the path version.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionEndpoint {
    /// Never more than this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<ApiVersion>,
    /// Below this the client refuses the daemon (docker-py's `MINIMUM_DOCKER_API_VERSION`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor: Option<ApiVersion>,
}

impl ClientsFile {
    /// The clients of this file, after one per kubelet release of `kubernetes` (`kubelet-1.23`): its endpoints as
    /// one flow, its minimum as `requires`, its path rule as the version rule (a capped rule negotiates, like the
    /// Go SDK it vendors).
    pub fn with_kubelets(&self, kubernetes: &KubernetesFile) -> Vec<ClientSpec> {
        let kubelets = kubernetes.releases.iter().filter(|r| r.name.starts_with(|c: char| c.is_ascii_digit()));
        kubelets.map(kubelet).chain(self.clients.iter().cloned()).collect()
    }
}

/// A kubelet release as a client.
fn kubelet(r: &K8sRelease) -> ClientSpec {
    let rule = match (r.path_version.mode, r.path_version.cap) {
        (PathMode::Unversioned, _) => VersionRule::Unversioned,
        (PathMode::Daemon, _) | (PathMode::Capped, None) => VersionRule::VersionEndpoint(VersionEndpoint::default()),
        (PathMode::Capped, Some(cap)) => VersionRule::Negotiate(Negotiate {
            cap,
            floor: None,
            below_floor: BelowFloor::StayAtCap,
            checked: Vec::new(),
        }),
    };
    ClientSpec {
        name: format!("kubelet-{}", r.name),
        family: "kubelet".into(),
        covers: format!("Kubernetes {}", r.name),
        rule,
        requires: Some(r.min_api_version),
        override_with: None,
        source: r.source.clone(),
        flows: BTreeMap::from([("pod lifecycle".to_string(), r.endpoints.clone())]),
    }
}

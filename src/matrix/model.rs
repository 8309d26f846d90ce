//! Serde types of the matrix files and the queries other modules ask of them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{ApiRange, ApiVersion, Finding, FindingKind, Method, RefusalKind, fold_pointer, template};

/// The schema version every matrix file carries; bump it when a field changes meaning.
pub const SCHEMA_VERSION: u32 = 1;

/// `matrices/endpoints.yaml`: every Engine API endpoint and the API versions that define it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointsFile {
    /// Always [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The API versions the matrices know, oldest to newest.
    pub api_versions: ApiRange,
    /// Where the generated fields came from, for the reader.
    #[serde(default)]
    pub sources: Vec<String>,
    /// One entry per method and path.
    pub endpoints: Vec<Endpoint>,
}

/// One Engine API endpoint (a method and a path).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    /// Stable, readable id such as `container.list`; never changes once written.
    pub id: String,
    /// HTTP method.
    pub method: Method,
    /// Path in swagger form, without the version prefix (`/containers/{id}/json`).
    pub path: String,
    /// First API version that defines the endpoint.
    pub first: ApiVersion,
    /// Last API version that defines it; absent while the newest spec still has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<ApiVersion>,
    /// The spec's tag (`Container`, `Image`, ...).
    pub tag: String,
    /// The spec's operationId, absent for endpoints only the pre-1.25 docs describe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_id: Option<String>,
    /// One-line description from the newest spec that has the endpoint.
    pub summary: String,
    /// Hand-written: notes that a re-sync keeps.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Endpoint {
    /// Whether the API version `v` defines this endpoint.
    pub fn defined_at(&self, v: ApiVersion) -> bool {
        self.first <= v && self.last.is_none_or(|l| v <= l)
    }

    /// `GET /containers/json`.
    pub fn route(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// The endpoint this one is a request variant of (`image.list` for `image.list[shared-size]`), or its own id.
    pub fn base_id(&self) -> &str {
        base_id(&self.id)
    }

    /// Copies the hand-written fields of `old` (the same endpoint in the file before a re-sync).
    pub fn keep_hand_written(&mut self, old: &Endpoint) {
        let Endpoint { notes, .. } = old;
        self.notes = notes.clone();
    }
}

/// The endpoint id a probe id names: `image.list` for the variant `image.list[shared-size]`, the id itself
/// otherwise.
pub fn base_id(id: &str) -> &str {
    split_variant(id).map_or(id, |(base, _)| base)
}

/// A variant's probe id split into its endpoint id and variant name (`image.list[shared-size]` →
/// `("image.list", "shared-size")`); `None` for an id without brackets.
pub fn split_variant(id: &str) -> Option<(&str, &str)> {
    let (base, rest) = id.split_once('[')?;
    Some((base, rest.strip_suffix(']').unwrap_or(rest)))
}

/// Whether `name` may name a request variant: lowercase letters, digits and `-`, not empty.
pub fn is_variant_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
}

/// `matrices/docker.yaml`: Docker Engine release lines and their API versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DockerFile {
    /// Always [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Where the rows came from.
    #[serde(default)]
    pub sources: Vec<String>,
    /// Release lines, oldest first.
    pub releases: Vec<DockerRelease>,
}

/// One Docker Engine release line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DockerRelease {
    /// The release line (`20.10`, `1.13.1`, `29.0`).
    pub version: String,
    /// The maximum (default) API version it serves.
    pub api_version: ApiVersion,
    /// The minimum API version it serves by default on Linux.
    pub min_api_version: ApiVersion,
    /// First GA release date, `YYYY-MM-DD`.
    pub released: String,
}

/// `matrices/kubernetes.yaml`: the endpoints each kubelet release (and cri-dockerd) calls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KubernetesFile {
    /// Always [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Where the rows came from.
    #[serde(default)]
    pub sources: Vec<String>,
    /// Releases, oldest first.
    pub releases: Vec<K8sRelease>,
}

/// How a kubelet picks the API version it writes into request paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PathMode {
    /// Unversioned paths: the daemon serves them at its own default (maximum) version.
    Unversioned,
    /// The daemon's own API version, read from `GET /version`.
    Daemon,
    /// The lower of the daemon's version and a cap compiled into the client.
    Capped,
}

/// The path-version rule of one release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathVersion {
    /// Which rule.
    pub mode: PathMode,
    /// The client's cap, with `mode: capped` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<ApiVersion>,
}

impl PathVersion {
    /// The version a client following this rule puts in the path against a daemon whose maximum is `daemon_max`
    /// (`None`: unversioned, which the daemon serves at `daemon_max`).
    pub fn path_version(&self, daemon_max: ApiVersion) -> Option<ApiVersion> {
        match (self.mode, self.cap) {
            (PathMode::Unversioned, _) => None,
            (PathMode::Daemon, _) | (PathMode::Capped, None) => Some(daemon_max),
            (PathMode::Capped, Some(cap)) => Some(daemon_max.min(cap)),
        }
    }

    /// The version the daemon ends up serving the request at.
    pub fn effective_version(&self, daemon_max: ApiVersion) -> ApiVersion {
        self.path_version(daemon_max).unwrap_or(daemon_max)
    }
}

/// One Kubernetes release (or cri-dockerd) and the Docker calls its kubelet makes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct K8sRelease {
    /// `1.23`, or `cri-dockerd`.
    pub name: String,
    /// The Docker client library and revision it vendors.
    pub client: String,
    /// The lowest daemon API version it accepts.
    pub min_api_version: ApiVersion,
    /// How it picks the version in request paths.
    pub path_version: PathVersion,
    /// Whether the data was read somewhere other than the release tag.
    #[serde(default)]
    pub inferred: bool,
    /// What was read instead, when `inferred`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inferred_reason: Option<String>,
    /// Where the data was read.
    pub source: String,
    /// Endpoint ids (from endpoints.yaml) the kubelet calls.
    pub endpoints: Vec<String>,
    /// Endpoint id → the condition under which it is called (only on Windows, only as a fallback, ...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub conditional: BTreeMap<String, String>,
}

impl K8sRelease {
    /// Whether this release calls the endpoint `id`.
    pub fn calls(&self, id: &str) -> bool {
        self.endpoints.iter().any(|e| e == id)
    }
}

/// `matrices/probes.yaml` (hand-written): how to probe each endpoint, and the opt-in classes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbesFile {
    /// Always [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Opt-in classes: endpoints that reach outside the daemon or change its global state.
    #[serde(default)]
    pub classes: BTreeMap<String, ProbeClass>,
    /// Endpoint id → how to probe it. An endpoint without a recipe is `skipped`.
    pub probes: BTreeMap<String, Recipe>,
    /// Endpoint id → malformed requests sent on purpose, each a recipe of its own: how the daemon refuses input a
    /// client got wrong.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub refusals: BTreeMap<String, BTreeMap<RefusalKind, Recipe>>,
}

/// An opt-in class (`registry`, `swarm`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeClass {
    /// Why its endpoints are not probed by default.
    pub reason: String,
}

/// How to probe one endpoint. Values may use `$missing` (a name made sure not to exist), `$now` and `$now-N`
/// (Unix seconds).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    /// The opt-in class; without `--allow CLASS` the endpoint is `skipped` with the class's reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// Not probed: why (for endpoints that need what this tool does not make yet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip: Option<String>,
    /// Why the recipe cannot show the endpoint working on a daemon of ours, when it cannot (a name that does not
    /// exist, on purpose): the side-by-side matrix says it beside an endpoint `ok` on no daemon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
    /// Path parameter values (`id: $missing`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, String>,
    /// Query parameters.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub query: BTreeMap<String, String>,
    /// A JSON body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
    /// A body sent as written with `Content-Type: application/json`, in place of `body` (for a body that is not
    /// JSON on purpose).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_body: Option<String>,
    /// Request headers (name → value; values may use tokens), such as the `X-Registry-Auth` a push sends.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// Statuses besides 2xx that mean the endpoint answered as defined (304 for start-again, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expect: Vec<u16>,
    /// Send this endpoint's probes alone, with no other probe in flight (a prune acts on whatever matches, and
    /// daemons refuse concurrent prunes or race against what runs beside them).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub serial: bool,
    /// Absence is expected here, and why (an endpoint only experimental daemons route): `absent`, not
    /// `incompatible`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub absent_ok: Option<String>,
    /// For streaming answers: read for at most this many milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_ms: Option<u64>,
    /// With `stream_ms`: stop reading once the answer has been quiet this many milliseconds after its first bytes
    /// (the past events a `since` asks for come at once; the live ones that follow are not wanted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_quiet_ms: Option<u64>,
    /// A fixture of this endpoint's own, put in the right state before each case; the endpoint's cases then run one
    /// after another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixture: Option<FixtureKind>,
    /// Endpoints naming the same pool share their chains' containers (`running`, `stopped` and `paused` fixtures
    /// only): each version's cases of the pool run one after another on one container, in the order of
    /// `endpoints.yaml`, each finding it as the last left it. A stop leaves what a start needs, so the daemon makes fewer state
    /// changes that are only setup.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool: Option<String>,
    /// A tar body the runner builds (`archive`: file name → content), or the run image (`saved_image: true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload: Option<Upload>,
    /// A hijacked connection (attach, exec start): what to write and what the output must contain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hijack: Option<Hijack>,
    /// Send this endpoint's probes after every other probe, when the daemon holds only the run's fixtures (global
    /// views such as `/system/df` then list the same objects from run to run).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub after_sweep: bool,
    /// Remove what this create made right after its answer (`DELETE` of the path with `/create` replaced by the
    /// answer's `Id` or `Name`): networks draw on a small pool of address ranges, so they must not pile up.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub remove_created: bool,
    /// A path (with tokens) to `DELETE` right after a 2xx answer, for what the probe made that is named in the
    /// request, not the answer (a pulled plugin): the daemon's lists then hold only the run's fixtures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remove_after: Option<String>,
    /// A path (with tokens) to `DELETE` once the sweep's concurrent cases are over, before the serial ones, for what
    /// a 2xx answer made that shares layers with the same probe at other versions (an import, a commit, a build):
    /// removed at once, it would race the next version's create (Podman: 500 "layer not known"); left to the
    /// teardown, it piles up and slows every list after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remove_later: Option<String>,
    /// Statuses that are a defined condition for this request rather than a fault (`not-applicable`), such as the
    /// 500 a daemon gives a plugin archive without a rootfs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_applicable: Vec<u16>,
    /// An update of a versioned object (swarm, node, service, secret, config): before each case, read the object
    /// (the path without its last segment, at the case's API version); its `/Spec` is the body and its
    /// `/Version/Index` fills `$version`, so the update changes nothing and is never out of sequence.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub current: bool,
    /// What of the answer to keep as an observation, by version (JSON pointer with `*` for every array item or
    /// object member, `header:NAME`, `stream` or `status` → `kind` or `value`): the values a version gate changes, which
    /// reports show as version ranges.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub observe: BTreeMap<String, Observe>,
    /// A path (with tokens; `$created` is the answer's `Id` or `ID`) read with `GET` at the case's API version right after
    /// a 2xx answer, before anything is removed: the observations are taken from its answer (what a create made,
    /// as the same version reads it back).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow: Option<String>,
}

/// How an observed value is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Observe {
    /// Its kind: `absent`, `null`, `true`, `false`, a negative number as it is, `0`, `>0`, `""`, `string`, `[]`,
    /// `[…]`, `{}`, `{…}` (sizes and ids vary from run to run; their kind does not).
    Kind,
    /// Its value as it is (a content type, a mode, a status).
    Value,
}

impl Observe {
    /// Whether `key` is one `observe:` accepts: `status`, `stream` (a hijacked stream's shape), `header:NAME`, or
    /// a JSON pointer (`/`-led, or empty for the whole body).
    pub fn is_key(key: &str) -> bool {
        key == "status"
            || key == "stream"
            || key.strip_prefix("header:").is_some_and(|n| !n.is_empty())
            || key.is_empty()
            || key.starts_with('/')
    }
}

impl FixtureKind {
    /// Whether the fixture is a state of the daemon's swarm (sent after the sweep, pooled version by version).
    pub fn is_swarm_state(self) -> bool {
        matches!(self, Self::SwarmFree | Self::SwarmMember | Self::SwarmJoinable | Self::SwarmLocked)
    }
}

impl Recipe {
    /// The recipe of a request variant: this (its endpoint's) recipe with the variant's fields over it. Maps
    /// (parameters, query, headers) take the variant's entries over the base's; a JSON body is merged object by
    /// object (a `null` removes the field); every other field the variant sets replaces the base's, observations
    /// included (a variant observes what its gate changes, not its base's fields again).
    pub fn with_variant(&self, v: &Recipe) -> Recipe {
        fn or<T: Clone>(v: &Option<T>, base: &Option<T>) -> Option<T> {
            v.clone().or_else(|| base.clone())
        }
        fn merged<K: Ord + Clone, V: Clone>(base: &BTreeMap<K, V>, v: &BTreeMap<K, V>) -> BTreeMap<K, V> {
            base.iter().chain(v).map(|(k, x)| (k.clone(), x.clone())).collect()
        }
        let body = match (&self.body, &v.body) {
            (Some(base), Some(over)) => Some(merge_json(base.clone(), over)),
            (base, over) => or(over, base),
        };
        Recipe {
            class: or(&v.class, &self.class),
            skip: or(&v.skip, &self.skip),
            limit: or(&v.limit, &self.limit),
            params: merged(&self.params, &v.params),
            query: merged(&self.query, &v.query),
            body,
            raw_body: or(&v.raw_body, &self.raw_body),
            headers: merged(&self.headers, &v.headers),
            expect: if v.expect.is_empty() { self.expect.clone() } else { v.expect.clone() },
            serial: self.serial || v.serial,
            absent_ok: or(&v.absent_ok, &self.absent_ok),
            stream_ms: v.stream_ms.or(self.stream_ms),
            stream_quiet_ms: v.stream_quiet_ms.or(self.stream_quiet_ms),
            fixture: v.fixture.or(self.fixture),
            pool: or(&v.pool, &self.pool),
            upload: or(&v.upload, &self.upload),
            hijack: or(&v.hijack, &self.hijack),
            after_sweep: self.after_sweep || v.after_sweep,
            remove_created: self.remove_created || v.remove_created,
            remove_after: or(&v.remove_after, &self.remove_after),
            remove_later: or(&v.remove_later, &self.remove_later),
            not_applicable: if v.not_applicable.is_empty() {
                self.not_applicable.clone()
            } else {
                v.not_applicable.clone()
            },
            current: self.current || v.current,
            observe: if v.observe.is_empty() { self.observe.clone() } else { v.observe.clone() },
            follow: or(&v.follow, &self.follow),
        }
    }

    /// What the recipe sends, before substitution.
    pub fn request(&self) -> RequestParts<'_> {
        RequestParts { params: &self.params, query: &self.query, body: self.body.as_ref() }
    }

    /// Every template of the recipe: the request's, the upload's names and contents, the hijack's input and
    /// expected output.
    pub fn values(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.request().templates().collect();
        out.extend(self.raw_body.as_deref());
        out.extend(self.headers.values().map(String::as_str));
        out.extend(self.remove_after.as_deref());
        out.extend(self.remove_later.as_deref());
        out.extend(self.follow.as_deref());
        if let Some(u) = &self.upload {
            out.extend(u.archive.iter().flat_map(|(k, v)| [k.as_str(), v.as_str()]));
        }
        if let Some(h) = &self.hijack {
            out.extend(h.input.as_deref());
            out.push(&h.expect);
        }
        out
    }
}

/// `over` merged into `base` object by object; a `null` in `over` removes the field, any other value replaces it.
fn merge_json(mut base: serde_json::Value, over: &serde_json::Value) -> serde_json::Value {
    match (base.as_object_mut(), over.as_object()) {
        (Some(b), Some(o)) => {
            for (k, v) in o {
                if v.is_null() {
                    b.remove(k);
                } else {
                    let merged = merge_json(b.remove(k).unwrap_or(serde_json::Value::Null), v);
                    b.insert(k.clone(), merged);
                }
            }
            base
        }
        _ => over.clone(),
    }
}

/// What a probe recipe or a scenario step sends, before `$name` substitution: path parameters, query and JSON body
/// (the fields [`Recipe`] and [`Step`] share).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RequestParts<'a> {
    /// Path parameters by name (`id` for `{id}`).
    pub params: &'a BTreeMap<String, String>,
    /// Query parameters, sent in name order.
    pub query: &'a BTreeMap<String, String>,
    /// The JSON body, if any.
    pub body: Option<&'a serde_json::Value>,
}

/// [`RequestParts`] with every template filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct FilledRequest {
    /// Path parameters.
    pub params: Vec<(String, String)>,
    /// Query parameters.
    pub query: Vec<(String, String)>,
    /// The JSON body.
    pub body: Option<serde_json::Value>,
}

impl<'a> RequestParts<'a> {
    /// Every template of the request: parameter and query values, then the body's strings and object keys.
    pub fn templates(self) -> impl Iterator<Item = &'a str> {
        let values = self.params.values().chain(self.query.values()).map(String::as_str);
        values.chain(self.body.into_iter().flat_map(template::json_strings))
    }

    /// The request with every template filled in by `fill` (the first error stops it).
    pub fn fill<E>(self, fill: &dyn Fn(&str) -> Result<String, E>) -> Result<FilledRequest, E> {
        let pairs = |m: &BTreeMap<String, String>| -> Result<Vec<(String, String)>, E> {
            m.iter().map(|(k, v)| Ok((k.clone(), fill(v)?))).collect()
        };
        Ok(FilledRequest {
            params: pairs(self.params)?,
            query: pairs(self.query)?,
            body: self.body.map(|b| template::substitute_json(b, fill)).transpose()?,
        })
    }
}

/// A fixture that belongs to one endpoint: the state it must be in before each case, or a new object per case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixtureKind {
    /// `$container` is running (started or unpaused as needed).
    Running,
    /// `$container` is paused.
    Paused,
    /// `$container` is not running (stopped with `t=0` as needed).
    Stopped,
    /// `$container` is a new container, created and never started, per case.
    Created,
    /// `$container` runs `sh` with stdin open, for attach.
    Interactive,
    /// `$exec` is a new exec instance (`echo`) on a running container, per case.
    Exec,
    /// `$tag` is a new tag of the run image, per case.
    Tag,
    /// `$volume` is a new volume, per case.
    Volume,
    /// `$network` is a new internal network, per case.
    Network,
    /// `$config` is a new swarm config, per case.
    Config,
    /// `$secret` is a new secret, per case.
    Secret,
    /// `$service` is a new swarm service with no replicas, per case.
    Service,
    /// `$plugin` is a new plugin of the run's (disabled), per case.
    Plugin,
    /// `$plugin` is a plugin of the run's that is enabled (its server answering the activation handshake).
    PluginEnabled,
    /// `$plugin` is a plugin of the run's that is disabled.
    PluginDisabled,
    /// The daemon is in no swarm (the run's own left with `force`): for `swarm.init`, sent after the sweep.
    SwarmFree,
    /// The daemon is in a swarm of the run's own (one made on 127.0.0.1 if it is in none): for `swarm.leave`, sent
    /// after the sweep. Pooled with [`FixtureKind::SwarmFree`], an init leaves what a leave needs and back.
    SwarmMember,
    /// The daemon is in no swarm, and the swarm peer (`--swarm-peer`) manages one of the run's own: `$join.token`
    /// is its worker join token. For `swarm.join`, sent after the sweep.
    SwarmJoinable,
    /// The swarm peer joined the run's swarm as a worker and left it: `$node.peer` is its node, down. For
    /// `node.delete`, one case at a time.
    SwarmWorker,
    /// The daemon is the manager of a swarm of the run's with autolock on, restarted (`--restart-cmd`) so the swarm
    /// is locked: `$unlock.key` opens it. For `swarm.unlock`, sent after the sweep.
    SwarmLocked,
    /// `$window.since` and `$window.until` bound a window of events of the endpoint's own, made before its first
    /// case: a container created, started, run to its end, committed and removed, the image it made removed, and a
    /// volume and an internal network made and removed, all named `$window.name`. For `system.events`, `serial`:
    /// dockerd keeps only its last 256 events, so the window is read with nothing else in flight.
    Events,
}

/// A body the runner makes instead of a JSON one: a tar of `archive`, or the saved run image.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Upload {
    /// A tar of these files (name → content; names and contents may use the recipe tokens).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub archive: BTreeMap<String, String>,
    /// The run image as `GET /images/{name}/get` saved it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub saved_image: bool,
}

/// What a hijacked probe writes and must read back.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hijack {
    /// Written to the stream once it is open (`echo $name\n`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    /// Text the output must contain for an `ok`.
    pub expect: String,
    /// Open the stream with a WebSocket handshake (`Upgrade: websocket`) and send `input` as one masked frame,
    /// as browsers attach through `/containers/{id}/attach/ws`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub websocket: bool,
}

/// `matrices/scenarios.yaml` (hand-written): request sequences a client makes, replayed at each API version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenariosFile {
    /// Always [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Scenario name → its steps.
    #[serde(default)]
    pub scenarios: BTreeMap<String, Scenario>,
}

impl Default for ScenariosFile {
    /// No scenarios (what a matrix folder without scenarios.yaml means).
    fn default() -> Self {
        Self { schema_version: SCHEMA_VERSION, scenarios: BTreeMap::new() }
    }
}

impl ScenariosFile {
    /// Copies each scenario's key into its [`Scenario::name`] (the key is the name; loading calls this).
    pub fn name_scenarios(&mut self) {
        for (name, scenario) in &mut self.scenarios {
            scenario.name.clone_from(name);
        }
    }
}

/// A sequence of requests, sent in order at one API version; the sequence passes when every step does.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// The scenario's name: its key in scenarios.yaml (filled in when loading).
    #[serde(skip)]
    pub name: String,
    /// What the sequence stands for, for the reader.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The steps, in order; after the first failed step the rest are not sent.
    pub steps: Vec<Step>,
    /// Steps that always run at the end, even after a failure (removing what the steps made). A cleanup step whose
    /// captured values are missing (the step that captures them failed or never ran) is not sent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cleanup: Vec<Step>,
}

/// One request of a scenario. Values in `params`, `query` and `body` (and expected values in `match`) may use
/// `$image` (the run's image), `$run` (the run id), `$label` (`dockmatrix.run=<run id>`), `$name` (a name unique to
/// this scenario, run and API version), `$missing`, `$now`, `$now-N`, and any name an earlier step captured.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Endpoint id from endpoints.yaml.
    pub endpoint: String,
    /// Path parameter values (`id: $id`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, String>,
    /// Query parameters.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub query: BTreeMap<String, String>,
    /// A JSON body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
    /// The statuses that mean the step worked; empty means any 2xx.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expect: Vec<u16>,
    /// Name → JSON pointer into the answer (`id: /Id`): the value there becomes `$name` for later steps. A pointer
    /// that finds nothing (or finds an object or array) fails the step.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub capture: BTreeMap<String, String>,
    /// JSON pointer → the value the answer must hold there (`/State/Running: true`); strings are substituted first.
    #[serde(default, rename = "match", skip_serializing_if = "BTreeMap::is_empty")]
    pub matches: BTreeMap<String, serde_json::Value>,
}

impl Step {
    /// What the step sends, before substitution.
    pub fn request(&self) -> RequestParts<'_> {
        RequestParts { params: &self.params, query: &self.query, body: self.body.as_ref() }
    }

    /// Whether `status` means the step worked.
    pub fn accepts(&self, status: u16) -> bool {
        if self.expect.is_empty() { (200..300).contains(&status) } else { self.expect.contains(&status) }
    }
}

/// The matrices, loaded and validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrices {
    /// endpoints.yaml
    pub endpoints: EndpointsFile,
    /// docker.yaml
    pub docker: DockerFile,
    /// kubernetes.yaml
    pub kubernetes: KubernetesFile,
    /// probes.yaml
    pub probes: ProbesFile,
    /// scenarios.yaml (empty when a matrix folder has none)
    pub scenarios: ScenariosFile,
    /// spec-errata.yaml (empty when a matrix folder has none)
    pub errata: ErrataFile,
    /// clients.yaml (empty when a matrix folder has none)
    pub clients: super::clients::ClientsFile,
    /// gates.yaml (empty when a matrix folder has none)
    pub gates: super::gates::GatesFile,
}

/// `matrices/spec-errata.yaml`: known mistakes of the official specs, where the daemons agree against the spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrataFile {
    /// Always [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The errata.
    #[serde(default)]
    pub errata: Vec<Erratum>,
}

impl Default for ErrataFile {
    fn default() -> Self {
        Self { schema_version: SCHEMA_VERSION, errata: Vec::new() }
    }
}

impl ErrataFile {
    /// The erratum a conformance finding of `endpoint` against the spec `spec` agrees with, if one does; `side`
    /// says whether the finding is of an answer or of a request body.
    pub fn find(&self, endpoint: &str, spec: ApiVersion, finding: &Finding, side: Side) -> Option<&Erratum> {
        self.errata.iter().find(|e| {
            e.side == side
                && e.endpoint == endpoint
                && e.kind == finding.kind
                && e.pointer == fold_pointer(&finding.pointer)
                && e.first <= spec
                && e.last.is_none_or(|l| spec <= l)
        })
    }
}

/// Which body an erratum is about.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// The daemon's answer.
    #[default]
    Response,
    /// The request body a client sends.
    Request,
}

impl Side {
    /// Whether this is [`Side::Response`].
    pub fn is_response(&self) -> bool {
        *self == Side::Response
    }
}

/// One known mistake of the specs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Erratum {
    /// A short stable id (`exec-ids-string`), written into the findings it matches.
    pub id: String,
    /// The endpoint id.
    pub endpoint: String,
    /// Whether the mistake is in what the spec says of the answer (the default) or of the request body.
    #[serde(default, skip_serializing_if = "Side::is_response")]
    pub side: Side,
    /// The kind of finding.
    pub kind: FindingKind,
    /// Where, with array indices folded into `*`.
    pub pointer: String,
    /// The first spec version with the mistake.
    pub first: ApiVersion,
    /// The last one; absent while the newest spec still has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<ApiVersion>,
    /// What the spec says.
    pub spec_says: String,
    /// What the daemons really send (or, for a request, accept).
    pub daemons: String,
}

impl Matrices {
    /// Adds an endpoint for each request variant of probes.yaml (`image.list[shared-size]`), right after its
    /// endpoint and its earlier variants, with the variant's id and the endpoint's method, path and versions, and
    /// gives the variant its whole recipe (the endpoint's with the variant's fields over it). Keys whose endpoint
    /// does not exist are left for validation to report.
    pub fn expand_variants(&mut self) {
        let variants: Vec<(String, String)> = self
            .probes
            .probes
            .keys()
            .filter_map(|id| split_variant(id).map(|(base, _)| (id.clone(), base.to_string())))
            .collect();
        for (id, base) in variants {
            let Some(at) = self.endpoints.endpoints.iter().rposition(|e| e.base_id() == base) else { continue };
            if self.endpoints.endpoints.iter().any(|e| e.id == id) {
                continue;
            }
            let base_at = self.endpoints.endpoints.iter().position(|e| e.id == base).unwrap_or(at);
            let e = Endpoint { id: id.clone(), notes: Vec::new(), ..self.endpoints.endpoints[base_at].clone() };
            self.endpoints.endpoints.insert(at + 1, e);
            let base_recipe = self.probes.probes.get(&base).cloned().unwrap_or_default();
            if let Some(v) = self.probes.probes.get_mut(&id) {
                *v = base_recipe.with_variant(v);
            }
        }
    }

    /// The endpoint with this id.
    pub fn endpoint(&self, id: &str) -> Option<&Endpoint> {
        self.endpoints.endpoints.iter().find(|e| e.id == id)
    }

    /// The endpoints the API version `v` defines, in file order (request variants are not endpoints of their own).
    pub fn defined_at(&self, v: ApiVersion) -> impl Iterator<Item = &Endpoint> {
        self.endpoints.endpoints.iter().filter(move |e| e.defined_at(v) && split_variant(&e.id).is_none())
    }

    /// The scenario named `name` (`lifecycle`).
    pub fn scenario(&self, name: &str) -> Option<&Scenario> {
        self.scenarios.scenarios.get(name)
    }

    /// The Kubernetes release named `name` (`1.23`, `cri-dockerd`).
    pub fn k8s_release(&self, name: &str) -> Option<&K8sRelease> {
        self.kubernetes.releases.iter().find(|r| r.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capped_path_version_takes_the_lower() {
        let rule = PathVersion { mode: PathMode::Capped, cap: Some(ApiVersion::new(1, 41)) };
        assert_eq!(rule.path_version(ApiVersion::new(1, 45)), Some(ApiVersion::new(1, 41)));
        assert_eq!(rule.path_version(ApiVersion::new(1, 40)), Some(ApiVersion::new(1, 40)));
        let unversioned = PathVersion { mode: PathMode::Unversioned, cap: None };
        assert_eq!(unversioned.path_version(ApiVersion::new(1, 45)), None);
        assert_eq!(unversioned.effective_version(ApiVersion::new(1, 45)), ApiVersion::new(1, 45));
    }
}

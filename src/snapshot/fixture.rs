//! Recorded daemon answers under `tests/fixtures/<docker-version>/<endpoint>@v<api>.json`, for unit tests.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;
use serde_json::Value;

use crate::model::{ApiVersion, Evidence, Method, ProbeOutcome, RunRecord, Verdict};

/// One recorded answer.
#[derive(Debug, Clone, Deserialize)]
pub struct Fixture {
    /// HTTP status.
    pub status: u16,
    /// Headers, lower-case names.
    pub headers: BTreeMap<String, String>,
    /// The body: a JSON document, or a string for a non-JSON body.
    pub body: Value,
    /// The file name (`system.version@v1.41.json`).
    #[serde(skip)]
    pub name: String,
}

/// Reads `tests/fixtures/<dir>/<name>`.
pub fn load(dir: &str, name: &str) -> Fixture {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(dir).join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let mut f: Fixture = serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()));
    f.name = name.to_string();
    f
}

impl Fixture {
    /// The API version in the file name (`@v1.41`), `None` for `@unversioned`.
    pub fn requested(&self) -> Option<ApiVersion> {
        let v = self.name.split('@').nth(1)?.strip_suffix(".json")?.strip_prefix('v')?;
        v.parse().ok()
    }

    /// The body as the daemon sent it.
    pub fn body_text(&self) -> String {
        match &self.body {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }

    /// A probe outcome carrying this answer as its evidence.
    pub fn probe(&self, endpoint: &str) -> ProbeOutcome {
        let body = self.body_text();
        let path = match endpoint {
            "system.version" => "/version".to_string(),
            "system.ping" => "/_ping".to_string(),
            "system.info" => "/info".to_string(),
            "container.list" => "/containers/json".to_string(),
            other => format!("/{}", other.replace('.', "/")),
        };
        let prefix = self.requested().map(|v| format!("/v{v}")).unwrap_or_default();
        ProbeOutcome {
            endpoint: endpoint.to_string(),
            tag: String::new(),
            method: Method::Get,
            path: path.clone(),
            api_version: self.requested(),
            request: format!("{prefix}{path}"),
            status: Some(self.status),
            verdict: Verdict::Ok,
            reason: String::new(),
            duration_ms: 3,
            evidence: Evidence {
                headers: self.headers.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                body_len: body.len() as u64,
                body: Some(body),
                ..Evidence::default()
            },
            conformance: None,
            retried: None,
            observed: Default::default(),
        }
    }
}

/// Every fixture in `tests/fixtures/<dir>/`, as probes (endpoint id from the file name), sorted by name.
pub fn probes(dir: &str) -> Vec<ProbeOutcome> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(dir);
    let mut names: Vec<String> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("list {}: {e}", root.display()))
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    names
        .iter()
        .map(|n| {
            let endpoint = n.split('@').next().unwrap_or(n);
            load(dir, n).probe(endpoint)
        })
        .collect()
}

/// A run report of `probes` against dockerd 20.10.24 with run id `run_id`.
pub fn report(run_id: &str, probes: Vec<ProbeOutcome>) -> RunRecord {
    use crate::model::{DaemonInfo, EngineKind};
    RunRecord {
        schema_version: crate::model::RUN_SCHEMA_VERSION,
        tool: "dockmatrix 0.1.0".into(),
        run_id: run_id.into(),
        host: "unix:///tmp/dm-snap/docker.sock".into(),
        started_at: "2026-11-23T15:09:00Z".into(),
        duration_ms: 1234,
        complete: true,
        daemon: DaemonInfo {
            name: "docker-20.10".into(),
            kind: EngineKind::Docker,
            version: "20.10.24+dfsg1".into(),
            api_version: Some(ApiVersion::new(1, 41)),
            min_api_version: Some(ApiVersion::new(1, 12)),
            enforced_min: None,
            enforced_max: None,
            os: "linux".into(),
            arch: "amd64".into(),
            server: "Docker/20.10.24+dfsg1 (linux)".into(),
            ostype: Some("linux".into()),
            experimental: Some("false".into()),
            builder_version: None,
            head_ping: true,
        },
        api_versions: Vec::new(),
        probes,
        scenarios: Vec::new(),
        refusals: Vec::new(),
    }
}

/// A run report of `probes` against Podman 4.3.1 (`scripts/daemons.sh start podman-4.3`) with run id `run_id`.
pub fn podman_report(run_id: &str, probes: Vec<ProbeOutcome>) -> RunRecord {
    use crate::model::{DaemonInfo, EngineKind};
    let mut report = report(run_id, probes);
    report.host = "unix:///tmp/dmh-podman/podman.sock".into();
    report.daemon = DaemonInfo {
        name: "podman-4.3".into(),
        kind: EngineKind::Podman,
        version: "4.3.1".into(),
        api_version: Some(ApiVersion::new(1, 41)),
        min_api_version: Some(ApiVersion::new(1, 24)),
        enforced_min: Some(ApiVersion::new(1, 0)),
        enforced_max: Some(ApiVersion::new(1, 57)),
        os: "linux".into(),
        arch: "amd64".into(),
        server: "Libpod/4.3.1 (linux)".into(),
        ostype: None,
        experimental: Some("true".into()),
        builder_version: Some(String::new()),
        head_ping: true,
    };
    report
}

/// The names the fixtures' objects were created with.
pub fn fixture_names() -> Vec<String> {
    vec!["dm-fixture-ctr".into(), "dm-fixture-vol".into()]
}

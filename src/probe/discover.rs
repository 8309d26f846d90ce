//! Discovering the daemon: ping headers, `/version`, and the API range it really enforces.

use serde_json::Value;

use super::error::ProbeError;
use crate::client::path;
use crate::client::{Client, Request};
use crate::model::{ApiVersion, DaemonInfo, EngineKind, Method};

/// Pings (HEAD, falling back to GET) and reads `/version`, both unversioned.
pub async fn discover(client: &Client, name: Option<&str>) -> Result<DaemonInfo, ProbeError> {
    let not_docker = |detail: String| ProbeError::NotDockerApi { address: client.target().display.clone(), detail };
    let head = client.send(Request::new(Method::Head, path::build(None, "/_ping", &[], &[]))).await?;
    let head_ping = head.status == 200;
    let ping = if head_ping { head } else { client.send(Request::new(Method::Get, "/_ping")).await? };
    if ping.status != 200 {
        return Err(not_docker(format!("/_ping answered {}", ping.status)));
    }
    let version = client.send(Request::new(Method::Get, path::build(None, "/version", &[], &[]))).await?;
    let Some(v) = version.json().filter(|v| v.is_object()) else {
        let start = String::from_utf8_lossy(&version.body[..version.body.len().min(80)]).into_owned();
        return Err(not_docker(format!("/version answered {} `{start}`", version.status)));
    };
    let text = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    let api = |k: &str| v.get(k).and_then(Value::as_str).and_then(|s| ApiVersion::parse_lenient(s).ok());
    let server = ping.header("server").unwrap_or_default().to_string();
    let header_api = ping.header("api-version").and_then(|s| ApiVersion::parse_lenient(s).ok());
    let api_version = api("ApiVersion").or(header_api);
    if api_version.is_none() {
        return Err(not_docker("/version has no ApiVersion and /_ping no Api-Version header".into()));
    }
    let kind = engine_kind(&v, &server);
    let version_text = text("Version");
    Ok(DaemonInfo {
        name: name.map_or_else(|| default_name(kind, &version_text), str::to_string),
        kind,
        version: version_text,
        api_version,
        min_api_version: api("MinAPIVersion"),
        enforced_min: None,
        enforced_max: None,
        os: text("Os"),
        arch: text("Arch"),
        server,
        ostype: ping.header("ostype").map(str::to_string),
        experimental: ping.header("docker-experimental").map(str::to_string),
        builder_version: ping.header("builder-version").map(str::to_string),
        head_ping,
    })
}

fn engine_kind(version: &Value, server: &str) -> EngineKind {
    let components: Vec<&str> = version
        .get("Components")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|c| c.get("Name").and_then(Value::as_str)).collect())
        .unwrap_or_default();
    if server.starts_with("Libpod") || components.iter().any(|c| c.contains("Podman")) {
        EngineKind::Podman
    } else if server.starts_with("Docker") || components.contains(&"Engine") {
        EngineKind::Docker
    } else {
        EngineKind::Other
    }
}

/// `docker-20.10` from kind and `20.10.24+dfsg1`.
pub fn default_name(kind: EngineKind, version: &str) -> String {
    let mm: Vec<&str> = version.split(['.', '+', '-']).take(2).collect();
    if mm.len() == 2 && mm.iter().all(|p| !p.is_empty()) {
        format!("{}-{}.{}", kind.as_str(), mm[0], mm[1])
    } else {
        kind.as_str().to_string()
    }
}

/// Which of `versions` the daemon accepts on `GET /vX.Y/_ping` (the version check runs before routing), measured
/// concurrently: returns the lowest and highest accepted.
pub async fn enforced_range(client: &Client, versions: &[ApiVersion]) -> Option<(ApiVersion, ApiVersion)> {
    let mut set = tokio::task::JoinSet::new();
    for v in versions {
        let (client, v) = (client.clone(), *v);
        set.spawn(async move {
            let r = client.send(Request::new(Method::Get, path::build(Some(v), "/_ping", &[], &[]))).await;
            (v, r.map(|r| r.status == 200).unwrap_or(false))
        });
    }
    let mut accepted = Vec::new();
    while let Some(Ok((v, ok))) = set.join_next().await {
        if ok {
            accepted.push(v);
        }
    }
    Some((*accepted.iter().min()?, *accepted.iter().max()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_targets_by_kind_and_minor_version() {
        assert_eq!(default_name(EngineKind::Docker, "20.10.24+dfsg1"), "docker-20.10");
        assert_eq!(default_name(EngineKind::Podman, "4.3.1"), "podman-4.3");
        assert_eq!(default_name(EngineKind::Other, ""), "other");
    }

    #[test]
    fn tells_podman_from_docker() {
        let podman: Value = serde_json::json!({"Components":[{"Name":"Podman Engine"}]});
        assert_eq!(engine_kind(&podman, "Libpod/4.3.1 (linux)"), EngineKind::Podman);
        let docker: Value = serde_json::json!({"Components":[{"Name":"Engine"},{"Name":"containerd"}]});
        assert_eq!(engine_kind(&docker, "Docker/20.10.24+dfsg1 (linux)"), EngineKind::Docker);
    }
}

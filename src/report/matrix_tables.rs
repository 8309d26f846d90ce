//! The compatibility tables this field keeps by hand, regenerated from the matrices.

use crate::matrix::{K8sRelease, Matrices, PathMode};
use crate::model::{ApiVersion, RequestVersion, RunRecord, Verdict};

use super::grid::Grid;

/// Docker release, maximum API version, minimum API version, release date.
pub fn docker(m: &Matrices) -> Grid {
    let rows = m
        .docker
        .releases
        .iter()
        .map(|r| vec![r.version.clone(), r.api_version.to_string(), r.min_api_version.to_string(), r.released.clone()])
        .collect();
    Grid {
        title: String::new(),
        headers: ["Docker", "max API", "min API", "released"].map(String::from).to_vec(),
        rows,
        notes: vec![
            "min API is the default minimum on Linux; DOCKER_MIN_API_VERSION can change it on 25.0 and later.".into(),
            format!("Source: {}", m.docker.sources.join(", ")),
        ],
    }
}

/// How a release's path-version rule reads in a note.
fn describe_path_version(r: &K8sRelease) -> String {
    match (r.path_version.mode, r.path_version.cap) {
        (PathMode::Unversioned, _) => "unversioned paths".into(),
        (PathMode::Daemon, _) => "/v<daemon>/".into(),
        (PathMode::Capped, Some(cap)) => format!("/v<min(daemon, {cap})>/"),
        (PathMode::Capped, None) => "/v<min(daemon, ?)>/".into(),
    }
}

/// One row per endpoint defined at `api`, one column per release, ticked where the kubelet calls it.
pub fn kubernetes(m: &Matrices, api: ApiVersion, releases: &[&K8sRelease]) -> Grid {
    let mut headers: Vec<String> = ["Description", "Method", "Path"].map(String::from).to_vec();
    headers.extend(releases.iter().map(|r| if r.inferred { format!("{}†", r.name) } else { r.name.clone() }));
    let mut rows = Vec::new();
    let mut conditional = Vec::new();
    let mut called = vec![0usize; releases.len()];
    for e in m.defined_at(api) {
        let mut row = vec![e.summary.clone(), e.method.to_string(), e.path.clone()];
        for (i, r) in releases.iter().enumerate() {
            let calls = r.calls(&e.id);
            called[i] += usize::from(calls);
            if let Some(when) = r.conditional.get(&e.id) {
                match conditional
                    .iter_mut()
                    .find(|(route, w, _): &&mut (String, String, Vec<String>)| *route == e.route() && w == when)
                {
                    Some((_, _, names)) => names.push(r.name.clone()),
                    None => conditional.push((e.route(), when.clone(), vec![r.name.clone()])),
                }
            }
            let cell = match (calls, r.conditional.contains_key(&e.id)) {
                (true, true) => "✓*",
                (true, false) => "✓",
                (false, true) => "*",
                (false, false) => "",
            };
            row.push(cell.to_string());
        }
        rows.push(row);
    }
    let mut notes = Vec::new();
    for (r, called) in releases.iter().zip(called) {
        let gated = if r.min_api_version > api {
            format!("; refuses daemons below API {}", r.min_api_version)
        } else {
            String::new()
        };
        notes.push(format!("{}: calls {called} of these endpoints, {}{gated}", r.name, describe_path_version(r)));
    }
    if releases.iter().any(|r| r.inferred) {
        notes.push(
            "† inferred: read from a branch point, a code-freeze state or a vendored fork, not the release tag".into(),
        );
    }
    notes.extend(conditional.into_iter().map(|(route, when, names)| format!("* {} {route}: {when}", names.join(", "))));
    notes.push(format!("Source: {}", m.kubernetes.sources.join(", ")));
    Grid {
        title: format!("Endpoints defined at API {api} and the Kubernetes releases whose kubelet calls them"),
        headers,
        rows,
        notes,
    }
}

/// [`kubernetes`] with evidence: each tick replaced by the verdict of that endpoint in `run` at the API version the
/// release's kubelet would use against the run's daemon (`refused` where the release refuses the daemon's version,
/// `not probed` where the run has no answer), and a note per release saying which version that is and how many of
/// its calls are `ok`.
pub fn kubernetes_live(m: &Matrices, api: ApiVersion, releases: &[&K8sRelease], run: &RunRecord) -> Grid {
    let mut grid = kubernetes(m, api, releases);
    let daemon = &run.daemon;
    let Some(max) = daemon.api_version else {
        grid.notes.insert(0, format!("{}: the daemon's API version is unknown; no verdicts", daemon.name));
        return grid;
    };
    let first = grid.headers.len() - releases.len();
    let endpoints: Vec<&crate::matrix::Endpoint> = m.defined_at(api).collect();
    let mut notes = Vec::new();
    for (i, r) in releases.iter().enumerate() {
        let at = r.path_version.path_version(max);
        let refused = r.min_api_version > max;
        let mut ok = 0;
        let mut calls = 0;
        for (row, e) in grid.rows.iter_mut().zip(&endpoints) {
            let cell = &mut row[first + i];
            if !r.calls(&e.id) {
                continue;
            }
            calls += 1;
            let verdict = run.probes.iter().find(|p| p.endpoint == e.id && p.api_version == at).map(|p| p.verdict);
            ok += usize::from(verdict == Some(Verdict::Ok) && !refused);
            *cell = match (refused, verdict) {
                (true, _) => "refused".into(),
                (false, Some(v)) => v.to_string(),
                (false, None) => "not probed".into(),
            };
        }
        let how = if refused {
            format!("refuses the daemon: it needs API {} and the daemon serves at most {max}", r.min_api_version)
        } else {
            format!("calls at {} ({}): {ok} of {calls} ok", RequestVersion(at), describe_path_version(r))
        };
        notes.push(format!("{} against {}: {how}", r.name, daemon.name));
    }
    grid.title = format!(
        "Endpoints defined at API {api}, and the live verdict of each one a Kubernetes release's kubelet calls, against \
         {} ({} {}, API {max})",
        daemon.name,
        daemon.kind.as_str(),
        daemon.version
    );
    notes.append(&mut grid.notes);
    grid.notes = notes;
    grid
}

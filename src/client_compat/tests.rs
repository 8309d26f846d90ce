//! The known answers of clients.md and of the issue, predicted from the matrices, and the rules on small live runs.

use super::*;
use crate::matrix::load::MatrixSources;
use crate::model::{DaemonInfo, Evidence, ProbeOutcome, RUN_SCHEMA_VERSION};

fn matrices() -> Matrices {
    MatrixSources::built_in().load().expect("built-in matrices")
}

/// What `client` makes of the Docker release `version` of docker.yaml, predicted: `verdict at version: reason`.
fn predicted(m: &Matrices, client: &str, version: &str) -> String {
    let release = m.docker.releases.iter().find(|r| r.version == version).expect("a release of docker.yaml");
    let name = format!("docker-{version}");
    let spec = clients(m, &[client.to_string()]).pop().unwrap_or_else(|| panic!("a client {client}"));
    let o = evaluate(&spec, &DaemonView::of_release(release, &name), m);
    assert!(o.predicted);
    format!("{} at {}: {}", o.verdict, o.version_text(), o.reason)
}

#[test]
fn the_known_answers_of_docker_29_are_predicted() {
    let m = matrices();
    let verdict = |client: &str, version: &str| predicted(&m, client, version).split(" at ").next().map(str::to_string);
    for (client, version, expected) in [
        ("traefik-3.6.0", "29.0", "breaks"),
        ("traefik-3.6.0", "29.3", "breaks"),
        ("traefik-3.6.1", "29.0", "works"),
        ("traefik-3.6.1", "29.3", "works"),
        ("testcontainers-java-1.21.3", "29.0", "breaks"),
        ("testcontainers-java-2.0.2", "24.0", "breaks"),
        ("testcontainers-java-2.0.3", "24.0", "works"),
        ("testcontainers-java-2.0.3", "29.0", "works"),
        ("kubelet-1.23", "20.10", "works"),
        ("kubelet-1.23", "28.5", "works"),
        ("kubelet-1.23", "29.0", "breaks"),
        ("kubelet-1.23", "29.2", "breaks"),
        ("kubelet-1.23", "29.3", "works"),
        ("cri-dockerd-0.4.1", "20.10", "breaks"),
        ("cri-dockerd-0.3.15", "29.0", "breaks"),
        ("watchtower-1.7", "29.3", "breaks"),
        ("portainer-2.33.4", "29.0", "breaks"),
        ("docker-cli-29.0", "24.0", "breaks"),
        ("docker-cli-29.3", "24.0", "works"),
        ("docker-py-7.1", "29.0", "works"),
    ] {
        assert_eq!(verdict(client, version).as_deref(), Some(expected), "{client} on docker {version}");
    }
    assert_eq!(
        predicted(&m, "traefik-3.6.0", "29.0"),
        "breaks at 1.24: pins API 1.24; this daemon enforces 1.44–1.52: every request gets 400 \"client version 1.24 \
         is too old. Minimum supported API version is 1.44, please upgrade your client to a newer version\""
    );
    assert_eq!(
        predicted(&m, "cri-dockerd-0.4.1", "20.10"),
        "breaks at -: requires API 1.42 or newer from GET /version; this daemon reports 1.41: it refuses to start"
    );
    assert_eq!(
        predicted(&m, "docker-cli-29.0", "24.0"),
        "breaks at 1.52: negotiation fails below its minimum 1.44 (the daemon says 1.43), so it stays at its 1.52; \
         this daemon enforces 1.12–1.43: every request gets 400 \"client version 1.52 is too new. Maximum supported \
         API version is 1.43\""
    );
    assert_eq!(
        predicted(&m, "testcontainers-java-2.0.3", "24.0"),
        "works at 1.32: GET /v1.44/_ping fails, so it falls back to 1.32"
    );
    assert_eq!(
        predicted(&m, "kubelet-1.23", "29.3"),
        "works at 1.41: negotiates to 1.41 (the daemon's 1.54, its cap 1.41)"
    );
    assert_eq!(
        predicted(&m, "bollard-0.21", "28.5"),
        "works at unversioned: sends no version: the daemon serves its 1.51"
    );
}

/// A run of a dockerd that advertises and enforces 1.12–1.41, where every endpoint of `ids` answers `ok` at every
/// version of 1.12–1.41 and unversioned.
fn run_of(ids: &[&str]) -> RunRecord {
    let (lo, hi) = (ApiVersion::new(1, 12), ApiVersion::new(1, 41));
    let mut probes = Vec::new();
    for id in ids {
        for v in ApiVersion::range_inclusive(lo, hi).map(Some).chain([None]) {
            probes.push(ProbeOutcome {
                endpoint: id.to_string(),
                tag: String::new(),
                method: crate::model::Method::Get,
                path: String::new(),
                api_version: v,
                request: String::new(),
                status: Some(200),
                verdict: Verdict::Ok,
                reason: String::new(),
                duration_ms: 1,
                evidence: Evidence::default(),
                conformance: None,
                retried: None,
                observed: Default::default(),
            });
        }
    }
    RunRecord {
        schema_version: RUN_SCHEMA_VERSION,
        tool: "dockmatrix test".into(),
        run_id: "r".into(),
        host: "unix:///x.sock".into(),
        started_at: String::new(),
        duration_ms: 0,
        complete: true,
        daemon: DaemonInfo::docker((Some(lo), Some(hi)), (Some(lo), Some(hi))),
        api_versions: ApiVersion::range_inclusive(lo, hi).collect(),
        probes,
        scenarios: Vec::new(),
        refusals: Vec::new(),
    }
}

#[test]
fn a_live_run_decides_by_the_verdicts_of_the_endpoints_a_client_calls() {
    let m = matrices();
    let spec = |name: &str| clients(&m, &[name.to_string()]).pop().expect("a client");
    let (kubelet_spec, cli_spec) = (spec("kubelet-1.23"), spec("docker-cli-29.0"));
    let mut ids: Vec<&str> = kubelet_spec.endpoints().into_iter().chain(cli_spec.endpoints()).collect();
    ids.extend(["system.ping", "system.ping.head"]);
    let mut run = run_of(&ids);
    let stats = run
        .probes
        .iter_mut()
        .find(|p| p.endpoint == "container.stats" && p.api_version == Some(ApiVersion::new(1, 41)));
    let stats = stats.expect("probed");
    (stats.verdict, stats.status, stats.reason) = (Verdict::Incompatible, Some(500), "not implemented".into());
    let view = DaemonView::of_run(&run);
    // Traefik calls /events, which this run never probed: no verdict without evidence.
    let traefik = evaluate(&spec("traefik-3.6.0"), &view, &m);
    assert_eq!(
        (traefik.verdict, traefik.reason.as_str()),
        (ClientVerdict::Unknown, "GET /events was not probed at 1.24")
    );
    let kubelet = evaluate(&spec("kubelet-1.23"), &view, &m);
    assert_eq!((kubelet.verdict, kubelet.version_text()), (ClientVerdict::Breaks, "1.41".to_string()));
    assert_eq!(
        kubelet.reason,
        "negotiates to 1.41 (the daemon's 1.41, its cap 1.41); GET /containers/{id}/stats is incompatible at 1.41 \
         (500: not implemented)"
    );
    // At 1.40 (kubelet 1.20's cap) the same endpoint works.
    assert_eq!(evaluate(&spec("kubelet-1.20"), &view, &m).verdict, ClientVerdict::Works);
    // A daemon that says 1.41 and answers any version (Podman 4.3–5.7): the CLI 29.0 fails its negotiation below its
    // minimum 1.44 and stays at 1.52, which is answered, outside the advertised range; but `docker images` (moby
    // client ImageList with Manifests) runs the negotiation itself and fails with its error, before sending anything.
    let v52 = ApiVersion::new(1, 52);
    run.daemon.enforced_max = Some(v52);
    let copies: Vec<ProbeOutcome> = run
        .probes
        .iter()
        .filter(|p| p.api_version == Some(ApiVersion::new(1, 40)))
        .map(|p| ProbeOutcome { api_version: Some(v52), verdict: Verdict::Unenforced, ..p.clone() })
        .collect();
    run.probes.extend(copies);
    let podman = DaemonView::of_run(&run);
    let cli = evaluate(&cli_spec, &podman, &m);
    assert_eq!((cli.verdict, cli.version_text()), (ClientVerdict::Breaks, "1.52".to_string()), "{cli:?}");
    assert_eq!(
        cli.reason,
        "negotiation fails below its minimum 1.44 (the daemon says 1.41), so it stays at its 1.52; GET /images/json \
         fails in the client, before it is sent: \"API version 1.41 is not supported by this client: the minimum \
         supported API version is 1.44\""
    );
    // Every other call goes at 1.52 and is answered: one warning each.
    assert_eq!(cli.notes.len(), cli_spec.endpoints().len() - 1, "{:?}", cli.notes);
    assert_eq!(
        cli.notes[0],
        "POST /containers/create is answered at 1.52, outside the range the daemon advertises (unenforced)"
    );
    // `docker run` alone checks nothing: it works, with warnings.
    let mut run_only = cli_spec.clone();
    run_only.flows.retain(|flow, _| flow == "docker run");
    let docker_run = evaluate(&run_only, &podman, &m);
    assert_eq!((docker_run.verdict, docker_run.version_text()), (ClientVerdict::WorksWithWarnings, "1.52".to_string()));
    assert_eq!(
        docker_run.reason,
        "POST /containers/create is answered at 1.52, outside the range the daemon advertises (unenforced)"
    );
    // The CLI 29.3 (moby client v0.3.0, minimum 1.40) negotiates down to 1.41: nothing fails.
    let cli_29_3 = evaluate(&spec("docker-cli-29.3"), &podman, &m);
    assert_eq!((cli_29_3.verdict, cli_29_3.version_text()), (ClientVerdict::Works, "1.41".to_string()));
}

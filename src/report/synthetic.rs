//! Synthetic runs for tests: the fixed docker-20.10 run moved to other daemons, versions and answers, given the
//! failures a real 20.10 never gives, or endpoints its small subset does not probe.

use crate::model::ApiVersion;
use crate::model::{
    EndedBy, EngineKind, Evidence, Method, ProbeOutcome, RunRecord, StreamFormat, StreamSummary, Verdict,
};

use super::sections::coverage::tests::fixture;

/// `1.NN`.
pub(crate) fn v(minor: u16) -> ApiVersion {
    ApiVersion::new(1, minor)
}

/// The fixture's endpoints on another daemon: `name`, engine `version`, the `advertised` and `enforced` ranges
/// (minor versions of 1.x), probed at every minor version of `probed`. Inside the enforced range each endpoint
/// answers as the fixture's did at 1.41, from the first version the fixture saw it served (or rejected by
/// something else than the version check); outside it, every version is `400 version-rejected` (skipped endpoints stay skipped). The fixture's
/// unversioned probes are kept as they are.
pub(crate) fn daemon_run(
    name: &str,
    version: &str,
    advertised: (u16, u16),
    enforced: (u16, u16),
    probed: (u16, u16),
) -> RunRecord {
    let base = fixture();
    let mut run = base.clone();
    run.run_id = format!("run-{name}");
    run.daemon.name = name.to_string();
    run.daemon.kind = if name.starts_with("podman") { EngineKind::Podman } else { EngineKind::Docker };
    run.daemon.version = version.to_string();
    run.daemon.min_api_version = Some(v(advertised.0));
    run.daemon.api_version = Some(v(advertised.1));
    run.daemon.enforced_min = Some(v(enforced.0));
    run.daemon.enforced_max = Some(v(enforced.1));
    run.api_versions = (probed.0..=probed.1).map(v).collect();
    run.probes = base.probes.iter().filter(|p| p.api_version.is_none()).cloned().collect();
    let mut ids: Vec<&str> = base.probes.iter().map(|p| p.endpoint.as_str()).collect();
    ids.dedup();
    for id in ids {
        let of_endpoint = || base.probes.iter().filter(move |p| p.endpoint == id && p.api_version.is_some());
        let Some(template) = of_endpoint().find(|p| p.api_version == Some(v(41))) else { continue };
        let first = of_endpoint()
            .filter(|p| p.verdict != Verdict::VersionRejected)
            .filter_map(|p| p.api_version)
            .min()
            .unwrap_or(v(41));
        for minor in probed.0..=probed.1 {
            let at = v(minor);
            let inside = enforced.0 <= minor && minor <= enforced.1;
            if inside && at < first {
                continue;
            }
            let mut p = template.clone();
            p.api_version = Some(at);
            p.request = p.request.replacen("/v1.41/", &format!("/v{at}/"), 1);
            if !inside && p.verdict != Verdict::Skipped {
                reject(&mut p, enforced);
            }
            run.probes.push(p);
        }
    }
    run.sort();
    run
}

/// Turns `p` into the daemon's answer to a version outside `enforced`.
pub(crate) fn reject(p: &mut ProbeOutcome, enforced: (u16, u16)) {
    let at = p.api_version.map_or_else(String::new, |v| v.to_string());
    let message = match p.api_version {
        Some(a) if a < v(enforced.0) => format!(
            "client version {at} is too old. Minimum supported API version is 1.{}, please upgrade your client to a newer version",
            enforced.0
        ),
        _ => format!("client version {at} is too new. Maximum supported API version is 1.{}", enforced.1),
    };
    p.status = Some(400);
    p.verdict = Verdict::VersionRejected;
    p.evidence.body = Some(format!("{{\"message\":{}}}\n", serde_json::Value::String(message.clone())));
    p.evidence.body_len = p.evidence.body.as_ref().map_or(0, |b| b.len() as u64);
    p.reason = message;
}

/// The fixture with the two failures a real docker 20.10 does not give, as the runner writes them:
/// `container.attach` at 1.40 `incompatible`, its multiplexed stream holding only the shell's complaint on stderr
/// when the window ended, and `exec.start` at 1.24 an `error`, timed out with no answer.
pub(crate) fn with_failures() -> RunRecord {
    let mut run = fixture();
    let expect = format!("dockmatrix-{}-container-attach-v1-40", run.run_id);
    for p in &mut run.probes {
        if p.endpoint == "container.attach" && p.api_version == Some(v(40)) {
            let stderr = "/bin/sh: can't access tty; job control turned off\n";
            let summary = StreamSummary {
                format: StreamFormat::Multiplexed,
                frames: 1,
                stderr_bytes: stderr.len() as u64,
                stderr: stderr.into(),
                stdin_bytes: p.evidence.stream_summary.as_ref().map_or(0, |s| s.stdin_bytes),
                ended_by: EndedBy::Window,
                upgraded: true,
                ..StreamSummary::default()
            };
            p.verdict = Verdict::Incompatible;
            p.reason = format!("the output within 10000 ms lacks `{expect}`");
            p.evidence.body_len = 8 + stderr.len() as u64;
            p.evidence.stream = Some(summary.describe());
            p.evidence.stream_summary = Some(Box::new(summary));
        }
        if p.endpoint == "exec.start" && p.api_version == Some(v(24)) {
            p.verdict = Verdict::Error;
            p.status = None;
            p.reason = format!("POST {} timed out after 30.0 s", p.request);
            p.evidence = Evidence::default();
        }
    }
    run
}

/// Adds endpoint `id` (`method` `path`, its tag from the id) to `run`, answering as `like` does at each version,
/// for tests about endpoints the fixture's subset does not probe (`image.list` bodies, `system.info` fields).
pub(crate) fn add_endpoint(run: &mut RunRecord, like: &str, id: &str, method: Method, path: &str) {
    let prefix = id.split('.').next().unwrap_or(id);
    let tag = prefix[..1].to_uppercase() + &prefix[1..];
    let copies: Vec<ProbeOutcome> = run
        .probes
        .iter()
        .filter(|p| p.endpoint == like)
        .map(|p| ProbeOutcome {
            endpoint: id.into(),
            tag: tag.clone(),
            method,
            path: path.into(),
            request: p.request.replacen(&p.path, path, 1),
            ..p.clone()
        })
        .collect();
    assert!(!copies.is_empty(), "{like} is not in the run");
    run.probes.extend(copies);
    run.sort();
}

/// Sets the verdict, status and body of `endpoint` at the minor versions `minors` of `run`.
pub(crate) fn answer(
    run: &mut RunRecord,
    endpoint: &str,
    minors: std::ops::RangeInclusive<u16>,
    verdict: Verdict,
    status: Option<u16>,
    body: Option<&str>,
) {
    for p in run.probes.iter_mut().filter(|p| p.endpoint == endpoint) {
        if p.api_version.is_some_and(|a| a.major == 1 && minors.contains(&a.minor)) {
            p.verdict = verdict;
            p.status = status;
            p.evidence.body = body.map(str::to_string);
            p.evidence.body_len = body.map_or(0, |b| b.len() as u64);
            p.evidence.body_truncated = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_daemon_run_rejects_outside_its_enforced_range() {
        let run = daemon_run("docker-26.1", "26.1.4", (24, 45), (24, 45), (23, 46));
        let at = |id: &str, minor: u16| {
            run.probes.iter().find(|p| p.endpoint == id && p.api_version == Some(v(minor))).map(|p| p.verdict)
        };
        assert_eq!(at("system.ping", 23), Some(Verdict::VersionRejected));
        assert_eq!(at("system.ping", 30), Some(Verdict::Ok));
        assert_eq!(at("system.ping", 46), Some(Verdict::VersionRejected));
        assert_eq!(at("exec.start", 24), Some(Verdict::Ok));
        assert_eq!(at("system.ping.head", 39), None, "not probed before the fixture first saw it");
        assert_eq!(at("system.ping.head", 40), Some(Verdict::Ok));
        assert_eq!(run.daemon.enforced_min, Some(v(24)));
        assert_eq!(at("volume.update", 42), None, "no answer at 1.41 to move");
    }

    #[test]
    fn the_failures_and_added_endpoints_are_where_the_tests_look_for_them() {
        let run = with_failures();
        let at = |id: &str, minor: u16| {
            run.probes.iter().find(|p| p.endpoint == id && p.api_version == Some(v(minor))).expect("probed")
        };
        assert_eq!(at("container.attach", 40).verdict, Verdict::Incompatible);
        assert!(at("container.attach", 40).evidence.stream_summary.as_ref().is_some_and(|s| s.stdin_bytes > 0));
        assert_eq!((at("exec.start", 24).verdict, at("exec.start", 24).status), (Verdict::Error, None));
        assert_eq!(run.verdict_counts().into_iter().filter(|(v, n)| v.is_failure() && *n > 0).count(), 2);
        let mut run = fixture();
        add_endpoint(&mut run, "system.ping", "image.list", Method::Get, "/images/json");
        let list = run.probes.iter().filter(|p| p.endpoint == "image.list").collect::<Vec<_>>();
        assert_eq!(list.len(), run.probes.iter().filter(|p| p.endpoint == "system.ping").count());
        assert!(list.iter().all(|p| p.tag == "Image" && p.request.ends_with("/images/json")), "{list:?}");
    }
}

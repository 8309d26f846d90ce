//! A run's answers turned into one snapshot text per endpoint: versions that answered the same collapse into
//! one range, so the text reads as the history of the endpoint across API versions.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

use crate::model::{ApiVersion, ProbeOutcome, RequestVersion, RunRecord};
use crate::snapshot::normalize::{Answer, normalize};
use crate::snapshot::redact::Redactions;
use crate::snapshot::store::SnapshotFile;

/// The snapshot of one endpoint, ready to compare or write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedSnapshot {
    /// Endpoint id (`container.list`).
    pub endpoint: String,
    /// The file's contents.
    pub file: SnapshotFile,
}

/// What to redact in `report`: its run id, the daemon's version, and the data-root and host name that
/// `/info` reported (found in any answer carrying `DockerRootDir`), plus the fixture names the runner used.
pub fn redactions_for(report: &RunRecord, fixture_names: &[String]) -> Redactions {
    let mut r = redactions_of_run(report, fixture_names);
    report.probes.iter().for_each(|p| note_info(&mut r, p));
    r
}

/// What to redact in `report` before its answers are seen: [`redactions_for`] without the data-root and host name,
/// which [`note_info`] then takes from the answers one at a time.
pub fn redactions_of_run(report: &RunRecord, fixture_names: &[String]) -> Redactions {
    Redactions {
        run_id: report.run_id.clone(),
        fixture_names: fixture_names.to_vec(),
        daemon_version: report.daemon.version.clone(),
        data_root: None,
        host_name: None,
        engine: Some(report.daemon.kind),
    }
}

/// Takes the data-root and host name from `p`'s answer when it carries `DockerRootDir` (the first such answer, in
/// run order, wins).
pub fn note_info(r: &mut Redactions, p: &ProbeOutcome) {
    let Some(body) = p.evidence.body.as_deref().filter(|b| b.contains("DockerRootDir")) else { return };
    let Ok(Value::Object(info)) = serde_json::from_str(body) else { return };
    if let Some(Value::String(root)) = info.get("DockerRootDir") {
        r.data_root.get_or_insert_with(|| root.clone());
        if let Some(Value::String(name)) = info.get("Name") {
            r.host_name.get_or_insert_with(|| name.clone());
        }
    }
}

/// One snapshot per endpoint in `report`, sorted by endpoint id. Nothing in it depends on probe order.
pub fn render(report: &RunRecord, target: &str, r: &Redactions) -> Vec<RenderedSnapshot> {
    let mut by_endpoint: BTreeMap<&str, Vec<&ProbeOutcome>> = BTreeMap::new();
    for p in &report.probes {
        by_endpoint.entry(p.endpoint.as_str()).or_default().push(p);
    }
    by_endpoint.into_iter().map(|(endpoint, probes)| render_one(report, endpoint, &probes, target, r)).collect()
}

/// The snapshot of `endpoint`, made of its `probes` in `report` (the run gives its daemon; its probes are not read).
pub fn render_one(
    report: &RunRecord,
    endpoint: &str,
    probes: &[&ProbeOutcome],
    target: &str,
    r: &Redactions,
) -> RenderedSnapshot {
    let mut expressions: Vec<String> = probes.iter().map(|p| format!("{} {}", p.method, p.path)).collect();
    expressions.sort();
    expressions.dedup();
    let daemon = format!("{} {}", report.daemon.kind.as_str(), report.daemon.version);
    RenderedSnapshot {
        endpoint: endpoint.to_string(),
        file: SnapshotFile {
            source: "dockmatrix".into(),
            expression: expressions.join(", "),
            info: vec![
                ("target".into(), target.into()),
                ("endpoint".into(), endpoint.into()),
                ("daemon".into(), daemon),
            ],
            body: render_endpoint(probes, r),
        },
    }
}

/// The snapshot body of one endpoint: a block per version range, unversioned first.
pub fn render_endpoint(probes: &[&ProbeOutcome], r: &Redactions) -> String {
    let mut by_version: BTreeMap<Option<ApiVersion>, Vec<Answer>> = BTreeMap::new();
    for p in probes {
        by_version.entry(p.api_version).or_default().push(normalize(p, r));
    }
    let blocks: Vec<(Option<ApiVersion>, String)> =
        by_version.into_iter().map(|(v, answers)| (v, version_block(&answers))).collect();

    // Collapse runs of consecutive versions (no gap in what was probed) with identical blocks.
    let mut groups: Vec<(String, &str)> = Vec::new();
    let mut i = 0;
    while i < blocks.len() {
        let (first, text) = (&blocks[i].0, blocks[i].1.as_str());
        let mut j = i;
        if first.is_some() {
            while j + 1 < blocks.len()
                && blocks[j + 1].1 == text
                && blocks[j + 1].0.is_some_and(|next| blocks[j].0.is_some_and(|cur| cur.next() == next))
            {
                j += 1;
            }
        }
        groups.push((label(blocks[i].0, blocks[j].0), text));
        i = j + 1;
    }
    let mut out = String::new();
    for (n, (label, text)) in groups.iter().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        let _ = writeln!(out, "{label}:");
        out.push_str(text);
    }
    out
}

fn label(first: Option<ApiVersion>, last: Option<ApiVersion>) -> String {
    match (first, last) {
        (Some(a), Some(b)) if a != b => format!("v{a}..=v{b}"),
        (Some(a), _) => format!("v{a}"),
        (None, _) => RequestVersion::UNVERSIONED.to_string(),
    }
}

/// The answers at one version; several (different requests) are listed sorted by their text.
fn version_block(answers: &[Answer]) -> String {
    if let [one] = answers {
        let mut out = String::new();
        one.render(false, 2, &mut out);
        return out;
    }
    let mut items: Vec<String> = answers
        .iter()
        .map(|a| {
            let mut s = String::new();
            a.render(true, 4, &mut s);
            format!("  - {}", &s[4..])
        })
        .collect();
    items.sort();
    items.concat()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::fixture::{self, load};

    fn probe(name: &str, endpoint: &str) -> ProbeOutcome {
        load("docker-20.10", name).probe(endpoint)
    }

    #[test]
    fn identical_consecutive_versions_collapse_into_a_range() {
        let mut probes = Vec::new();
        for v in [11, 12, 13, 24, 25, 41, 42] {
            let src = match v {
                11 => "system.version@v1.11.json",
                42 => "system.version@v1.42.json",
                _ => "system.version@v1.41.json",
            };
            let mut p = probe(src, "system.version");
            p.api_version = Some(ApiVersion::new(1, v));
            probes.push(p);
        }
        let refs: Vec<&ProbeOutcome> = probes.iter().collect();
        let text = render_endpoint(&refs, &Redactions::default());
        let labels: Vec<&str> = text.lines().filter(|l| !l.starts_with(' ') && !l.is_empty()).collect();
        // 1.13 and 1.24 are not consecutive: a gap in what was probed breaks the range.
        assert_eq!(labels, ["v1.11:", "v1.12..=v1.13:", "v1.24..=v1.25:", "v1.41:", "v1.42:"]);
    }

    #[test]
    fn probe_order_does_not_change_the_snapshots() {
        let probes = fixture::probes("docker-20.10");
        let mut reversed = probes.clone();
        reversed.reverse();
        let a = fixture::report("run-7f3a9c", probes);
        let b = fixture::report("run-7f3a9c", reversed);
        let names = fixture::fixture_names();
        let (ra, rb) = (redactions_for(&a, &names), redactions_for(&b, &names));
        assert_eq!(render(&a, "docker-20.10", &ra), render(&b, "docker-20.10", &rb));
    }

    #[test]
    fn two_fresh_daemons_of_one_version_give_identical_snapshots() {
        // Recorded from two dockerd 20.10 started one after the other: other ids, timestamps, pids, run ids,
        // data-roots and uptimes.
        let names = fixture::fixture_names();
        let probes_b = fixture::probes("docker-20.10-b");
        let mut probes_a = fixture::probes("docker-20.10");
        probes_a.retain(|a| probes_b.iter().any(|b| (&b.endpoint, b.api_version) == (&a.endpoint, a.api_version)));
        let a = fixture::report("run-7f3a9c", probes_a);
        let b = fixture::report("run-0b11e4", probes_b);
        let (ra, rb) = (redactions_for(&a, &names), redactions_for(&b, &names));
        assert_eq!(ra.data_root.as_deref(), Some("/tmp/dm-snap/data"));
        assert_eq!(rb.data_root.as_deref(), Some("/tmp/dm-snap2/data"));
        let sa = render(&a, "docker-20.10", &ra);
        let sb = render(&b, "docker-20.10", &rb);
        let mut compared = 0;
        for snap_b in &sb {
            let snap_a = sa.iter().find(|s| s.endpoint == snap_b.endpoint).expect("same endpoints recorded");
            assert_eq!(snap_a.file.body, snap_b.file.body, "{} differs", snap_b.endpoint);
            compared += 1;
        }
        assert_eq!(compared, 11);
        // The raw answers really did differ.
        assert_ne!(
            fixture::load("docker-20.10", "container.inspect@v1.41.json").body,
            fixture::load("docker-20.10-b", "container.inspect@v1.41.json").body
        );
    }

    #[test]
    fn two_podman_daemons_of_one_version_give_identical_snapshots() {
        // Recorded from two Podman 4.3.1 started in two folders: other ids, run ids, data- and run roots, Env
        // and DriverStatus orders, exec sessions, short build ids and secret ids.
        let a = fixture::podman_report("afc6c252c00b", fixture::probes("podman-4.3"));
        let b = fixture::podman_report("ae9c35846fc3", fixture::probes("podman-4.3-b"));
        let (ra, rb) = (redactions_for(&a, &[]), redactions_for(&b, &[]));
        assert_eq!(ra.data_root.as_deref(), Some("/tmp/dmh-podman/storage"));
        assert_eq!(rb.data_root.as_deref(), Some("/tmp/dockmatrix-podman-4.3/storage"));
        let sa = render(&a, "podman-4.3", &ra);
        let sb = render(&b, "podman-4.3", &rb);
        assert_eq!(sa.len(), 5);
        assert_eq!(sa, sb);
        for name in ["container.inspect@v1.36.json", "system.info@v1.37.json", "secret.create@v1.41.json"] {
            assert_ne!(fixture::load("podman-4.3", name).body, fixture::load("podman-4.3-b", name).body, "{name}");
        }
    }

    #[test]
    fn renders_a_small_snapshot_file() {
        let mut probes = Vec::new();
        for (name, minor) in [
            ("system.version@v1.11.json", 11),
            ("system.version@v1.41.json", 12),
            ("system.version@v1.41.json", 13),
            ("system.version@v1.42.json", 42),
        ] {
            let mut p = load("docker-20.10", name).probe("system.version");
            p.api_version = Some(ApiVersion::new(1, minor));
            probes.push(p);
        }
        let mut unversioned = load("docker-20.10", "system.version@v1.41.json").probe("system.version");
        unversioned.api_version = None;
        probes.push(unversioned);
        let report = fixture::report("run-7f3a9c", probes);
        let snaps = render(&report, "docker-20.10", &redactions_for(&report, &[]));
        let [snap] = snaps.as_slice() else { panic!("one endpoint") };
        insta::assert_snapshot!(snap.file.to_text());
    }

    #[test]
    fn unversioned_is_its_own_entry_and_comes_first() {
        let a = probe("system.ping@unversioned.json", "system.ping");
        let mut b = a.clone();
        b.api_version = Some(ApiVersion::new(1, 41));
        let text = render_endpoint(&[&b, &a], &Redactions::default());
        assert!(text.starts_with("unversioned:\n  status: 200\n"), "{text}");
        assert!(text.contains("\nv1.41:\n"), "{text}");
    }
}

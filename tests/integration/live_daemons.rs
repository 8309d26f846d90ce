//! Live tests of the daemon axis (issue 10): each daemon `scripts/test.sh` starts (Docker 26.1 and 28.5, Podman
//! 4.3; 20.10 is `live.rs`'s) is swept at `--jobs 32` and must give the verdict table of its committed run
//! (`docs/runs/NAME.json.gz`, swept at `--jobs 1`), match its committed snapshots, and be left as it was.

use std::collections::{BTreeMap, BTreeSet};

use dockmatrix::client::{Client, Request};
use dockmatrix::model::{Method, RunReport};

use super::live::client_for;
use super::{dockmatrix, stderr, stdout};

/// The daemons `scripts/test.sh` started: `NAME=URL,...` in `DOCKMATRIX_TEST_DAEMONS`.
fn daemon(name: &str) -> String {
    let list = std::env::var("DOCKMATRIX_TEST_DAEMONS").unwrap_or_default();
    list.split(',')
        .filter_map(|pair| pair.split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, url)| url.to_string())
        .unwrap_or_else(|| {
            panic!(
                "DOCKMATRIX_TEST_DAEMONS ({list:?}) names no {name}: run the live tests through `bash scripts/test.sh`, \
                 which starts every daemon (bash scripts/daemons.sh start {name})"
            )
        })
}

/// Endpoint and API version (`None`: unversioned) → verdict.
pub(crate) type Verdicts = BTreeMap<(String, Option<String>), String>;

/// Endpoint and API version → verdict of every probe, and of every malformed request (as `refusal ENDPOINT KIND`,
/// its verdict with the status: `server-error 500`).
pub(crate) fn verdicts(run: &RunReport) -> Verdicts {
    let probes =
        run.probes.iter().map(|p| ((p.endpoint.clone(), p.api_version.map(|v| v.to_string())), p.verdict.to_string()));
    let refusals = run.refusals.iter().map(|r| {
        let status = r.status.map_or_else(String::new, |s| format!(" {s}"));
        (
            (format!("refusal {} {}", r.endpoint, r.kind), r.api_version.map(|v| v.to_string())),
            format!("{}{status}", r.verdict),
        )
    });
    probes.chain(refusals).collect()
}

pub(crate) fn read_run(path: &std::path::Path) -> RunReport {
    let mut runs = dockmatrix::report::read_runs(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(runs.len(), 1, "{}", path.display());
    runs.remove(0)
}

/// The cells where two verdict tables differ, one line each (at most 40, then a count).
pub(crate) fn differences(committed: &Verdicts, now: &Verdicts) -> Vec<String> {
    let keys: BTreeSet<_> = committed.keys().chain(now.keys()).collect();
    let mut out: Vec<String> = keys
        .into_iter()
        .filter(|k| committed.get(*k) != now.get(*k))
        .map(|(e, v)| {
            let at = v.as_deref().unwrap_or("unversioned");
            let show = |t: &Verdicts| t.get(&(e.clone(), v.clone())).cloned().unwrap_or_else(|| "not probed".into());
            format!("{e} at {at}: committed {}, now {}", show(committed), show(now))
        })
        .collect();
    if out.len() > 40 {
        let more = out.len() - 40;
        out.truncate(40);
        out.push(format!("... and {more} more"));
    }
    out
}

/// Every object a run could leave: kind → names or ids. Kinds a daemon does not serve (plugins on Podman, secrets
/// outside a swarm) are empty.
fn inventory(client: &Client) -> BTreeMap<&'static str, BTreeSet<String>> {
    let kinds: [(&str, &str, Option<&str>, &str); 7] = [
        ("containers", "/containers/json?all=1", None, "/Id"),
        ("images", "/images/json?all=1", None, "/Id"),
        ("volumes", "/volumes", Some("Volumes"), "/Name"),
        ("networks", "/networks", None, "/Id"),
        ("plugins", "/plugins", None, "/Name"),
        ("secrets", "/secrets", None, "/Spec/Name"),
        ("configs", "/configs", None, "/Spec/Name"),
    ];
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    kinds
        .into_iter()
        .map(|(kind, path, key, at)| {
            let resp = rt.block_on(client.send(Request::new(Method::Get, path))).expect("the daemon answers");
            let answer =
                if (200..300).contains(&resp.status) { resp.json().unwrap_or_default() } else { Default::default() };
            let items = key.map_or(&answer, |k| &answer[k]);
            let names = items
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|o| o.pointer(at).and_then(|v| v.as_str()).map(str::to_string))
                .collect();
            (kind, names)
        })
        .collect()
}

/// What one sweep of `name` at `--jobs 32` gave: its exit code, output and run.
struct Sweep {
    code: Option<i32>,
    output: String,
    run: RunReport,
    /// The run's output folder (its run.json), kept while the test looks at it.
    out: tempfile::TempDir,
}

impl Sweep {
    /// What `dockmatrix clients` says of this run for the clients `names`.
    fn clients(&self, names: &[&str]) -> Vec<String> {
        clients_of(&self.out.path().join("run.json"), names)
    }
}

/// Sweeps `name` at `--jobs 32` (against its committed snapshots when `snapshots`), checks it left the daemon as it
/// found it, and compares the verdict table with the committed run when the daemon's version is the committed one.
fn sweep_matches_the_committed_run(name: &str, snapshots: bool) -> Sweep {
    let host = daemon(name);
    let client = client_for(&host);
    let before = inventory(&client);
    let out = tempfile::tempdir().expect("tempdir");
    let out_dir = out.path().display().to_string();
    // As scripts/sweep-all.sh sweeps the committed runs: the malformed prunes too (the daemon is the test's own).
    let mut args =
        vec!["run", "--quiet", "--jobs", "32", "--allow", "malformed-prune", "--host", &host, "--out", &out_dir];
    args.extend(if snapshots {
        ["--ci", "--snapshots", "snapshots"].as_slice()
    } else {
        ["--no-snapshots"].as_slice()
    });
    let started = std::time::Instant::now();
    let o = dockmatrix(&args, &[]);
    eprintln!("{name}: full sweep at --jobs 32 in {:.1} s", started.elapsed().as_secs_f64());
    let output = format!("{}{}", stdout(&o), stderr(&o));
    let after = inventory(&client);
    if after != before {
        dockmatrix(&["clean", "--all", "--host", &host], &[]);
    }
    assert_eq!(after, before, "{name}: the sweep left the daemon changed\n{output}");
    let run = read_run(&out.path().join("run.json"));
    assert!(run.complete, "{name}: the run did not complete\n{output}");

    let committed = read_run(&std::path::Path::new("docs/runs").join(format!("{name}.json.gz")));
    if committed.daemon.version == run.daemon.version {
        let diff = differences(&verdicts(&committed), &verdicts(&run));
        assert!(
            diff.is_empty(),
            "{name}: verdicts at --jobs 32 differ from the committed run at --jobs 1:\n{}",
            diff.join("\n")
        );
    } else {
        // Only Debian sid moves under us (docker-28.5): say so loudly, and still hold the run to its exit code.
        eprintln!(
            "{name}: the daemon is {} now, the committed run is of {}: verdicts not compared; refresh with \
             `bash scripts/compatibility.sh --sweep`",
            run.daemon.version, committed.daemon.version
        );
        assert!(name == "docker-28.5", "{name} changed version: {} → {}", committed.daemon.version, run.daemon.version);
    }
    Sweep { code: o.status.code(), output, run, out }
}

#[test]
fn docker_26_1_gives_its_committed_verdicts_at_any_concurrency() {
    let s = sweep_matches_the_committed_run("docker-26.1", true);
    assert_eq!(refusal(&s.run, "container.list", "filters-not-json", "1.41"), "refused 400");
    assert_eq!(refusal(&s.run, "container.create", "invalid-name", "1.45"), "refused 400");
    assert_eq!(refusal(&s.run, "system.events", "filters-unknown-key", "1.44"), "accepted 200");
    assert_eq!(refusal(&s.run, "container.prune", "filters-not-json", "1.44"), "refused 400", "allowed, on our daemon");
    // Pod resources survive the trip at every version: inspect returns what was sent, stats the memory limit, and
    // the resource update applies.
    for pod in ["pod-guaranteed", "pod-burstable", "pod-besteffort"] {
        let failed: Vec<String> = s
            .run
            .scenarios
            .iter()
            .filter(|o| o.scenario == pod && !o.passed)
            .map(|o| format!("{:?}", o.failed_step()))
            .collect();
        assert!(failed.is_empty(), "{pod} fails on 26.1: {failed:?}");
        assert_eq!(s.run.scenarios.iter().filter(|o| o.scenario == pod).count(), 22, "{pod} at 1.24–1.45");
    }
    // Every client works against 26.1 (API 1.24–1.45), each at its own version.
    assert_eq!(
        s.clients(&[
            "kubelet-1.23",
            "cri-dockerd-0.4.1",
            "traefik-3.6.0",
            "testcontainers-java-2.0.3",
            "docker-py-7.1"
        ]),
        [
            "kubelet-1.23: works 1.41",
            "cri-dockerd-0.4.1: works 1.45",
            "testcontainers-java-2.0.3: works 1.44",
            "docker-py-7.1: works 1.45",
            "traefik-3.6.0: works 1.24",
        ]
    );
    assert_eq!(s.code, Some(0), "{}", s.output);
    assert!(s.output.contains("0 new, 0 missing, 0 changed"), "{}", s.output);
    let enforced = (s.run.daemon.enforced_min.map(|v| v.to_string()), s.run.daemon.enforced_max.map(|v| v.to_string()));
    assert_eq!(enforced, (Some("1.24".into()), Some("1.45".into())));
    // After the sweep, not beside it: both count what is on the daemon.
    a_run_of_one_endpoint_sees_the_fixtures_of_a_full_run();
}

#[test]
fn docker_28_5_gives_its_committed_verdicts_and_leaves_no_plugin() {
    let s = sweep_matches_the_committed_run("docker-28.5", false);
    assert_eq!(
        s.clients(&["kubelet-1.23", "docker-cli-29.0", "compose-5.5", "traefik-3.6.1"]),
        [
            "kubelet-1.23: works 1.41",
            "docker-cli-29.0: works 1.51",
            "compose-5.5: works 1.51",
            "traefik-3.6.1: works 1.51"
        ]
    );
    assert_eq!(s.code, Some(0), "{}", s.output);
}

#[test]
fn podman_4_3_names_its_real_gaps_and_nothing_else() {
    let s = sweep_matches_the_committed_run("podman-4.3", true);
    assert_eq!(s.code, Some(1), "{}", s.output);
    assert!(s.output.contains("0 new, 0 missing, 0 changed"), "{}", s.output);
    assert!(
        s.output.contains("serves 1.0–1.57, advertises 1.24–1.41: does not enforce API versions"),
        "told once, at the daemon level: {}",
        s.output
    );
    let of = |verdict: &str| -> BTreeSet<&str> {
        s.run.probes.iter().filter(|p| p.verdict.as_str() == verdict).map(|p| p.endpoint.as_str()).collect()
    };
    // Podman's real gaps inside its advertised range: routes it lacks.
    for gap in ["plugin.list", "container.update", "swarm.inspect", "config.list"] {
        assert!(of("incompatible").contains(gap), "{gap} is a gap of Podman 4.3: {:?}", of("incompatible"));
    }
    assert!(of("error").is_empty(), "no transport errors: {:?}", of("error"));
    let no_fixture: Vec<_> =
        s.run.probes.iter().filter(|p| p.reason.contains("no fixture")).map(|p| p.endpoint.as_str()).collect();
    assert!(no_fixture.is_empty(), "Podman's fixtures are all made: {no_fixture:?}");
    // Out of the advertised range it answers anyway: unenforced, not incompatible.
    let old = s.run.probes.iter().find(|p| p.endpoint == "system.version" && p.api_version == "1.11".parse().ok());
    assert_eq!(old.map(|p| p.verdict.as_str()), Some("unenforced"));
    // Malformed filters and bodies get a 500 where dockerd 26.1 and 28.5 answer 400, inside the advertised range only.
    assert_eq!(refusal(&s.run, "container.list", "filters-not-json", "1.41"), "server-error 500");
    assert_eq!(refusal(&s.run, "volume.create", "body-not-json", "1.41"), "server-error 500");
    assert_eq!(refusal(&s.run, "container.list", "filters-not-json", "1.42"), "not sent");
    assert_eq!(refusal(&s.run, "plugin.list", "filters-not-json", "1.41"), "skipped", "Podman routes no plugins");
    // Podman keeps every resource field and reports the memory limit, but routes no resource update.
    let guaranteed =
        s.run.scenarios.iter().find(|o| o.scenario == "pod-guaranteed" && o.api_version == "1.41".parse().ok());
    let failed = guaranteed.and_then(|o| o.failed_step()).map(|st| format!("{}: {}", st.endpoint, st.reason));
    assert_eq!(failed.as_deref(), Some("container.update: status 404, expected 200: Not Found"));
    // The Kubernetes table with this sweep's evidence: kubelet 1.23's resource update is the one tick that fails.
    let run = s.out.path().join("run.json").display().to_string();
    let args =
        ["matrix", "table", "kubernetes", "--api", "1.41", "--kubernetes", "1.23", "--run", &run, "--format", "md"];
    let table = stdout(&dockmatrix(&args, &[]));
    let failing: Vec<&str> =
        table.lines().filter(|l| l.starts_with("| ") && !l.ends_with("|  |") && !l.ends_with("| ok |")).collect();
    assert_eq!(failing.len(), 2, "the header and the update:\n{table}");
    assert!(failing[1].contains("/containers/{id}/update") && failing[1].ends_with("| incompatible |"), "{table}");
    // Podman reports 1.41 and routes no container update: the kubelet's resource updates break; the CLI 29.0 fails
    // its negotiation below 1.44 and sends 1.52, which Podman answers anyway.
    assert_eq!(
        s.clients(&["kubelet-1.23", "cri-dockerd-0.4.1", "docker-cli-29.0", "traefik-3.6.0", "compose-2.40"]),
        [
            "kubelet-1.23: breaks 1.41",
            "cri-dockerd-0.4.1: breaks -",
            "docker-cli-29.0: works-with-warnings 1.52",
            "compose-2.40: works 1.41",
            "traefik-3.6.0: works 1.24",
        ]
    );
}

/// What `dockmatrix clients` says of the run at `run` for the clients `names`: `name: verdict version`.
pub(crate) fn clients_of(run: &std::path::Path, names: &[&str]) -> Vec<String> {
    let run = run.display().to_string();
    let mut args = vec![run.as_str()];
    for n in names {
        args.extend(["--client", n]);
    }
    super::clients_cli::cells(&args).into_iter().map(|(client, cells)| format!("{client}: {}", cells[0])).collect()
}

/// The verdict and status of the malformed request `kind` of `endpoint` at `version` in `run`, or `not sent`.
fn refusal(run: &RunReport, endpoint: &str, kind: &str, version: &str) -> String {
    run.refusals
        .iter()
        .find(|r| r.endpoint == endpoint && r.kind.as_str() == kind && r.version_label() == version)
        .map_or_else(
            || "not sent".into(),
            |r| format!("{}{}", r.verdict, r.status.map_or_else(String::new, |s| format!(" {s}"))),
        )
}

/// An answer does not depend on what else `--only` selected: the run's image is there for `image.list` alone.
fn a_run_of_one_endpoint_sees_the_fixtures_of_a_full_run() {
    let host = daemon("docker-26.1");
    let out = tempfile::tempdir().expect("tempdir");
    let out_dir = out.path().display().to_string();
    let o = dockmatrix(
        &[
            "run",
            "--quiet",
            "--no-snapshots",
            "--only",
            "image.list",
            "--api",
            "1.43..1.44",
            "--host",
            &host,
            "--out",
            &out_dir,
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let run = read_run(&out.path().join("run.json"));
    let body = |v: &str| -> serde_json::Value {
        let p = run.probes.iter().find(|p| p.api_version == v.parse().ok()).expect("probed");
        serde_json::from_str(p.evidence.body.as_deref().unwrap_or("null")).expect("JSON body")
    };
    let (old, new) = (body("1.43"), body("1.44"));
    assert_eq!(old.as_array().map(Vec::len), Some(1), "the run's image: {old}");
    assert!(old[0].get("VirtualSize").is_some(), "VirtualSize through 1.43: {old}");
    assert_eq!(new.as_array().map(Vec::len), Some(1), "the run's image: {new}");
    assert!(new[0].get("VirtualSize").is_none(), "no VirtualSize from 1.44: {new}");
    // Each answer agrees with the spec of its own version: VirtualSize is documented at 1.43 and gone at 1.44, so
    // neither answer has a finding about it, and both are checked against their own spec.
    for v in ["1.43", "1.44"] {
        let p = run.probes.iter().find(|p| p.api_version == v.parse().ok()).expect("probed");
        let c = p.conformance.as_ref().unwrap_or_else(|| panic!("the answer at {v} is checked"));
        assert_eq!((c.spec.to_string(), c.approximate), (v.to_string(), false));
        let about: Vec<String> =
            c.findings.iter().filter(|f| f.pointer.contains("VirtualSize")).map(ToString::to_string).collect();
        assert!(about.is_empty(), "at {v}: {about:?}");
        assert_eq!(p.verdict, dockmatrix::model::Verdict::Ok, "at {v}: {}", p.reason);
    }
}

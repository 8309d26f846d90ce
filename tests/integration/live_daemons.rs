//! Live tests of the daemon axis: each daemon `scripts/test.sh` starts (Docker 26.1 and 28.5, Podman 4.3, 5.4, 5.8
//! and 6.1; 20.10 is `live.rs`'s) is swept at `--jobs 32` and must give the verdict table of its committed run
//! (`docs/runs/NAME.json.gz`, swept at `--jobs 1`), match its committed snapshots, and be left as it was.

use std::collections::{BTreeMap, BTreeSet};

use dockmatrix::client::{Client, Request};
use dockmatrix::model::{Method, RunRecord};
use dockmatrix::report::sections::gates::Gates;

use super::live::client_for;
use super::{dockmatrix, stderr, stdout};

/// The value for `name` in the list `NAME=VALUE,...` of the environment variable `var` (`;` between the pairs of
/// `DOCKMATRIX_TEST_RESTARTS`, whose commands may hold commas), if it names one.
fn listed(var: &str, name: &str) -> Option<String> {
    let list = std::env::var(var).unwrap_or_default();
    let sep = if var == "DOCKMATRIX_TEST_RESTARTS" { ';' } else { ',' };
    list.split(sep).filter_map(|pair| pair.split_once('=')).find(|(n, _)| *n == name).map(|(_, v)| v.to_string())
}

/// The daemons `scripts/test.sh` started: `NAME=URL,...` in `DOCKMATRIX_TEST_DAEMONS`.
fn daemon(name: &str) -> String {
    let list = std::env::var("DOCKMATRIX_TEST_DAEMONS").unwrap_or_default();
    listed("DOCKMATRIX_TEST_DAEMONS", name).unwrap_or_else(|| {
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
pub(crate) fn verdicts(run: &RunRecord) -> Verdicts {
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

pub(crate) fn read_run(path: &std::path::Path) -> RunRecord {
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
            // docker_gwbridge is the daemon's: swarm mode makes it at a daemon's first swarm and keeps it after the
            // leave (docs/safety.md), so a fresh daemon has it only after its first sweep with --allow swarm.
            let names = items
                .as_array()
                .into_iter()
                .flatten()
                .filter(|o| o["Name"] != "docker_gwbridge")
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
    run: RunRecord,
    /// The run's output folder (its run.json), kept while the test looks at it.
    out: tempfile::TempDir,
    /// Whether the daemon is the version of the committed run (always, but on a moving suite).
    same: bool,
}

impl Sweep {
    /// What `dockmatrix clients` says of this run for the clients `names`.
    fn clients(&self, names: &[&str]) -> Vec<String> {
        clients_of(&self.out.path().join("run.json"), names)
    }
}

/// The endpoints whose committed evidence needs the swarm peer or a restart of the daemon (`--swarm-peer`,
/// `--restart-cmd`; scripts/sweep-all.sh gives docker-28.5 both). A worker's leave costs dockerd 2 s and a restart
/// 2.6 s at each version, 4 minutes a sweep: the full live sweep goes without them, and a run of these endpoints
/// at one version with them checks they still work.
const PEER_AND_RESTART: [&str; 3] = ["swarm.join", "node.delete", "swarm.unlock"];

/// Whether `endpoint` was `ok` at some version of `run`.
fn ok_in(run: &RunRecord, endpoint: &str) -> bool {
    run.probes.iter().any(|p| p.endpoint == endpoint && p.verdict.to_string() == "ok")
}

/// Copies the files of folder `from` into `to` (made).
fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("snapshot copy");
    for f in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())).flatten() {
        std::fs::copy(f.path(), to.join(f.file_name())).expect("copy a snapshot");
    }
}

/// The daemons that come from a Debian suite that moves (sid, experimental): a new upload may bring a version the
/// committed run is not of.
const MOVING: [&str; 3] = ["docker-28.5", "podman-5.8", "podman-6.1"];

/// The version the daemon at `host` reports (`/version`'s `Version`), through a client of its own: a pooled
/// connection belongs to the runtime that opened it, and this one's ends here.
fn version_of(host: &str) -> String {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let resp = rt.block_on(client_for(host).send(Request::new(Method::Get, "/version"))).expect("the daemon answers");
    resp.json().and_then(|v| v["Version"].as_str().map(str::to_string)).unwrap_or_default()
}

/// Tells the reader of the test output, not only stderr: `scripts/test.sh` prints the file
/// `DOCKMATRIX_TEST_NOTICES` names after the tests, whether they passed or not.
fn notice(line: &str) {
    eprintln!("{line}");
    if let Ok(path) = std::env::var("DOCKMATRIX_TEST_NOTICES") {
        use std::io::Write;
        let file = std::fs::OpenOptions::new().create(true).append(true).open(&path);
        let _ = file.and_then(|mut f| writeln!(f, "{line}"));
    }
}

/// Sweeps `name` at `--jobs 32` against its committed snapshots, checks it left the daemon as it found it, and
/// compares the verdict table with the committed run. A daemon of a moving suite whose version is not the committed
/// run's is said so (see [`notice`]) and held only to its exit code and to leaving the daemon as it found it.
fn sweep_matches_the_committed_run(name: &str) -> Sweep {
    let _heavy = super::heavy();
    let host = daemon(name);
    let client = client_for(&host);
    let committed = read_run(&std::path::Path::new("docs/runs").join(format!("{name}.json.gz")));
    let version = version_of(&host);
    let same = committed.daemon.version == version;
    if !same {
        assert!(MOVING.contains(&name), "{name} changed version: {} → {version}", committed.daemon.version);
        notice(&format!(
            "NOTICE {name}: the daemon is {version} now, the committed run and snapshots are of {}: verdicts and \
             snapshots not compared; refresh them with `bash scripts/sweep-all.sh --jobs 1 --snapshots {name}` and \
             `dockmatrix snapshot accept --target {name}`",
            committed.daemon.version
        ));
    }
    let snapshots = same;
    let before = inventory(&client);
    let out = tempfile::tempdir().expect("tempdir");
    let out_dir = out.path().display().to_string();
    // As scripts/sweep-all.sh sweeps the committed runs: the malformed prunes too, plugins, the build cache and a
    // swarm of the run's own (the daemon is the test's own; test.sh runs the dockerds in network namespaces of their
    // own), with the registry and the swarm peer test.sh started beside the daemons that have them there.
    let mut args = vec![
        "run",
        "--quiet",
        "--jobs",
        "32",
        "--allow",
        "malformed-prune",
        "--allow",
        "plugin",
        "--allow",
        "build-cache",
        "--allow",
        "swarm",
        "--host",
        &host,
        "--out",
        &out_dir,
    ];
    let registry = listed("DOCKMATRIX_TEST_REGISTRIES", name);
    assert!(
        registry.is_some() || !ok_in(&committed, "image.push"),
        "the committed run of {name} pushed to a registry, and DOCKMATRIX_TEST_REGISTRIES names none for it: run the \
         live tests through `bash scripts/test.sh`, which starts one (bash scripts/registry.sh)"
    );
    if let Some(r) = &registry {
        args.extend(["--allow", "registry", "--registry", r]);
    }
    // Without the peer and the restarts: they cost 4 minutes a sweep; `docker_28_5_joins_deletes_a_node_and_unlocks_..`
    // checks those endpoints with them.
    let without: Vec<&str> = PEER_AND_RESTART.into_iter().filter(|e| ok_in(&committed, e)).collect();
    let copy = tempfile::tempdir().expect("tempdir");
    let copied = copy.path().join("snapshots");
    if snapshots && !without.is_empty() {
        copy_dir(&std::path::Path::new("snapshots").join(name), &copied.join(name));
    }
    let copied_text = copied.display().to_string();
    // A run whose snapshots must differ (`without`) compares a copy, where it writes them as .snap.new.
    args.extend(match (snapshots, without.is_empty()) {
        (true, true) => vec!["--ci", "--snapshots", "snapshots"],
        (true, false) => vec!["--snapshots", copied_text.as_str()],
        (false, _) => vec!["--no-snapshots"],
    });
    let started = std::time::Instant::now();
    // The copy is compared as a reviewer would: in a CI job (`CI=true`) a change would be written nowhere.
    let o = dockmatrix(&args, &[("CI", if without.is_empty() { "true" } else { "false" })]);
    eprintln!("{name}: full sweep at --jobs 32 in {:.1} s", started.elapsed().as_secs_f64());
    let output = format!("{}{}", stdout(&o), stderr(&o));
    let after = inventory(&client);
    if after != before {
        dockmatrix(&["clean", "--all", "--host", &host], &[]);
    }
    assert_eq!(after, before, "{name}: the sweep left the daemon changed\n{output}");
    let run = read_run(&out.path().join("run.json"));
    assert!(run.complete, "{name}: the run did not complete\n{output}");
    if same {
        let keep =
            |t: Verdicts| -> Verdicts { t.into_iter().filter(|((e, _), _)| !without.contains(&e.as_str())).collect() };
        let diff = differences(&keep(verdicts(&committed)), &keep(verdicts(&run)));
        assert!(
            diff.is_empty(),
            "{name}: verdicts at --jobs 32 differ from the committed run at --jobs 1:\n{}",
            diff.join("\n")
        );
    }
    // Without the peer and the restarts those endpoints name a node, a token and a key that do not exist.
    for e in &without {
        let said: BTreeSet<String> =
            run.probes.iter().filter(|p| p.endpoint == *e).map(|p| p.verdict.to_string()).collect();
        let expected = BTreeSet::from(["not-applicable".to_string(), "version-rejected".to_string()]);
        assert!(said.is_subset(&expected), "{name}: {e} without the peer or a restart: {said:?}\n{output}");
    }
    if snapshots {
        let mut pending: Vec<String> = std::fs::read_dir(copied.join(name))
            .map(|d| d.filter_map(|f| f.ok()?.file_name().into_string().ok()).collect())
            .unwrap_or_default();
        pending.retain(|f| f.ends_with(".snap.new"));
        pending.sort();
        let mut want: Vec<String> = without.iter().map(|e| format!("{e}.snap.new")).collect();
        want.sort();
        // What changed beyond the expected, as a diff against the committed snapshot: the temporary copy is gone
        // when the test fails, and a CI log is all a reader has.
        let unexpected: Vec<String> = pending
            .iter()
            .filter(|f| !want.contains(f))
            .map(|f| {
                let read = |p: std::path::PathBuf| std::fs::read_to_string(p).unwrap_or_default();
                let committed = read(std::path::Path::new("snapshots").join(name).join(f.trim_end_matches(".new")));
                let now = read(copied.join(name).join(f));
                let diff = similar::TextDiff::from_lines(&committed, &now);
                format!("{f}:\n{}", diff.unified_diff().context_radius(3))
            })
            .collect();
        assert_eq!(
            pending,
            want,
            "{name}: the snapshots that differ without the peer and the restarts\n{}\n{output}",
            unexpected.join("\n")
        );
        let changed = format!("0 new, 0 missing, {} changed", without.len());
        assert!(output.contains(&changed), "{name}: snapshots changed\n{output}");
    }
    Sweep { code: o.status.code(), output, run, out, same }
}

#[test]
fn docker_26_1_gives_its_committed_verdicts_at_any_concurrency() {
    let s = sweep_matches_the_committed_run("docker-26.1");
    assert_eq!(gates_of_moby(&s.run, "1.45"), Vec::<String>::new(), "the version gates 26.1 shows");
    assert_eq!(events_of_moby(&s.run), Vec::<String>::new(), "the events 26.1 keeps");
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
    // The run's own plugin (--allow plugin), for real: made, enabled (its server answers the activation handshake),
    // disabled, set while disabled, inspected and removed.
    let plugins: Vec<String> =
        ["plugin.create", "plugin.enable", "plugin.disable", "plugin.set", "plugin.inspect", "plugin.delete"]
            .iter()
            .map(|e| format!("{e} {}", probed(&s.run, e, Some("1.45"))))
            .collect();
    assert_eq!(
        plugins,
        [
            "plugin.create ok 204",
            "plugin.enable ok 200",
            "plugin.disable ok 200",
            "plugin.set ok 204",
            "plugin.inspect ok 200",
            "plugin.delete ok 200"
        ]
    );
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
    let enforced = (s.run.daemon.enforced_min.map(|v| v.to_string()), s.run.daemon.enforced_max.map(|v| v.to_string()));
    assert_eq!(enforced, (Some("1.24".into()), Some("1.45".into())));
    // After the sweep, not beside it: both count what is on the daemon.
    a_run_of_one_endpoint_sees_the_fixtures_of_a_full_run();
}

#[test]
fn docker_28_5_gives_its_committed_verdicts_and_leaves_no_plugin() {
    let s = sweep_matches_the_committed_run("docker-28.5");
    assert_eq!(s.code, Some(0), "{}", s.output);
    assert_eq!(gates_of_moby(&s.run, "1.51"), Vec::<String>::new(), "the version gates 28.5 shows");
    assert_eq!(events_of_moby(&s.run), Vec::<String>::new(), "the events 28.5 keeps");
    let only_28_5 = [
        ("image.list", "/*/Containers", "-1 at 1.24–1.50 · >0 at 1.51, unversioned"),
        ("image.inspect", "/Config/Hostname", "\"\" at 1.24–1.49 · absent at 1.50–1.51, unversioned"),
        ("system.info", "/Containerd", "absent at 1.24–1.45 · {…} at 1.46–1.51, unversioned"),
        (
            "container.logs",
            "header:Content-Type",
            "text/plain; charset=utf-8 at 1.23 · application/vnd.docker.raw-stream at 1.24–1.41 · application/vnd.docker.multiplexed-stream at 1.42–1.51, unversioned · application/json at 1.52",
        ),
    ];
    assert_eq!(unlike(&s.run, &only_28_5, ""), Vec::<String>::new(), "the version gates of 28.5 alone");
    // What needs more than the daemon, for real: test.sh's registry on 127.0.0.1 in the daemon's namespace (a push,
    // a login, plugins pushed and pulled), the build cache, and the swarm's own init and leave.
    let real = [
        "image.push",
        "distribution.inspect",
        "system.auth",
        "plugin.privileges",
        "plugin.pull",
        "plugin.push",
        "plugin.upgrade",
        "build.prune",
        "swarm.init",
        "swarm.leave",
    ];
    let answers: Vec<String> = real.iter().map(|e| format!("{e} {}", probed(&s.run, e, Some("1.51")))).collect();
    assert_eq!(answers, real.map(|e| format!("{e} ok 200")), "{}", s.output);
    if !s.same {
        return; // a newer upload to sid: its clients are the committed run's no more (see the notice)
    }
    assert_eq!(
        s.clients(&["kubelet-1.23", "docker-cli-29.0", "compose-5.5", "traefik-3.6.1"]),
        [
            "kubelet-1.23: works 1.41",
            "docker-cli-29.0: works 1.51",
            "compose-5.5: works 1.51",
            "traefik-3.6.1: works 1.51"
        ]
    );
}

/// What a run's `gates` say of `key` in the answers of `probe`, by version, as the report's "Version gates observed"
/// line says it (`image.list[shared-size] /*/SharedSize: -1 at 1.24–1.41 · >0 at 1.42–1.51, unversioned`).
fn gate(gates: &Gates, probe: &str, key: &str) -> String {
    let text = gates.rows.iter().find(|g| g.probe == probe && g.key == key).map_or("not observed".into(), |g| g.text());
    format!("{probe} {key}: {text}")
}

/// What the 200 answers of `probe` showed at `key`, at every version alike (each distinct observation once).
fn observed(run: &RunRecord, probe: &str, key: &str) -> BTreeSet<String> {
    run.probes
        .iter()
        .filter(|p| p.endpoint == probe && p.status == Some(200))
        .filter_map(|p| p.observed.get(key).cloned())
        .collect()
}

/// The events of the window the run made, read at every version dockerd 26.1 and 28.5 answer: the lines `run`
/// shows otherwise (the legacy `status`, `id` and `from` are still there below 1.52).
fn events_of_moby(run: &RunRecord) -> Vec<String> {
    let want = [
        ("system.events", "/*/Action", "commit | create | destroy | die | start | tag | untag"),
        ("system.events", "/*/Type", "container | image"),
        ("system.events", "/*/status", "string"),
        ("system.events", "/*/id", "string"),
    ];
    want.iter()
        .filter_map(|(probe, key, text)| {
            let got = observed(run, probe, key);
            (got != BTreeSet::from([text.to_string()])).then(|| format!("{probe} {key}: want {text}, got {got:?}"))
        })
        .collect()
}

/// The version gates dockerd 26.1 and 28.5 share, each as the daemon shows it up to its newest API version `max`
/// (matrices/gates.yaml has their source lines): the lines `run` gives otherwise.
fn gates_of_moby(run: &RunRecord, max: &str) -> Vec<String> {
    let want = [
        ("image.list[shared-size]", "/*/SharedSize", "-1 at 1.24–1.41 · >0 at 1.42–MAX, unversioned"),
        ("image.list[filter]", "", "[] at 1.24–1.40 · […] at 1.41–MAX, unversioned"),
        ("image.list", "/*/VirtualSize", ">0 at 1.24–1.43 · absent at 1.44–MAX, unversioned"),
        ("image.inspect", "/VirtualSize", ">0 at 1.24–1.43 · absent at 1.44–MAX, unversioned"),
        ("image.inspect", "/ContainerConfig", "{…} at 1.24–1.44 · absent at 1.45–MAX, unversioned"),
        (
            "container.create[inspect]",
            "/HostConfig/IpcMode",
            "shareable at 1.24–1.39 · private at 1.40–MAX, unversioned",
        ),
        (
            "container.create[inspect]",
            "/HostConfig/ConsoleSize",
            "[0,0] at 1.24–1.41 · [24,80] at 1.42–MAX, unversioned",
        ),
        (
            "container.create[inspect]",
            "/HostConfig/Annotations",
            "absent at 1.24–1.42 · {\"dockmatrix.annotation\":\"x\"} at 1.43–MAX, unversioned",
        ),
        (
            "container.create[inspect]",
            "/Config/Healthcheck/StartInterval",
            "absent at 1.24–1.43 · 1000000000 at 1.44–MAX, unversioned",
        ),
        (
            "container.create[kernel-memory]",
            "/HostConfig/KernelMemory",
            "8388608 at 1.24–1.41 · absent at 1.42–MAX, unversioned",
        ),
        (
            "container.stats[one-shot]",
            "/precpu_stats/system_cpu_usage",
            ">0 at 1.24–1.40 · absent at 1.41–MAX, unversioned",
        ),
        ("system.data.usage[type]", "/Images", "[…] at 1.25–1.41 · null at 1.42–MAX, unversioned"),
        ("system.info", "/KernelMemory", "true at 1.24–1.41 · absent at 1.42–MAX, unversioned"),
        ("system.info", "/Runtimes/*/status", "absent at 1.24–1.43 · {…} at 1.44–MAX, unversioned"),
        // The request variants of matrices/gates.yaml, each at the version its gate names.
        ("container.create[inspect]", "/HostConfig/AutoRemove", "false at 1.24 · true at 1.25–MAX, unversioned"),
        ("container.update[pids-limit]", "/HostConfig/PidsLimit", "null at 1.24–1.39 · 64 at 1.40–MAX, unversioned"),
        (
            "container.update[kernel-memory]",
            "/HostConfig/KernelMemory",
            "8388608 at 1.24–1.41 · absent at 1.42–MAX, unversioned",
        ),
        ("container.stop[signal]", "status", "400 at 1.23, NEXT · 204 at 1.24–1.41 · 500 at 1.42–MAX, unversioned"),
        ("container.wait[bad-condition]", "status", "400 at 1.23, 1.30–NEXT, unversioned · 200 at 1.24–1.29"),
        ("container.create[platform]", "status", "400 at 1.23, NEXT · 201 at 1.24–1.40 · 404 at 1.41–MAX, unversioned"),
        ("image.create[platform]", "/Architecture", "amd64 at 1.24–1.31 · s390x at 1.32–MAX, unversioned"),
        (
            "container.attach.websocket",
            "stream",
            "websocket text at 1.24–1.27 · websocket binary at 1.28–MAX, unversioned",
        ),
        ("container.attach", "stream", "multiplexed at every version"),
        (
            "service.logs",
            "header:Content-Type",
            "application/vnd.docker.raw-stream at 1.25–1.41 · application/vnd.docker.multiplexed-stream at 1.42–MAX, unversioned · application/json at NEXT",
        ),
        ("service.list[status]", "/*/ServiceStatus", "absent at 1.24–1.40 · {…} at 1.41–MAX, unversioned"),
        (
            "service.create[inspect]",
            "/Spec/TaskTemplate/ContainerSpec/CapabilityAdd",
            "absent at 1.24–1.40 · [\"CAP_NET_RAW\"] at 1.41–MAX, unversioned",
        ),
        (
            "service.create[inspect]",
            "/Spec/TaskTemplate/Placement/MaxReplicas",
            "absent at 1.24–1.39 · 1 at 1.40–MAX, unversioned",
        ),
        ("secret.create[templating]", "status", "400 at 1.25–1.36, NEXT · 201 at 1.37–MAX, unversioned"),
        ("volume.prune", "/VolumesDeleted", "[…] at 1.25–1.41 · [] at 1.42–MAX, unversioned"),
    ];
    unlike(run, &want, max)
}

/// The gates of `want` (probe, key, what each version gave, `MAX` standing for `max` and `NEXT` for the version
/// after it, which the daemon refuses) that `run` shows otherwise, each as what was wanted and what it gave.
fn unlike(run: &RunRecord, want: &[(&str, &str, &str)], max: &str) -> Vec<String> {
    let gates = Gates::of(run);
    want.iter()
        // A range from the newest version to itself is that version alone (`1.45–1.45` reads `1.45`).
        .map(|(p, k, text)| {
            let next = max.parse::<dockmatrix::model::ApiVersion>().map(|v| v.next().to_string()).unwrap_or_default();
            let mut text = text.replace("NEXT", &next).replace("MAX", max);
            if !max.is_empty() {
                text = text.replace(&format!("{max}–{max}"), max);
            }
            (gate(&gates, p, k), format!("{p} {k}: {text}"))
        })
        .filter(|(got, want)| got != want)
        .map(|(got, want)| format!("want {want}\n got {got}"))
        .collect()
}

/// The endpoints the full live sweep sends without the swarm peer and the restarts ([`PEER_AND_RESTART`]), with them,
/// at the newest version: a node of the peer's deleted, a swarm the peer manages joined, a swarm locked by a restart
/// unlocked; the answers those of the committed run, and the daemon and the peer left as they were.
#[test]
fn docker_28_5_joins_deletes_a_node_and_unlocks_with_its_peer_and_a_restart() {
    let name = "docker-28.5";
    let _heavy = super::heavy();
    let host = daemon(name);
    let committed = read_run(&std::path::Path::new("docs/runs").join(format!("{name}.json.gz")));
    let (peer, restart) = (listed("DOCKMATRIX_TEST_PEERS", name), listed("DOCKMATRIX_TEST_RESTARTS", name));
    let (Some(peer), Some(restart)) = (peer, restart) else {
        panic!(
            "DOCKMATRIX_TEST_PEERS and DOCKMATRIX_TEST_RESTARTS name no swarm peer and no restart command for {name}: \
             run the live tests through `bash scripts/test.sh`, which starts the peer"
        )
    };
    let (client, peer_client) = (client_for(&host), client_for(&peer));
    let before = (inventory(&client), inventory(&peer_client));
    let out = tempfile::tempdir().expect("tempdir");
    let out_dir = out.path().display().to_string();
    let version = committed.daemon.enforced_max.map(|v| v.to_string()).expect("the committed run's newest version");
    let only = PEER_AND_RESTART.join(",");
    #[rustfmt::skip]
    let args = [
        "run", "--quiet", "--no-snapshots", "--allow", "swarm", "--swarm-peer", &peer, "--restart-cmd", &restart,
        "--only", &only, "--api", &version, "--host", &host, "--out", &out_dir,
    ];
    let o = dockmatrix(&args, &[]);
    let output = format!("{}{}", stdout(&o), stderr(&o));
    assert_eq!(o.status.code(), Some(0), "{output}");
    let run = read_run(&out.path().join("run.json"));
    let at = |r: &RunRecord| -> Vec<String> {
        PEER_AND_RESTART.iter().map(|e| format!("{e} {}", probed(r, e, Some(&version)))).collect()
    };
    assert_eq!(at(&run), PEER_AND_RESTART.map(|e| format!("{e} ok 200")), "{output}");
    assert_eq!(at(&run), at(&committed), "the committed run at {version}");
    assert_eq!((inventory(&client), inventory(&peer_client)), before, "the daemon or its peer changed\n{output}");
}

#[test]
fn podman_4_3_names_its_real_gaps_and_nothing_else() {
    let s = sweep_matches_the_committed_run("podman-4.3");
    assert_eq!(s.code, Some(1), "{}", s.output);
    assert!(
        s.output.contains("serves 1.0–1.57, advertises 1.24–1.41: does not enforce API versions"),
        "told once, at the daemon level: {}",
        s.output
    );
    let of = |verdict: &str| -> BTreeSet<&str> {
        s.run.probes.iter().filter(|p| p.verdict.as_str() == verdict).map(|p| p.endpoint.as_str()).collect()
    };
    // Podman's real gaps inside its advertised range: routes it lacks.
    for gap in ["plugin.list", "container.update", "swarm.inspect", "config.list", "build.prune"] {
        assert!(of("incompatible").contains(gap), "{gap} is a gap of Podman 4.3: {:?}", of("incompatible"));
    }
    assert!(of("error").is_empty(), "no transport errors: {:?}", of("error"));
    // Routes Podman keeps only to say it does not implement them: its own gaps, not a precondition.
    for gap in ["service.create", "node.inspect", "config.inspect", "secret.update"] {
        assert!(of("unsupported").contains(gap), "{gap}: {:?}", of("unsupported"));
    }
    assert!(!of("not-applicable").contains("service.create"), "not dockerd's `not a swarm manager`");
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
    // its negotiation below 1.44: `docker images` fails in the client, the rest goes at 1.52.
    assert_eq!(
        s.clients(&["kubelet-1.23", "cri-dockerd-0.4.1", "docker-cli-29.0", "traefik-3.6.0", "compose-2.40"]),
        [
            "kubelet-1.23: breaks 1.41",
            "cri-dockerd-0.4.1: breaks -",
            "docker-cli-29.0: breaks 1.52",
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

/// The verdict and status of `endpoint`'s probe at `version` (`None`: unversioned) in `run`: `ok 200`, or `not probed`.
fn probed(run: &RunRecord, endpoint: &str, version: Option<&str>) -> String {
    run.probes
        .iter()
        .find(|p| p.endpoint == endpoint && p.api_version.map(|v| v.to_string()).as_deref() == version)
        .map_or_else(
            || "not probed".into(),
            |p| format!("{}{}", p.verdict, p.status.map_or_else(String::new, |s| format!(" {s}"))),
        )
}

/// What the newer Podmans' own source and release notes say, seen live: 5.1 routes the container update (podman
/// issue 14678), 5.8 advertises 1.44 (podman PR 27915) and routes `DELETE /secrets/{name}` unversioned too (podman
/// issue 27548; 4.3 sends it to its swarm stub), and the docker CLI 29.0, which refuses a daemon below 1.44 on
/// `docker images`, works with 5.8 and not with 5.4.
#[test]
fn podman_5_4_routes_the_container_update_and_still_advertises_1_41() {
    let s = sweep_matches_the_committed_run("podman-5.4");
    assert_eq!(s.code, Some(1), "config.list and others are not routed: {}", s.output);
    let advertised =
        (s.run.daemon.min_api_version.map(|v| v.to_string()), s.run.daemon.api_version.map(|v| v.to_string()));
    assert_eq!(advertised, (Some("1.24".into()), Some("1.41".into())));
    assert_eq!(probed(&s.run, "container.update", Some("1.41")), "ok 200");
    assert_eq!(probed(&s.run, "secret.delete", Some("1.41")), "ok 204");
    assert_eq!(probed(&s.run, "secret.delete", None), "unsupported 503", "unversioned, still the swarm stub");
    assert_eq!(probed(&s.run, "secret.update", Some("1.41")), "unsupported 501");
    assert_eq!(probed(&s.run, "service.create", Some("1.41")), "unsupported 503");
    let failed: Vec<String> = s.run.scenarios.iter().filter(|o| !o.passed).map(|o| o.scenario.clone()).collect();
    assert!(failed.is_empty(), "the pod resources survive the trip, the update included: {failed:?}");
    assert_eq!(
        s.clients(&["kubelet-1.23", "docker-cli-29.0", "docker-cli-29.3"]),
        ["kubelet-1.23: works 1.41", "docker-cli-29.0: breaks 1.52", "docker-cli-29.3: works 1.41"]
    );
}

#[test]
fn podman_5_8_advertises_1_44_and_the_cli_29_0_works() {
    let s = sweep_matches_the_committed_run("podman-5.8");
    assert_eq!(s.code, Some(1), "{}", s.output);
    if !s.same {
        return; // a newer upload to sid (see the notice)
    }
    assert_eq!(s.run.daemon.api_version.map(|v| v.to_string()).as_deref(), Some("1.44"));
    assert_eq!(probed(&s.run, "secret.delete", None), "ok 204", "routed unversioned since 5.8");
    assert_eq!(probed(&s.run, "container.update", Some("1.44")), "ok 200");
    assert_eq!(
        s.clients(&["kubelet-1.23", "cri-dockerd-0.4.1", "docker-cli-29.0"]),
        ["kubelet-1.23: works 1.41", "cri-dockerd-0.4.1: works 1.44", "docker-cli-29.0: works 1.44"]
    );
}

/// Podman 6.1 runs here only in a mount namespace with cgroup2, where no resource controller is delegated: the pod
/// scenarios cannot run on this machine, and say so rather than blame the daemon.
#[test]
fn podman_6_1_advertises_1_44_and_its_pod_limits_cannot_run_here() {
    let s = sweep_matches_the_committed_run("podman-6.1");
    assert_eq!(s.code, Some(1), "{}", s.output);
    if !s.same {
        return; // a newer upload to experimental (see the notice)
    }
    assert_eq!(s.run.daemon.api_version.map(|v| v.to_string()).as_deref(), Some("1.44"));
    let limited: BTreeSet<&str> =
        s.run.scenarios.iter().filter(|o| o.environment.is_some()).map(|o| o.scenario.as_str()).collect();
    assert!(limited.contains("pod-guaranteed"), "{limited:?}");
    assert!(
        s.run.scenarios.iter().all(|o| o.passed || o.environment.is_some()),
        "every other scenario passes: {:?}",
        s.run.scenarios.iter().filter(|o| o.failed_here()).map(|o| &o.scenario).collect::<Vec<_>>()
    );
    let run = s.out.path().join("run.json").display().to_string();
    let policy = dockmatrix(&["report", &run, "--fail-on", "scenario", "--format", "summary"], &[]);
    assert_eq!(policy.status.code(), Some(0), "not the daemon's failure: {}", stderr(&policy));
    assert_eq!(s.clients(&["docker-cli-29.0"]), ["docker-cli-29.0: works 1.44"]);
    // API 1.52 left the legacy fields out of events (matrices/gates.yaml: podman.system.events.legacy-fields),
    // seen in the window the run made, at every version Podman 6.1 answers.
    let want = [
        ("system.events", "/*/status", "string at 1.3–1.51, unversioned · absent at 1.52–1.56"),
        ("system.events", "/*/id", "absent | string at 1.3–1.51, unversioned · absent at 1.52–1.56"),
    ];
    assert_eq!(unlike(&s.run, &want, ""), Vec::<String>::new(), "the events gate of 1.52");
}

/// The verdict and status of the malformed request `kind` of `endpoint` at `version` in `run`, or `not sent`.
fn refusal(run: &RunRecord, endpoint: &str, kind: &str, version: &str) -> String {
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

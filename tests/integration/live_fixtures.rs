//! Live tests that a run leaves nothing behind (`--features live-tests`): the daemon's objects before and after a
//! full sweep, objects made without the run label left untouched, a SIGINT at a random point, `dockmatrix clean`,
//! and a daemon that goes away mid-run.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use dockmatrix::client::{Client, Request, path};
use dockmatrix::model::Method;
use serde_json::{Value, json};

use super::live::{changing_daemon, client_for, docker_host, sweeping_daemon};
use super::{dockmatrix, stderr, stdout};

/// The label every object of a run carries.
const RUN_LABEL: &str = "dockmatrix.run";
/// The image `scripts/dockerd.sh` imports.
const IMAGE: &str = "dockmatrix/busybox:local";
/// The tag the test puts on [`IMAGE`], without the run label.
const UNTOUCHED_TAG: (&str, &str) = ("dockmatrix-test/untouched", "keep");

/// Blocking requests to one daemon, for tests that run the binary and wait on processes.
struct Api {
    rt: tokio::runtime::Runtime,
    client: Client,
}

impl Api {
    fn new(host: &str) -> Self {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        Self { rt, client: client_for(host) }
    }

    /// Sends an unversioned request; the status and the JSON body (`Null` when there is none).
    fn send(&self, method: Method, path: &str, body: Option<&Value>) -> (u16, Value) {
        let mut req = Request::new(method, path);
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = self.rt.block_on(self.client.send(req)).unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        (resp.status, resp.json().unwrap_or(Value::Null))
    }

    /// `GET path`, which must answer 200.
    fn get(&self, path: &str) -> Value {
        let (status, body) = self.send(Method::Get, path, None);
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    /// `POST path` with a JSON body, which must answer `want`; returns the body.
    fn post(&self, path: &str, body: Option<&Value>, want: u16) -> Value {
        let (status, answer) = self.send(Method::Post, path, body);
        assert_eq!(status, want, "POST {path}: {answer}");
        answer
    }
}

/// Every container, image, volume and network on a daemon: kind → id → its labels.
#[derive(Debug, PartialEq, Eq)]
struct Inventory(BTreeMap<&'static str, BTreeMap<String, BTreeMap<String, String>>>);

impl Inventory {
    fn of(api: &Api) -> Self {
        // Kind, list path (every container and every image, intermediate ones too), key of the list, id field.
        let kinds: [(&str, &str, Option<&str>, &str); 4] = [
            ("containers", "/containers/json?all=1", None, "Id"),
            ("images", "/images/json?all=1", None, "Id"),
            ("volumes", "/volumes", Some("Volumes"), "Name"),
            ("networks", "/networks", None, "Id"),
        ];
        let mut all = BTreeMap::new();
        for (kind, list, key, id_field) in kinds {
            let answer = api.get(list);
            let items = key.map_or(&answer, |k| &answer[k]);
            let items = items.as_array().map(Vec::as_slice).unwrap_or_default();
            let objects = items
                .iter()
                .map(|o| {
                    let id = o[id_field].as_str().unwrap_or_else(|| panic!("{kind} without {id_field}: {o}"));
                    let labels = o["Labels"]
                        .as_object()
                        .map(|l| l.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().into())).collect())
                        .unwrap_or_default();
                    (id.to_string(), labels)
                })
                .collect();
            all.insert(kind, objects);
        }
        Self(all)
    }

    fn counts(&self) -> BTreeMap<&'static str, usize> {
        self.0.iter().map(|(k, objects)| (*k, objects.len())).collect()
    }

    fn ids(&self) -> BTreeMap<&'static str, BTreeSet<&str>> {
        self.0.iter().map(|(k, objects)| (*k, objects.keys().map(String::as_str).collect())).collect()
    }

    /// `kind id dockmatrix.run=VALUE` for each object with the run label (of run `run`, or of any run).
    fn labelled(&self, run: Option<&str>) -> Vec<String> {
        let mut out = Vec::new();
        for (kind, objects) in &self.0 {
            for (id, labels) in objects {
                match labels.get(RUN_LABEL) {
                    Some(v) if run.is_none_or(|r| r == v) => {
                        out.push(format!("{kind} {} {RUN_LABEL}={v}", &id[..id.len().min(19)]))
                    }
                    _ => {}
                }
            }
        }
        out
    }
}

/// A seed for this test process: the clock's nanoseconds and the process id.
fn seed() -> u64 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    (nanos as u64) ^ (u64::from(std::process::id()) << 32)
}

/// A tiny linear congruential generator (Knuth's MMIX constants): enough to pick delays and names.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    /// A number in `lo..=hi`.
    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

/// A container, an image tag, a volume and an internal network made without any dockmatrix label; removed when
/// dropped, even when an assertion failed.
struct Unlabelled {
    host: String,
    container: Option<String>,
    tag: Option<String>,
    volume: Option<String>,
    network: Option<String>,
}

impl Unlabelled {
    fn create(api: &Api, host: &str, name: &str) -> Self {
        let mut made = Unlabelled { host: host.to_string(), container: None, tag: None, volume: None, network: None };
        let body = json!({"Image": IMAGE, "Cmd": ["sleep", "3600"], "HostConfig": {"NetworkMode": "none"}});
        let create = path::build(None, "/containers/create", &[], &[("name", name)]);
        let id = api.post(&create, Some(&body), 201)["Id"].as_str().expect("container Id").to_string();
        made.container = Some(id.clone());
        // Started, then stopped: an exited container is what a prune without a label filter would take.
        api.post(&path::build(None, "/containers/{id}/start", &[("id", &id)], &[]), None, 204);
        api.post(&path::build(None, "/containers/{id}/stop", &[("id", &id)], &[("t", "0")]), None, 204);
        let (repo, tag) = UNTOUCHED_TAG;
        let tag_path = path::build(None, "/images/{name}/tag", &[("name", IMAGE)], &[("repo", repo), ("tag", tag)]);
        api.post(&tag_path, None, 201);
        made.tag = Some(format!("{repo}:{tag}"));
        api.post("/volumes/create", Some(&json!({"Name": name})), 201);
        made.volume = Some(name.to_string());
        let body = json!({"Name": name, "Internal": true});
        let network = api.post("/networks/create", Some(&body), 201);
        made.network = Some(network["Id"].as_str().expect("network Id").to_string());
        made
    }

    /// What must not change: the container's id and state, the tag's image id, the volume and the network.
    fn state(&self, api: &Api) -> Value {
        let inspect = |template: &str, id: &Option<String>| {
            let id = id.as_deref().expect("made");
            let (status, body) = api.send(Method::Get, &path::build(None, template, &[("x", id)], &[]), None);
            assert_eq!(status, 200, "{template} {id} is gone: {body}");
            body
        };
        let c = inspect("/containers/{x}/json", &self.container);
        let image = inspect("/images/{x}/json", &self.tag);
        let volume = inspect("/volumes/{x}", &self.volume);
        let network = inspect("/networks/{x}", &self.network);
        json!({
            "container": {"Id": c["Id"], "Name": c["Name"], "State": c["State"], "Labels": c["Config"]["Labels"]},
            "image": {"Id": image["Id"], "RepoTags": image["RepoTags"], "Labels": image["Config"]["Labels"]},
            "volume": {"Name": volume["Name"], "CreatedAt": volume["CreatedAt"], "Labels": volume["Labels"]},
            "network": {
                "Id": network["Id"], "Created": network["Created"], "Internal": network["Internal"],
                "Containers": network["Containers"], "Labels": network["Labels"],
            },
        })
    }
}

impl Drop for Unlabelled {
    fn drop(&mut self) {
        let mut removals = Vec::new();
        if let Some(id) = &self.container {
            removals.push(path::build(None, "/containers/{x}", &[("x", id)], &[("force", "1")]));
        }
        // Without force: removing one of two references to an image only untags it.
        if let Some(tag) = &self.tag {
            removals.push(path::build(None, "/images/{x}", &[("x", tag)], &[]));
        }
        if let Some(name) = &self.volume {
            removals.push(path::build(None, "/volumes/{x}", &[("x", name)], &[]));
        }
        if let Some(id) = &self.network {
            removals.push(path::build(None, "/networks/{x}", &[("x", id)], &[]));
        }
        remove_all(&self.host, removals);
    }
}

/// Sends `DELETE` for each path, from a thread with its own runtime (the test's may be gone or busy).
fn remove_all(host: &str, paths: Vec<String>) {
    let host = host.to_string();
    let done = std::thread::spawn(move || {
        let api = Api::new(&host);
        paths
            .into_iter()
            .filter_map(|p| match api.send(Method::Delete, &p, None) {
                (200..=299 | 404, _) => None,
                (status, body) => Some(format!("DELETE {p}: {status} {body}")),
            })
            .collect::<Vec<_>>()
    })
    .join();
    match done {
        Ok(failures) if failures.is_empty() => {}
        other => eprintln!("could not remove what the test made: {other:?}"),
    }
}

/// The verdict of `endpoint` at API `version` in a run.json.
fn verdict<'a>(run: &'a Value, endpoint: &str, version: &str) -> Option<&'a str> {
    run["probes"]
        .as_array()?
        .iter()
        .find(|p| p["endpoint"] == endpoint && p["api_version"] == version)
        .and_then(|p| p["verdict"].as_str())
}

fn read_json(path: &Path) -> Option<Value> {
    let text = std::fs::read_to_string(path).ok()?;
    Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// Issue 4 (sections 5 and 6): a full default sweep, with `--allow build-cache`, leaves exactly the containers,
/// images, volumes and networks the daemon had, and does not touch a container, image tag, volume or network that
/// lacks the run label.
#[test]
fn a_full_sweep_leaves_the_daemon_as_it_was_and_unlabelled_objects_untouched() {
    let _sweeping = sweeping_daemon();
    let host = docker_host();
    let api = Api::new(&host);
    let name = format!("dockmatrix-test-untouched-{}", Lcg(seed()).next());
    let mine = Unlabelled::create(&api, &host, &name);
    let mine_before = mine.state(&api);
    assert_eq!(mine_before["container"]["State"]["Status"], "exited", "{mine_before}");
    let before = Inventory::of(&api);
    assert_eq!(
        before.labelled(None),
        Vec::<String>::new(),
        "the daemon already has labelled objects: remove them with `dockmatrix clean --all`"
    );

    let out = tempfile::tempdir().expect("tempdir");
    let start = Instant::now();
    // Every endpoint, at the two newest versions: what a sweep may touch does not depend on how many versions it
    // covers (a_second_fresh_daemon_changes_no_snapshot sweeps them all, on a daemon of its own).
    let o = dockmatrix(
        &[
            "run",
            "--quiet",
            "--no-snapshots",
            "--api",
            "1.40..1.41",
            "--allow",
            "build-cache",
            "--host",
            &host,
            "--out",
            &out.path().display().to_string(),
        ],
        &[],
    );
    eprintln!("full sweep with --allow build-cache: {:.1} s", start.elapsed().as_secs_f64());
    let after = Inventory::of(&api);
    let left = after.labelled(None);
    if !left.is_empty() {
        // Leave the daemon clean for the next tests before failing.
        dockmatrix(&["clean", "--all", "--host", &host], &[]);
    }

    assert_eq!(left, Vec::<String>::new(), "left behind\n{}", stderr(&o));
    assert_eq!(after.counts(), before.counts(), "object counts before and after");
    assert_eq!(after.ids(), before.ids(), "the same objects before and after");
    assert_eq!(mine.state(&api), mine_before, "an object without the run label changed");
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let run = read_json(&out.path().join("run.json")).expect("run.json");
    assert_eq!(run["complete"], true);
    // The fixtures were really used: the probes that need a stopped, an interactive and an exec fixture worked.
    for endpoint in ["container.start", "container.attach", "exec.start"] {
        assert_eq!(verdict(&run, endpoint, "1.41"), Some("ok"), "{endpoint} at 1.41");
    }
}

/// Starts `dockmatrix ARGS` from the repository root with stdout and stderr in files under `dir`.
fn spawn_dockmatrix(args: &[&str], dir: &Path) -> Child {
    let file = |name: &str| File::create(dir.join(name)).expect("create an output file");
    Command::new(env!("CARGO_BIN_EXE_dockmatrix"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .env_remove("DOCKER_CONTEXT")
        .env_remove("GITHUB_STEP_SUMMARY")
        .stdin(Stdio::null())
        .stdout(file("stdout"))
        .stderr(file("stderr"))
        .spawn()
        .expect("start dockmatrix")
}

/// Waits up to `cap` for `child`; past it, kills it (SIGKILL) and returns `None`.
fn wait_capped(child: &mut Child, cap: Duration) -> Option<ExitStatus> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait for dockmatrix") {
            return Some(status);
        }
        if start.elapsed() > cap {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// How long a run may take to reach the point a test waits for (discovery, fixtures, a share of the sweep) on a
/// loaded machine; an idle one needs a few seconds.
const REACH_DEADLINE: Duration = Duration::from_secs(300);

/// The probes finished so far: the complete lines of `OUT/probes.jsonl` (the run appends one per probe; 0 while
/// the file does not exist).
fn probes_done(out: &Path) -> usize {
    std::fs::read(out.join("probes.jsonl")).map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count())
}

/// Whether process `pid` catches SIGINT (`SigCgt` in /proc/PID/status). The run installs its handler after
/// discovery, as it creates `OUT/probes.jsonl` and starts making the fixtures; a SIGINT before that would kill it.
fn catches_sigint(pid: u32) -> bool {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let caught =
        status.lines().find_map(|l| l.strip_prefix("SigCgt:")).and_then(|m| u64::from_str_radix(m.trim(), 16).ok());
    caught.is_some_and(|mask| mask & (1 << (2 - 1)) != 0)
}

/// Polls every 20 ms until `reached` holds; `Err` says why not: the run ended first, or `deadline` passed (the run
/// is then killed).
fn wait_until(
    child: &mut Child,
    what: &str,
    deadline: Duration,
    mut reached: impl FnMut() -> bool,
) -> Result<(), String> {
    let start = Instant::now();
    loop {
        if reached() {
            return Ok(());
        }
        if let Some(status) = child.try_wait().expect("wait for dockmatrix") {
            return Err(format!("the run ended ({status}) before {what}"));
        }
        if start.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("the run did not reach {what} within {} s", deadline.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// How long after a run's exit the test keeps looking for its objects: a create still in flight at the SIGINT
/// completes at the daemon after the run has gone, and the run's teardown must not have missed it.
const SETTLE: Duration = Duration::from_secs(3);

/// The objects labelled for `run` (for any run: `None`), watched for [`SETTLE`]: the first that show, else none.
fn left_behind(api: &Api, run: Option<&str>) -> Vec<String> {
    let start = Instant::now();
    loop {
        let left = Inventory::of(api).labelled(run);
        if !left.is_empty() || start.elapsed() >= SETTLE {
            return left;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Where a run gets its SIGINT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SigintAt {
    /// Up to this many milliseconds after the run starts making its fixtures (sooner if a probe finishes first).
    Setup(u64),
    /// Once this many probes have finished (skipped ones included: they come first), during the sweep.
    Probes(usize),
}

impl SigintAt {
    /// `setup+800` or `probes=120`.
    fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if let Some(ms) = text.strip_prefix("setup+") {
            return ms.parse().ok().map(SigintAt::Setup);
        }
        text.strip_prefix("probes=").and_then(|n| n.parse().ok()).map(SigintAt::Probes)
    }

    /// Waits until the run reaches this point; `Err` says why it did not.
    fn reach(self, child: &mut Child, out: &Path) -> Result<(), String> {
        let pid = child.id();
        let setup = "fixture setup (SIGINT handled, probes.jsonl created)";
        wait_until(child, setup, REACH_DEADLINE, || out.join("probes.jsonl").exists() && catches_sigint(pid))?;
        match self {
            SigintAt::Setup(ms) => {
                // A random point inside the setup: part of what is tested, not a wait for a phase.
                let at = Instant::now();
                let until = Duration::from_millis(ms);
                wait_until(child, "the SIGINT point", until + REACH_DEADLINE, || {
                    at.elapsed() >= until || probes_done(out) > 0
                })
            }
            SigintAt::Probes(n) => {
                wait_until(child, &format!("{n} finished probes"), REACH_DEADLINE, || probes_done(out) >= n)
            }
        }
    }
}

impl std::fmt::Display for SigintAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SigintAt::Setup(ms) => write!(f, "setup+{ms}"),
            SigintAt::Probes(n) => write!(f, "probes={n}"),
        }
    }
}

/// Where the SIGINTs go: DOCKMATRIX_SIGINT_AT (`setup+800`, `probes=120`, or both: `setup+800,probes=120`) if set,
/// else one during fixture setup (0–1.5 s into it) and one during the sweep (after 40–800 of the ~2300 probes of
/// a default run against dockerd 20.10), at random.
fn sigint_points() -> Vec<SigintAt> {
    if let Ok(forced) = std::env::var("DOCKMATRIX_SIGINT_AT") {
        return forced
            .split(',')
            .map(|p| {
                SigintAt::parse(p)
                    .unwrap_or_else(|| panic!("DOCKMATRIX_SIGINT_AT: {p:?} is neither `setup+MS` nor `probes=N`"))
            })
            .collect();
    }
    let mut rng = Lcg(seed());
    let n = usize::try_from(rng.between(40, 800)).expect("small");
    vec![SigintAt::Setup(rng.between(0, 1_500)), SigintAt::Probes(n)]
}

/// Issue 4 (sections 5 and 6): a run interrupted by SIGINT at a random point removes every object it made,
/// keeps its partial results and exits 1.
#[test]
fn a_sigint_at_a_random_point_leaves_no_labelled_object() {
    let _sweeping = sweeping_daemon();
    let host = docker_host();
    let api = Api::new(&host);
    assert_eq!(
        Inventory::of(&api).labelled(None),
        Vec::<String>::new(),
        "the daemon already has labelled objects: remove them with `dockmatrix clean --all`"
    );
    for point in sigint_points() {
        eprintln!("SIGINT at {point} (replay: DOCKMATRIX_SIGINT_AT={point})");
        let out = tempfile::tempdir().expect("tempdir");
        let out_dir = out.path().display().to_string();
        let mut child =
            spawn_dockmatrix(&["run", "--quiet", "--no-snapshots", "--host", &host, "--out", &out_dir], out.path());
        if let Err(why) = point.reach(&mut child, out.path()) {
            let _ = child.kill();
            let _ = child.wait();
            // Leave the daemon clean for the next tests (it had no labelled object) before failing.
            dockmatrix(&["clean", "--all", "--host", &host], &[]);
            let err = std::fs::read_to_string(out.path().join("stderr")).unwrap_or_default();
            panic!("SIGINT at {point}: {why}\n{err}");
        }
        let done = probes_done(out.path());
        let sent = Instant::now();
        let kill = Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("run kill");
        assert!(kill.success(), "kill -INT {}: the run ended before {point}", child.id());
        let status = wait_capped(&mut child, Duration::from_secs(360));
        let took = sent.elapsed();
        let err = std::fs::read_to_string(out.path().join("stderr")).unwrap_or_default();
        let run = read_json(&out.path().join("run.json"));
        let run_id = run.as_ref().and_then(|r| r["run_id"].as_str()).map(str::to_string);
        let left = left_behind(&api, run_id.as_deref());
        if !left.is_empty() {
            // Leave the daemon clean for the next tests before failing.
            let scope = run_id.as_deref().map_or(vec!["--all"], |id| vec!["--run", id]);
            dockmatrix(&[&["clean", "--host", &host][..], &scope].concat(), &[]);
        }
        let kept = run.as_ref().and_then(|r| r["probes"].as_array().map(Vec::len));
        eprintln!(
            "SIGINT at {point}, {done} probes done: exit code {:?} {:.1} s later, {} probes kept",
            status.and_then(|s| s.code()),
            took.as_secs_f64(),
            kept.unwrap_or(0)
        );
        let status = status.unwrap_or_else(|| panic!("SIGINT at {point}: no exit within 360 s\n{err}"));
        assert_eq!(left, Vec::<String>::new(), "SIGINT at {point}: left behind\n{err}");
        if let Some(run) = &run {
            assert_eq!(run["complete"], false, "SIGINT at {point}\n{err}");
        }
        if let SigintAt::Probes(n) = point {
            // Interrupted during the sweep: run.json keeps at least the probes that had finished.
            let kept = kept.unwrap_or_else(|| panic!("SIGINT at {point}: no run.json\n{err}"));
            assert!(kept >= n, "SIGINT at {point}: {kept} probes kept of at least {n} finished\n{err}");
        }
        assert_eq!(status.code(), Some(1), "SIGINT at {point}: an interrupted run exits 1\n{err}");
        assert!(err.contains("interrupted"), "SIGINT at {point}: {err}");
    }
}

/// Issue 4 (section 5): `dockmatrix clean --run ID` removes exactly that run's labelled objects.
#[test]
fn clean_removes_exactly_the_objects_of_one_run() {
    let host = docker_host();
    let api = Api::new(&host);
    let _changing = api.rt.block_on(changing_daemon());
    let run = format!("test-clean-{}", Lcg(seed()).next());
    let other_run = format!("{run}-other");
    let body = json!({
        "Image": IMAGE, "Cmd": ["sleep", "3600"], "HostConfig": {"NetworkMode": "none"}, "Labels": {RUN_LABEL: run},
    });
    let container = api.post("/containers/create", Some(&body), 201)["Id"].as_str().expect("Id").to_string();
    let (labelled, other, unlabelled) = (format!("{run}-mine"), format!("{run}-other"), format!("{run}-unlabelled"));
    let removals = vec![
        path::build(None, "/containers/{x}", &[("x", &container)], &[("force", "1")]),
        path::build(None, "/volumes/{x}", &[("x", &labelled)], &[]),
        path::build(None, "/volumes/{x}", &[("x", &other)], &[]),
        path::build(None, "/volumes/{x}", &[("x", &unlabelled)], &[]),
    ];
    let guard_host = host.clone();
    let _guard = Guard(Some(Box::new(move || remove_all(&guard_host, removals))));
    api.post("/volumes/create", Some(&json!({"Name": labelled, "Labels": {RUN_LABEL: run}})), 201);
    api.post("/volumes/create", Some(&json!({"Name": other, "Labels": {RUN_LABEL: other_run}})), 201);
    api.post("/volumes/create", Some(&json!({"Name": unlabelled})), 201);

    let o = dockmatrix(&["clean", "--run", &run, "--host", &host], &[]);
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{text}{}", stderr(&o));
    assert_eq!(text, format!("{host}: removed 1 container, 1 volume of run {run}\n"));
    let status = |p: String| api.send(Method::Get, &p, None).0;
    assert_eq!(status(path::build(None, "/containers/{x}/json", &[("x", &container)], &[])), 404);
    assert_eq!(status(path::build(None, "/volumes/{x}", &[("x", &labelled)], &[])), 404);
    assert_eq!(status(path::build(None, "/volumes/{x}", &[("x", &other)], &[])), 200, "another run's volume");
    assert_eq!(status(path::build(None, "/volumes/{x}", &[("x", &unlabelled)], &[])), 200, "an unlabelled volume");

    // Neither --run nor --all: a usage error, even with a daemon at hand.
    let o = dockmatrix(&["clean"], &[("DOCKER_HOST", &host)]);
    assert_eq!(o.status.code(), Some(2), "{}{}", stdout(&o), stderr(&o));
    assert!(stderr(&o).contains("--run") && stderr(&o).contains("--all"), "{}", stderr(&o));
    assert_eq!(status(path::build(None, "/volumes/{x}", &[("x", &other)], &[])), 200, "a usage error removes nothing");
}

/// Runs its closure when dropped, even when an assertion failed.
struct Guard(Option<Box<dyn FnOnce()>>);

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(f) = self.0.take() {
            f();
        }
    }
}

/// A daemon of the test's own, started with `scripts/dockerd.sh` and purged (stopped, the bridges of its networks
/// and its directory removed) when dropped.
struct SecondDaemon {
    dir: PathBuf,
}

impl SecondDaemon {
    /// DOCKMATRIX_SECOND_DAEMON_DIR, else a directory named after this process.
    fn dir() -> PathBuf {
        std::env::var_os("DOCKMATRIX_SECOND_DAEMON_DIR")
            .map_or_else(|| PathBuf::from(format!("/tmp/dockmatrix-gone-{}", std::process::id())), PathBuf::from)
    }

    fn script(&self, verb: &str) -> std::process::Output {
        // Tests never install: a missing docker.io or busybox-static exits 127, naming it (in `start`'s panic).
        Command::new("bash")
            .args(["scripts/dockerd.sh", verb])
            .arg(&self.dir)
            .env("DOCKMATRIX_NO_INSTALL", "1")
            .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
            .output()
            .expect("run scripts/dockerd.sh")
    }

    /// Starts the daemon (again: its data-root persists); panics when it does not answer.
    fn start(&self) {
        let o = self.script("start");
        assert!(o.status.success(), "the second daemon did not start: {}", String::from_utf8_lossy(&o.stderr));
        let exports = String::from_utf8_lossy(&o.stdout);
        assert_eq!(exports.trim(), format!("export DOCKER_HOST={}", self.host()), "dockerd.sh start prints the host");
    }

    fn stop(&self) {
        let o = self.script("stop");
        assert!(o.status.success(), "the second daemon did not stop: {}", String::from_utf8_lossy(&o.stderr));
    }

    fn host(&self) -> String {
        format!("unix://{}/docker.sock", self.dir.display())
    }
}

impl Drop for SecondDaemon {
    fn drop(&mut self) {
        // The daemon, the bridges of its networks (a dockerd leaves them on the host) and its folder.
        let _ = self.script("purge");
    }
}

/// Issue 4 (section 5): when the daemon goes away mid-run, the run ends soon, keeps its results and says what may
/// be left and how to remove it; that command, once the daemon is back, leaves nothing of the run.
#[test]
fn a_daemon_gone_mid_run_leaves_a_clean_command_that_works() {
    let daemon = SecondDaemon { dir: SecondDaemon::dir() };
    let started = Instant::now();
    daemon.start();
    eprintln!("second daemon {} started in {:.1} s", daemon.host(), started.elapsed().as_secs_f64());
    let host = daemon.host();
    let out = tempfile::tempdir().expect("tempdir");
    let out_dir = out.path().display().to_string();
    let mut child =
        spawn_dockmatrix(&["run", "--quiet", "--no-snapshots", "--host", &host, "--out", &out_dir], out.path());
    // Mid-run: the fixtures made and the sweep under way (the ~20 skipped probes come first, at once).
    if let Err(why) = wait_until(&mut child, "100 finished probes", REACH_DEADLINE, || probes_done(out.path()) >= 100) {
        let err = std::fs::read_to_string(out.path().join("stderr")).unwrap_or_default();
        panic!("{why}\n{err}");
    }
    let stopping = Instant::now();
    daemon.stop();
    let stopped = Instant::now();
    let status = wait_capped(&mut child, Duration::from_secs(180));
    let err = std::fs::read_to_string(out.path().join("stderr")).unwrap_or_default();
    eprintln!(
        "the stop took {:.1} s; the run ended {:.1} s after the daemon was gone",
        (stopped - stopping).as_secs_f64(),
        stopped.elapsed().as_secs_f64()
    );
    let status = status.unwrap_or_else(|| panic!("the run did not end within 180 s of the daemon going away\n{err}"));
    assert_eq!(status.code(), Some(3), "a run whose daemon went away exits 3\n{err}");
    assert!(err.contains("error: the sweep stopped early: the daemon stopped answering"), "says what happened\n{err}");

    let jsonl = std::fs::read_to_string(out.path().join("probes.jsonl")).unwrap_or_default();
    let run = read_json(&out.path().join("run.json"));
    let kept = run.as_ref().and_then(|r| r["probes"].as_array().map(Vec::len)).unwrap_or(0);
    assert!(kept > 0 || jsonl.lines().count() > 0, "no results kept\n{err}");
    let run_id = run
        .as_ref()
        .and_then(|r| r["run_id"].as_str().map(str::to_string))
        .or_else(|| err.split("dockmatrix clean --run ").nth(1).map(|t| t.chars().take_while(|c| *c != '`').collect()))
        .unwrap_or_else(|| panic!("no run id in run.json or on stderr\n{err}"));
    if let Some(run) = &run {
        assert_eq!(run["complete"], false, "{err}");
    }
    assert!(err.contains("may be left"), "says what may be left\n{err}");
    assert!(err.contains(&format!("`dockmatrix clean --run {run_id}`")), "names the clean command\n{err}");

    daemon.start();
    let api = Api::new(&host);
    let left_before = Inventory::of(&api).labelled(Some(&run_id));
    let o = dockmatrix(&["clean", "--run", &run_id, "--host", &host], &[]);
    let text = stdout(&o);
    eprintln!("after the restart: {} labelled objects; {}", left_before.len(), text.trim());
    assert_eq!(o.status.code(), Some(0), "{text}{}", stderr(&o));
    assert!(!left_before.is_empty(), "the run's shared fixtures outlived the daemon's stop: {text}");
    assert!(text.contains(&format!("of run {run_id}")) && !text.contains("removed nothing"), "{text}");
    assert_eq!(Inventory::of(&api).labelled(Some(&run_id)), Vec::<String>::new(), "left after the clean");
}

//! The redaction rules on recorded answers of every daemon, and each rule on its own.

use super::*;
use crate::snapshot::fixture::{Fixture, load};

fn ctx() -> Redactions {
    Redactions {
        run_id: "run-7f3a9c".into(),
        fixture_names: vec!["dm-fixture-ctr".into(), "dm-fixture-vol".into()],
        daemon_version: "20.10.24+dfsg1".into(),
        data_root: Some("/tmp/dm-snap/data".into()),
        host_name: Some("vm".into()),
        engine: Some(EngineKind::Docker),
    }
}

/// The redacted body of a recorded fixture (all rules).
fn redacted(name: &str) -> (Fixture, Value) {
    let f = load("docker-20.10", name);
    let v = redact_json(&ctx(), Some(f.status), f.requested(), &f.body);
    (f, v)
}

fn at<'a>(v: &'a Value, pointer: &str) -> &'a Value {
    v.pointer(pointer).unwrap_or_else(|| panic!("{pointer} missing in {v:#}"))
}

fn text(rule: fn(&Redactions, &Scope<'_>, &str) -> Option<String>, s: &str) -> Option<String> {
    rule(&ctx(), &Scope { path: &[], status: Some(200), requested: None }, s)
}

#[test]
fn fixture_names_and_run_id_are_redacted_in_labels_names_and_paths() {
    let (_, v) = redacted("container.list@v1.41.json");
    assert_eq!(at(&v, "/0/Names/0"), "/[fixture]");
    assert_eq!(at(&v, "/0/Labels/dockmatrix.run"), "[run-id]");
    let (_, v) = redacted("volume.list@v1.41.json");
    assert_eq!(at(&v, "/Volumes/0/Mountpoint"), "[data-root]/volumes/[fixture]/_data");
    assert_eq!(text(run_id, "dockmatrix-run-7f3a9c-c1").as_deref(), Some("dockmatrix-[run-id]-c1"));
}

#[test]
fn data_root_is_redacted_in_every_path_of_a_list() {
    let (_, v) = redacted("container.inspect@v1.41.json");
    assert_eq!(at(&v, "/HostsPath"), "[data-root]/containers/[id]/hosts");
    assert_eq!(
        at(&v, "/GraphDriver/Data/LowerDir"),
        "[data-root]/overlay2/[id]-init/diff:[data-root]/overlay2/[id]/diff"
    );
    let (_, v) = redacted("system.info@v1.41.json");
    assert_eq!(at(&v, "/DockerRootDir"), "[data-root]");
}

#[test]
fn exec_root_is_redacted_in_sandbox_keys() {
    let (_, v) = redacted("container.inspect@v1.41.json");
    assert_eq!(at(&v, "/NetworkSettings/SandboxKey"), "[exec-root]/netns/[id]");
    assert_eq!(at(&v, "/NetworkSettings/Bridge"), "");
}

#[test]
fn a_sandbox_key_named_by_a_pid_and_swarm_identities_are_redacted() {
    let v = serde_json::json!({
        "NetworkSettings": { "SandboxKey": "/proc/28339/ns/net" },
        "ID": "qpzanpikwrlgt35wk49hcj90y",
        "Version": { "Index": 42 },
        "JoinTokens": { "Worker": "SWMTKN-1-abc-def" },
        "TLSInfo": { "TrustRoot": "-----BEGIN CERTIFICATE-----\n", "CertIssuerSubject": "" },
        "Spec": { "Name": "qpzanpikwrlgt35wk49hcj90y" },
    });
    let v = redact_json(&ctx(), Some(200), None, &v);
    assert_eq!(at(&v, "/NetworkSettings/SandboxKey"), "/proc/[pid]/ns/net");
    let info = serde_json::json!({ "Containerd": { "Address": "/tmp/d/exec/containerd/containerd.sock" } });
    let info = redact_json(&ctx(), Some(200), None, &info);
    assert_eq!(at(&info, "/Containerd/Address"), "[exec-root]/containerd/containerd.sock");
    assert_eq!(at(&v, "/ID"), "[id]");
    assert_eq!(at(&v, "/Version/Index"), "[index]");
    assert_eq!(at(&v, "/JoinTokens/Worker"), "[join-token]");
    assert_eq!(at(&v, "/TLSInfo/TrustRoot"), "[certificate]");
    assert_eq!(at(&v, "/TLSInfo/CertIssuerSubject"), "", "an empty one stays");
    assert_eq!(at(&v, "/Spec/Name"), "qpzanpikwrlgt35wk49hcj90y", "only under the id keys");
    // `POST /swarm/init` answers the new node's id as the whole body.
    let init = redact_json(&ctx(), Some(200), None, &serde_json::json!("qpzanpikwrlgt35wk49hcj90y"));
    assert_eq!(init, serde_json::json!("[id]"));
    let other = redact_json(&ctx(), Some(200), None, &serde_json::json!("Login Succeeded"));
    assert_eq!(other, serde_json::json!("Login Succeeded"));
}

#[test]
fn daemon_version_is_redacted_where_the_target_says_it() {
    let (_, v) = redacted("system.version@v1.41.json");
    assert_eq!(at(&v, "/Version"), "[daemon-version]");
    assert_eq!(at(&v, "/Components/0/Version"), "[daemon-version]");
    let (_, v) = redacted("image.inspect@v1.41.json");
    assert_eq!(at(&v, "/DockerVersion"), "[daemon-version]");
    // The API versions are what the snapshot is about: they stay.
    let (_, v) = redacted("system.version@v1.41.json");
    assert_eq!(at(&v, "/ApiVersion"), "1.41");
    assert_eq!(at(&v, "/MinAPIVersion"), "1.12");
}

#[test]
fn requested_version_is_redacted_in_version_errors_only() {
    let f = load("docker-20.10", "system.version@v1.11.json");
    let scope = Scope { path: &[], status: Some(f.status), requested: f.requested() };
    let body = f.body.as_str().expect("text body");
    assert_eq!(
        redact_text(&ctx(), &scope, body),
        "client version [requested-version] is too old. Minimum supported API version is 1.12, please upgrade your client to a newer version\n"
    );
    let (_, v) = redacted("system.version@v1.42.json");
    assert_eq!(
        at(&v, "/message"),
        "client version [requested-version] is too new. Maximum supported API version is 1.41"
    );
    // A 200 keeps every version it names.
    let ok = Scope { path: &[], status: Some(200), requested: Some(ApiVersion::new(1, 41)) };
    assert_eq!(requested_version(&ctx(), &ok, "1.41"), None);
    let err = Scope { path: &[], status: Some(400), requested: Some(ApiVersion::new(1, 4)) };
    assert_eq!(requested_version(&ctx(), &err, "1.41 and 1.4."), Some("1.41 and [requested-version].".into()));
}

#[test]
fn ids_and_digests_are_redacted() {
    let (_, v) = redacted("container.inspect@v1.41.json");
    assert_eq!(at(&v, "/Id"), "[id]");
    assert_eq!(at(&v, "/Image"), "[digest]");
    assert_eq!(at(&v, "/Config/Hostname"), "[id]");
    assert_eq!(at(&v, "/NetworkSettings/SandboxID"), "[id]");
    assert_eq!(at(&v, "/NetworkSettings/Networks/none/NetworkID"), "[id]");
    let (_, v) = redacted("image.inspect@v1.41.json");
    assert_eq!(at(&v, "/RootFS/Layers/0"), "[digest]");
    let (_, v) = redacted("exec.inspect@v1.41.json");
    assert_eq!(at(&v, "/ID"), "[id]");
    assert_eq!(at(&v, "/ContainerID"), "[id]");
    let (_, v) = redacted("system.info@v1.41.json");
    assert_eq!(at(&v, "/ID"), "[id]");
    assert_eq!(
        text(ids, "x@sha256:2ef0981bc042baac42fde3b7453074359914962b1507649227c9ab0f6472e30f").as_deref(),
        Some("x@[digest]")
    );
    assert_eq!(text(ids, "id 0f8fad5b-d9cb-469f-a165-70867728950e.").as_deref(), Some("id [id]."));
    // Short commits, words and longer hex are not ids.
    assert_eq!(text(ids, "5d6db84"), None);
    assert_eq!(text(ids, "deadbeefcafe1"), None);
    assert_eq!(text(ids, "xdeadbeefcafe"), None);
}

#[test]
fn timestamps_are_redacted_but_the_zero_time_stays() {
    let (_, v) = redacted("container.inspect@v1.41.json");
    assert_eq!(at(&v, "/Created"), "[timestamp]");
    assert_eq!(at(&v, "/State/StartedAt"), "[timestamp]");
    assert_eq!(at(&v, "/State/FinishedAt"), "0001-01-01T00:00:00Z");
    let (_, v) = redacted("system.version@v1.41.json");
    assert_eq!(at(&v, "/BuildTime"), "[timestamp]");
    let (_, v) = redacted("system.info@v1.41.json");
    assert_eq!(at(&v, "/SystemTime"), "[timestamp]");
    let (_, v) = redacted("volume.list@v1.41.json");
    assert_eq!(at(&v, "/Volumes/0/CreatedAt"), "[timestamp]");
    assert_eq!(text(timestamps, "at 2024-01-02 03:04:05.6 +0000 UTC!").as_deref(), Some("at [timestamp]!"));
}

#[test]
fn unix_times_are_redacted() {
    let (_, v) = redacted("container.list@v1.41.json");
    assert_eq!(at(&v, "/0/Created"), "[timestamp]");
    let (_, v) = redacted("image.list@v1.41.json");
    assert_eq!(at(&v, "/0/Created"), "[timestamp]");
}

#[test]
fn container_status_durations_are_redacted() {
    let (_, v) = redacted("container.list@v1.41.json");
    assert_eq!(at(&v, "/0/Status"), "Up [duration]");
    assert_eq!(at(&v, "/0/State"), "running");
    assert_eq!(container_status("Exited (137) 2 minutes ago").as_deref(), Some("Exited (137) [duration] ago"));
    assert_eq!(container_status("Up About a minute (healthy)").as_deref(), Some("Up [duration] (healthy)"));
    assert_eq!(container_status("Created"), None);
}

#[test]
fn sizes_are_redacted_but_sentinels_stay() {
    let (_, v) = redacted("image.list@v1.41.json");
    assert_eq!(at(&v, "/0/Size"), "[size]");
    assert_eq!(at(&v, "/0/VirtualSize"), "[size]");
    // -1 means "not computed" at this API version: the history of the endpoint.
    assert_eq!(at(&v, "/0/SharedSize"), -1);
    assert_eq!(at(&v, "/0/Containers"), -1);
    let (_, v) = redacted("system.df@v1.41.json");
    assert_eq!(at(&v, "/LayersSize"), "[size]");
    assert_eq!(at(&v, "/BuilderSize"), "[size]");
    let (_, v) = redacted("system.info@v1.41.json");
    assert_eq!(at(&v, "/MemTotal"), "[size]");
    // Configured values are not volatile.
    let (_, v) = redacted("container.inspect@v1.41.json");
    assert_eq!(at(&v, "/HostConfig/ShmSize"), 67108864);
}

#[test]
fn counters_are_redacted() {
    let (_, v) = redacted("system.info@v1.41.json");
    for key in ["Containers", "ContainersRunning", "Images", "NFd", "NGoroutines", "NCPU", "NEventsListener"] {
        assert_eq!(at(&v, &format!("/{key}")), "[count]", "{key}");
    }
    let (_, v) = redacted("system.df@v1.41.json");
    assert_eq!(at(&v, "/Images/0/Containers"), "[count]");
    assert_eq!(at(&v, "/Volumes/0/UsageData/RefCount"), "[count]");
}

#[test]
fn pids_and_top_columns_are_redacted() {
    let (_, v) = redacted("container.inspect@v1.41.json");
    assert_eq!(at(&v, "/State/Pid"), "[pid]");
    let (_, v) = redacted("exec.inspect@v1.41.json");
    assert_eq!(at(&v, "/Pid"), "[pid]");
    let (_, v) = redacted("container.top@v1.41.json");
    let row: Vec<&str> = at(&v, "/Processes/0").as_array().expect("row").iter().filter_map(Value::as_str).collect();
    assert_eq!(row, ["root", "[pid]", "[pid]", "[pid]", "[time]", "?", "[time]", "sleep 300"]);
    assert_eq!(at(&v, "/Titles/1"), "PID");
    // The start as a day, as a loaded machine made Podman 6.1's top give it; a command is no time.
    let top = serde_json::json!({"Titles": ["STIME", "CMD"], "Processes": [["Dec07", "Decaf"]]});
    let v = redact_json(&ctx(), Some(200), None, &top);
    assert_eq!(at(&v, "/Processes/0"), &serde_json::json!(["[time]", "Decaf"]));
}

#[test]
fn host_details_are_redacted() {
    let (_, v) = redacted("system.info@v1.41.json");
    assert_eq!(at(&v, "/KernelVersion"), "[kernel]");
    assert_eq!(at(&v, "/OperatingSystem"), "[host-os]");
    assert_eq!(at(&v, "/OSVersion"), "[host-os]");
    assert_eq!(at(&v, "/Name"), "[host-name]");
    assert_eq!(at(&v, "/OSType"), "linux");
    let (_, v) = redacted("system.version@v1.41.json");
    assert_eq!(at(&v, "/KernelVersion"), "[kernel]");
    assert_eq!(at(&v, "/Components/0/Details/KernelVersion"), "[kernel]");
}

#[test]
fn build_details_are_redacted() {
    let (_, v) = redacted("system.version@v1.41.json");
    assert_eq!(at(&v, "/GitCommit"), "[build]");
    assert_eq!(at(&v, "/GoVersion"), "[build]");
    assert_eq!(at(&v, "/Components/1/Version"), "[build]");
    assert_eq!(at(&v, "/Components/1/Details/GitCommit"), "[build]");
    assert_eq!(at(&v, "/Components/1/Name"), "containerd");
    let (_, v) = redacted("system.info@v1.41.json");
    assert_eq!(at(&v, "/ContainerdCommit/ID"), "[build]");
    assert_eq!(at(&v, "/RuncCommit/Expected"), "[build]");
}

/// What a run against Podman 4.3.1 (`tests/fixtures/podman-4.3/`, run `afc6c252c00b`) redacts.
fn podman_ctx() -> Redactions {
    Redactions {
        run_id: "afc6c252c00b".into(),
        fixture_names: Vec::new(),
        daemon_version: "4.3.1".into(),
        data_root: Some("/tmp/dmh-podman/storage".into()),
        host_name: Some("vm".into()),
        engine: Some(EngineKind::Podman),
    }
}

/// The redacted body of a recorded Podman answer (all rules).
fn podman_redacted(name: &str) -> Value {
    let f = load("podman-4.3", name);
    redact_json(&podman_ctx(), Some(f.status), f.requested(), &f.body)
}

#[test]
fn podman_build_short_ids_and_secret_ids_are_redacted() {
    let f = load("podman-4.3", "image.build@v1.41.json");
    let scope = Scope { path: &[], status: Some(f.status), requested: f.requested() };
    let stream = redact_text(&podman_ctx(), &scope, f.body.as_str().expect("a text body"));
    // buildah's `--> 6d60f68028f` after each step is an 11-hex short id.
    let steps: Vec<&str> = stream.lines().filter(|l| l.contains(r"--\u003e")).collect();
    assert_eq!(steps, [r#"{"stream":"--\u003e [id]\n"}"#, r#"{"stream":"--\u003e [id]\n"}"#]);
    assert!(stream.contains(r#"{"stream":"Successfully built [id]\n"}"#), "{stream}");
    assert!(stream.contains(r#"{"aux":{"ID":"[digest]"}}"#), "{stream}");
    // The Hostname of the container an image was built in is one too.
    let v = podman_redacted("image.inspect@v1.41.json");
    assert_eq!(at(&v, "/ContainerConfig/Hostname"), "[id]");
    assert_eq!(at(&v, "/Config/Hostname"), "");
    // Secret ids are 25 hex digits.
    let v = podman_redacted("secret.create@v1.41.json");
    assert_eq!(at(&v, "/ID"), "[id]");
    assert_eq!(
        text(ids, "no secret with name or id \"67d19cd101aa1eda2b7a6e6b1\": no such secret").as_deref(),
        Some("no secret with name or id \"[id]\": no such secret")
    );
    // Other lengths stay: 10, 13 and 26 hex digits.
    assert_eq!(text(ids, "--> 3b47b20ee6"), None);
    assert_eq!(text(ids, "3b47b20ee64a1"), None);
    assert_eq!(text(ids, "67d19cd101aa1eda2b7a6e6b1f"), None);
}

#[test]
fn podman_run_root_is_redacted_in_container_file_paths() {
    let v = podman_redacted("container.inspect@v1.36.json");
    assert_eq!(at(&v, "/HostnamePath"), "[run-root]/overlay-containers/[id]/userdata/hostname");
    assert_eq!(at(&v, "/HostsPath"), "[run-root]/overlay-containers/[id]/userdata/hosts");
    // No network, no resolv.conf; the log is under the data-root, which /info reports.
    assert_eq!(at(&v, "/ResolvConfPath"), "");
    assert_eq!(at(&v, "/LogPath"), "[data-root]/overlay-containers/[id]/userdata/ctr.log");
    let scope = |key: &str| vec![PathSeg::Key(key.into())];
    let run_root_of = |key: &str, s: &str| {
        let path = scope(key);
        run_root(&podman_ctx(), &Scope { path: &path, status: Some(200), requested: None }, &Value::from(s))
    };
    assert_eq!(
        run_root_of("ResolvConfPath", "/run/containers/storage/overlay-containers/1f/userdata/resolv.conf"),
        Some(Value::from("[run-root]/overlay-containers/1f/userdata/resolv.conf"))
    );
    // dockerd's are under its data-root, already redacted; other paths and keys stay.
    let (_, v) = redacted("container.inspect@v1.41.json");
    assert_eq!(at(&v, "/HostsPath"), "[data-root]/containers/[id]/hosts");
    assert_eq!(run_root_of("HostsPath", "/var/lib/docker/containers/1f/hosts"), None);
    assert_eq!(run_root_of("HostsPath", "/overlay-containers/1f/userdata/hosts"), None);
    assert_eq!(run_root_of("LogPath", "/run/containers/storage/overlay-containers/1f/userdata/ctr.log"), None);
}

#[test]
fn podman_image_names_history_is_redacted() {
    // Recorded from another run (tests/fixtures/podman-4.3-c/), after the run's image.delete probes had
    // tagged and untagged its image 25 times.
    let f = load("podman-4.3-c", "image.list@v1.0.json");
    let r = Redactions { run_id: "acf1c039626d".into(), ..podman_ctx() };
    let v = redact_json(&r, Some(f.status), f.requested(), &f.body);
    let history = at(&v, "/0/History").as_array().expect("a list");
    assert_eq!(history.len(), 26);
    assert!(history.iter().all(|n| n == "[name]"), "{history:?}");
    // The names it has now stay.
    assert_eq!(at(&v, "/0/RepoTags/0"), "docker.io/dockmatrix-[run-id]/image:latest");
    assert_eq!(at(&v, "/0/Names/0"), "docker.io/dockmatrix-[run-id]/image:latest");
    // Only in a list of images: dockerd's image list has no History, and a History elsewhere stays.
    let (_, v) = redacted("image.list@v1.41.json");
    assert_eq!(v.pointer("/0/History"), None);
    let v = redact_json(&r, Some(200), None, &serde_json::json!({"History": ["a:b"], "x": [{"History": ["c"]}]}));
    assert_eq!(v, serde_json::json!({"History": ["a:b"], "x": [{"History": ["c"]}]}));
}

#[test]
fn every_rule_has_a_unique_name() {
    let mut names: Vec<&str> = RULES.iter().map(|r| r.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), RULES.len());
}

#[test]
fn podman_5_volume_folders_and_history_tags_are_redacted() {
    let r = Redactions { run_id: "acf1c039626d".into(), ..podman_ctx() };
    let volume =
        serde_json::json!({"Mountpoint": "/tmp/dockmatrix-podman-5.8/volumes/dockmatrix-acf1c039626d-shared/_data"});
    let v = redact_json(&r, Some(200), None, &volume);
    assert_eq!(at(&v, "/Mountpoint"), "[volume-root]/volumes/dockmatrix-[run-id]-shared/_data");
    // Only a volume's mountpoint: a bind mount's source elsewhere stays.
    let bind = serde_json::json!({"Source": "/srv/volumes/x/_data"});
    assert_eq!(redact_json(&r, Some(200), None, &bind), bind);
    let history = serde_json::json!([
        {"Tags": ["docker.io/dockmatrix-acf1c039626d/image:latest", "docker.io/dockmatrix-acf1c039626d/tagged:v1-0",
                  "docker.io/library/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef-tmp:latest"]},
        {"Tags": ["docker.io/dockmatrix/busybox:local"]}
    ]);
    let v = redact_json(&r, Some(200), None, &history);
    assert_eq!(v[0]["Tags"], serde_json::json!(["[name]", "[name]", "[name]"]));
    assert_eq!(v[1]["Tags"], serde_json::json!(["docker.io/dockmatrix/busybox:local"]), "not the run's: kept");
    // dockerd's short names are its image's own tags, kept.
    let dockerd = serde_json::json!([{"Tags": ["dockmatrix-acf1c039626d/image:latest"]}]);
    assert_eq!(redact_json(&r, Some(200), None, &dockerd)[0]["Tags"][0], "dockmatrix-[run-id]/image:latest");
}

#[test]
fn a_nodes_machine_resources_are_redacted_and_a_services_limits_kept() {
    let node = serde_json::json!({
        "Description": {"Resources": {"MemoryBytes": 25276194816_u64, "NanoCPUs": 2000000000_u64}},
        "Spec": {"TaskTemplate": {"Resources": {"Limits": {"MemoryBytes": 67108864, "NanoCPUs": 500000000}}}},
    });
    let v = redact_json(&ctx(), Some(200), None, &node);
    assert_eq!(at(&v, "/Description/Resources/MemoryBytes"), "[size]");
    assert_eq!(at(&v, "/Description/Resources/NanoCPUs"), "[count]");
    assert_eq!(at(&v, "/Spec/TaskTemplate/Resources/Limits/MemoryBytes"), 67108864);
    assert_eq!(at(&v, "/Spec/TaskTemplate/Resources/Limits/NanoCPUs"), 500000000);
}

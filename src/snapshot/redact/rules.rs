//! What each redaction rule matches: the run's own names, ids, timestamps, sizes, counters, addresses, pids and
//! the other values that change from run to run. [`super::RULES`] orders them.

use serde_json::Value;

use super::{PathSeg, Redactions, Scope};

pub(super) fn placeholder(p: &str) -> Option<Value> {
    Some(Value::String(p.to_string()))
}

/// Replaces every occurrence of each needle (longest first) with `with`; `None` when nothing matched.
fn replace_all(s: &str, needles: &[&str], with: &str) -> Option<String> {
    let mut needles: Vec<&str> = needles.iter().copied().filter(|n| !n.is_empty()).collect();
    needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
    let mut out = s.to_string();
    let mut hit = false;
    for n in needles {
        if out.contains(n) {
            out = out.replace(n, with);
            hit = true;
        }
    }
    hit.then_some(out)
}

pub(super) fn fixture_names(r: &Redactions, _: &Scope<'_>, s: &str) -> Option<String> {
    let names: Vec<&str> = r.fixture_names.iter().map(String::as_str).collect();
    replace_all(s, &names, "[fixture]")
}

pub(super) fn run_id(r: &Redactions, _: &Scope<'_>, s: &str) -> Option<String> {
    replace_all(s, &[r.run_id.as_str()], "[run-id]")
}

pub(super) fn data_root(r: &Redactions, _: &Scope<'_>, s: &str) -> Option<String> {
    let root = r.data_root.as_deref()?.trim_end_matches('/');
    // A root of `/` would eat every path.
    if root.is_empty() {
        return None;
    }
    replace_all(s, &[root], "[data-root]")
}

pub(super) fn daemon_version(r: &Redactions, _: &Scope<'_>, s: &str) -> Option<String> {
    // Too short a version (`1`) would hit unrelated numbers.
    if r.daemon_version.len() < 3 {
        return None;
    }
    replace_all(s, &[r.daemon_version.as_str()], "[daemon-version]")
}

/// `/run/docker/netns/6199f3ebfc69`: the exec-root is not in `/info`, but it always precedes `/netns/`.
pub(super) fn exec_root(_: &Redactions, scope: &Scope<'_>, v: &Value) -> Option<Value> {
    let s = v.as_str()?;
    // dockerd 28's /info names the socket of the containerd it started under its exec-root (`Containerd.Address`).
    if scope.key() == Some("Address") && scope.key_at(1) == Some("Containerd") {
        let i = s.find("/containerd/containerd.sock").filter(|i| *i > 0)?;
        return Some(Value::String(format!("[exec-root]{}", &s[i..])));
    }
    let i = s.find("/netns/").filter(|i| *i > 0)?;
    (scope.key() == Some("SandboxKey")).then(|| Value::String(format!("[exec-root]{}", &s[i..])))
}

/// `/run/containers/storage/overlay-containers/<id>/userdata/hostname`: Podman keeps a container's hostname,
/// hosts and resolv.conf under its storage run root (`--runroot`), which `/info` does not report but which is
/// always followed by `/<storage driver>-containers/`. dockerd keeps them under its data-root (`/containers/`).
pub(super) fn run_root(_: &Redactions, scope: &Scope<'_>, v: &Value) -> Option<Value> {
    if !matches!(scope.key()?, "HostnamePath" | "HostsPath" | "ResolvConfPath") {
        return None;
    }
    let s = v.as_str().filter(|s| s.starts_with('/'))?;
    let mut start = 0;
    while let Some(found) = s[start..].find("-containers/") {
        let end = start + found;
        let seg_start = s[..end].rfind('/')? + 1;
        let driver = &s[seg_start..end];
        if seg_start > 1 && !driver.is_empty() && driver.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) {
            return Some(Value::String(format!("[run-root]{}", &s[seg_start - 1..])));
        }
        start = end + "-containers/".len();
    }
    None
}

/// The requested version in `client version 1.11 is too old`, so that all rejected versions read the same.
pub(super) fn requested_version(_: &Redactions, scope: &Scope<'_>, s: &str) -> Option<String> {
    if !scope.is_error() {
        return None;
    }
    let v = scope.requested?.to_string();
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut hit = false;
    while i < s.len() {
        if s[i..].starts_with(&v) {
            let before_ok = i == 0 || !(bytes[i - 1].is_ascii_digit() || bytes[i - 1] == b'.');
            let end = i + v.len();
            let after = &bytes[end..];
            let after_ok = match after {
                [] => true,
                [c, ..] if c.is_ascii_digit() => false,
                [b'.', c, ..] if c.is_ascii_digit() => false,
                _ => true,
            };
            if before_ok && after_ok {
                out.push_str("[requested-version]");
                i = end;
                hit = true;
                continue;
            }
        }
        let ch = s[i..].chars().next().expect("i is on a char boundary below s.len()");
        out.push(ch);
        i += ch.len_utf8();
    }
    hit.then_some(out)
}

pub(super) fn is_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
}

/// Docker's engine id: 12 groups of 4 upper-case base32 characters joined by `:`.
pub(super) fn is_engine_id(s: &str) -> bool {
    let groups: Vec<&str> = s.split(':').collect();
    groups.len() == 12
        && groups.iter().all(|g| g.len() == 4 && g.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()))
}

pub(super) fn ids(_: &Redactions, _: &Scope<'_>, s: &str) -> Option<String> {
    if is_engine_id(s) {
        return Some("[id]".into());
    }
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut hit = false;
    let mut i = 0;
    let mut copied = 0;
    while i < b.len() {
        // Only start a run at a word boundary: `abc123...` inside a longer word is not an id.
        let boundary = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        if !(boundary && is_hex(b[i])) {
            i += 1;
            continue;
        }
        let run_end = (i..b.len()).find(|&j| !is_hex(b[j])).unwrap_or(b.len());
        let len = run_end - i;
        let ends_word = run_end == b.len() || !b[run_end].is_ascii_alphanumeric();
        let uuid = len == 8 && uuid_len(&b[i..]).is_some();
        if uuid {
            let end = i + uuid_len(&b[i..]).expect("checked just above");
            out.push_str(&s[copied..i]);
            out.push_str("[id]");
            copied = end;
            i = end;
            hit = true;
            continue;
        }
        // 64 and 12: ids and short ids of dockerd and Podman; 11: Podman's build short ids (`--> 3b47b20ee64`,
        // the Hostname of the container an image was built in); 25: Podman's secret ids.
        if ends_word && matches!(len, 64 | 12 | 11 | 25) {
            let digest_prefix = ["sha256:", "sha512:"].iter().find(|p| s[..i].ends_with(*p));
            let start = digest_prefix.map_or(i, |p| i - p.len());
            out.push_str(&s[copied..start]);
            out.push_str(if digest_prefix.is_some() { "[digest]" } else { "[id]" });
            copied = run_end;
            hit = true;
        }
        i = run_end;
    }
    if !hit {
        return None;
    }
    out.push_str(&s[copied..]);
    Some(out)
}

/// Length of a UUID (`8-4-4-4-12` hex) at the start of `b`, if there is one.
pub(super) fn uuid_len(b: &[u8]) -> Option<usize> {
    let mut i = 0;
    for (n, want) in [8, 4, 4, 4, 12].into_iter().enumerate() {
        if n > 0 {
            if b.get(i) != Some(&b'-') {
                return None;
            }
            i += 1;
        }
        let run = b[i..].iter().take_while(|c| is_hex(**c)).count();
        if run != want {
            return None;
        }
        i += want;
    }
    match b.get(i) {
        Some(c) if c.is_ascii_alphanumeric() => None,
        _ => Some(i),
    }
}

/// Length of a timestamp at the start of `b`: `YYYY-MM-DD[T ]hh:mm:ss[.frac][Z|±hh:mm| ±hhmm][ UTC]`.
pub(super) fn timestamp_len(b: &[u8]) -> Option<usize> {
    let digits = |at: usize, n: usize| b.len() >= at + n && b[at..at + n].iter().all(u8::is_ascii_digit);
    let ok = digits(0, 4)
        && b.get(4) == Some(&b'-')
        && digits(5, 2)
        && b.get(7) == Some(&b'-')
        && digits(8, 2)
        && matches!(b.get(10), Some(b'T' | b' '))
        && digits(11, 2)
        && b.get(13) == Some(&b':')
        && digits(14, 2)
        && b.get(16) == Some(&b':')
        && digits(17, 2);
    if !ok {
        return None;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    match b.get(i) {
        Some(b'Z') => i += 1,
        Some(b'+' | b'-') if digits(i + 1, 2) && b.get(i + 3) == Some(&b':') && digits(i + 4, 2) => i += 6,
        Some(b' ') if matches!(b.get(i + 1), Some(b'+' | b'-')) && digits(i + 2, 4) => {
            i += 6;
            if b[i..].starts_with(b" UTC") {
                i += 4;
            }
        }
        _ => {}
    }
    Some(i)
}

pub(super) fn timestamps(_: &Redactions, _: &Scope<'_>, s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut i = 0;
    let mut hit = false;
    while i < b.len() {
        let at_start = i == 0 || !b[i - 1].is_ascii_digit();
        if let Some(n) = at_start.then(|| timestamp_len(&b[i..])).flatten() {
            // The zero time means "never" (FinishedAt of a running container): it carries meaning.
            if !s[i..].starts_with("0001-01-01") {
                out.push_str(&s[copied..i]);
                out.push_str("[timestamp]");
                copied = i + n;
                hit = true;
            }
            i += n;
            continue;
        }
        i += 1;
    }
    if !hit {
        return None;
    }
    out.push_str(&s[copied..]);
    Some(out)
}

pub(super) fn positive(v: &Value) -> bool {
    v.as_f64().is_some_and(|n| n > 0.0)
}

pub(super) fn non_negative(v: &Value) -> bool {
    v.as_f64().is_some_and(|n| n >= 0.0)
}

const EPOCH_KEYS: &[&str] =
    &["Created", "created", "Time", "time", "timeNano", "CreatedAt", "UpdatedAt", "StartedAt", "FinishedAt"];

pub(super) fn epoch(_: &Redactions, scope: &Scope<'_>, v: &Value) -> Option<Value> {
    (positive(v) && scope.key().is_some_and(|k| EPOCH_KEYS.contains(&k))).then(|| Value::from("[timestamp]"))
}

/// `Up 5 seconds (healthy)` -> `Up [duration] (healthy)`; `Exited (137) 2 minutes ago` -> `Exited (137) [duration] ago`.
pub(super) fn container_status(s: &str) -> Option<String> {
    if let Some(rest) = s.strip_prefix("Up ") {
        let suffix = rest.find(" (").map_or("", |i| &rest[i..]);
        return Some(format!("Up [duration]{suffix}"));
    }
    for state in ["Exited (", "Restarting ("] {
        let Some(rest) = s.strip_prefix(state) else { continue };
        if let Some(close) = rest.find(") ").filter(|_| rest.ends_with(" ago")) {
            return Some(format!("{state}{}) [duration] ago", &rest[..close]));
        }
    }
    None
}

pub(super) fn duration(_: &Redactions, scope: &Scope<'_>, v: &Value) -> Option<Value> {
    match (scope.key()?, v) {
        ("Status", Value::String(s)) => container_status(s).map(Value::String),
        ("Uptime" | "uptime", Value::String(_) | Value::Number(_)) => placeholder("[duration]"),
        _ => None,
    }
}

const SIZE_KEYS: &[&str] = &[
    "Size",
    "SizeRw",
    "SizeRootFs",
    "VirtualSize",
    "SharedSize",
    "LayersSize",
    "BuilderSize",
    "MemTotal",
    "MemFree",
    "SwapTotal",
    "SwapFree",
    "Reclaimable",
    "TotalSize",
];

/// Whether the value is a swarm node's machine resource (`Description.Resources` of a node: the host's memory and
/// cores), which a service's `Resources` (the run's own limits) is not.
fn node_resource(scope: &Scope<'_>, key: &str) -> bool {
    scope.key() == Some(key) && scope.key_at(1) == Some("Resources") && scope.key_at(2) == Some("Description")
}

pub(super) fn size(_: &Redactions, scope: &Scope<'_>, v: &Value) -> Option<Value> {
    // -1 is a sentinel ("not computed") that changes with the API version: keep it.
    let sized = scope.key().is_some_and(|k| SIZE_KEYS.contains(&k)) || node_resource(scope, "MemoryBytes");
    (non_negative(v) && sized).then(|| Value::from("[size]"))
}

const COUNTER_KEYS: &[&str] = &[
    "Containers",
    "ContainersRunning",
    "ContainersPaused",
    "ContainersStopped",
    "Images",
    "NFd",
    "NGoroutines",
    "NEventsListener",
    "NCPU",
    "RefCount",
    "TotalCount",
    "ActiveCount",
];

pub(super) fn counter(_: &Redactions, scope: &Scope<'_>, v: &Value) -> Option<Value> {
    let counted = scope.key().is_some_and(|k| COUNTER_KEYS.contains(&k)) || node_resource(scope, "NanoCPUs");
    (non_negative(v) && counted).then(|| Value::from("[count]"))
}

/// The keys of `GET /containers/{id}/stats` whose numbers measure use, which changes with every sample.
const USAGE_KEYS: &[&str] = &[
    "cpu_stats",
    "precpu_stats",
    "memory_stats",
    "blkio_stats",
    "pids_stats",
    "storage_stats",
    "networks",
    "num_procs",
];

pub(super) fn usage(_: &Redactions, scope: &Scope<'_>, v: &Value) -> Option<Value> {
    let under = scope.path.iter().any(|seg| matches!(seg, PathSeg::Key(k) if USAGE_KEYS.contains(&k.as_str())));
    (under && v.is_number()).then(|| Value::from("[usage]"))
}

pub(super) fn address(_: &Redactions, scope: &Scope<'_>, v: &Value) -> Option<Value> {
    match (scope.key()?, v.as_str()?) {
        (_, "") => None,
        ("Subnet" | "IPRange", _) => placeholder("[subnet]"),
        ("Gateway", _) => placeholder("[address]"),
        _ => None,
    }
}

pub(super) fn is_clock(s: &str) -> bool {
    let parts: Vec<&str> = s.split(':').collect();
    (2..=3).contains(&parts.len()) && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// `Dec07`: the day ps gives as a process's start (STIME) instead of its clock time, as a loaded machine made
/// Podman's `top` do for the same container.
fn is_day(s: &str) -> bool {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    s.len() == 5 && MONTHS.iter().any(|m| s.starts_with(m)) && s[3..].bytes().all(|b| b.is_ascii_digit())
}

pub(super) fn pid(_: &Redactions, scope: &Scope<'_>, v: &Value) -> Option<Value> {
    if positive(v) && scope.key().is_some_and(|k| matches!(k, "Pid" | "PID" | "pid")) {
        return placeholder("[pid]");
    }
    // Podman 5.8 and later name a container's network namespace by the pid that holds it.
    if scope.key() == Some("SandboxKey")
        && let Some(pid) = v.as_str().and_then(|s| s.strip_prefix("/proc/")?.strip_suffix("/ns/net"))
        && !pid.is_empty()
        && pid.bytes().all(|b| b.is_ascii_digit())
    {
        return placeholder("/proc/[pid]/ns/net");
    }
    // A cell of /containers/{id}/top: `Processes` is an array of rows of strings.
    let n = scope.path.len();
    let in_top_row = n >= 3
        && scope.path[n - 1] == PathSeg::Item
        && scope.path[n - 2] == PathSeg::Item
        && scope.path[n - 3] == PathSeg::Key("Processes".into());
    match v {
        // Every number of a row, "0" too: PID and PPID, and ps's C (CPU share), which is 0 on an idle machine
        // and 1 or more on a loaded one.
        Value::String(s) if in_top_row && !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            placeholder("[pid]")
        }
        Value::String(s) if in_top_row && (is_clock(s) || is_day(s)) => placeholder("[time]"),
        _ => None,
    }
}

pub(super) fn host(r: &Redactions, scope: &Scope<'_>, v: &Value) -> Option<Value> {
    let key = scope.key()?;
    match key {
        "KernelVersion" => placeholder("[kernel]"),
        "OperatingSystem" | "OSVersion" => placeholder("[host-os]"),
        "Name" | "Hostname" | "NodeAddr" => {
            let name = r.host_name.as_deref().filter(|n| !n.is_empty())?;
            (v.as_str() == Some(name)).then(|| Value::from("[host-name]"))
        }
        _ => None,
    }
}

pub(super) fn build(_: &Redactions, scope: &Scope<'_>, v: &Value) -> Option<Value> {
    if !v.is_string() {
        return None;
    }
    let key = scope.key()?;
    let hit = matches!(key, "GitCommit" | "GoVersion")
        || (key == "Version" && scope.key_at(2) == Some("Components"))
        || (matches!(key, "ID" | "Expected")
            && matches!(scope.key_at(1), Some("ContainerdCommit" | "RuncCommit" | "InitCommit")));
    hit.then(|| Value::from("[build]"))
}

/// What a new swarm makes anew: its objects' ids (25 characters of `[0-9a-z]`, under `ID`, `NodeID`, `ServiceID`,
/// `SecretID` and `ConfigID`, or the whole answer, as `POST /swarm/init` gives the new node's), the `Version.Index`
/// of each object (its raft index, which counts every change made before, the run's concurrent probes included),
/// the join tokens, and the certificate authority.
pub(super) fn swarm(_: &Redactions, scope: &Scope<'_>, v: &Value) -> Option<Value> {
    let is_swarm_id = |s: &str| s.len() == 25 && s.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_lowercase());
    if scope.path.is_empty() {
        return v.as_str().filter(|s| is_swarm_id(s)).map(|_| Value::from("[id]"));
    }
    let key = scope.key()?;
    if key == "Index" && scope.key_at(1) == Some("Version") && v.is_u64() {
        return placeholder("[index]");
    }
    let s = v.as_str()?;
    if matches!(key, "CertIssuerPublicKey" | "CertIssuerSubject" | "TrustRoot") && !s.is_empty() {
        return placeholder("[certificate]");
    }
    if s.starts_with("SWMTKN-") {
        return placeholder("[join-token]");
    }
    (is_swarm_id(s) && matches!(key, "ID" | "NodeID" | "ServiceID" | "SecretID" | "ConfigID"))
        .then(|| Value::from("[id]"))
}

/// `History` of an image in Podman's image list (`[{"History": ["docker.io/x/image:latest", ...]}]`): every name
/// the image has had, newest first. On the run's shared image these are the tags the run's own image.tag and
/// image.delete probes put on it and take off, as many as have run when the list is asked for. Normalising keeps
/// the list as a set, so it reads `["[name]"]`: the field is there and holds names. dockerd has no such field.
pub(super) fn names_history(_: &Redactions, scope: &Scope<'_>, v: &Value) -> Option<Value> {
    let in_list = matches!(scope.path, [PathSeg::Item, PathSeg::Key(k), PathSeg::Item] if k == "History");
    (in_list && v.is_string()).then(|| Value::from("[name]"))
}

/// A volume's `Mountpoint` outside the daemon's data-root: Podman 5 and later keep volumes in a folder of their own
/// (`/tmp/dockmatrix-podman-5.8/volumes/<name>/_data`, where 4.3 used `<graphroot>/volumes`), which `/info` does
/// not report but which always precedes `/volumes/`.
pub(super) fn volume_root(_: &Redactions, scope: &Scope<'_>, v: &Value) -> Option<Value> {
    let s = v.as_str().filter(|s| s.starts_with('/') && s.ends_with("/_data"))?;
    let i = s.find("/volumes/").filter(|i| *i > 0)?;
    (scope.key() == Some("Mountpoint")).then(|| Value::String(format!("[volume-root]{}", &s[i..])))
}

/// A tag of the run's in the `Tags` of an image's history as Podman 5 and later give it: every name the layer's
/// images have (the run's image, its build, the tags the run's image.tag probes added so far), fully qualified
/// (`docker.io/dockmatrix-[run-id]/tagged:v1-0`), as many as have run when the history is asked for. Normalising
/// keeps the list as a set, so it reads `[name]` beside the names that are not the run's. A build the run's
/// image.build probes make names its image `docker.io/library/<id>-tmp:latest` while it runs: as transient, and as
/// much the run's. dockerd lists the image's own tags, by their short names, and keeps them.
pub(super) fn history_tags(r: &Redactions, scope: &Scope<'_>, v: &Value) -> Option<Value> {
    let in_history = matches!(scope.path, [PathSeg::Item, PathSeg::Key(k), PathSeg::Item] if k == "Tags");
    let s = v.as_str().filter(|s| s.starts_with("docker.io/"))?;
    let ours = s.contains("[run-id]") || (!r.run_id.is_empty() && s.contains(r.run_id.as_str()));
    let building = s.starts_with("docker.io/library/") && s.ends_with("-tmp:latest");
    (in_history && (ours || building)).then(|| Value::from("[name]"))
}

//! The redaction rules: one ordered, tested list that turns volatile values into placeholders (`[id]`, ...).
//!
//! Text rules rewrite parts of any string (JSON values, object keys, plain-text bodies, stream summaries,
//! request paths). Field rules replace a whole JSON scalar, chosen by where it sits (its key and parents).
//! Rules run in list order, each on the output of the one before; a field rule never touches a value that
//! is already a placeholder.

use serde_json::Value;

use crate::model::{ApiVersion, EngineKind};

/// What a run knows that must not reach a snapshot: its own names and the daemon's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Redactions {
    /// The run's id (`dockmatrix.run` label, fixture names).
    pub run_id: String,
    /// Names of the objects the run created (containers, volumes, networks, images it tagged).
    pub fixture_names: Vec<String>,
    /// The daemon's own version (`20.10.24+dfsg1`), which the target name already says.
    pub daemon_version: String,
    /// The daemon's data-root (`DockerRootDir` of `/info`).
    pub data_root: Option<String>,
    /// The daemon host's name (`Name` of `/info`).
    pub host_name: Option<String>,
    /// The engine that answered, when known: a few lists come in no set order from one engine only.
    pub engine: Option<EngineKind>,
}

/// One step on the way from a body's root to a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSeg {
    /// An object member.
    Key(String),
    /// An array element.
    Item,
}

/// Where a value sits and which answer it belongs to.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// Path from the body's root (empty for a text body or a header).
    pub path: &'a [PathSeg],
    /// The answer's HTTP status.
    pub status: Option<u16>,
    /// The API version in the request path.
    pub requested: Option<ApiVersion>,
}

impl Scope<'_> {
    /// The key this value is stored under, if it is an object member.
    pub fn key(&self) -> Option<&str> {
        match self.path.last() {
            Some(PathSeg::Key(k)) => Some(k),
            _ => None,
        }
    }

    /// The key `n` steps above the value (`0` is [`Scope::key`]), array steps counted.
    fn key_at(&self, n: usize) -> Option<&str> {
        let i = self.path.len().checked_sub(n + 1)?;
        match &self.path[i] {
            PathSeg::Key(k) => Some(k),
            PathSeg::Item => None,
        }
    }

    fn is_error(&self) -> bool {
        self.status.is_some_and(|s| !(200..300).contains(&s))
    }
}

/// How a rule finds what it redacts.
#[derive(Clone, Copy)]
pub enum RuleKind {
    /// Rewrites parts of any string.
    Text(fn(&Redactions, &Scope<'_>, &str) -> Option<String>),
    /// Replaces a whole JSON scalar chosen by its location.
    Field(fn(&Redactions, &Scope<'_>, &Value) -> Option<Value>),
}

impl std::fmt::Debug for RuleKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RuleKind::Text(_) => "Text",
            RuleKind::Field(_) => "Field",
        })
    }
}

/// One redaction rule.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Short name (`id`, `timestamp`).
    pub name: &'static str,
    /// What it replaces, and with what.
    pub what: &'static str,
    /// How it works.
    pub kind: RuleKind,
}

/// Every rule, in the order they run.
pub const RULES: &[Rule] = &[
    Rule {
        name: "fixture-names",
        what: "names of the objects the run created -> [fixture]",
        kind: RuleKind::Text(fixture_names),
    },
    Rule { name: "run-id", what: "the run's id -> [run-id]", kind: RuleKind::Text(run_id) },
    Rule {
        name: "data-root",
        what: "the daemon's data-root at the start of paths -> [data-root]",
        kind: RuleKind::Text(data_root),
    },
    Rule {
        name: "daemon-version",
        what: "the daemon's own version, which the target names -> [daemon-version]",
        kind: RuleKind::Text(daemon_version),
    },
    Rule {
        name: "exec-root",
        what: "the daemon's exec-root before /netns/ in a SandboxKey -> [exec-root]",
        kind: RuleKind::Field(exec_root),
    },
    Rule {
        name: "run-root",
        what: "Podman's run root before /<driver>-containers/ in HostnamePath, HostsPath, ResolvConfPath -> [run-root]",
        kind: RuleKind::Field(run_root),
    },
    Rule {
        name: "requested-version",
        what: "the requested API version inside an error answer -> [requested-version]",
        kind: RuleKind::Text(requested_version),
    },
    Rule {
        name: "id",
        what: "sha256 digests -> [digest]; 64-, 12-, 11- and 25-hex ids, UUIDs and engine ids -> [id]",
        kind: RuleKind::Text(ids),
    },
    Rule {
        name: "timestamp",
        what: "RFC 3339 and Go timestamps (not the zero time) -> [timestamp]",
        kind: RuleKind::Text(timestamps),
    },
    Rule {
        name: "epoch",
        what: "Unix times under Created, time, timeNano, ... -> [timestamp]",
        kind: RuleKind::Field(epoch),
    },
    Rule {
        name: "duration",
        what: "how long a container has been up or exited (Status), Uptime -> [duration]",
        kind: RuleKind::Field(duration),
    },
    Rule { name: "size", what: "byte sizes and memory totals (not -1) -> [size]", kind: RuleKind::Field(size) },
    Rule {
        name: "counter",
        what: "object counts, goroutines, file descriptors, CPUs (not -1) -> [count]",
        kind: RuleKind::Field(counter),
    },
    Rule {
        name: "usage",
        what: "resource usage numbers under a stats answer's cpu, memory, blkio, pids and network keys -> [usage]",
        kind: RuleKind::Field(usage),
    },
    Rule {
        name: "address",
        what: "subnets, gateways and address ranges the daemon picked from its pools -> [subnet], [address]",
        kind: RuleKind::Field(address),
    },
    Rule {
        name: "pid",
        what: "process ids (not 0) and top's pid and time columns -> [pid], [time]",
        kind: RuleKind::Field(pid),
    },
    Rule {
        name: "host",
        what: "kernel version, host OS and the host's name -> [kernel], [host-os], [host-name]",
        kind: RuleKind::Field(host),
    },
    Rule {
        name: "build",
        what: "git commits, Go version and component versions of the build -> [build]",
        kind: RuleKind::Field(build),
    },
    Rule {
        name: "names-history",
        what: "the names Podman's image list says an image has had (History), which the run's probes add -> [name]",
        kind: RuleKind::Field(names_history),
    },
];

/// Applies every text rule to a string.
pub fn redact_text(r: &Redactions, scope: &Scope<'_>, s: &str) -> String {
    let mut cur = s.to_string();
    for rule in RULES {
        if let RuleKind::Text(f) = rule.kind
            && let Some(next) = f(r, scope, &cur)
        {
            cur = next;
        }
    }
    cur
}

/// Applies every rule to one JSON scalar at `scope`.
pub fn redact_scalar(r: &Redactions, scope: &Scope<'_>, v: &Value) -> Value {
    let mut cur = v.clone();
    for rule in RULES {
        match rule.kind {
            RuleKind::Text(f) => {
                if let Some(next) = cur.as_str().and_then(|s| f(r, scope, s)) {
                    cur = Value::String(next);
                }
            }
            RuleKind::Field(f) => {
                if is_placeholder(&cur) {
                    continue;
                }
                if let Some(next) = f(r, scope, &cur) {
                    cur = next;
                }
            }
        }
    }
    cur
}

/// Redacts a whole JSON body: every key with the text rules, every scalar with all rules. The structure
/// (key order, array order) is kept; when two keys redact to the same text, the later gets ` #2`, ` #3`, ...
pub fn redact_json(r: &Redactions, status: Option<u16>, requested: Option<ApiVersion>, v: &Value) -> Value {
    let mut path = Vec::new();
    walk(r, status, requested, v, &mut path)
}

fn walk(
    r: &Redactions,
    status: Option<u16>,
    requested: Option<ApiVersion>,
    v: &Value,
    path: &mut Vec<PathSeg>,
) -> Value {
    match v {
        Value::Object(map) => {
            let mut out = serde_json::Map::new();
            for (k, child) in map {
                let key = redact_text(r, &Scope { path, status, requested }, k);
                let mut unique = key.clone();
                let mut n = 1;
                while out.contains_key(&unique) {
                    n += 1;
                    unique = format!("{key} #{n}");
                }
                // Rules look at the key as the daemon sent it (`Pid`), not at its redacted form.
                path.push(PathSeg::Key(k.clone()));
                let value = walk(r, status, requested, child, path);
                path.pop();
                out.insert(unique, value);
            }
            Value::Object(out)
        }
        Value::Array(items) => {
            path.push(PathSeg::Item);
            let out = items.iter().map(|item| walk(r, status, requested, item, path)).collect();
            path.pop();
            Value::Array(out)
        }
        scalar => redact_scalar(r, &Scope { path, status, requested }, scalar),
    }
}

fn is_placeholder(v: &Value) -> bool {
    matches!(v, Value::String(s) if s.starts_with('[') && s.ends_with(']') && !s[1..].contains('['))
}

fn placeholder(p: &str) -> Option<Value> {
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

fn fixture_names(r: &Redactions, _: &Scope<'_>, s: &str) -> Option<String> {
    let names: Vec<&str> = r.fixture_names.iter().map(String::as_str).collect();
    replace_all(s, &names, "[fixture]")
}

fn run_id(r: &Redactions, _: &Scope<'_>, s: &str) -> Option<String> {
    replace_all(s, &[r.run_id.as_str()], "[run-id]")
}

fn data_root(r: &Redactions, _: &Scope<'_>, s: &str) -> Option<String> {
    let root = r.data_root.as_deref()?.trim_end_matches('/');
    // A root of `/` would eat every path.
    if root.is_empty() {
        return None;
    }
    replace_all(s, &[root], "[data-root]")
}

fn daemon_version(r: &Redactions, _: &Scope<'_>, s: &str) -> Option<String> {
    // Too short a version (`1`) would hit unrelated numbers.
    if r.daemon_version.len() < 3 {
        return None;
    }
    replace_all(s, &[r.daemon_version.as_str()], "[daemon-version]")
}

/// `/run/docker/netns/6199f3ebfc69`: the exec-root is not in `/info`, but it always precedes `/netns/`.
fn exec_root(_: &Redactions, scope: &Scope<'_>, v: &Value) -> Option<Value> {
    let s = v.as_str()?;
    let i = s.find("/netns/").filter(|i| *i > 0)?;
    (scope.key() == Some("SandboxKey")).then(|| Value::String(format!("[exec-root]{}", &s[i..])))
}

/// `/run/containers/storage/overlay-containers/<id>/userdata/hostname`: Podman keeps a container's hostname,
/// hosts and resolv.conf under its storage run root (`--runroot`), which `/info` does not report but which is
/// always followed by `/<storage driver>-containers/`. dockerd keeps them under its data-root (`/containers/`).
fn run_root(_: &Redactions, scope: &Scope<'_>, v: &Value) -> Option<Value> {
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
fn requested_version(_: &Redactions, scope: &Scope<'_>, s: &str) -> Option<String> {
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

fn is_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
}

/// Docker's engine id: 12 groups of 4 upper-case base32 characters joined by `:`.
fn is_engine_id(s: &str) -> bool {
    let groups: Vec<&str> = s.split(':').collect();
    groups.len() == 12
        && groups.iter().all(|g| g.len() == 4 && g.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()))
}

fn ids(_: &Redactions, _: &Scope<'_>, s: &str) -> Option<String> {
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
fn uuid_len(b: &[u8]) -> Option<usize> {
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
fn timestamp_len(b: &[u8]) -> Option<usize> {
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

fn timestamps(_: &Redactions, _: &Scope<'_>, s: &str) -> Option<String> {
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

fn positive(v: &Value) -> bool {
    v.as_f64().is_some_and(|n| n > 0.0)
}

fn non_negative(v: &Value) -> bool {
    v.as_f64().is_some_and(|n| n >= 0.0)
}

const EPOCH_KEYS: &[&str] =
    &["Created", "created", "Time", "time", "timeNano", "CreatedAt", "UpdatedAt", "StartedAt", "FinishedAt"];

fn epoch(_: &Redactions, scope: &Scope<'_>, v: &Value) -> Option<Value> {
    (positive(v) && scope.key().is_some_and(|k| EPOCH_KEYS.contains(&k))).then(|| Value::from("[timestamp]"))
}

/// `Up 5 seconds (healthy)` -> `Up [duration] (healthy)`; `Exited (137) 2 minutes ago` -> `Exited (137) [duration] ago`.
fn container_status(s: &str) -> Option<String> {
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

fn duration(_: &Redactions, scope: &Scope<'_>, v: &Value) -> Option<Value> {
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

fn size(_: &Redactions, scope: &Scope<'_>, v: &Value) -> Option<Value> {
    // -1 is a sentinel ("not computed") that changes with the API version: keep it.
    (non_negative(v) && scope.key().is_some_and(|k| SIZE_KEYS.contains(&k))).then(|| Value::from("[size]"))
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

fn counter(_: &Redactions, scope: &Scope<'_>, v: &Value) -> Option<Value> {
    (non_negative(v) && scope.key().is_some_and(|k| COUNTER_KEYS.contains(&k))).then(|| Value::from("[count]"))
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

fn usage(_: &Redactions, scope: &Scope<'_>, v: &Value) -> Option<Value> {
    let under = scope.path.iter().any(|seg| matches!(seg, PathSeg::Key(k) if USAGE_KEYS.contains(&k.as_str())));
    (under && v.is_number()).then(|| Value::from("[usage]"))
}

fn address(_: &Redactions, scope: &Scope<'_>, v: &Value) -> Option<Value> {
    match (scope.key()?, v.as_str()?) {
        (_, "") => None,
        ("Subnet" | "IPRange", _) => placeholder("[subnet]"),
        ("Gateway", _) => placeholder("[address]"),
        _ => None,
    }
}

fn is_clock(s: &str) -> bool {
    let parts: Vec<&str> = s.split(':').collect();
    (2..=3).contains(&parts.len()) && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

fn pid(_: &Redactions, scope: &Scope<'_>, v: &Value) -> Option<Value> {
    if positive(v) && scope.key().is_some_and(|k| matches!(k, "Pid" | "PID" | "pid")) {
        return placeholder("[pid]");
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
        Value::String(s) if in_top_row && is_clock(s) => placeholder("[time]"),
        _ => None,
    }
}

fn host(r: &Redactions, scope: &Scope<'_>, v: &Value) -> Option<Value> {
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

fn build(_: &Redactions, scope: &Scope<'_>, v: &Value) -> Option<Value> {
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

/// `History` of an image in Podman's image list (`[{"History": ["docker.io/x/image:latest", ...]}]`): every name
/// the image has had, newest first. On the run's shared image these are the tags the run's own image.tag and
/// image.delete probes put on it and take off, as many as have run when the list is asked for. Normalising keeps
/// the list as a set, so it reads `["[name]"]`: the field is there and holds names. dockerd has no such field.
fn names_history(_: &Redactions, scope: &Scope<'_>, v: &Value) -> Option<Value> {
    let in_list = matches!(scope.path, [PathSeg::Item, PathSeg::Key(k), PathSeg::Item] if k == "History");
    (in_list && v.is_string()).then(|| Value::from("[name]"))
}

#[cfg(test)]
mod tests {
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
}

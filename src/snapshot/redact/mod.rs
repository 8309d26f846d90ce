//! The redaction rules: one ordered, tested list that turns volatile values into placeholders (`[id]`, ...).
//!
//! Text rules rewrite parts of any string (JSON values, object keys, plain-text bodies, stream summaries,
//! request paths). Field rules replace a whole JSON scalar, chosen by where it sits (its key and parents).
//! Rules run in list order, each on the output of the one before; a field rule never touches a value that
//! is already a placeholder.

use serde_json::Value;

use crate::model::{ApiVersion, EngineKind};
use rules::*;

mod rules;
#[cfg(test)]
mod tests;

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
        what: "the daemon's exec-root before /netns/ in a SandboxKey and before its containerd's socket -> [exec-root]",
        kind: RuleKind::Field(exec_root),
    },
    Rule {
        name: "run-root",
        what: "Podman's run root before /<driver>-containers/ in HostnamePath, HostsPath, ResolvConfPath -> [run-root]",
        kind: RuleKind::Field(run_root),
    },
    Rule {
        name: "volume-root",
        what: "the folder before /volumes/ in a volume's Mountpoint outside the data-root (Podman 5+) -> [volume-root]",
        kind: RuleKind::Field(volume_root),
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
    Rule {
        name: "size",
        what: "byte sizes, memory totals and a node's memory (not -1) -> [size]",
        kind: RuleKind::Field(size),
    },
    Rule {
        name: "counter",
        what: "object counts, goroutines, file descriptors, CPUs, a node's NanoCPUs (not -1) -> [count]",
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
        what: "process ids (not 0), top's pid and time columns, a SandboxKey's /proc/PID -> [pid], [time]",
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
        name: "swarm",
        what: "swarm object ids, version indexes, join tokens and the swarm's CA -> [id], [index], [join-token], [certificate]",
        kind: RuleKind::Field(swarm),
    },
    Rule {
        name: "names-history",
        what: "the names Podman's image list says an image has had (History), which the run's probes add -> [name]",
        kind: RuleKind::Field(names_history),
    },
    Rule {
        name: "history-tags",
        what: "the run's tags in the Tags of Podman 5+'s image history, which the run's probes add -> [name]",
        kind: RuleKind::Field(history_tags),
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

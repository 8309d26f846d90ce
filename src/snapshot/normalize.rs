//! One probe's answer made stable: meaningful headers only, JSON redacted with keys and unordered lists sorted,
//! other bodies summarised; and the text form a snapshot shows for it.

use std::fmt::Write as _;

use serde_json::Value;

use crate::model::{ApiVersion, EngineKind, ProbeOutcome, Verdict};
use crate::snapshot::redact::{PathSeg, Redactions, Scope, redact_json, redact_text};

/// Headers a snapshot keeps (lower-case): the ones that carry meaning. `Date`, `Content-Length` and `Server`
/// (the daemon's exact version) are left out; stream media types arrive as `content-type`.
pub const SNAPSHOT_HEADERS: &[&str] = &["api-version", "content-type", "docker-experimental", "ostype"];

/// Plain-text bodies longer than this are cut in a snapshot (they are error messages, not data).
const TEXT_CAP: usize = 4096;

/// What an answer's body becomes in a snapshot.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// No body.
    Empty,
    /// A JSON document, redacted, keys sorted, arrays of objects sorted.
    Json(Value),
    /// A plain-text body (a Go `http.Error` message), redacted.
    Text(String),
    /// The runner's summary of a stream (media type, frame kinds, what was read back), redacted.
    Stream(String),
    /// Bytes that are not text (a tar archive, an image), by media type.
    Binary(String),
    /// A body cut at the evidence cap that is not readable as a whole, by media type.
    Truncated(String),
}

/// One answer as a snapshot shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// Method and path without the version prefix, redacted (`GET /containers/[fixture]/json`).
    pub request: String,
    /// The status; `None` when no answer came.
    pub status: Option<u16>,
    /// The verdict, kept only when no answer came (`error`, `skipped`).
    pub no_answer: Option<Verdict>,
    /// [`SNAPSHOT_HEADERS`] present in the answer, sorted by name.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Body,
}

/// The endpoints whose bodies no snapshot keeps: the logs of the run's swarm service and of its task, whose `sleep`
/// writes nothing, came empty at every version in one sweep of dockerd 28.5 and with a frame at 1.46 in the next
/// (a fresh daemon at `--jobs 32`); and `/system/df`, which lists every object on the daemon: at `--jobs 32` the
/// dangling images concurrent builds leave on Podman, on a user's daemon their own (what changes in it with the
/// version is observed: `/Images/*/VirtualSize`, `/BuilderSize`). Their status and headers stay, and the bodies of
/// their refusals.
pub const UNSTABLE_BODIES: [&str; 4] = ["service.logs", "task.logs", "system.data.usage", "system.data.usage[type]"];

/// Normalises one probe's answer.
pub fn normalize(probe: &ProbeOutcome, r: &Redactions) -> Answer {
    let status = probe.status;
    let requested = probe.api_version;
    let scope = Scope { path: &[], status, requested };
    let request = if probe.request.is_empty() { probe.path.as_str() } else { strip_version(&probe.request) };
    let request = redact_text(r, &scope, &format!("{} {request}", probe.method));
    if status.is_none() {
        return Answer { request, status, no_answer: Some(probe.verdict), headers: Vec::new(), body: Body::Empty };
    }
    let ev = &probe.evidence;
    let mut headers: Vec<(String, String)> = ev
        .headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_string()))
        .filter(|(k, _)| SNAPSHOT_HEADERS.contains(&k.as_str()))
        .collect();
    headers.sort();
    headers.dedup_by(|a, b| a.0 == b.0);
    let media_type = headers.iter().find(|(k, _)| k == "content-type").map_or("", |(_, v)| v.as_str()).to_string();
    let mut body = body(r, status, requested, ev.body.as_deref(), ev.body_truncated, ev.stream.as_deref(), &media_type);
    // A whole stream of JSON values (the events a window made) is the list of its values, each redacted, sorted
    // like any list of objects: their count and fields are the answer, not when each came.
    if ev.json_stream && !ev.body_truncated && matches!(body, Body::Text(_)) {
        let values: Result<Vec<Value>, _> =
            serde_json::Deserializer::from_str(ev.body.as_deref().unwrap_or_default()).into_iter::<Value>().collect();
        if let Ok(values) = values.map(Value::Array) {
            // Each event once, and none of Podman's `cleanup`: conmon's exit handler logs it from a process of its
            // own, none, once or twice, before or after the window's removal of the container (the same run at
            // --jobs 1 had none, at --jobs 32 one, then two). The observations keep what came.
            let mut v = normalize_json(r, status, requested, &values);
            if let Value::Array(list) = &mut v {
                list.dedup();
                if r.engine == Some(EngineKind::Podman) {
                    list.retain(|e| e.get("Action").and_then(Value::as_str) != Some("cleanup"));
                }
            }
            body = Body::Json(v);
        }
    }
    if UNSTABLE_BODIES.contains(&probe.endpoint.as_str()) && status.is_some_and(|s| (200..300).contains(&s)) {
        body = Body::Empty;
    }
    Answer { request, status, no_answer: None, headers, body }
}

fn body(
    r: &Redactions,
    status: Option<u16>,
    requested: Option<ApiVersion>,
    text: Option<&str>,
    truncated: bool,
    stream: Option<&str>,
    media_type: &str,
) -> Body {
    let scope = Scope { path: &[], status, requested };
    if let Some(summary) = stream {
        return Body::Stream(redact_text(r, &scope, summary));
    }
    let Some(text) = text.filter(|t| !t.is_empty()) else {
        return Body::Empty;
    };
    let trimmed = text.trim_start();
    let looks_json = media_type.contains("json") || trimmed.starts_with('{') || trimmed.starts_with('[');
    if let Some(v) = looks_json.then(|| serde_json::from_str::<Value>(text).ok()).flatten() {
        return Body::Json(normalize_json(r, status, requested, &v));
    }
    let media = if media_type.is_empty() { "unknown media type".to_string() } else { media_type.to_string() };
    if truncated {
        return Body::Truncated(media);
    }
    let binary = text.chars().any(|c| c == char::REPLACEMENT_CHARACTER || (c.is_control() && !"\n\r\t".contains(c)));
    if binary {
        return Body::Binary(media);
    }
    let text = progress_outline(text);
    let mut t = redact_text(r, &scope, &text);
    if t.len() > TEXT_CAP {
        let cut = (0..=TEXT_CAP).rev().find(|i| t.is_char_boundary(*i)).unwrap_or(0);
        t.truncate(cut);
        t.push_str("[...]");
    }
    Body::Text(t)
}

/// A progress stream (push, pull: JSON lines, some with `progressDetail`) without its lines about each layer (those
/// with both an `id` and `progressDetail`): whether a layer shows `Already exists` or `Downloading` and `Pull
/// complete` depends on what a pull beside it had fetched, and how many progress lines come on the timing. What
/// stays (the repository, the digest, `aux`, an error) is the answer. Any other text comes back as it is.
fn progress_outline(text: &str) -> std::borrow::Cow<'_, str> {
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).filter(|l| !l.is_empty()).collect();
    let objects: Option<Vec<serde_json::Map<String, Value>>> =
        lines.iter().map(|l| serde_json::from_str::<Value>(l).ok()?.as_object().cloned()).collect();
    let Some(objects) = objects.filter(|o| o.len() > 1 && o.iter().any(|m| m.contains_key("progressDetail"))) else {
        return text.into();
    };
    let kept: Vec<&str> = lines
        .iter()
        .zip(&objects)
        .filter(|(_, m)| !(m.contains_key("progressDetail") && m.contains_key("id")))
        .map(|(l, _)| *l)
        .collect();
    kept.join("\n").into()
}

/// `/v1.41/containers/json?all=1` -> `/containers/json?all=1`.
fn strip_version(request: &str) -> &str {
    if let Some(rest) = request.strip_prefix("/v") {
        let end = rest.find('/').unwrap_or(rest.len());
        let seg = &rest[..end];
        if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return if end == rest.len() { "/" } else { &rest[end..] };
        }
    }
    request
}

/// Redacts a JSON body, then sorts object keys, arrays of objects (lists of resources, which the API gives in
/// no set order) and the [`UNORDERED`] lists. Other arrays of scalars and of arrays keep their order: commands,
/// arguments, table rows.
pub fn normalize_json(r: &Redactions, status: Option<u16>, requested: Option<ApiVersion>, v: &Value) -> Value {
    sort(redact_json(r, status, requested, v), &mut Vec::new(), r.engine)
}

/// A list of scalars or of arrays that a daemon sends in no set order, sorted (after redaction) before comparing.
#[derive(Debug, Clone, Copy)]
pub struct Unordered {
    /// Short name (`env`).
    pub name: &'static str,
    /// Whether equal items (after redaction) are kept once: the list is read as a set.
    pub dedup: bool,
    /// The keys from the body's root to the list; `[]` stands for any item of an array.
    pub path: &'static [&'static str],
    /// The one engine whose order is random; `None` for all. Where an engine keeps a set order, the snapshot
    /// keeps it too, as the engine's clients see it.
    pub engine: Option<EngineKind>,
    /// Why the order carries no meaning.
    pub why: &'static str,
}

/// Every list sorted by [`normalize_json`], besides arrays of objects.
pub const UNORDERED: &[Unordered] = &[
    Unordered {
        name: "env",
        dedup: false,
        path: &["Config", "Env"],
        engine: None,
        why: "Podman fills a container's Env from a Go map (container=podman, HOSTNAME=... change places with \
              each answer, and an image committed from it keeps that order); the daemon has already merged \
              duplicate names, so a client reads Env as a set of NAME=value and the order carries no meaning",
    },
    Unordered {
        name: "driver-status",
        dedup: false,
        path: &["DriverStatus"],
        engine: Some(EngineKind::Podman),
        why: "Podman fills /info's DriverStatus from its storage's GraphStatus, a Go map, so the [name, value] \
              pairs come in a new order with each answer; dockerd's graph drivers return a fixed list, which \
              `docker info` prints in that order, so dockerd's is kept",
    },
    Unordered {
        name: "exec-ids",
        dedup: true,
        path: &["ExecIDs"],
        engine: None,
        why: "a container's exec sessions alive at that moment: the run's exec probes on the shared container \
              start and end while it is inspected, so there are one or two, as it happens; every id reads [id] \
              once redacted, so the list is kept as a set, which still says whether it is null, empty or not",
    },
    Unordered {
        name: "names-history",
        dedup: true,
        path: &["[]", "History"],
        engine: None,
        why: "Podman's image list gives every name an image has had: on the run's shared image, the tags its \
              image.tag and image.delete probes added so far, which the names-history rule makes [name]; kept as \
              a set, the list says the field is there and holds names",
    },
    Unordered {
        name: "history-tags",
        dedup: true,
        path: &["[]", "Tags"],
        engine: Some(EngineKind::Podman),
        why: "Podman 5+'s image history gives each layer every name of the images on it: on the run's shared image, \
              the tags its image.tag probes added so far, which the history-tags rule makes [name]; kept as a set, \
              the list says the layer has names of the run's and which others",
    },
    Unordered {
        name: "repo-digests",
        dedup: true,
        path: &["RepoDigests"],
        engine: Some(EngineKind::Podman),
        why: "Podman lists a digest per name the image has been stored under; on the run's image the image probes \
              running beside image.inspect leave one or two, which read the same once redacted \
              (docker.io/dockmatrix-[run-id]/image@[digest]); kept as a set, the list says which repository the \
              digests name",
    },
    Unordered {
        name: "repo-digests-list",
        dedup: true,
        path: &["[]", "RepoDigests"],
        engine: Some(EngineKind::Podman),
        why: "the same RepoDigests, for each image of Podman's image list",
    },
    Unordered {
        name: "volumes-deleted",
        dedup: false,
        path: &["VolumesDeleted"],
        engine: None,
        why: "a prune reports what it removed in the order it walked them (a Go map): dockerd 26.1+ keeps a named \
              volume from API 1.42 on, so a later prune at an older version removes two, in either order",
    },
    Unordered {
        name: "containers-deleted",
        dedup: false,
        path: &["ContainersDeleted"],
        engine: None,
        why: "what a container prune removed, in the order it walked them",
    },
    Unordered {
        name: "networks-deleted",
        dedup: false,
        path: &["NetworksDeleted"],
        engine: None,
        why: "what a network prune removed, in the order it walked them",
    },
];

/// A list where the run's own objects show only as the moment has them: its items that name the run (`[run-id]`
/// once redacted) are left out before comparing.
#[derive(Debug, Clone, Copy)]
pub struct Transient {
    /// Short name (`node-plugins`).
    pub name: &'static str,
    /// The keys from the body's root to the list; `[]` stands for any item of an array.
    pub path: &'static [&'static str],
    /// Why the run's items come and go.
    pub why: &'static str,
}

/// Every list whose items of the run's are left out by [`normalize_json`].
pub const TRANSIENT: &[Transient] = &[
    Transient {
        name: "node-plugins",
        path: &["Description", "Engine", "Plugins"],
        why: "a swarm node lists the log plugins it has seen enabled as of its last description: the run's own \
              (--allow plugin) are there or not as the sweep's enable and disable probes were when it was refreshed",
    },
    Transient {
        name: "node-list-plugins",
        path: &["[]", "Description", "Engine", "Plugins"],
        why: "the same plugins, in the node list",
    },
];

/// Whether `path` is the list `want` names (`[]` for any item).
fn at_path(want: &[&str], path: &[PathSeg]) -> bool {
    want.len() == path.len()
        && want.iter().zip(path).all(|(want, seg)| match seg {
            PathSeg::Key(k) => k == want,
            PathSeg::Item => *want == "[]",
        })
}

/// The [`UNORDERED`] entry for the list at `path`, if any.
fn unordered(path: &[PathSeg], engine: Option<EngineKind>) -> Option<&'static Unordered> {
    UNORDERED.iter().find(|u| u.engine.is_none_or(|e| Some(e) == engine) && at_path(u.path, path))
}

fn sort(v: Value, path: &mut Vec<PathSeg>, engine: Option<EngineKind>) -> Value {
    match v {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map
                .into_iter()
                .map(|(k, child)| {
                    path.push(PathSeg::Key(k.clone()));
                    let child = sort(child, path, engine);
                    path.pop();
                    (k, child)
                })
                .collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().collect())
        }
        Value::Array(items) => {
            let unordered = unordered(path, engine);
            path.push(PathSeg::Item);
            let mut items: Vec<Value> = items.into_iter().map(|item| sort(item, path, engine)).collect();
            path.pop();
            if TRANSIENT.iter().any(|t| at_path(t.path, path)) {
                items.retain(|item| !item.to_string().contains("[run-id]"));
            }
            if unordered.is_some() || (!items.is_empty() && items.iter().all(Value::is_object)) {
                items.sort_by_cached_key(Value::to_string);
            }
            if unordered.is_some_and(|u| u.dedup) {
                items.dedup();
            }
            Value::Array(items)
        }
        other => other,
    }
}

impl Answer {
    /// Appends this answer's lines at `indent`; with `with_request`, a `request:` line comes first.
    pub fn render(&self, with_request: bool, indent: usize, out: &mut String) {
        let pad = " ".repeat(indent);
        if with_request {
            line(out, &pad, &format!("request: {}", quote(&self.request)));
        }
        match (self.status, self.no_answer) {
            (Some(s), _) => line(out, &pad, &format!("status: {s}")),
            (None, Some(v)) => {
                line(out, &pad, &format!("no-answer: {v}"));
                return;
            }
            (None, None) => line(out, &pad, "no-answer: unknown"),
        }
        if !self.headers.is_empty() {
            line(out, &pad, "headers:");
            for (k, v) in &self.headers {
                line(out, &pad, &format!("  {k}: {}", quote(v)));
            }
        }
        match &self.body {
            Body::Empty => line(out, &pad, "body: empty"),
            Body::Json(v) => match v {
                Value::Object(m) if !m.is_empty() => {
                    line(out, &pad, "json:");
                    write_yaml(v, indent + 2, out);
                }
                Value::Array(a) if !a.is_empty() => {
                    line(out, &pad, "json:");
                    write_yaml(v, indent + 2, out);
                }
                scalar => line(out, &pad, &format!("json: {}", scalar_text(scalar))),
            },
            Body::Text(t) => line(out, &pad, &format!("text: {}", quote(t))),
            Body::Stream(s) => line(out, &pad, &format!("stream: {}", quote(s))),
            Body::Binary(m) => line(out, &pad, &format!("binary: {}", quote(m))),
            Body::Truncated(m) => line(out, &pad, &format!("truncated: {}", quote(m))),
        }
    }
}

fn line(out: &mut String, pad: &str, text: &str) {
    let _ = writeln!(out, "{pad}{text}");
}

/// A YAML double-quoted scalar; JSON string syntax is a subset of it.
fn quote(s: &str) -> String {
    Value::String(s.to_string()).to_string()
}

fn key_text(k: &str) -> String {
    let plain = k.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && k.chars().all(|c| c.is_ascii_alphanumeric() || "_.-/".contains(c));
    if plain { k.to_string() } else { quote(k) }
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => quote(s),
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
        other => other.to_string(),
    }
}

fn is_block(v: &Value) -> bool {
    match v {
        Value::Object(m) => !m.is_empty(),
        Value::Array(a) => !a.is_empty(),
        _ => false,
    }
}

/// Writes a JSON value as block YAML at `indent` (strings always quoted, so placeholders read as strings).
pub fn write_yaml(v: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                if is_block(child) {
                    line(out, &pad, &format!("{}:", key_text(k)));
                    write_yaml(child, indent + 2, out);
                } else {
                    line(out, &pad, &format!("{}: {}", key_text(k), scalar_text(child)));
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                if is_block(item) {
                    // Render the item one level deeper, then put the dash in front of its first line.
                    let mut inner = String::new();
                    write_yaml(item, indent + 2, &mut inner);
                    let body = inner.get(indent + 2..).unwrap_or("");
                    let _ = write!(out, "{pad}- {body}");
                } else {
                    line(out, &pad, &format!("- {}", scalar_text(item)));
                }
            }
        }
        scalar => line(out, &pad, &scalar_text(scalar)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::fixture::load;

    #[test]
    fn a_progress_stream_keeps_what_does_not_depend_on_the_layers_already_there() {
        let fresh = "{\"status\":\"Pulling from r/p\",\"id\":\"latest\"}\r\n{\"status\":\"Digest: sha256:1\"}\r\n\
                     {\"status\":\"Downloading\",\"progressDetail\":{\"current\":1},\"id\":\"a1\"}\r\n\
                     {\"status\":\"Pull complete\",\"progressDetail\":{},\"id\":\"a1\"}\r\n\
                     {\"progressDetail\":{},\"aux\":{\"Tag\":\"x\"}}\r\n";
        let cached = "{\"status\":\"Pulling from r/p\",\"id\":\"latest\"}\r\n{\"status\":\"Digest: sha256:1\"}\r\n\
                      {\"status\":\"Already exists\",\"progressDetail\":{},\"id\":\"a1\"}\r\n\
                      {\"progressDetail\":{},\"aux\":{\"Tag\":\"x\"}}\r\n";
        assert_eq!(progress_outline(fresh), progress_outline(cached));
        assert_eq!(
            progress_outline(cached),
            "{\"status\":\"Pulling from r/p\",\"id\":\"latest\"}\n{\"status\":\"Digest: sha256:1\"}\n\
             {\"progressDetail\":{},\"aux\":{\"Tag\":\"x\"}}"
        );
        for other in ["plain text\n", "{\"stream\":\"Step 1/2\"}\n{\"stream\":\"Step 2/2\"}\n", "{\"id\":\"a\"}"] {
            assert_eq!(progress_outline(other), other, "not a progress stream");
        }
    }

    #[test]
    fn yaml_form_is_block_style_with_quoted_strings() {
        let v: Value = serde_json::json!({"b": [1, {"x": "[id]", "y": []}, [true, null]], "a": {}, "c d": "e"});
        let mut out = String::new();
        write_yaml(&sort(v, &mut Vec::new(), None), 0, &mut out);
        assert_eq!(out, "a: {}\nb:\n  - 1\n  - x: \"[id]\"\n    y: []\n  - - true\n    - null\n\"c d\": \"e\"\n");
    }

    #[test]
    fn arrays_of_objects_are_sorted_and_scalar_arrays_keep_order() {
        let v = serde_json::json!({"l": [{"n": "b"}, {"n": "a"}], "cmd": ["sleep", "300", "a"]});
        let s = sort(v, &mut Vec::new(), None);
        assert_eq!(s["l"][0]["n"], "a");
        assert_eq!(s["cmd"], serde_json::json!(["sleep", "300", "a"]));
    }

    /// A recorded answer normalised as a run against `engine` would: `podman-4.3` (this folder's) or
    /// `podman-4.3-b` (another Podman 4.3.1, started in another folder) or `docker-20.10`.
    fn normalized(dir: &str, name: &str, engine: EngineKind) -> Value {
        let f = load(dir, name);
        let r = Redactions { engine: Some(engine), ..Redactions::default() };
        normalize_json(&r, Some(f.status), f.requested(), &f.body)
    }

    fn raw(dir: &str, name: &str, pointer: &str) -> Value {
        load(dir, name).body.pointer(pointer).cloned().unwrap_or_else(|| panic!("{pointer} missing in {dir}/{name}"))
    }

    #[test]
    fn config_env_is_sorted_and_commands_keep_their_order() {
        let name = "container.inspect@v1.36.json";
        // The two daemons sent container=podman first and third.
        assert_ne!(raw("podman-4.3", name, "/Config/Env/0"), raw("podman-4.3-b", name, "/Config/Env/0"));
        for dir in ["podman-4.3", "podman-4.3-b"] {
            let v = normalized(dir, name, EngineKind::Podman);
            assert_eq!(
                v["Config"]["Env"],
                serde_json::json!([
                    "HOSTNAME=[id]",
                    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "TERM=xterm",
                    "container=podman"
                ]),
                "{dir}"
            );
            assert_eq!(v["Config"]["Cmd"], serde_json::json!(["sh", "-c", "echo dockmatrix-ready && exec sleep 3600"]));
            assert_eq!(v["Args"], serde_json::json!(["-c", "echo dockmatrix-ready && exec sleep 3600"]));
        }
        // Only Config.Env: an Env list elsewhere keeps its order.
        let r = Redactions::default();
        let v = normalize_json(&r, Some(200), None, &serde_json::json!({"Spec": {"Env": ["B=1", "A=2"]}}));
        assert_eq!(v["Spec"]["Env"], serde_json::json!(["B=1", "A=2"]));
    }

    #[test]
    fn podman_driver_status_pairs_are_sorted_and_dockerds_keep_their_order() {
        let name = "system.info@v1.37.json";
        assert_ne!(raw("podman-4.3", name, "/DriverStatus"), raw("podman-4.3-b", name, "/DriverStatus"));
        let sorted = serde_json::json!([
            ["Backing Filesystem", "extfs"],
            ["Native Overlay Diff", "true"],
            ["Supports d_type", "true"],
            ["Using metacopy", "false"]
        ]);
        for dir in ["podman-4.3", "podman-4.3-b"] {
            assert_eq!(normalized(dir, name, EngineKind::Podman)["DriverStatus"], sorted, "{dir}");
        }
        // dockerd's drivers give a fixed list, shown by `docker info` in that order.
        let v = normalized("docker-20.10", "system.info@v1.41.json", EngineKind::Docker);
        assert_eq!(
            v["DriverStatus"],
            serde_json::json!([
                ["Backing Filesystem", "extfs"],
                ["Supports d_type", "true"],
                ["Native Overlay Diff", "true"],
                ["userxattr", "false"]
            ])
        );
    }

    #[test]
    fn a_node_s_plugins_of_the_run_are_left_out() {
        let r = Redactions { run_id: "acf1c039626d".into(), ..Redactions::default() };
        let node = serde_json::json!({"Description": {"Engine": {"Plugins": [
            {"Name": "dockmatrix-acf1c039626d-pool-plugin-0:latest", "Type": "Log"},
            {"Name": "json-file", "Type": "Log"}
        ]}}});
        let v = normalize_json(&r, Some(200), None, &node);
        assert_eq!(v["Description"]["Engine"]["Plugins"], serde_json::json!([{"Name": "json-file", "Type": "Log"}]));
        let list = serde_json::json!([node]);
        let v = normalize_json(&r, Some(200), None, &list);
        assert_eq!(v[0]["Description"]["Engine"]["Plugins"].as_array().map(Vec::len), Some(1));
        // Elsewhere a name of the run's stays.
        let other = serde_json::json!({"Plugins": [{"Name": "dockmatrix-acf1c039626d-x"}]});
        assert_eq!(normalize_json(&r, Some(200), None, &other)["Plugins"][0]["Name"], "dockmatrix-[run-id]-x");
    }

    #[test]
    fn exec_ids_are_kept_as_a_set() {
        let name = "container.inspect@v1.36.json";
        // Two exec sessions were alive at that moment on one daemon, one on the other.
        assert_eq!(raw("podman-4.3", name, "/ExecIDs").as_array().map(Vec::len), Some(2));
        assert_eq!(raw("podman-4.3-b", name, "/ExecIDs").as_array().map(Vec::len), Some(1));
        for dir in ["podman-4.3", "podman-4.3-b"] {
            assert_eq!(normalized(dir, name, EngineKind::Podman)["ExecIDs"], serde_json::json!(["[id]"]), "{dir}");
        }
        // None and no sessions stay apart.
        let v = normalized("docker-20.10", "container.inspect@v1.41.json", EngineKind::Docker);
        assert_eq!(v["ExecIDs"], Value::Null);
        let r = Redactions::default();
        assert_eq!(normalize_json(&r, Some(200), None, &serde_json::json!({"ExecIDs": null}))["ExecIDs"], Value::Null);
        assert_eq!(
            normalize_json(&r, Some(200), None, &serde_json::json!({"ExecIDs": []}))["ExecIDs"],
            serde_json::json!([])
        );
    }

    #[test]
    fn podman_image_names_history_is_kept_as_a_set() {
        // Two image lists of one run, before and after more of its image.delete probes ran.
        let dir = "podman-4.3-c";
        let (early, late) = ("image.list@v1.0.json", "image.list@v1.1.json");
        assert_eq!(raw(dir, early, "/0/History").as_array().map(Vec::len), Some(26));
        assert_eq!(raw(dir, late, "/0/History").as_array().map(Vec::len), Some(29));
        let (a, b) = (normalized(dir, early, EngineKind::Podman), normalized(dir, late, EngineKind::Podman));
        assert_eq!(a[0]["History"], serde_json::json!(["[name]"]));
        assert_eq!(a, b);
    }

    #[test]
    fn every_unordered_list_has_a_unique_name_and_a_reason() {
        let mut names: Vec<&str> = UNORDERED.iter().map(|u| u.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), UNORDERED.len());
        assert!(UNORDERED.iter().all(|u| !u.why.is_empty() && !u.path.is_empty()));
    }

    #[test]
    fn strips_the_version_prefix_of_requests() {
        assert_eq!(strip_version("/v1.41/containers/json?all=1"), "/containers/json?all=1");
        assert_eq!(strip_version("/_ping"), "/_ping");
        assert_eq!(strip_version("/volumes"), "/volumes");
        assert_eq!(strip_version("/v1.41"), "/");
    }

    #[test]
    fn events_stay_in_on_every_daemon() {
        let f = load("docker-20.10", "system.version@v1.11.json");
        let mut p = f.probe("system.version");
        (p.endpoint, p.status) = ("system.events".into(), Some(200));
        p.evidence.body = Some("{\"status\":\"create\",\"Type\":\"container\"}\n".into());
        let podman = Redactions { engine: Some(EngineKind::Podman), ..Redactions::default() };
        assert_ne!(normalize(&p, &podman).body, Body::Empty, "Podman's events stay in");
        assert_ne!(normalize(&p, &Redactions::default()).body, Body::Empty, "dockerd's events stay in");
    }

    #[test]
    fn a_whole_stream_of_events_is_the_sorted_list_of_its_redacted_values() {
        let f = load("docker-20.10", "system.version@v1.11.json");
        let mut p = f.probe("system.version");
        (p.endpoint, p.status) = ("system.events".into(), Some(200));
        p.evidence.headers = vec![("content-type".into(), "application/json".into())];
        // An event sent twice is kept once.
        let events = "{\"status\":\"start\",\"time\":1796681763}\n{\"status\":\"create\",\"time\":1796681762}\n\
                      {\"status\":\"start\",\"time\":1796681764}\n";
        p.evidence.body = Some(events.into());
        p.evidence.json_stream = true;
        let want = serde_json::json!([
            {"status": "create", "time": "[timestamp]"},
            {"status": "start", "time": "[timestamp]"},
        ]);
        assert_eq!(normalize(&p, &Redactions::default()).body, Body::Json(want.clone()));
        // Podman's cleanup comes when its conmon gets to it, or not: never in a snapshot of Podman's.
        let cleanup = "{\"status\":\"cleanup\",\"Action\":\"cleanup\",\"time\":1796681765}\n";
        p.evidence.body = Some(format!("{events}{cleanup}"));
        let podman = Redactions { engine: Some(EngineKind::Podman), ..Redactions::default() };
        assert_eq!(normalize(&p, &podman).body, Body::Json(want));
        assert_ne!(normalize(&p, &Redactions::default()), normalize(&p, &podman), "dockerd's events are all kept");
        // Cut by the window: the last value may be cut too, and how many came depends on the timing.
        p.evidence.body_truncated = true;
        assert_eq!(normalize(&p, &Redactions::default()).body, Body::Truncated("application/json".into()));
        // Not read as a stream (a build's progress lines): text in the order it came.
        (p.evidence.body_truncated, p.evidence.json_stream) = (false, false);
        assert!(matches!(normalize(&p, &Redactions::default()).body, Body::Text(_)));
    }

    #[test]
    fn keeps_only_meaningful_headers_and_summarises_text_errors() {
        let f = load("docker-20.10", "system.version@v1.11.json");
        let a = normalize(&f.probe("system.version"), &Redactions::default());
        let names: Vec<&str> = a.headers.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["api-version", "content-type", "ostype"]);
        assert!(matches!(a.body, Body::Text(ref t) if t.starts_with("client version [requested-version] is too old")));
        assert_eq!(a.request, "GET /version");
    }

    #[test]
    fn streams_and_binary_bodies_are_summarised() {
        let f = load("docker-20.10", "system.ping@unversioned.json");
        let mut p = f.probe("system.ping");
        p.evidence.stream = Some("multiplexed-stream: stdout 1 frame, read back \"hi\\n\"".into());
        assert!(matches!(normalize(&p, &Redactions::default()).body, Body::Stream(_)));
        p.evidence.stream = None;
        p.evidence.body = Some("./\0\0\0\u{FFFD}".into());
        assert!(matches!(normalize(&p, &Redactions::default()).body, Body::Binary(_)));
        p.evidence.body = None;
        assert_eq!(normalize(&p, &Redactions::default()).body, Body::Empty);
    }
}

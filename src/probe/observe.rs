//! Observations: the values of an answer a recipe names (`observe:`), kept by version so a version gate shows as
//! a range (`/*/SharedSize`: `-1` up to 1.41, `>0` from 1.42).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::client::Response;
use crate::matrix::model::Observe;

/// What a pointer names when the answer has nothing there.
pub const ABSENT: &str = "absent";

/// The key of a hijacked stream's shape (`multiplexed`, `raw`, `websocket binary`), [`ABSENT`] for an answer
/// that is no stream.
pub const STREAM: &str = "stream";

/// The observations of `resp` for the recipe's `observe` map: key → what was seen. A `stream` answer (a recipe
/// with `stream_ms`) is read as the array of its values, however many there are.
pub fn observe(wanted: &BTreeMap<String, Observe>, resp: &Response, stream: bool) -> BTreeMap<String, String> {
    let body = (!wanted.keys().all(|k| k == "status" || k == STREAM || k.starts_with("header:")))
        .then(|| if stream { stream_values(&resp.body) } else { json_values(&resp.body) });
    wanted
        .iter()
        .map(|(key, how)| {
            let seen = if key == "status" {
                resp.status.to_string()
            } else if key == STREAM {
                ABSENT.to_string()
            } else if let Some(name) = key.strip_prefix("header:") {
                resp.header(name).map_or_else(|| ABSENT.to_string(), |v| shown(&Value::String(v.to_string()), *how))
            } else {
                match &body {
                    Some(Some(v)) => seen_at(v, key, *how),
                    _ => "not JSON".to_string(),
                }
            };
            (key.clone(), seen)
        })
        .collect()
}

/// The body as one JSON value: the document, or the values of a JSON stream (events, a pull's progress) as an
/// array; `None` when it is neither.
pub fn json_values(body: &[u8]) -> Option<Value> {
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        return Some(v);
    }
    stream_values(body).filter(|v| v.as_array().is_some_and(|items| !items.is_empty()))
}

/// The values of a JSON stream as an array: `[]` when it is empty, one item when it holds one (events of a window
/// with a single event); `None` when it is not JSON.
pub fn stream_values(body: &[u8]) -> Option<Value> {
    let values: Result<Vec<Value>, _> = serde_json::Deserializer::from_slice(body).into_iter::<Value>().collect();
    values.ok().map(Value::Array)
}

/// What `pointer` (a JSON pointer whose `*` segments stand for every item or member) names in `root`: one value
/// as [`shown`], several as their distinct shapes joined by ` | `, [`ABSENT`] when nothing is there.
pub fn seen_at(root: &Value, pointer: &str, how: Observe) -> String {
    let mut at: Vec<Option<&Value>> = vec![Some(root)];
    for seg in pointer.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        at = at
            .into_iter()
            .flat_map(|v| -> Vec<Option<&Value>> {
                match (v, seg.as_str()) {
                    (Some(Value::Array(items)), "*") => items.iter().map(Some).collect(),
                    (Some(Value::Object(members)), "*") => members.values().map(Some).collect(),
                    (Some(Value::Array(items)), i) => vec![i.parse::<usize>().ok().and_then(|i| items.get(i))],
                    (Some(Value::Object(members)), k) => vec![members.get(k)],
                    _ => vec![None],
                }
            })
            .collect();
    }
    let seen: BTreeSet<String> =
        at.into_iter().map(|v| v.map_or_else(|| ABSENT.to_string(), |v| shown(v, how))).collect();
    if seen.is_empty() { ABSENT.to_string() } else { seen.into_iter().collect::<Vec<_>>().join(" | ") }
}

/// One value as an observation keeps it: its kind, or (for [`Observe::Value`]) itself, a string unquoted and
/// anything else as compact JSON cut at 80 characters.
pub fn shown(v: &Value, how: Observe) -> String {
    match how {
        Observe::Value => match v {
            Value::String(s) => s.clone(),
            other => {
                let text = other.to_string();
                match text.char_indices().nth(80) {
                    Some((cut, _)) => format!("{}…", &text[..cut]),
                    None => text,
                }
            }
        },
        Observe::Kind => match v {
            Value::Null => "null".into(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => match n.as_f64() {
                Some(x) if x < 0.0 => n.to_string(),
                Some(0.0) => "0".into(),
                _ => ">0".into(),
            },
            Value::String(s) if s.is_empty() => "\"\"".into(),
            Value::String(_) => "string".into(),
            Value::Array(a) if a.is_empty() => "[]".into(),
            Value::Array(_) => "[…]".into(),
            Value::Object(o) if o.is_empty() => "{}".into(),
            Value::Object(_) => "{…}".into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn kinds_hide_sizes_and_ids_but_keep_signs_and_emptiness() {
        let list = json!([{"SharedSize": -1, "Id": "sha256:1"}, {"SharedSize": -1, "Id": "sha256:2"}]);
        assert_eq!(seen_at(&list, "/*/SharedSize", Observe::Kind), "-1");
        assert_eq!(seen_at(&list, "/*/Id", Observe::Kind), "string");
        let sized = json!([{"SharedSize": 0}, {"SharedSize": 4096}]);
        assert_eq!(seen_at(&sized, "/*/SharedSize", Observe::Kind), "0 | >0");
        assert_eq!(seen_at(&json!([]), "/*/SharedSize", Observe::Kind), ABSENT);
        assert_eq!(seen_at(&json!({"A": null}), "/A", Observe::Kind), "null");
        assert_eq!(seen_at(&json!({"A": null}), "/B", Observe::Kind), ABSENT);
        assert_eq!(seen_at(&json!([]), "", Observe::Kind), "[]");
        assert_eq!(seen_at(&json!({"a/b": {"c": "ipc"}}), "/a~1b/c", Observe::Value), "ipc");
        assert_eq!(seen_at(&json!({"M": {"x": 1, "y": "s"}}), "/M/*", Observe::Kind), ">0 | string");
    }

    #[test]
    fn a_json_stream_is_read_as_an_array_of_its_values() {
        let events = b"{\"status\":\"create\",\"Action\":\"create\"}\n{\"Action\":\"start\"}\n";
        let v = json_values(events).expect("a stream of JSON values");
        assert_eq!(seen_at(&v, "/*/status", Observe::Kind), "absent | string");
        assert_eq!(seen_at(&v, "/*/Action", Observe::Value), "create | start");
        assert_eq!(json_values(b""), None);
        assert_eq!(json_values(b"page not found"), None);
        // An answer known to be a stream: one event is still a list of one, none an empty list.
        let one = stream_values(b"{\"Action\":\"die\"}\n").expect("a stream of one");
        assert_eq!(seen_at(&one, "/*/Action", Observe::Value), "die");
        assert_eq!(seen_at(&stream_values(b"").expect("an empty stream"), "/*/Action", Observe::Value), ABSENT);
        assert_eq!(stream_values(b"client version 1.11 is too old"), None);
    }

    #[test]
    fn status_and_headers_are_observed_from_the_answer() {
        let resp = Response {
            status: 400,
            headers: vec![("content-type".into(), "text/plain; charset=utf-8".into())],
            body: b"bad".to_vec(),
            truncated: false,
            over_budget: false,
            elapsed: std::time::Duration::ZERO,
        };
        let wanted = BTreeMap::from([
            ("status".to_string(), Observe::Value),
            ("header:Content-Type".to_string(), Observe::Value),
            ("header:Api-Version".to_string(), Observe::Value),
            ("/message".to_string(), Observe::Kind),
        ]);
        let seen = observe(&wanted, &resp, false);
        assert_eq!(seen["status"], "400");
        assert_eq!(seen["header:Content-Type"], "text/plain; charset=utf-8");
        assert_eq!(seen["header:Api-Version"], ABSENT);
        assert_eq!(seen["/message"], "not JSON");
    }

    #[test]
    fn keys_are_status_headers_streams_or_pointers() {
        let is_key = Observe::is_key;
        assert!(is_key("status") && is_key("header:Content-Type") && is_key("/*/SharedSize") && is_key(""));
        assert!(is_key(STREAM) && !is_key("SharedSize") && !is_key("header:"));
        // An answer that is no hijacked stream has no stream shape; its body is not read for one.
        let resp = Response {
            status: 200,
            headers: Vec::new(),
            body: b"not json".to_vec(),
            truncated: false,
            over_budget: false,
            elapsed: std::time::Duration::ZERO,
        };
        let wanted = BTreeMap::from([(STREAM.to_string(), Observe::Value), ("status".to_string(), Observe::Value)]);
        let seen = observe(&wanted, &resp, false);
        assert_eq!(
            seen.into_iter().collect::<Vec<_>>(),
            [("status".into(), "200".into()), (STREAM.into(), ABSENT.into())]
        );
    }
}

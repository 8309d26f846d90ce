//! The result of one probe: its verdict and the evidence behind it.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::stream::StreamSummary;
use super::{ApiVersion, Conformance, Method, RequestVersion, Verdict};

/// What the daemon sent back, kept as evidence (body capped at [`BODY_EVIDENCE_CAP`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// Headers that carry meaning, lower-case names, sorted by name (no Date or Content-Length).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, String)>,
    /// The body as text (lossy UTF-8), at most [`BODY_EVIDENCE_CAP`] bytes; absent when empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// The body's full length in bytes, as read.
    #[serde(default)]
    pub body_len: u64,
    /// Whether `body` was cut at the cap.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub body_truncated: bool,
    /// Whether the body is a stream of JSON values read for a time (a recipe with `stream_ms`: events), which a
    /// snapshot shows as the list of its values when it is whole.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub json_stream: bool,
    /// A stream's summary (frames, media type, what was read back), for hijacked and streamed answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    /// The structured summary behind `stream` for a hijacked answer (attach, exec start): format, frames, byte
    /// counts, the first output text, how reading ended. `stream` holds its [`StreamSummary::describe`] line. Boxed:
    /// few answers have one, and a run keeps every probe's evidence (if only its slim form) in memory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_summary: Option<Box<StreamSummary>>,
    /// The field paths of a JSON body cut at the cap (`/Images/[]/VirtualSize`, object keys as sent), read from
    /// the whole body: what `diff` compares of an answer whose text the evidence could not keep whole.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
}

/// A key as one JSON Pointer step (RFC 6901 escapes), so a key holding `/` stays one step.
pub fn pointer_step(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// The field paths of a JSON value (the root itself is not a field). `key` rewrites each object key.
pub fn field_paths(v: &Value, key: &dyn Fn(&str) -> String) -> BTreeSet<String> {
    fn walk(v: &Value, at: &str, key: &dyn Fn(&str) -> String, out: &mut BTreeSet<String>) {
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    let path = format!("{at}/{}", pointer_step(&key(k)));
                    out.insert(path.clone());
                    walk(child, &path, key, out);
                }
            }
            Value::Array(items) => {
                let path = format!("{at}/[]");
                if !items.is_empty() {
                    out.insert(path.clone());
                }
                for item in items {
                    walk(item, &path, key, out);
                }
            }
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    walk(v, "", key, &mut out);
    out
}

/// Bodies longer than this are cut in the evidence (the snapshot and the verdict see the cut body).
pub const BODY_EVIDENCE_CAP: usize = 64 * 1024;

/// One probe: an endpoint, sent at one API version, and what came of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeOutcome {
    /// Endpoint id from endpoints.yaml (`container.list`).
    pub endpoint: String,
    /// The endpoint's tag (`Container`), so reports can group without the matrices.
    #[serde(default)]
    pub tag: String,
    /// HTTP method.
    pub method: Method,
    /// Swagger-form path (`/containers/{id}/json`).
    pub path: String,
    /// The API version in the request path; `None` for an unversioned request.
    pub api_version: Option<ApiVersion>,
    /// The path actually sent, fixture names and queries filled in (`/v1.24/containers/json?all=1`).
    #[serde(default)]
    pub request: String,
    /// HTTP status, absent when no answer came (error, skipped).
    pub status: Option<u16>,
    /// The verdict.
    pub verdict: Verdict,
    /// Why this verdict, in a few words (the daemon's message, the reason to skip, what contradicts the matrices).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// Wall time of the request, milliseconds.
    pub duration_ms: u64,
    /// The answer.
    #[serde(default)]
    pub evidence: Evidence,
    /// The answer checked against the spec of its API version; absent when it was not checked (no answer, an
    /// unrouted or version-rejected one, an operation the spec does not have), and in runs made before the check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conformance: Option<Conformance>,
    /// Set when this is the answer to a second try, sent alone after the sweep: what the first try, among the
    /// sweep's others in flight, came to (`GET /v1.7/info timed out after 30.0 s with 32 in flight`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retried: Option<String>,
    /// What the recipe's `observe:` saw in the answer (or in the answer of its `follow:` read): key → value or
    /// kind, the values a version gate changes.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub observed: std::collections::BTreeMap<String, String>,
}

impl ProbeOutcome {
    /// The API version as reports show it: `1.41`, or `unversioned`.
    pub fn version_label(&self) -> String {
        RequestVersion(self.api_version).to_string()
    }

    /// Where it goes in a run: by endpoint id, then API version (unversioned first), then the request sent
    /// ([`crate::model::RunRecord::sort`]).
    pub fn sort_key(&self) -> (&str, Option<ApiVersion>, &str) {
        (&self.endpoint, self.api_version, &self.request)
    }

    /// The same outcome without what only run.json and probes.jsonl need: the headers and body of its answer and
    /// the findings of its check against the spec (what the one-screen summary, the table, the stop rules and the
    /// timing lines read stays: verdict, status, reason, timing, a stream's summary, the body's length). With
    /// `undocumented`, the `undocumented` findings stay (`--fail-on undocumented` lists them).
    pub fn slim(mut self, undocumented: bool) -> Self {
        self.evidence.headers = Vec::new();
        self.evidence.body = None;
        self.conformance = self.conformance.filter(|_| undocumented).map(|mut c| {
            c.findings.retain(|f| f.kind == super::FindingKind::Undocumented);
            c.findings.shrink_to_fit();
            c
        });
        self.reason.shrink_to_fit();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EndedBy, StreamFormat};

    #[test]
    fn evidence_without_a_stream_summary_reads_and_writes_as_before() {
        let old = r#"{"headers":[["content-type","application/vnd.docker.raw-stream"]],"body_len":0,"stream":"raw"}"#;
        let ev: Evidence = serde_json::from_str(old).expect("evidence of an older run");
        assert_eq!((ev.stream.as_deref(), ev.stream_summary.as_deref()), (Some("raw"), None));
        assert!(!serde_json::to_string(&ev).expect("json").contains("stream_summary"));
    }

    #[test]
    fn a_stream_summary_round_trips_and_defaults_missing_fields() {
        let summary = StreamSummary {
            format: StreamFormat::Multiplexed,
            frames: 2,
            stdout_bytes: 18,
            stdout: "dockmatrix-hijack\n".into(),
            ended_by: EndedBy::Window,
            upgraded: true,
            ..StreamSummary::default()
        };
        let ev = Evidence { stream_summary: Some(Box::new(summary.clone())), ..Evidence::default() };
        let json = serde_json::to_value(&ev).expect("json");
        assert_eq!(json["stream_summary"]["format"], "multiplexed");
        assert_eq!(json["stream_summary"]["ended_by"], "window");
        let back: Evidence = serde_json::from_value(json).expect("reads back");
        assert_eq!(back.stream_summary.as_deref(), Some(&summary));
        let sparse: StreamSummary = serde_json::from_str(r#"{"format":"raw"}"#).expect("sparse summary");
        assert_eq!((sparse.frames, sparse.ended_by, sparse.upgraded), (0, EndedBy::Eof, false));
    }
}

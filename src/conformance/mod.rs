//! Conformance: an answer's status and body judged against the official spec of the API version it was asked at,
//! with the schemas of `matrices/schemas.json` (see [`crate::matrix::schemas`]) and a draft-4 JSON Schema
//! validator.
//!
//! Each `(version, operation, status)` schema is compiled once, on first use, and shared by every probe after that;
//! a body is parsed once and validated in place.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::{Map, Value};

use crate::matrix::model::{ErrataFile, Side};
use crate::matrix::schemas::{OperationSchemas, SchemaFile};
use crate::model::{ApiVersion, Conformance, Finding, FindingKind, MAX_FINDINGS, Method, fold_pointer};

/// Compiled schemas by spec version and schema name (`None`: the schema does not compile).
type Compiled = HashMap<(ApiVersion, String), Option<Arc<jsonschema::Validator>>>;

/// What a compiled schema is made of: the schema's name and, sorted, each definition it reaches with the name of its
/// schema. Most operations' schemas are the same over many versions: one compiled validator serves them all.
type Closure = (String, Vec<(String, String)>);

/// Checks answers and request bodies against the spec of their API version.
pub struct Checker {
    schemas: SchemaFile,
    errata: ErrataFile,
    compiled: Mutex<Compiled>,
    /// The validators of [`Checker::compiled`] by what they are made of, shared between the versions whose
    /// schemas agree (a run's memory holds each distinct one once).
    shared: Mutex<HashMap<Closure, Option<Arc<jsonschema::Validator>>>>,
}

impl std::fmt::Debug for Checker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checker").field("versions", &self.schemas.versions.len()).finish_non_exhaustive()
    }
}

/// What is wrong with an answer's content type, if anything: a success (or a `101` that names a media type) in
/// one the operation does not produce, or with none though it has a body; an error body that is not the JSON the
/// spec documents for its status (`schema`). A media type is compared without its parameters (`; charset=...`).
fn content_type_finding(
    produces: &[String],
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
    schema: Option<&String>,
) -> Option<String> {
    let media = content_type.map(|c| c.split(';').next().unwrap_or_default().trim().to_ascii_lowercase());
    let said = |m: &Option<String>| m.clone().unwrap_or_else(|| "none".into());
    if (200..300).contains(&status) || status == 101 {
        if produces.is_empty() || matches!(status, 204 | 304) || (media.is_none() && (status == 101 || body.is_empty()))
        {
            return None;
        }
        if media.as_ref().is_some_and(|m| produces.iter().any(|p| p.eq_ignore_ascii_case(m))) {
            return None;
        }
        return Some(format!("{}; the spec says it produces {}", said(&media), produces.join(" or ")));
    }
    schema.filter(|_| status >= 400 && !body.is_empty())?;
    (!media.as_ref().is_some_and(|m| m.contains("json")))
        .then(|| format!("{} error body; the spec documents a JSON one for {status}", said(&media)))
}

/// What a daemon answered, as the checker reads it.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    /// The status.
    pub status: u16,
    /// The `Content-Type` header, if any.
    pub content_type: Option<&'a str>,
    /// The body as read.
    pub body: &'a [u8],
    /// Whether the body is whole (not cut by the stream window or the body cap).
    pub complete: bool,
}

impl<'a> Answer<'a> {
    /// The answer of `resp`, as the client read it.
    pub fn of(resp: &'a crate::client::Response) -> Self {
        Answer {
            status: resp.status,
            content_type: resp.header("content-type"),
            body: &resp.body,
            complete: !resp.truncated,
        }
    }
}

/// The spec an answer is checked against: its version, and whether that is not the version asked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpecVersion {
    /// The spec's version.
    pub version: ApiVersion,
    /// Below the oldest spec, above the newest, or an unversioned request.
    pub approximate: bool,
}

impl Checker {
    /// A checker of `schemas`.
    pub fn new(schemas: SchemaFile) -> Self {
        Self {
            schemas,
            errata: ErrataFile::default(),
            compiled: Mutex::new(HashMap::new()),
            shared: Mutex::new(HashMap::new()),
        }
    }

    /// The same checker, knowing the spec's mistakes in `errata`.
    pub fn with_errata(self, errata: ErrataFile) -> Self {
        Self { errata, ..self }
    }

    /// Marks each finding of an answer of `endpoint` that agrees with a known mistake of the spec.
    pub fn mark_errata(&self, endpoint: &str, c: &mut Conformance) {
        self.mark(endpoint, c.spec, &mut c.findings, Side::Response);
    }

    fn mark(&self, endpoint: &str, spec: ApiVersion, findings: &mut [Finding], side: Side) {
        for f in findings {
            f.erratum = self.errata.find(endpoint, spec, f, side).map(|e| e.id.clone());
        }
    }

    /// The spec to check a request at `asked` against: that version's; below the oldest spec the oldest, above the
    /// newest the newest (approximate); an unversioned request is served at `served_max`, the daemon's own
    /// version (approximate: the daemon says which it is, the request does not).
    pub fn spec_for(&self, asked: Option<ApiVersion>, served_max: Option<ApiVersion>) -> Option<SpecVersion> {
        let (oldest, newest) = self.schemas.span()?;
        let (v, unversioned) = match asked {
            Some(v) => (v, false),
            None => (served_max?, true),
        };
        let version = v.clamp(oldest, newest);
        Some(SpecVersion { version, approximate: unversioned || version != v })
    }

    fn operation(&self, spec: ApiVersion, method: Method, path: &str) -> Option<&OperationSchemas> {
        self.schemas.versions.get(&spec)?.operations.get(&format!("{method} {path}"))
    }

    /// The compiled schema `name` of the version `spec`, with the definitions it refers to.
    fn validator(&self, spec: ApiVersion, name: &str) -> Option<Arc<jsonschema::Validator>> {
        let key = (spec, name.to_string());
        if let Some(v) = self.compiled.lock().ok()?.get(&key) {
            return v.clone();
        }
        let closure = self.closure(spec, name)?;
        let shared = self.shared.lock().ok()?.get(&closure).cloned();
        let built = match shared {
            Some(v) => v,
            None => {
                let built = self.build(&closure).map(Arc::new);
                self.shared.lock().ok()?.insert(closure, built.clone());
                built
            }
        };
        self.compiled.lock().ok()?.insert(key, built.clone());
        built
    }

    /// The schema `name` of the version `spec` and the definitions it reaches there; `None` when there is no such
    /// version or schema.
    fn closure(&self, spec: ApiVersion, name: &str) -> Option<Closure> {
        let defs = &self.schemas.versions.get(&spec)?.definitions;
        let schema = self.schemas.schema(name)?;
        let mut wanted: Vec<String> = refs(schema);
        let mut definitions: BTreeMap<String, String> = BTreeMap::new();
        while let Some(d) = wanted.pop() {
            if definitions.contains_key(&d) {
                continue;
            }
            let Some((n, s)) = defs.get(&d).and_then(|n| Some((n, self.schemas.schema(n)?))) else { continue };
            wanted.extend(refs(s));
            definitions.insert(d, n.clone());
        }
        Some((name.to_string(), definitions.into_iter().collect()))
    }

    /// The validator of a schema and its definitions.
    fn build(&self, (name, defs): &Closure) -> Option<jsonschema::Validator> {
        let schema = self.schemas.schema(name)?;
        let definitions: Map<String, Value> =
            defs.iter().filter_map(|(d, n)| Some((d.clone(), self.schemas.schema(n)?.clone()))).collect();
        let root = serde_json::json!({ "allOf": [schema], "definitions": definitions });
        jsonschema::draft4::new(&root).ok()
    }

    /// Checks one answer of `method path` at `spec`: its status, and its body when the spec documents a JSON one
    /// for that status (a JSON stream is checked item by item). A body that is not `complete` (cut by the stream
    /// window or the body cap) is checked up to its last whole value. `None` when the spec of that version has no
    /// such operation.
    pub fn check_response(
        &self,
        spec: SpecVersion,
        method: Method,
        path: &str,
        answer: Answer<'_>,
    ) -> Option<Conformance> {
        let Answer { status, content_type, body, complete } = answer;
        let op = self.operation(spec.version, method, path)?;
        let mut findings = Findings::default();
        let status_text = status.to_string();
        let documented = op.statuses.iter().any(|s| *s == status_text || s == "default");
        if !documented {
            let listed = op.statuses.join(", ");
            findings.push(FindingKind::UndocumentedStatus, String::new(), format!("{status}; the spec lists {listed}"));
        }
        let schema = op.responses.get(&status_text).or_else(|| op.responses.get("default"));
        if method != Method::Head
            && let Some(detail) = content_type_finding(&op.produces, status, content_type, body, schema)
        {
            findings.push(FindingKind::ContentType, String::new(), detail);
        }
        let json_documented = op.produces.is_empty() || op.produces.iter().any(|p| p.contains("json"));
        let answered_json = content_type.is_none_or(|c| c.contains("json"));
        // A body documented as a bare string is raw bytes (logs, exports, `_ping`), not JSON.
        let raw =
            schema.and_then(|s| self.schemas.schema(s)).is_some_and(|s| s.get("type") == Some(&Value::from("string")));
        if let Some(schema) = schema.filter(|_| json_documented && answered_json && !raw && method != Method::Head)
            && let Some(validator) = self.validator(spec.version, schema)
        {
            match parse(body, complete) {
                Parsed::Empty => {}
                Parsed::One(v) => findings.validate(&validator, &v, ""),
                Parsed::Stream(items) => {
                    for (i, v) in items.iter().enumerate() {
                        findings.validate(&validator, v, &format!("/{i}"));
                    }
                }
                Parsed::NotJson(why) => findings.push(FindingKind::NotJson, String::new(), why),
            }
        }
        Some(findings.into_conformance(spec))
    }

    /// The findings of a request body sent to `method path` at `version` (empty when the body conforms, or the
    /// spec documents no JSON body for the operation); `endpoint` marks those the errata know.
    pub fn check_request(
        &self,
        endpoint: &str,
        version: ApiVersion,
        method: Method,
        path: &str,
        body: &Value,
    ) -> Vec<Finding> {
        let Some(name) = self.operation(version, method, path).and_then(|o| o.body.as_deref()) else {
            return Vec::new();
        };
        let Some(validator) = self.validator(version, name) else { return Vec::new() };
        let mut findings = Findings::default();
        findings.validate(&validator, body, "");
        let mut list = findings.list;
        self.mark(endpoint, version, &mut list, Side::Request);
        list
    }
}

/// Every `#/definitions/X` a schema refers to.
fn refs(schema: &Value) -> Vec<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![schema];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(o) => {
                if let Some(r) = o.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/definitions/")) {
                    out.insert(r.to_string());
                }
                stack.extend(o.values());
            }
            Value::Array(a) => stack.extend(a),
            _ => {}
        }
    }
    out.into_iter().collect()
}

/// A body, read as JSON.
enum Parsed {
    Empty,
    One(Value),
    /// Several JSON values one after another (`events`, `stats`, pull progress).
    Stream(Vec<Value>),
    NotJson(String),
}

fn parse(body: &[u8], complete: bool) -> Parsed {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Parsed::Empty;
    }
    if !complete {
        let whole: Vec<Value> =
            serde_json::Deserializer::from_slice(body).into_iter::<Value>().map_while(Result::ok).collect();
        return match whole.len() {
            0 => Parsed::Empty,
            1 => Parsed::One(whole.into_iter().next().unwrap_or_default()),
            _ => Parsed::Stream(whole),
        };
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(v) => Parsed::One(v),
        Err(whole) => {
            let items: Result<Vec<Value>, _> =
                serde_json::Deserializer::from_slice(body).into_iter::<Value>().collect();
            match items {
                Ok(items) if items.len() > 1 => Parsed::Stream(items),
                _ => {
                    let start: String = String::from_utf8_lossy(&body[..body.len().min(40)]).into_owned();
                    Parsed::NotJson(format!("{whole}; the body starts {start:?}"))
                }
            }
        }
    }
}

/// Findings as they are gathered: one per kind and place, array indices folded.
#[derive(Default)]
struct Findings {
    list: Vec<Finding>,
    seen: BTreeSet<(FindingKind, String)>,
}

impl Findings {
    fn push(&mut self, kind: FindingKind, pointer: String, detail: String) {
        if self.seen.insert((kind, fold_pointer(&pointer))) {
            self.list.push(Finding { kind, pointer, detail, erratum: None });
        }
    }

    fn validate(&mut self, validator: &jsonschema::Validator, instance: &Value, prefix: &str) {
        for e in validator.iter_errors(instance) {
            let at = format!("{prefix}{}", e.instance_path().as_str());
            match e.kind() {
                ValidationErrorKind::Required { property } => {
                    let name = property.as_str().map_or_else(|| property.to_string(), str::to_string);
                    self.push(FindingKind::MissingRequired, format!("{at}/{}", escape(&name)), String::new());
                }
                ValidationErrorKind::AdditionalProperties { unexpected } => {
                    for name in unexpected {
                        self.push(FindingKind::Undocumented, format!("{at}/{}", escape(name)), String::new());
                    }
                }
                ValidationErrorKind::Type { kind } if e.instance().is_null() => {
                    self.push(FindingKind::Null, at, format!("null, the spec says {}", type_name(kind)));
                }
                ValidationErrorKind::Type { kind } => {
                    let found = json_type(e.instance());
                    self.push(FindingKind::WrongType, at, format!("{found}, the spec says {}", type_name(kind)));
                }
                other => self.push(FindingKind::WrongType, at, other.keyword().to_string()),
            }
        }
    }

    /// At most [`MAX_FINDINGS`], those a typed client trips on first (so a page of `null` fields never hides one),
    /// then in pointer order (the validator's own order follows the schema's keywords).
    fn into_conformance(mut self, spec: SpecVersion) -> Conformance {
        self.list.sort_by(|a, b| {
            (!a.kind.breaks_clients(), &a.pointer, a.kind).cmp(&(!b.kind.breaks_clients(), &b.pointer, b.kind))
        });
        let more = self.list.len().saturating_sub(MAX_FINDINGS) as u64;
        self.list.truncate(MAX_FINDINGS);
        self.list.sort_by(|a, b| (&a.pointer, a.kind).cmp(&(&b.pointer, b.kind)));
        Conformance { spec: spec.version, approximate: spec.approximate, findings: self.list, more }
    }
}

/// A key as a JSON pointer segment writes it.
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn type_name(kind: &TypeKind) -> String {
    match kind {
        TypeKind::Single(t) => t.to_string(),
        TypeKind::Multiple(set) => set.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(" or "),
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests;

//! `matrices/schemas.json`: the response and request-body schemas of every operation at every API version that has
//! an official spec (1.25 up), as draft-4 JSON Schema, generated from the Swagger 2.0 specs by `matrix sync`.
//!
//! # What the conversion does
//!
//! Swagger 2.0 schemas are almost draft-4 JSON Schema; the Engine API's specs use these parts of it:
//! - `x-nullable: true` on a typed schema adds `"null"` to its `type` (a `$ref`'s siblings are ignored, as Swagger
//!   says).
//! - An object with `properties` and no `additionalProperties` is **closed** (`additionalProperties: false`), so a
//!   field the spec of that version does not list is reported as undocumented. An object given only as
//!   `type: object`, or with `additionalProperties`, stays open.
//! - `allOf` whose members are all objects (after `$ref`s are followed in that version's `definitions`) becomes one
//!   object with every member's properties and required fields (so closing it does not reject the other members'
//!   fields); any other `allOf` is kept as it is.
//! - `type: file` means any value; `format`, `enum`, bounds, `pattern`, `default`, descriptions, examples and the
//!   `x-` keys are dropped: the check is about shape (missing, mistyped and undocumented fields), not values.
//!
//! # The file
//!
//! Each distinct schema is stored once, named by a hash of its text, since most do not change from one version to
//! the next: `versions.<v>.definitions` maps a definition's name to the schema it has at that version, and
//! `versions.<v>.operations["GET /images/json"]` names the schema of each documented status and of the request
//! body. A schema's `$ref`s (`#/definitions/ImageSummary`) are read in the definitions of the version it is used
//! at.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::error::MatrixError;
use crate::model::ApiVersion;

/// The file name inside a matrix folder.
pub const SCHEMAS_FILE: &str = "schemas.json";

/// The schema version of [`SCHEMAS_FILE`]; bump it when a field changes meaning.
pub const SCHEMAS_SCHEMA_VERSION: u32 = 1;

/// `matrices/schemas.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaFile {
    /// Always [`SCHEMAS_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Where it was generated from.
    #[serde(default)]
    pub sources: Vec<String>,
    /// What each API version's spec documents.
    pub versions: BTreeMap<ApiVersion, VersionSchemas>,
    /// Every distinct schema, by name (a hash of its text).
    pub schemas: BTreeMap<String, Value>,
}

/// What one API version's spec documents.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionSchemas {
    /// Definition name → the name of its schema in [`SchemaFile::schemas`].
    pub definitions: BTreeMap<String, String>,
    /// `GET /images/json` → what the operation documents.
    pub operations: BTreeMap<String, OperationSchemas>,
}

/// What the spec of one version documents for one operation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperationSchemas {
    /// Every documented status (`200`, `404`, ..., or `default`).
    pub statuses: Vec<String>,
    /// Status → the schema of its body, for the statuses that document one.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub responses: BTreeMap<String, String>,
    /// The schema of the request body, when the operation takes a JSON one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// The media types the operation produces (the spec's own `produces`, else the document's).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub produces: Vec<String>,
}

impl SchemaFile {
    /// The schemas shipped with the binary.
    pub fn built_in() -> Result<Self, MatrixError> {
        Self::parse("(built-in) schemas.json", include_str!("../../matrices/schemas.json"))
    }

    /// Reads `DIR/schemas.json` when there is one, else the built-in schemas.
    pub fn for_dir(dir: &Path) -> Result<Self, MatrixError> {
        let path = dir.join(SCHEMAS_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::parse(&path.display().to_string(), &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Self::built_in(),
            Err(source) => Err(MatrixError::Read { path, source }),
        }
    }

    /// Parses the text of a schemas file named `name`.
    pub fn parse(name: &str, text: &str) -> Result<Self, MatrixError> {
        let file: Self = serde_json::from_str(text).map_err(|e| MatrixError::Source {
            path: name.into(),
            message: format!("line {}, column {}: {e}", e.line(), e.column()),
            help: Some("regenerate it with `dockmatrix matrix sync`".into()),
        })?;
        if file.schema_version != SCHEMAS_SCHEMA_VERSION {
            return Err(MatrixError::Source {
                path: name.into(),
                message: format!("schema_version {} (this build reads {SCHEMAS_SCHEMA_VERSION})", file.schema_version),
                help: Some("regenerate it with `dockmatrix matrix sync`".into()),
            });
        }
        Ok(file)
    }

    /// The oldest and newest versions with a spec.
    pub fn span(&self) -> Option<(ApiVersion, ApiVersion)> {
        Some((*self.versions.keys().next()?, *self.versions.keys().next_back()?))
    }

    /// A schema by name.
    pub fn schema(&self, name: &str) -> Option<&Value> {
        self.schemas.get(name)
    }

    /// The text of the file: one schema, one version's definitions and one operation per line, so a re-sync shows
    /// as a small diff.
    pub fn to_text(&self) -> String {
        let mut out = String::from("{\n");
        let _ = writeln!(out, "  \"schema_version\": {},", self.schema_version);
        let _ = writeln!(out, "  \"sources\": {},", line(&self.sources));
        out.push_str("  \"versions\": {\n");
        let last_v = self.versions.len();
        for (i, (v, vs)) in self.versions.iter().enumerate() {
            let _ = writeln!(out, "    \"{v}\": {{");
            let _ = writeln!(out, "      \"definitions\": {},", line(&vs.definitions));
            out.push_str("      \"operations\": {\n");
            let last_o = vs.operations.len();
            for (j, (op, o)) in vs.operations.iter().enumerate() {
                let comma = if j + 1 < last_o { "," } else { "" };
                let _ = writeln!(out, "        {}: {}{comma}", line(op), line(o));
            }
            out.push_str("      }\n");
            let _ = writeln!(out, "    }}{}", if i + 1 < last_v { "," } else { "" });
        }
        out.push_str("  },\n  \"schemas\": {\n");
        let last_s = self.schemas.len();
        for (i, (name, s)) in self.schemas.iter().enumerate() {
            let _ = writeln!(out, "    {}: {}{}", line(name), line(s), if i + 1 < last_s { "," } else { "" });
        }
        out.push_str("  }\n}\n");
        out
    }
}

/// `v` as one line of JSON.
fn line<T: Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|e| format!("\"unserialisable: {e}\""))
}

/// Builds the schemas file from the specs (`version`, the spec as JSON), oldest first.
pub fn generate(specs: &[(ApiVersion, Value)], sources: Vec<String>) -> SchemaFile {
    let mut file = SchemaFile { schema_version: SCHEMAS_SCHEMA_VERSION, sources, ..SchemaFile::default() };
    for (v, spec) in specs {
        let empty = Map::new();
        let defs = spec.get("definitions").and_then(Value::as_object).unwrap_or(&empty);
        let mut vs = VersionSchemas::default();
        for (name, schema) in defs {
            vs.definitions.insert(name.clone(), store(&mut file.schemas, convert(schema, defs, 0)));
        }
        let global_produces = strings(spec.get("produces"));
        let paths = spec.get("paths").and_then(Value::as_object).unwrap_or(&empty);
        for (path, item) in paths {
            let Some(item) = item.as_object() else { continue };
            for (method, op) in item {
                if !["get", "head", "post", "put", "delete"].contains(&method.as_str()) {
                    continue;
                }
                let mut o = OperationSchemas::default();
                let responses = op.get("responses").and_then(Value::as_object).unwrap_or(&empty);
                for (status, resp) in responses {
                    o.statuses.push(status.clone());
                    if let Some(schema) = resp.get("schema") {
                        o.responses.insert(status.clone(), store(&mut file.schemas, convert(schema, defs, 0)));
                    }
                }
                let params = op.get("parameters").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
                let body = params.iter().find(|p| p.get("in").and_then(Value::as_str) == Some("body"));
                if let Some(schema) = body.and_then(|p| p.get("schema")) {
                    o.body = Some(store(&mut file.schemas, convert(schema, defs, 0)));
                }
                let produces = strings(op.get("produces"));
                o.produces = if produces.is_empty() { global_produces.clone() } else { produces };
                vs.operations.insert(format!("{} {path}", method.to_ascii_uppercase()), o);
            }
        }
        file.versions.insert(*v, vs);
    }
    file
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map_or_else(Vec::new, |a| a.iter().filter_map(|s| s.as_str().map(String::from)).collect())
}

/// Stores `schema` once, under a hash of its text; returns its name.
fn store(schemas: &mut BTreeMap<String, Value>, schema: Value) -> String {
    let text = serde_json::to_string(&schema).unwrap_or_default();
    let digest = Sha256::digest(text.as_bytes());
    let name: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    schemas.entry(name.clone()).or_insert(schema);
    name
}

/// Deeper than this, `allOf` members are not followed any more (a guard against a cycle of `$ref`s).
const MAX_DEPTH: usize = 16;

/// A Swagger 2.0 schema as draft-4 JSON Schema (see the module's rules); `defs` are the version's definitions.
pub fn convert(schema: &Value, defs: &Map<String, Value>, depth: usize) -> Value {
    let Some(s) = schema.as_object() else { return schema.clone() };
    if let Some(r) = s.get("$ref") {
        return json!({ "$ref": r });
    }
    if let Some(Value::Array(members)) = s.get("allOf")
        && let Some(merged) = merge_all_of(members, defs, depth)
    {
        return merged;
    }
    let mut out = Map::new();
    for (k, v) in s {
        match k.as_str() {
            "type" if v == "file" => {}
            "type" | "required" => {
                out.insert(k.clone(), v.clone());
            }
            "properties" => {
                let props = v
                    .as_object()
                    .map(|p| p.iter().map(|(name, p)| (name.clone(), convert(p, defs, depth))).collect::<Map<_, _>>());
                out.insert(k.clone(), Value::Object(props.unwrap_or_default()));
            }
            "items" | "additionalProperties" if v.is_object() => {
                out.insert(k.clone(), convert(v, defs, depth));
            }
            "additionalProperties" => {
                out.insert(k.clone(), v.clone());
            }
            "allOf" | "anyOf" | "oneOf" => {
                let members = v.as_array().map(|a| a.iter().map(|m| convert(m, defs, depth)).collect());
                out.insert(k.clone(), Value::Array(members.unwrap_or_default()));
            }
            _ => {}
        }
    }
    if s.get("x-nullable") == Some(&Value::Bool(true))
        && let Some(Value::String(t)) = out.get("type")
    {
        let t = t.clone();
        out.insert("type".into(), json!([t, "null"]));
    }
    if out.contains_key("properties") && !out.contains_key("additionalProperties") {
        out.insert("additionalProperties".into(), Value::Bool(false));
    }
    Value::Object(out)
}

/// `allOf` of objects as one closed object, or `None` when a member is not an object with properties.
fn merge_all_of(members: &[Value], defs: &Map<String, Value>, depth: usize) -> Option<Value> {
    if depth >= MAX_DEPTH {
        return None;
    }
    let mut properties = Map::new();
    let mut required: Vec<Value> = Vec::new();
    let mut open = false;
    for m in members {
        let resolved = match m.get("$ref").and_then(Value::as_str) {
            Some(r) => defs.get(r.strip_prefix("#/definitions/")?)?,
            None => m,
        };
        let converted = convert(resolved, defs, depth + 1);
        let obj = converted.as_object()?;
        let props = obj.get("properties")?.as_object()?;
        properties.extend(props.iter().map(|(k, v)| (k.clone(), v.clone())));
        if let Some(Value::Array(r)) = obj.get("required") {
            required.extend(r.iter().filter(|x| !required.contains(x)).cloned().collect::<Vec<_>>());
        }
        open |= obj.get("additionalProperties").is_some_and(|a| a != &Value::Bool(false));
    }
    let mut out = Map::new();
    out.insert("type".into(), Value::from("object"));
    out.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        out.insert("required".into(), Value::Array(required));
    }
    if !open {
        out.insert("additionalProperties".into(), Value::Bool(false));
    }
    Some(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defs(v: Value) -> Map<String, Value> {
        v.as_object().cloned().expect("an object")
    }

    #[test]
    fn objects_with_properties_are_closed_and_free_form_ones_stay_open() {
        let d = Map::new();
        let closed = convert(&json!({"type": "object", "properties": {"Id": {"type": "string"}}}), &d, 0);
        assert_eq!(closed["additionalProperties"], false);
        let free = convert(&json!({"type": "object"}), &d, 0);
        assert!(free.get("additionalProperties").is_none());
        let map = convert(&json!({"type": "object", "additionalProperties": {"type": "string"}}), &d, 0);
        assert_eq!(map["additionalProperties"], json!({"type": "string"}));
    }

    #[test]
    fn nullable_adds_null_and_descriptions_formats_and_enums_go() {
        let d = Map::new();
        let s = json!({"type": "string", "x-nullable": true, "format": "dateTime", "enum": ["a"], "description": "x"});
        assert_eq!(convert(&s, &d, 0), json!({"type": ["string", "null"]}));
        let r = json!({"$ref": "#/definitions/Address", "x-nullable": true, "description": "ignored, as Swagger says"});
        assert_eq!(convert(&r, &d, 0), json!({"$ref": "#/definitions/Address"}));
        assert_eq!(convert(&json!({"type": "file"}), &d, 0), json!({}));
    }

    #[test]
    fn all_of_objects_merge_into_one_closed_object() {
        let d = defs(json!({
            "Resources": {"type": "object", "required": ["Memory"], "properties": {"Memory": {"type": "integer"}}},
        }));
        let host_config = json!({"allOf": [
            {"$ref": "#/definitions/Resources"},
            {"type": "object", "properties": {"Binds": {"type": "array", "items": {"type": "string"}}}},
        ]});
        assert_eq!(
            convert(&host_config, &d, 0),
            json!({
                "type": "object",
                "properties": {"Memory": {"type": "integer"}, "Binds": {"type": "array", "items": {"type": "string"}}},
                "required": ["Memory"],
                "additionalProperties": false,
            })
        );
        let mount_type = json!({"allOf": [{"$ref": "#/definitions/MountType"}]});
        let kept = convert(&mount_type, &defs(json!({"MountType": {"type": "string"}})), 0);
        assert_eq!(kept, json!({"allOf": [{"$ref": "#/definitions/MountType"}]}), "not objects: kept");
    }

    #[test]
    fn generates_each_schema_once_and_every_status() {
        let spec = json!({
            "produces": ["application/json"],
            "definitions": {"ErrorResponse": {"type": "object", "required": ["message"],
                "properties": {"message": {"type": "string"}}}},
            "paths": {"/images/json": {"get": {"responses": {
                "200": {"schema": {"type": "array", "items": {"$ref": "#/definitions/ImageSummary"}}},
                "500": {"schema": {"$ref": "#/definitions/ErrorResponse"}}}}},
              "/containers/{id}/start": {"post": {"responses": {"204": {}, "404": {"schema": {"$ref": "#/definitions/ErrorResponse"}}}}}},
        });
        let f = generate(&[(ApiVersion::new(1, 43), spec.clone()), (ApiVersion::new(1, 44), spec)], vec![]);
        assert_eq!(f.versions.len(), 2);
        let v = &f.versions[&ApiVersion::new(1, 44)];
        let start = &v.operations["POST /containers/{id}/start"];
        assert_eq!(start.statuses, ["204", "404"]);
        assert_eq!(start.responses.keys().collect::<Vec<_>>(), ["404"]);
        assert_eq!(start.produces, ["application/json"]);
        assert_eq!(f.schemas.len(), 3, "the ErrorResponse definition, the $ref to it and the list: each once");
        let back = SchemaFile::parse("t", &f.to_text()).expect("the text reads back");
        assert_eq!(back, f);
    }
}

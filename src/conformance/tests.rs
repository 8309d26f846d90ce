//! The checker on a two-version spec written here, and the known answer of the real specs (`VirtualSize`).

use serde_json::json;

use super::*;
use crate::matrix::schemas::generate;

/// The content type of a JSON answer.
const JSON: Option<&str> = Some("application/json");

fn ans<'a>(status: u16, content_type: Option<&'a str>, body: &'a [u8], complete: bool) -> Answer<'a> {
    Answer { status, content_type, body, complete }
}

fn spec(with_virtual_size: bool) -> Value {
    let mut props = json!({"Id": {"type": "string"}, "Size": {"type": "integer"},
        "RepoTags": {"type": "array", "items": {"type": "string"}},
        "Labels": {"type": "object", "x-nullable": true, "additionalProperties": {"type": "string"}}});
    if with_virtual_size {
        props["VirtualSize"] = json!({"type": "integer"});
    }
    json!({
        "produces": ["application/json"],
        "definitions": {
            "ImageSummary": {"type": "object", "required": ["Id", "Size"], "properties": props},
            "ErrorResponse": {"type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}},
            "EventMessage": {"type": "object", "properties": {"Type": {"type": "string"}}},
        },
        "paths": {
            "/images/json": {"get": {"responses": {
                "200": {"schema": {"type": "array", "items": {"$ref": "#/definitions/ImageSummary"}}},
                "500": {"schema": {"$ref": "#/definitions/ErrorResponse"}}}}},
            "/events": {"get": {"responses": {"200": {"schema": {"$ref": "#/definitions/EventMessage"}}}}},
            "/_ping": {"get": {"produces": ["text/plain"], "responses": {"200": {"schema": {"type": "string"}}}}},
            "/volumes/create": {"post": {
                "parameters": [{"name": "body", "in": "body", "schema": {"type": "object",
                    "properties": {"Name": {"type": "string"}, "Labels": {"type": "object",
                        "additionalProperties": {"type": "string"}}}}}],
                "responses": {"201": {"schema": {"type": "object"}}}}},
        },
    })
}

fn checker() -> Checker {
    let v = |m| ApiVersion::new(1, m);
    Checker::new(generate(&[(v(43), spec(true)), (v(44), spec(false))], vec![]))
}

fn at(minor: u16) -> SpecVersion {
    SpecVersion { version: ApiVersion::new(1, minor), approximate: false }
}

fn images(c: &Checker, minor: u16, body: &str) -> Vec<String> {
    let got = c.check_response(
        at(minor),
        Method::Get,
        "/images/json",
        ans(200, Some("application/json"), body.as_bytes(), true),
    );
    got.expect("the operation is in the spec").findings.iter().map(ToString::to_string).collect()
}

#[test]
fn a_field_the_version_dropped_is_undocumented_once_however_many_items_carry_it() {
    let c = checker();
    let body = r#"[{"Id":"a","Size":1,"VirtualSize":1},{"Id":"b","Size":2,"VirtualSize":2}]"#;
    assert_eq!(images(&c, 43, body), Vec::<String>::new(), "1.43 documents VirtualSize");
    assert_eq!(images(&c, 44, body), ["undocumented at /0/VirtualSize"]);
}

#[test]
fn missing_wrong_and_null_fields_are_found_where_they_are() {
    let c = checker();
    let body = r#"[{"Id":1,"RepoTags":null,"Labels":null}]"#;
    assert_eq!(
        images(&c, 44, body),
        [
            "wrong-type at /0/Id: integer, the spec says string",
            "null at /0/RepoTags: null, the spec says array",
            "missing-required at /0/Size",
        ],
        "Labels is x-nullable: no finding"
    );
    let found = c.check_response(at(44), Method::Get, "/images/json", ans(200, JSON, br#"[{"Id":1,"Size":1}]"#, true));
    assert!(found.expect("checked").breaks_clients());
}

#[test]
fn bodies_that_are_not_json_and_statuses_the_spec_does_not_list() {
    let c = checker();
    let not_json =
        c.check_response(at(44), Method::Get, "/images/json", ans(200, JSON, b"<html>", true)).expect("checked");
    assert_eq!(not_json.findings[0].kind, FindingKind::NotJson);
    assert!(not_json.breaks_clients());
    let teapot = c
        .check_response(
            at(44),
            Method::Get,
            "/images/json",
            ans(418, Some("application/json"), br#"{"message":"x"}"#, true),
        )
        .expect("checked");
    assert_eq!(
        teapot.findings.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["undocumented-status at the body: 418; the spec lists 200, 500"]
    );
    assert!(!teapot.breaks_clients());
    let error = c
        .check_response(at(44), Method::Get, "/images/json", ans(500, JSON, br#"{"msg":"x"}"#, true))
        .expect("checked");
    assert_eq!(
        error.findings.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["missing-required at /message", "undocumented at /msg"]
    );
    let ping =
        c.check_response(at(44), Method::Get, "/_ping", ans(200, Some("text/plain"), b"OK", true)).expect("checked");
    assert!(ping.findings.is_empty(), "text/plain is not checked as JSON");
    assert!(c.check_response(at(44), Method::Get, "/no/such", ans(200, JSON, b"{}", true)).is_none());
}

#[test]
fn a_content_type_the_spec_does_not_give_is_a_finding_that_breaks_no_client() {
    let c = checker();
    let said = |status, content_type, body: &[u8], path| {
        let found =
            c.check_response(at(44), Method::Get, path, ans(status, content_type, body, true)).expect("checked");
        assert!(!found.breaks_clients(), "{found:?}");
        found
            .findings
            .iter()
            .filter(|f| f.kind == FindingKind::ContentType)
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    };
    let json = "the spec says it produces application/json";
    assert_eq!(said(200, Some("application/json; charset=utf-8"), b"[]", "/images/json"), [""; 0], "parameters aside");
    assert_eq!(said(200, Some("text/plain"), b"[]", "/images/json"), [format!("content-type: text/plain; {json}")]);
    assert_eq!(said(200, None, b"[]", "/images/json"), [format!("content-type: none; {json}")]);
    assert_eq!(said(200, None, b"", "/images/json"), [""; 0], "no body, no content type to give");
    assert_eq!(said(200, Some("text/plain"), b"OK", "/_ping"), [""; 0]);
    assert_eq!(
        said(500, Some("text/plain; charset=utf-8"), b"boom", "/images/json"),
        ["content-type: text/plain error body; the spec documents a JSON one for 500"]
    );
    assert_eq!(said(500, JSON, br#"{"message":"boom"}"#, "/images/json"), [""; 0]);
}

#[test]
fn a_json_stream_is_checked_item_by_item() {
    let c = checker();
    let body = b"{\"Type\":\"container\"}\n{\"Type\":5}\n";
    let got = c
        .check_response(at(44), Method::Get, "/events", ans(200, Some("application/json"), body, true))
        .expect("checked");
    assert_eq!(
        got.findings.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["wrong-type at /1/Type: integer, the spec says string"]
    );
}

#[test]
fn the_spec_version_is_the_one_asked_else_the_nearest_and_then_approximate() {
    let c = checker();
    let v = |m| Some(ApiVersion::new(1, m));
    let spec = |asked, max| c.spec_for(asked, max).map(|s| (s.version.to_string(), s.approximate));
    assert_eq!(spec(v(44), v(45)), Some(("1.44".into(), false)));
    assert_eq!(spec(v(24), v(45)), Some(("1.43".into(), true)), "below the oldest spec");
    assert_eq!(spec(v(50), v(45)), Some(("1.44".into(), true)), "above the newest");
    assert_eq!(spec(None, v(43)), Some(("1.43".into(), true)), "unversioned: the daemon's own version");
    assert_eq!(spec(None, None), None);
}

#[test]
fn request_bodies_are_checked_and_each_schema_compiled_once() {
    let c = checker();
    let ok = json!({"Name": "v", "Labels": {"dockmatrix.run": "x"}});
    assert!(c.check_request("volume.create", ApiVersion::new(1, 44), Method::Post, "/volumes/create", &ok).is_empty());
    let extra = json!({"Name": "v", "Driverr": "local"});
    let found = c.check_request("volume.create", ApiVersion::new(1, 44), Method::Post, "/volumes/create", &extra);
    assert_eq!(found.iter().map(ToString::to_string).collect::<Vec<_>>(), ["undocumented at /Driverr"]);
    images(&c, 44, "[]");
    images(&c, 44, "[]");
    assert_eq!(c.compiled.lock().expect("lock").len(), 2, "the body schema and the list schema, once each");
}

#[test]
fn the_real_specs_drop_virtual_size_at_1_44() {
    let c = Checker::new(SchemaFile::built_in().expect("the built-in schemas load"));
    let body = br#"[{"Id":"sha256:1","ParentId":"","RepoTags":["a:b"],"RepoDigests":[],"Created":1,"Size":1,
        "SharedSize":-1,"VirtualSize":1,"Labels":{},"Containers":-1}]"#;
    let check = |m| {
        let c = c.check_response(at(m), Method::Get, "/images/json", ans(200, Some("application/json"), body, true));
        c.expect("images/json is in every spec").findings.iter().map(ToString::to_string).collect::<Vec<_>>()
    };
    assert_eq!(check(43), Vec::<String>::new());
    assert_eq!(check(44), ["undocumented at /0/VirtualSize"]);
}

#[test]
fn every_schema_of_every_real_spec_compiles() {
    let c = Checker::new(SchemaFile::built_in().expect("the built-in schemas load"));
    let mut failed = Vec::new();
    let mut count = 0;
    for (v, vs) in &c.schemas.versions {
        for (op, o) in &vs.operations {
            for name in o.responses.values().chain(o.body.iter()) {
                count += 1;
                if c.validator(*v, name).is_none() {
                    failed.push(format!("{v} {op}: {name}"));
                }
            }
        }
    }
    assert!(count > 3000, "{count} schemas");
    assert!(failed.is_empty(), "schemas that do not compile:\n{}", failed.join("\n"));
}

#[test]
fn a_body_cut_by_the_stream_window_is_checked_up_to_its_last_whole_value() {
    let c = checker();
    let cut = b"{\"Type\":\"container\"}\n{\"Type\":5}\n{\"Ty";
    let got = c.check_response(at(44), Method::Get, "/events", ans(200, JSON, cut, false)).expect("checked");
    assert_eq!(
        got.findings.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["wrong-type at /1/Type: integer, the spec says string"]
    );
    let whole = c.check_response(at(44), Method::Get, "/events", ans(200, JSON, cut, true)).expect("checked");
    assert_eq!(whole.findings[0].kind, FindingKind::NotJson, "a complete body that ends mid-value is not JSON");
}

#[test]
fn a_finding_the_errata_know_is_marked_and_breaks_no_client() {
    let errata: ErrataFile = serde_yaml::from_str(
        "schema_version: 1\nerrata:\n- {id: id-int, endpoint: image.list, kind: wrong-type, pointer: /*/Id, first: '1.44', \
         spec_says: string, daemons: integer}\n",
    )
    .expect("errata");
    let c = checker().with_errata(errata);
    let mut found = c
        .check_response(
            at(44),
            Method::Get,
            "/images/json",
            ans(200, JSON, br#"[{"Id":1,"Size":1},{"Id":2,"Size":1}]"#, true),
        )
        .expect("checked");
    assert!(found.breaks_clients());
    c.mark_errata("image.list", &mut found);
    assert_eq!(
        found.findings.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["wrong-type at /0/Id: integer, the spec says string (spec erratum id-int)"]
    );
    assert!(!found.breaks_clients());
    let mut other = found.clone();
    other.findings[0].erratum = None;
    c.mark_errata("container.list", &mut other);
    assert!(other.breaks_clients(), "another endpoint's finding is no erratum");
    let mut older = found.clone();
    older.spec = ApiVersion::new(1, 43);
    c.mark_errata("image.list", &mut older);
    assert!(older.breaks_clients(), "before the erratum's first version");
}

/// Every JSON body the committed recipes (probes and refusals) and scenario steps send, at every spec version that defines the endpoint,
/// with each `$token` filled by a placeholder string. A request variant sends fields newer than some versions on
/// purpose (to see what those versions make of them): its body must validate at one version at least.
#[test]
fn every_request_body_of_the_committed_matrices_validates() {
    let m = crate::matrix::load::MatrixSources::built_in().load().expect("the built-in matrices load");
    let c = Checker::new(SchemaFile::built_in().expect("the built-in schemas load")).with_errata(m.errata.clone());
    let (oldest, newest) = c.schemas.span().expect("specs");
    let fill = |s: &str| Ok::<_, String>(crate::model::template::substitute_keeping(s, &|t| Some(format!("x-{t}"))));
    let mut bodies: Vec<(String, &crate::matrix::Endpoint, Value)> = Vec::new();
    for (id, recipe) in &m.probes.probes {
        let Some(e) = m.endpoint(id) else { continue };
        if let Some(body) = recipe.request().fill(&fill).expect("filled").body {
            bodies.push((format!("probe {id}"), e, body));
        }
    }
    // A refusal's JSON body is well-formed on purpose: only its name (a string) is wrong, not its shape.
    for (id, kinds) in &m.probes.refusals {
        let Some(e) = m.endpoint(id) else { continue };
        for (kind, recipe) in kinds {
            if let Some(body) = recipe.request().fill(&fill).expect("filled").body {
                bodies.push((format!("refusal {id} {kind}"), e, body));
            }
        }
    }
    for (name, scenario) in &m.scenarios.scenarios {
        for (i, step) in scenario.steps.iter().chain(&scenario.cleanup).enumerate() {
            let Some(e) = m.endpoint(&step.endpoint) else { continue };
            if let Some(body) = step.request().fill(&fill).expect("filled").body {
                bodies.push((format!("scenario {name} step {}", i + 1), e, body));
            }
        }
    }
    assert!(bodies.len() >= 10, "{} bodies", bodies.len());
    let mut bad = Vec::new();
    for (what, e, body) in &bodies {
        let mut found = Vec::new();
        let mut valid_somewhere = false;
        for v in ApiVersion::range_inclusive(e.first.max(oldest), e.last.unwrap_or(newest).min(newest)) {
            let at: Vec<String> = c
                .check_request(&e.id, v, e.method, &e.path, body)
                .into_iter()
                .filter(|f| f.erratum.is_none())
                .map(|f| format!("{what} at {v}: {f}"))
                .collect();
            valid_somewhere |= at.is_empty();
            found.extend(at);
        }
        if e.base_id() == e.id || !valid_somewhere {
            bad.extend(found);
        }
    }
    assert!(bad.is_empty(), "request bodies the spec of their version refuses:\n{}", bad.join("\n"));
}

#[test]
fn a_finding_that_breaks_clients_is_kept_whatever_comes_before_it() {
    let c = checker();
    let mut items: Vec<String> = (0..30).map(|i| format!(r#"{{"Id":"a","Size":1,"X{i}":1}}"#)).collect();
    items.push(r#"{"Id":5,"Size":1}"#.to_string());
    let body = format!("[{}]", items.join(","));
    let got =
        c.check_response(at(44), Method::Get, "/images/json", ans(200, JSON, body.as_bytes(), true)).expect("checked");
    assert_eq!((got.findings.len(), got.more), (31, 0), "30 undocumented fields and one wrong type, every one kept");
    assert!(got.breaks_clients(), "the wrong type is kept: {:?}", got.findings);
    // A daemon gone wrong: past the bound, what trips a typed client is still kept, and the rest counted.
    let mut items: Vec<String> = (0..MAX_FINDINGS + 10).map(|i| format!(r#"{{"Id":"a","Size":1,"X{i}":1}}"#)).collect();
    items.push(r#"{"Id":5,"Size":1}"#.to_string());
    let body = format!("[{}]", items.join(","));
    let got =
        c.check_response(at(44), Method::Get, "/images/json", ans(200, JSON, body.as_bytes(), true)).expect("checked");
    assert_eq!((got.findings.len(), got.more), (MAX_FINDINGS, 11));
    assert!(got.breaks_clients(), "the wrong type is kept: {:?}", got.findings);
}

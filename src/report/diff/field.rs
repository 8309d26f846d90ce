//! Fields of the JSON bodies an endpoint served, compared between runs by presence (values are not compared).
//!
//! Each `ok` answer whose body is JSON and was not cut at the evidence cap is flattened into field paths: `/Key`,
//! `/[]` for the items of an array (indexes collapsed), `/[]/VirtualSize`. Keys go through the snapshot redactor's
//! text rules first, so a key that is an id or one of the run's own names does not count as a new field. Per run
//! and endpoint, each field has the set of probed versions whose served answers carry it. A field is reported when
//! (i) one run carries it at versions both runs served and the other never does there, or (ii) its presence
//! changes across versions inside one run and the other run does not show the same change (it disagrees at a
//! version both served, or has no answers on one side of the change). A field whose parent is reported the same
//! way is left out: a missing object is one line, not one per member.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use crate::model::ApiVersion;
use crate::model::{Method, ProbeOutcome, RunRecord, Verdict, pointer_step};
use crate::snapshot::redact::{Redactions, Scope, redact_text};
use crate::snapshot::redactions_for;

use super::run_diff::Side;

/// Whether a field is present over a range of the versions a run served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PresenceRange {
    /// First served version of the range.
    pub first: ApiVersion,
    /// Last served version of the range.
    pub last: ApiVersion,
    /// Whether the field is in the answers of the range.
    pub present: bool,
}

/// A field that differs between the runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// Endpoint id (`image.list`).
    pub endpoint: String,
    /// HTTP method.
    pub method: Method,
    /// Swagger-form path.
    pub path: String,
    /// The field (`/[]/VirtualSize`).
    pub field: String,
    /// (i): the run that carries it where the other never does, at versions both served.
    pub only_in: Option<Side>,
    /// (ii): the runs whose presence changes across versions where the other does not show that change.
    pub varies_in: Vec<Side>,
    /// Presence in run A over the versions it served, oldest first.
    pub a: Vec<PresenceRange>,
    /// Presence in run B over the versions it served, oldest first.
    pub b: Vec<PresenceRange>,
}

impl FieldChange {
    /// `image.list /[]/VirtualSize: B: present 1.24–1.43, absent 1.44–1.45 (A: present 1.12–1.41)`.
    pub fn line(&self) -> String {
        format!("{} {}: {}", self.endpoint, self.field, self.what())
    }

    /// What changed, without the endpoint and field.
    pub fn what(&self) -> String {
        let (a, b) = (ranges_text(&self.a), ranges_text(&self.b));
        match (self.only_in, self.varies_in.as_slice()) {
            (Some(side), _) => format!("only in {side} (A: {a}; B: {b})"),
            (None, [Side::A]) => format!("A: {a} (B: {b})"),
            (None, [Side::B]) => format!("B: {b} (A: {a})"),
            (None, _) => format!("A: {a}; B: {b}"),
        }
    }
}

/// `present 1.24–1.43, absent 1.44–1.45`.
pub fn ranges_text(ranges: &[PresenceRange]) -> String {
    let one = |r: &PresenceRange| {
        let word = if r.present { "present" } else { "absent" };
        if r.first == r.last { format!("{word} {}", r.first) } else { format!("{word} {}–{}", r.first, r.last) }
    };
    if ranges.is_empty() { "no served answers".into() } else { ranges.iter().map(one).collect::<Vec<_>>().join(", ") }
}

pub use crate::model::field_paths;

/// One endpoint's served answers in one run: the versions with a readable JSON body, and where each field is.
#[derive(Debug, Default)]
struct Served {
    versions: BTreeSet<ApiVersion>,
    fields: BTreeMap<String, BTreeSet<ApiVersion>>,
}

fn served(run: &RunRecord) -> BTreeMap<&str, Served> {
    let r: Redactions = redactions_for(run, &[]);
    let mut out: BTreeMap<&str, Served> = BTreeMap::new();
    let whole = |p: &&ProbeOutcome| !p.evidence.body_truncated || !p.evidence.fields.is_empty();
    for p in run.probes.iter().filter(|p| p.verdict == Verdict::Ok).filter(whole) {
        let Some(version) = p.api_version else { continue };
        let scope = Scope { path: &[], status: p.status, requested: p.api_version };
        let key = |k: &str| redact_text(&r, &scope, k);
        // A body cut at the evidence cap brought its field paths, read from the whole of it.
        let fields = if p.evidence.body_truncated {
            p.evidence.fields.iter().map(|f| rekeyed(f, &key)).collect()
        } else {
            let Some(body) = p.evidence.body.as_deref() else { continue };
            let Ok(value) = serde_json::from_str::<Value>(body) else { continue };
            field_paths(&value, &key)
        };
        let s = out.entry(p.endpoint.as_str()).or_default();
        s.versions.insert(version);
        for field in fields {
            s.fields.entry(field).or_default().insert(version);
        }
    }
    out
}

/// A field path as sent (`/Images/[]/Id`) with each object key rewritten by `key`, as [`field_paths`] does.
fn rekeyed(path: &str, key: &dyn Fn(&str) -> String) -> String {
    let step = |seg: &str| {
        if seg == "[]" {
            return seg.to_string();
        }
        pointer_step(&key(&seg.replace("~1", "/").replace("~0", "~")))
    };
    path.split('/').skip(1).map(|seg| format!("/{}", step(seg))).collect()
}

/// Presence of a field at each version a run served.
type Presence = BTreeMap<ApiVersion, bool>;

fn presence(s: &Served, field: &str) -> Presence {
    let at = s.fields.get(field);
    s.versions.iter().map(|v| (*v, at.is_some_and(|set| set.contains(v)))).collect()
}

fn ranges(p: &Presence) -> Vec<PresenceRange> {
    let mut out: Vec<PresenceRange> = Vec::new();
    for (v, present) in p {
        match out.last_mut() {
            Some(r) if r.present == *present => r.last = *v,
            _ => out.push(PresenceRange { first: *v, last: *v, present: *present }),
        }
    }
    out
}

/// Whether `other` shows the changes of `own`: it agrees wherever both have answers, and for each change in `own`
/// (between two consecutive served versions) it has answers on both sides with the same presence.
fn shows_same_change(own: &Presence, other: &Presence) -> bool {
    if own.iter().any(|(v, p)| other.get(v).is_some_and(|q| q != p)) {
        return false;
    }
    let versions: Vec<(&ApiVersion, &bool)> = own.iter().collect();
    versions.windows(2).filter(|w| w[0].1 != w[1].1).all(|w| {
        let (before, after) = ((*w[0].0, *w[0].1), (*w[1].0, *w[1].1));
        other.iter().any(|(v, p)| *v <= before.0 && *p == before.1)
            && other.iter().any(|(v, p)| *v >= after.0 && *p == after.1)
    })
}

fn varies(p: &Presence) -> bool {
    p.values().any(|x| *x) && p.values().any(|x| !*x)
}

/// Every field change from run A to run B, endpoint by endpoint (by id), fields in path order. Endpoints one of
/// the runs never served are left to the verdict changes.
pub fn field_changes(a: &RunRecord, b: &RunRecord) -> Vec<FieldChange> {
    let (served_a, served_b) = (served(a), served(b));
    let mut routes: BTreeMap<&str, (Method, &str)> = BTreeMap::new();
    for p in a.probes.iter().chain(&b.probes) {
        routes.entry(p.endpoint.as_str()).or_insert((p.method, p.path.as_str()));
    }
    let mut changes = Vec::new();
    for (endpoint, sa) in &served_a {
        let Some(sb) = served_b.get(endpoint) else { continue };
        let (method, path) = routes.get(endpoint).copied().unwrap_or((Method::Get, ""));
        let both: BTreeSet<ApiVersion> = sa.versions.intersection(&sb.versions).copied().collect();
        let fields: BTreeSet<&String> = sa.fields.keys().chain(sb.fields.keys()).collect();
        let mut found: BTreeMap<&str, FieldChange> = BTreeMap::new();
        for field in fields {
            let (pa, pb) = (presence(sa, field), presence(sb, field));
            let in_both = |p: &Presence| both.iter().any(|v| p.get(v) == Some(&true));
            let only_in = match (in_both(&pa), in_both(&pb)) {
                (true, false) => Some(Side::A),
                (false, true) => Some(Side::B),
                _ => None,
            };
            let mut varies_in = Vec::new();
            if varies(&pa) && !shows_same_change(&pa, &pb) {
                varies_in.push(Side::A);
            }
            if varies(&pb) && !shows_same_change(&pb, &pa) {
                varies_in.push(Side::B);
            }
            if only_in.is_none() && varies_in.is_empty() {
                continue;
            }
            let change = FieldChange {
                endpoint: endpoint.to_string(),
                method,
                path: path.to_string(),
                field: field.clone(),
                only_in,
                varies_in,
                a: ranges(&pa),
                b: ranges(&pb),
            };
            found.insert(field.as_str(), change);
        }
        let same_as_parent = |c: &FieldChange| {
            let parent = &c.field[..c.field.rfind('/').unwrap_or(0)];
            found
                .get(parent)
                .is_some_and(|p| (&p.only_in, &p.varies_in, &p.a, &p.b) == (&c.only_in, &c.varies_in, &c.a, &c.b))
        };
        changes.extend(found.values().filter(|c| !same_as_parent(c)).cloned());
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Method;
    use crate::report::synthetic::{add_endpoint, answer, daemon_run, v};
    use serde_json::json;

    const LIST: &str = r#"[{"Id":"sha256:[id]","Size":1,"VirtualSize":1}]"#;
    const LIST_NO_VS: &str = r#"[{"Id":"sha256:[id]","Size":1}]"#;

    #[test]
    fn flattens_bodies_into_paths_with_array_indexes_collapsed() {
        let cases: &[(&str, &[&str])] = &[
            (LIST, &["/[]", "/[]/Id", "/[]/Size", "/[]/VirtualSize"]),
            (r#"{"State":{"Running":true},"Mounts":[]}"#, &["/Mounts", "/State", "/State/Running"]),
            (r#"[[{"a":1}],[{"b":null}]]"#, &["/[]", "/[]/[]", "/[]/[]/a", "/[]/[]/b"]),
            (r#"{"Volumes":{"/data":{}}}"#, &["/Volumes", "/Volumes/~1data"]),
            ("42", &[]),
        ];
        for (body, expected) in cases {
            let value: Value = serde_json::from_str(body).expect("json");
            let paths: Vec<String> = field_paths(&value, &|k| k.to_string()).into_iter().collect();
            assert_eq!(paths, *expected, "{body}");
        }
        let ids =
            serde_json::json!({"Networks": {"4f1c2a9e8b7d6c5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e": {}}});
        let r = Redactions::default();
        let scope = Scope { path: &[], status: Some(200), requested: None };
        let paths: Vec<String> = field_paths(&ids, &|k| redact_text(&r, &scope, k)).into_iter().collect();
        assert_eq!(paths, ["/Networks", "/Networks/[id]"]);
    }

    /// A run of the fixture's endpoints moved to API `served` (probed one version beyond each end), with
    /// `image.list` and `system.info` answering as `system.ping` does until the test sets their bodies.
    fn run(name: &str, served: (u16, u16)) -> RunRecord {
        let mut run = daemon_run(name, "1", served, served, (served.0 - 1, served.1 + 1));
        add_endpoint(&mut run, "system.ping", "image.list", Method::Get, "/images/json");
        add_endpoint(&mut run, "system.ping", "system.info", Method::Get, "/info");
        run
    }

    /// Run A and B with image.list answering `body(version)` at every version each one serves.
    fn pair(
        a: (u16, u16),
        body_a: impl Fn(u16) -> &'static str,
        b: (u16, u16),
        body_b: impl Fn(u16) -> &'static str,
    ) -> Vec<String> {
        let mut ra = run("a", a);
        let mut rb = run("b", b);
        for minor in a.0..=a.1 {
            answer(&mut ra, "image.list", minor..=minor, Verdict::Ok, Some(200), Some(body_a(minor)));
        }
        for minor in b.0..=b.1 {
            answer(&mut rb, "image.list", minor..=minor, Verdict::Ok, Some(200), Some(body_b(minor)));
        }
        field_changes(&ra, &rb).iter().filter(|c| c.endpoint == "image.list").map(FieldChange::line).collect()
    }

    #[test]
    fn reports_fields_present_in_one_run_only_or_changing_inside_one_run() {
        let always = |_| LIST;
        let never = |_| LIST_NO_VS;
        let until_43 = |m| if m <= 43 { LIST } else { LIST_NO_VS };
        let until_39 = |m| if m <= 39 { LIST } else { LIST_NO_VS };
        let cases: Vec<(&str, Vec<String>, &[&str])> = vec![
            ("the same everywhere", pair((12, 41), always, (24, 45), always), &[]),
            (
                "dropped at 1.44 where the other run has no answers (the 20.10 → 26.1 case)",
                pair((12, 41), always, (24, 45), until_43),
                &["image.list /[]/VirtualSize: B: present 1.24–1.43, absent 1.44–1.45 (A: present 1.12–1.41)"],
            ),
            ("dropped at 1.44 in both runs", pair((24, 45), until_43, (24, 51), until_43), &[]),
            (
                "dropped at different versions",
                pair((24, 45), until_39, (24, 51), until_43),
                &["image.list /[]/VirtualSize: A: present 1.24–1.39, absent 1.40–1.45; \
                     B: present 1.24–1.43, absent 1.44–1.51"],
            ),
            (
                "never in the other run at versions both served",
                pair((24, 41), always, (24, 41), never),
                &["image.list /[]/VirtualSize: only in A (A: present 1.24–1.41; B: absent 1.24–1.41)"],
            ),
            (
                "new in the other run",
                pair((24, 41), never, (24, 45), always),
                &["image.list /[]/VirtualSize: only in B (A: absent 1.24–1.41; B: present 1.24–1.45)"],
            ),
        ];
        for (what, lines, expected) in cases {
            assert_eq!(lines, expected, "{what}");
        }
    }

    #[test]
    fn a_missing_object_is_one_line_and_unreadable_bodies_are_skipped() {
        let mut a = run("a", (24, 41));
        add_endpoint(&mut a, "system.ping", "container.list", Method::Get, "/containers/json");
        let mut b = a.clone();
        let with = r#"{"ID":"x","Swarm":{"LocalNodeState":"inactive","NodeID":""}}"#;
        answer(&mut a, "system.info", 24..=41, Verdict::Ok, Some(200), Some(with));
        answer(&mut b, "system.info", 24..=41, Verdict::Ok, Some(200), Some(r#"{"ID":"x"}"#));
        // Not JSON, or cut at the cap: no evidence either way.
        answer(&mut b, "image.list", 24..=41, Verdict::Ok, Some(200), Some("not json"));
        for p in b.probes.iter_mut().filter(|p| p.endpoint == "container.list") {
            p.evidence.body_truncated = true;
        }
        let lines: Vec<String> = field_changes(&a, &b).iter().map(FieldChange::line).collect();
        assert_eq!(lines, ["system.info /Swarm: only in A (A: present 1.24–1.41; B: absent 1.24–1.41)"]);
        assert_eq!(
            ranges_text(&[PresenceRange { first: v(24), last: v(24), present: false }]),
            "absent 1.24",
            "a single version"
        );
    }

    #[test]
    fn a_body_cut_at_the_cap_is_compared_by_the_field_paths_of_the_whole() {
        let mut a = run("a", (24, 45));
        add_endpoint(&mut a, "system.ping", "system.data.usage", Method::Get, "/system/df");
        let mut b = a.clone();
        let df = |virtual_size: bool| {
            let image = if virtual_size { json!({"Id": "x", "VirtualSize": 1}) } else { json!({"Id": "x"}) };
            field_paths(&json!({"Images": [image], "Volumes~/": []}), &str::to_string).into_iter().collect()
        };
        for (run, cut_from) in [(&mut a, 99), (&mut b, 44)] {
            answer(run, "system.data.usage", 24..=45, Verdict::Ok, Some(200), Some("{\"Images\":[{\"Id\""));
            for p in run.probes.iter_mut().filter(|p| p.endpoint == "system.data.usage") {
                p.evidence.body_truncated = true;
                p.evidence.fields = df(p.api_version.is_some_and(|x| x < v(cut_from)));
            }
        }
        let lines: Vec<String> = field_changes(&a, &b).iter().map(FieldChange::line).collect();
        assert_eq!(
            lines,
            ["system.data.usage /Images/[]/VirtualSize: B: present 1.24–1.43, absent 1.44–1.45 (A: present 1.24–1.45)"]
        );
    }
}

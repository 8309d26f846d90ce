//! The drift report: where the daemons and the spec disagree, from runs checked against the spec
//! (`tests/fixtures/drift/`, real dockerd 20.10 and Podman 4.3 runs cut small; see its README).

use super::{dockmatrix, stderr, stdout};

const DOCKER: &str = "tests/fixtures/drift/docker-20.10.json";
const PODMAN: &str = "tests/fixtures/drift/podman-4.3.json";
const SAVED: &str = "tests/fixtures/saved/docker-20.10.json.gz";

#[test]
fn conformance_prints_only_the_drift_in_each_format() {
    for format in ["table", "md", "json"] {
        let out = dockmatrix(&["report", "--conformance", "--format", format, DOCKER, PODMAN], &[]);
        // The policy still applies: Podman's wrong-type IPAM options are nonconforming.
        assert_eq!(out.status.code(), Some(1), "{format}: {}", stderr(&out));
        insta::assert_snapshot!(format!("conformance_{format}"), stdout(&out));
    }
}

#[test]
fn conformance_lists_every_kind_and_the_default_report_counts_null() {
    let rows = |args: &[&str]| -> Vec<serde_json::Value> {
        let out = dockmatrix(args, &[]);
        let value: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
        value.get("drift").unwrap_or(&value)["rows"].as_array().cloned().expect("rows")
    };
    let all = rows(&["report", "--conformance", "--format", "json", DOCKER, PODMAN]);
    let kinds: std::collections::BTreeSet<&str> = all.iter().filter_map(|r| r["kind"].as_str()).collect();
    assert_eq!(kinds.into_iter().collect::<Vec<_>>(), ["null", "undocumented", "undocumented-status", "wrong-type"]);
    // The report of several runs carries the same rows beside its matrix, less the null ones.
    let listed = rows(&["report", "--format", "json", DOCKER, PODMAN]);
    let not_null: Vec<_> = all.iter().filter(|r| r["kind"] != "null").cloned().collect();
    assert_eq!(listed, not_null);
    // The erratum comes last, whatever its endpoint.
    assert_eq!(listed.last().map(|r| r["erratum"].clone()), Some("container-summary-array".into()));
    assert_eq!(
        listed.iter().find(|r| r["endpoint"] == "swarm.inspect").map(|r| r["cells"].clone()),
        Some(serde_json::json!([
            {"checked": true, "unversioned": false, "ranges": [{"first": "1.25", "last": "1.26"}]},
            {"checked": false, "unversioned": false, "ranges": []}
        ])),
        "Podman does not route swarm.inspect: nothing of it was checked"
    );
    let table = stdout(&dockmatrix(&["report", DOCKER], &[]));
    let drift = &table[table.find("\nWhere docker-20.10 and the spec disagree: ").expect("a drift section")..];
    assert!(
        drift.contains(
            "\n7 fields are null where the spec does not mark them nullable (Go writes empty slices and maps as\n    \
             null): dockmatrix report --conformance RUN.json lists them\n"
        ),
        "{drift}"
    );
    assert!(!drift.contains(" null (null"), "null rows are counted, not listed: {drift}");
}

#[test]
fn conformance_of_runs_never_checked_is_a_usage_error() {
    let out = dockmatrix(&["report", "--conformance", SAVED], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out).replace("\n  │ ", " ");
    assert!(err.contains(&format!("no answer of {SAVED} was checked against the spec")), "{err}");
    // With one checked run among them, the others' column says so.
    let out = dockmatrix(&["report", "--conformance", DOCKER, SAVED], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("docker-20.10: no answer was checked against the spec (a run made before the check)"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn the_html_and_junit_drift_are_well_formed() {
    let out = dockmatrix(&["report", "--conformance", "--format", "html", DOCKER, PODMAN], &[]);
    let html = stdout(&out);
    let start = html.find("<table class=\"drift\">").expect("a drift table");
    let end = start + html[start..].find("</table>").expect("its end") + "</table>".len();
    let table = roxmltree::Document::parse(&html[start..end]).expect("the drift table is well-formed");
    let groups: Vec<&str> = table.descendants().filter_map(|n| n.attribute("data-endpoint")).collect();
    assert_eq!(
        groups,
        ["network.inspect", "swarm.inspect", "system.data.usage", "system.data.usage"],
        "grouped by endpoint, the erratum's endpoint again after the others"
    );
    let out = dockmatrix(&["report", "--conformance", "--format", "junit", DOCKER, PODMAN], &[]);
    let xml = stdout(&out);
    let doc = roxmltree::Document::parse(&xml).expect("well-formed");
    let suites: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("testsuite")).collect();
    let names: Vec<_> = suites.iter().filter_map(|s| s.attribute("name")).collect();
    assert_eq!(names, ["docker-20.10.conformance", "podman-4.3.conformance"]);
    let failures: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .filter_map(|f| f.parent().and_then(|c| c.attribute("name")))
        .collect();
    assert_eq!(failures, ["network.inspect /IPAM/Options wrong-type"], "the erratum's wrong-type passes");
}

//! Validates the JUnit report against the schema CI systems read (`tests/fixtures/junit.xsd`) with xmllint
//! (`--features schema-tests`; needs Debian's libxml2-utils, which scripts/test.sh installs: tests never install).

use std::path::Path;
use std::process::{Command, Output};

/// The exit code of scripts/junit-validate.sh when xmllint is missing.
const TOOL_MISSING: i32 = 127;

/// Runs scripts/junit-validate.sh on `xml`; a missing xmllint fails the test with the script's message, which names
/// the package to install.
fn validate(xml: &Path) -> Output {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("bash").arg(root.join("scripts/junit-validate.sh")).arg(xml).output().expect("bash runs");
    assert!(out.status.code() != Some(TOOL_MISSING), "{}", String::from_utf8_lossy(&out.stderr).trim());
    out
}

#[test]
fn junit_report_validates_against_the_junit_schema() {
    let dir = tempfile::tempdir().expect("tempdir");
    let xml = dir.path().join("junit.xml");
    // Two runs make two suites: the real docker 20.10 run (hijacked streams, a skipped probe) and a saved Podman 4.3
    // run with incompatible verdicts.
    let (fixture, podman) = ("tests/fixtures/run-docker-20.10.json", "tests/fixtures/saved/podman-4.3.json.gz");
    let out =
        super::dockmatrix(&["report", fixture, podman, "--format", "junit", "-o", &xml.display().to_string()], &[]);
    assert_eq!(out.status.code(), Some(1), "podman-4.3 has incompatible verdicts: {}", super::stderr(&out));
    let text = std::fs::read_to_string(&xml).expect("junit written");
    assert!(text.contains(r#"<failure type="incompatible""#) && text.contains("<skipped "), "covers every element");
    let checked = validate(&xml);
    assert!(checked.status.success(), "{}", String::from_utf8_lossy(&checked.stderr));

    // The schema does reject what CI systems reject: a zoned timestamp, and a failure with no type.
    let broken = dir.path().join("broken.xml");
    let zoned = text.replacen(r#"" hostname=""#, r#"Z" hostname=""#, 1);
    assert_ne!(zoned, text, "the first suite's timestamp");
    std::fs::write(&broken, &zoned).expect("write");
    assert!(!validate(&broken).status.success(), "a zoned timestamp must not validate");
    std::fs::write(&broken, text.replacen(r#"<failure type="incompatible" "#, "<failure ", 1)).expect("write");
    assert!(!validate(&broken).status.success(), "a failure without a type must not validate");
}

#[test]
fn the_conformance_suites_validate_against_the_junit_schema() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Real dockerd 20.10 and Podman 4.3 runs checked against the spec: a failing drift row (Podman's wrong-type
    // IPAM options), passing ones with their output, and the null count as a property.
    let (docker, podman) = ("tests/fixtures/drift/docker-20.10.json", "tests/fixtures/drift/podman-4.3.json");
    for conformance in [false, true] {
        let xml = dir.path().join(format!("junit-{conformance}.xml"));
        let mut args = vec!["report", docker, podman, "--format", "junit", "-o"];
        let path = xml.display().to_string();
        args.push(&path);
        if conformance {
            args.push("--conformance");
        }
        let out = super::dockmatrix(&args, &[]);
        assert_eq!(out.status.code(), Some(1), "podman-4.3 is nonconforming: {}", super::stderr(&out));
        let text = std::fs::read_to_string(&xml).expect("junit written");
        assert!(
            text.contains(r#"<testsuite name="podman-4.3.conformance""#)
                && text.contains(r#"<failure type="wrong-type""#)
        );
        assert_eq!(text.contains(r#"<property name="note" value="7 fields are null"#), !conformance, "{text}");
        let checked = validate(&xml);
        assert!(checked.status.success(), "{}", String::from_utf8_lossy(&checked.stderr));
    }
}

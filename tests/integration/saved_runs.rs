//! Saved runs written before the `model` layering step render byte for byte as they did then, in every format.
//!
//! `tests/fixtures/saved/` holds two real runs (docker-20.10 at six API versions and podman-4.3 at eight, each cut
//! to 16 endpoints, the unversioned request kept, every verdict they gave kept); the snapshots beside this file are
//! what `report` and `diff` printed for them when they were saved. A change to run.json's schema, to a type the runs
//! read into, or to a renderer shows here as a diff.

use super::{dockmatrix, stderr, stdout};

const DOCKER: &str = "tests/fixtures/saved/docker-20.10.json.gz";
const PODMAN: &str = "tests/fixtures/saved/podman-4.3.json.gz";

#[test]
fn every_report_format_renders_as_before() {
    for format in ["table", "md", "json", "junit", "html"] {
        let out = dockmatrix(&["report", "--format", format, DOCKER, PODMAN], &[]);
        assert_eq!(out.status.code(), Some(1), "podman's incompatible verdicts break the default policy");
        insta::assert_snapshot!(format!("report_{format}"), stdout(&out));
        if format == "table" {
            insta::assert_snapshot!("report_policy_lines", stderr(&out));
        }
    }
}

#[test]
fn every_diff_format_renders_as_before() {
    for format in ["text", "md", "json"] {
        let out = dockmatrix(&["diff", "--format", format, DOCKER, PODMAN], &[]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        insta::assert_snapshot!(format!("diff_{format}"), stdout(&out));
    }
}

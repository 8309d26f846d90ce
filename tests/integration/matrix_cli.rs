//! `dockmatrix matrix ...`: check, tables and sync, without a daemon.

use super::{dockmatrix, stderr, stdout};

#[test]
fn check_accepts_the_committed_matrices() {
    let o = dockmatrix(&["matrix", "check"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("113 endpoints"), "{}", stdout(&o));
}

#[test]
fn kubernetes_table_at_api_1_24_for_1_4_and_1_3() {
    let o = dockmatrix(&["matrix", "table", "kubernetes", "--api", "1.24", "--kubernetes", "1.4,1.3"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    // The known answer: 17 base endpoints + image history (both) + container and exec resize (1.4 only).
    let ticked = |col: usize| text.lines().filter(|l| l.split('│').nth(col).is_some_and(|c| c.trim() == "✓")).count();
    assert_eq!((ticked(4), ticked(5)), (20, 18));
    for line in text.lines().filter(|l| l.contains("/changes") || l.contains("/kill")) {
        assert!(!line.contains('✓'), "no kubelet calls this: {line}");
    }
    insta::assert_snapshot!(text);
}

#[test]
fn docker_table_in_markdown() {
    let o = dockmatrix(&["matrix", "table", "docker", "--format", "md"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert_eq!(text.lines().filter(|l| l.starts_with("| ") && !l.starts_with("| Docker")).count(), 60);
    assert!(text.contains("| 29.0 | 1.52 | 1.44 | 2025-11-10 |"));
    insta::assert_snapshot!(text);
}

#[test]
fn unknown_release_is_a_usage_error_naming_the_known_ones() {
    let o = dockmatrix(&["matrix", "table", "kubernetes", "--api", "1.24", "--kubernetes", "1.99"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("known releases: 1.2, 1.3"), "{}", stderr(&o));
}

#[test]
fn a_broken_matrix_points_at_its_line_with_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    for f in ["endpoints.yaml", "docker.yaml", "kubernetes.yaml", "probes.yaml"] {
        std::fs::copy(format!("matrices/{f}"), dir.path().join(f)).expect("copy");
    }
    let k8s = dir.path().join("kubernetes.yaml");
    let text = std::fs::read_to_string(&k8s).expect("read").replacen("- image.history", "- image.histroy", 1);
    std::fs::write(&k8s, text).expect("write");
    let o = dockmatrix(&["matrix", "check", "--dir", &dir.path().display().to_string()], &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("kubernetes.yaml:") && err.contains("image.histroy"), "{err}");
    assert!(err.contains("did you mean `image.history`"), "{err}");
    assert!(err.lines().count() < 25, "one screen: {err}");
}

#[test]
fn sync_from_shared_reproduces_the_committed_matrices() {
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    assert!(shared.join("docker-api/specs").is_dir(), "shared/ must sit beside the repository: {}", shared.display());
    let s = |p: &str| shared.join(p).display().to_string();
    let o = dockmatrix(
        &[
            "matrix",
            "sync",
            "--check",
            "--specs",
            &s("docker-api/specs"),
            "--legacy",
            &s("docker-api/endpoints.csv"),
            "--docker-versions",
            &s("docker-api/docker-versions.csv"),
            "--kubelet",
            &s("k8s/kubelet-docker-usage.yaml"),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
}

#[test]
fn sync_keeps_hand_written_notes() {
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    let dir = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string("matrices/endpoints.yaml").expect("read");
    let noted =
        text.replacen("  summary: List containers\n", "  summary: List containers\n  notes:\n  - kept by sync\n", 1);
    std::fs::write(dir.path().join("endpoints.yaml"), noted).expect("write");
    let s = |p: &str| shared.join(p).display().to_string();
    let d = dir.path().display().to_string();
    let o = dockmatrix(
        &["matrix", "sync", "--specs", &s("docker-api/specs"), "--legacy", &s("docker-api/endpoints.csv"), "--dir", &d],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let after = std::fs::read_to_string(dir.path().join("endpoints.yaml")).expect("read");
    assert!(after.contains("  summary: List containers\n  notes:\n  - kept by sync\n"), "notes lost");
}

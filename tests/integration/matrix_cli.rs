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

/// The Kubernetes table with evidence: each tick of the committed Podman run becomes the verdict at the version the
/// release's kubelet would use against it (1.41 for 1.23, unversioned for 1.4); cri-dockerd refuses Podman's 1.41.
#[test]
fn kubernetes_table_with_the_live_verdicts_of_a_run() {
    let o = dockmatrix(
        &[
            "matrix",
            "table",
            "kubernetes",
            "--api",
            "1.41",
            "--kubernetes",
            "1.4,1.23,cri-dockerd",
            "--run",
            "docs/runs/podman-4.3.json.gz",
            "--format",
            "md",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    let row = |path: &str| {
        text.lines()
            .find(|l| l.contains(&format!("| {path} |")))
            .unwrap_or_else(|| panic!("{path}: {text}"))
            .to_string()
    };
    assert!(
        row("/containers/{id}/update").ends_with("|  | incompatible | refused |"),
        "{}",
        row("/containers/{id}/update")
    );
    assert!(row("/containers/json").ends_with("| ok | ok | refused |"), "{}", row("/containers/json"));
    assert!(text.contains("1.23 against podman-4.3: calls at 1.41 (/v&lt;min(daemon, 1.41)>/): 22 of 23 ok"), "{text}");
    assert!(text.contains("1.4 against podman-4.3: calls at unversioned (unversioned paths): 20 of 20 ok"), "{text}");
    assert!(
        text.contains(
            "cri-dockerd against podman-4.3: refuses the daemon: it needs API 1.42 and the daemon serves at most 1.41"
        ),
        "{text}"
    );
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

/// Copies the committed matrices into a new temporary folder (probes.yaml too: sync loads what it wrote).
fn copy_of_the_matrices() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for f in ["endpoints.yaml", "docker.yaml", "kubernetes.yaml", "probes.yaml"] {
        std::fs::copy(format!("matrices/{f}"), dir.path().join(f)).expect("copy");
    }
    dir
}

#[test]
fn sync_from_sources_reproduces_the_committed_matrices() {
    // No input flag: sync reads the repository's own sources/, and nothing outside the repository.
    let o = dockmatrix(&["matrix", "sync", "--check"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("4 matrices up to date"), "{}", stdout(&o));

    // The check does catch a stale matrix: one endpoint's first version changed by hand.
    let dir = copy_of_the_matrices();
    let endpoints = dir.path().join("endpoints.yaml");
    let text = std::fs::read_to_string(&endpoints).expect("read");
    let stale =
        text.replacen("path: /plugins/{name}/push\n  first: '1.25'", "path: /plugins/{name}/push\n  first: '1.24'", 1);
    assert_ne!(stale, text, "plugin.push starts at 1.25 in the committed matrix");
    std::fs::write(&endpoints, stale).expect("write");
    let d = dir.path().display().to_string();
    let o = dockmatrix(&["matrix", "sync", "--check", "--dir", &d], &[]);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    assert!(stderr(&o).contains("endpoints.yaml: out of date"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("docker.yaml") && !stderr(&o).contains("kubernetes.yaml"), "{}", stderr(&o));
}

#[test]
fn sync_names_the_in_repository_sources() {
    for f in ["endpoints.yaml", "docker.yaml", "kubernetes.yaml"] {
        let text = std::fs::read_to_string(format!("matrices/{f}")).expect("read");
        let sources: Vec<&str> =
            text.lines().skip_while(|l| *l != "sources:").skip(1).take_while(|l| l.starts_with("- ")).collect();
        assert!(!sources.is_empty(), "{f} lists its sources");
        assert!(sources.iter().all(|l| l.starts_with("- sources/")), "{f}: {sources:?}");
    }
}

#[test]
fn sync_keeps_hand_written_notes() {
    let dir = copy_of_the_matrices();
    let endpoints = dir.path().join("endpoints.yaml");
    let text = std::fs::read_to_string(&endpoints).expect("read");
    let noted =
        text.replacen("  summary: List containers\n", "  summary: List containers\n  notes:\n  - kept by sync\n", 1);
    assert_ne!(noted, text, "container.list has that summary");
    // A stale row too, so that sync does rewrite the file rather than find it unchanged.
    let noted =
        noted.replacen("path: /plugins/{name}/push\n  first: '1.25'", "path: /plugins/{name}/push\n  first: '1.24'", 1);
    std::fs::write(&endpoints, noted).expect("write");
    let d = dir.path().display().to_string();
    let o = dockmatrix(&["matrix", "sync", "--dir", &d], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("endpoints.yaml: written"), "{}", stdout(&o));
    let after = std::fs::read_to_string(&endpoints).expect("read");
    assert!(after.contains("  summary: List containers\n  notes:\n  - kept by sync\n"), "notes lost");
    assert!(after.contains("path: /plugins/{name}/push\n  first: '1.25'"), "the stale row is regenerated");
    // Apart from the note, the result is the committed matrix.
    let committed = std::fs::read_to_string("matrices/endpoints.yaml").expect("read");
    assert_eq!(after.replacen("  notes:\n  - kept by sync\n", "", 1), committed);
}

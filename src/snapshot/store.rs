//! Snapshot files in insta's format (`snapshots/<target>/<endpoint>.snap`, pending `.snap.new`), the
//! comparison of a run against them, and accepting or rejecting pending ones.
//!
//! Policy (insta's, except for first snapshots): an unchanged snapshot is left alone (and a stale `.snap.new`
//! beside it removed); a first snapshot is written directly as `.snap` and reported as new; a changed one is
//! written as `.snap.new` beside the old, for `dockmatrix snapshot review` or `cargo insta review`. With
//! `ci`, nothing is written, and a changed or missing snapshot is a failure whose diff the summary prints.
//! Only the body is compared, as insta does: the header's `info` (the daemon's exact version) may differ.

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::model::RunReport;
use crate::snapshot::diff::unified;
use crate::snapshot::error::SnapshotError;
use crate::snapshot::render::{redactions_for, render};

/// File extension of an accepted snapshot.
pub const SNAP_EXT: &str = "snap";
/// File extension of a pending snapshot.
pub const PENDING_EXT: &str = "snap.new";

/// One snapshot file: insta's YAML header, then `---` and the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotFile {
    /// insta's `source` (what made it).
    pub source: String,
    /// insta's `expression` (the endpoint's method and path).
    pub expression: String,
    /// insta's optional `info` map (target, endpoint, daemon version), in order.
    pub info: Vec<(String, String)>,
    /// The snapshot proper.
    pub body: String,
}

impl SnapshotFile {
    /// The file's text, in insta 1.x format.
    pub fn to_text(&self) -> String {
        let q = |s: &str| serde_json::Value::String(s.to_string()).to_string();
        let mut out = String::from("---\n");
        let _ = writeln!(out, "source: {}", q(&self.source));
        let _ = writeln!(out, "expression: {}", q(&self.expression));
        if !self.info.is_empty() {
            out.push_str("info:\n");
            for (k, v) in &self.info {
                let _ = writeln!(out, "  {k}: {}", q(v));
            }
        }
        out.push_str("---\n");
        out.push_str(self.body.trim_end());
        out.push('\n');
        out
    }
}

/// The body of a snapshot file's text (everything after the header), or `None` without an insta header.
pub fn body_of(text: &str) -> Option<&str> {
    let rest = text.strip_prefix("---\n").or_else(|| text.strip_prefix("---\r\n"))?;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        offset += line.len();
        if line.trim_end() == "---" {
            return Some(&rest[offset..]);
        }
    }
    None
}

/// Bodies compare equal as insta compares them: line endings and trailing blank space aside.
fn same_body(a: &str, b: &str) -> bool {
    a.replace("\r\n", "\n").trim_end() == b.replace("\r\n", "\n").trim_end()
}

/// A name made safe as one path component.
fn file_safe(name: &str) -> String {
    let s: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || "._-+".contains(c) { c } else { '_' }).collect();
    if s.is_empty() || s.chars().all(|c| c == '.') { "_".into() } else { s }
}

/// `dir/<target>/<endpoint>.snap`.
pub fn snap_path(dir: &Path, target: &str, endpoint: &str) -> PathBuf {
    dir.join(file_safe(target)).join(format!("{}.{SNAP_EXT}", file_safe(endpoint)))
}

/// The pending file beside a snapshot (`x.snap` -> `x.snap.new`).
pub fn pending_path(snap: &Path) -> PathBuf {
    let mut s = snap.as_os_str().to_os_string();
    s.push(".new");
    PathBuf::from(s)
}

/// How [`compare`] treats differences.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompareOptions {
    /// CI mode: write nothing; a changed or missing snapshot is a failure.
    pub ci: bool,
    /// Names of the objects the run created, redacted as `[fixture]`.
    pub fixture_names: Vec<String>,
}

/// What happened to one endpoint's snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotStatus {
    /// Same as the accepted snapshot.
    Unchanged,
    /// No snapshot existed; it was written as `.snap` (not in CI).
    New,
    /// No snapshot exists, and in CI that is a failure; nothing was written.
    Missing,
    /// Differs from the accepted snapshot.
    Changed {
        /// The `.snap.new` written for review (`None` in CI).
        pending: Option<PathBuf>,
    },
}

/// One endpoint's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotEntry {
    /// Endpoint id.
    pub endpoint: String,
    /// The accepted snapshot's path.
    pub path: PathBuf,
    /// What happened.
    pub status: SnapshotStatus,
    /// Unified diff, accepted -> new, for a changed (or, in CI, missing) snapshot.
    pub diff: Option<String>,
}

/// The outcome of comparing a run with its snapshots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotSummary {
    /// The target compared.
    pub target: String,
    /// Whether this was a CI comparison (nothing written).
    pub ci: bool,
    /// One entry per endpoint, by endpoint id.
    pub entries: Vec<SnapshotEntry>,
}

impl SnapshotSummary {
    /// Entries with a given kind of status.
    fn count(&self, f: impl Fn(&SnapshotStatus) -> bool) -> usize {
        self.entries.iter().filter(|e| f(&e.status)).count()
    }

    /// The entries that changed.
    pub fn changed(&self) -> impl Iterator<Item = &SnapshotEntry> {
        self.entries.iter().filter(|e| matches!(e.status, SnapshotStatus::Changed { .. }))
    }

    /// In CI, whether any snapshot changed or was missing (the run fails).
    pub fn is_failure(&self) -> bool {
        self.ci && self.count(|s| matches!(s, SnapshotStatus::Changed { .. } | SnapshotStatus::Missing)) > 0
    }

    /// Writes a line per new, missing or changed snapshot (with its diff in CI), then the totals.
    pub fn write(&self, out: &mut dyn Write) -> std::io::Result<()> {
        for e in &self.entries {
            match &e.status {
                SnapshotStatus::Unchanged => {}
                SnapshotStatus::New => writeln!(out, "{}: new snapshot written", e.path.display())?,
                SnapshotStatus::Missing => writeln!(out, "{}: missing (not written in CI)", e.path.display())?,
                SnapshotStatus::Changed { pending: Some(p) } => {
                    writeln!(out, "{}: changed, pending review in {}", e.path.display(), p.display())?
                }
                SnapshotStatus::Changed { pending: None } => writeln!(out, "{}: changed", e.path.display())?,
            }
            if let Some(d) = e.diff.as_ref().filter(|_| self.ci) {
                out.write_all(d.as_bytes())?;
            }
        }
        let changed = self.count(|s| matches!(s, SnapshotStatus::Changed { .. }));
        writeln!(
            out,
            "snapshots {}: {} unchanged, {} new, {} missing, {} changed",
            self.target,
            self.count(|s| *s == SnapshotStatus::Unchanged),
            self.count(|s| *s == SnapshotStatus::New),
            self.count(|s| *s == SnapshotStatus::Missing),
            changed
        )?;
        if changed > 0 && !self.ci {
            writeln!(out, "review them with `dockmatrix snapshot review --target {}`", self.target)?;
        }
        Ok(())
    }
}

/// Compares `report` with the snapshots in `dir/<target>/` and writes what the policy says (module docs).
pub fn compare(
    report: &RunReport,
    dir: &Path,
    target: &str,
    options: &CompareOptions,
) -> Result<SnapshotSummary, SnapshotError> {
    let redactions = redactions_for(report, &options.fixture_names);
    let mut entries = Vec::new();
    for snap in render(report, target, &redactions) {
        let path = snap_path(dir, target, &snap.endpoint);
        let pending = pending_path(&path);
        let text = snap.file.to_text();
        let old = match std::fs::read_to_string(&path) {
            Ok(t) => Some(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => return Err(SnapshotError::Read { path, source }),
        };
        let (status, diff) = match old {
            None if options.ci => {
                let diff = unified(&snap.endpoint, "", &snap.file.body, &path.display().to_string(), "new");
                (SnapshotStatus::Missing, Some(diff))
            }
            None => {
                write(&path, &text)?;
                (SnapshotStatus::New, None)
            }
            Some(old) => {
                let old_body =
                    body_of(&old).ok_or_else(|| SnapshotError::Malformed { path: path.clone() })?.to_string();
                if same_body(&old_body, &snap.file.body) {
                    if !options.ci {
                        remove_if_exists(&pending)?;
                    }
                    (SnapshotStatus::Unchanged, None)
                } else {
                    let diff = unified(&snap.endpoint, &old_body, &snap.file.body, &path.display().to_string(), "new");
                    if options.ci {
                        (SnapshotStatus::Changed { pending: None }, Some(diff))
                    } else {
                        write(&pending, &text)?;
                        (SnapshotStatus::Changed { pending: Some(pending) }, Some(diff))
                    }
                }
            }
        };
        entries.push(SnapshotEntry { endpoint: snap.endpoint, path, status, diff });
    }
    Ok(SnapshotSummary { target: target.to_string(), ci: options.ci, entries })
}

fn write(path: &Path, text: &str) -> Result<(), SnapshotError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|source| SnapshotError::Write { path: parent.to_path_buf(), source })?;
    }
    std::fs::write(path, text).map_err(|source| SnapshotError::Write { path: path.to_path_buf(), source })
}

fn remove_if_exists(path: &Path) -> Result<(), SnapshotError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(SnapshotError::Remove { path: path.to_path_buf(), source }),
    }
}

/// A pending snapshot awaiting review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// Target (the folder under the snapshot dir).
    pub target: String,
    /// Endpoint id (the file stem).
    pub endpoint: String,
    /// The accepted snapshot (may not exist).
    pub snap: PathBuf,
    /// The `.snap.new` file.
    pub new: PathBuf,
}

/// Every `.snap.new` under `dir/<target>/` (all targets when `target` is `None`), sorted by path.
pub fn pending(dir: &Path, target: Option<&str>) -> Result<Vec<Pending>, SnapshotError> {
    let targets: Vec<PathBuf> = match target {
        Some(t) => vec![dir.join(file_safe(t))],
        None => match std::fs::read_dir(dir) {
            Ok(rd) => rd
                .collect::<Result<Vec<_>, _>>()
                .map_err(|source| SnapshotError::Read { path: dir.to_path_buf(), source })?
                .into_iter()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(source) => return Err(SnapshotError::Read { path: dir.to_path_buf(), source }),
        },
    };
    let mut out = Vec::new();
    for tdir in targets {
        let entries = match std::fs::read_dir(&tdir) {
            Ok(rd) => rd
                .collect::<Result<Vec<_>, _>>()
                .map_err(|source| SnapshotError::Read { path: tdir.clone(), source })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(source) => return Err(SnapshotError::Read { path: tdir, source }),
        };
        let target_name = tdir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        for e in entries {
            let new = e.path();
            let Some(name) = new.file_name().and_then(|n| n.to_str()) else { continue };
            let Some(endpoint) = name.strip_suffix(&format!(".{PENDING_EXT}")) else { continue };
            out.push(Pending {
                target: target_name.clone(),
                endpoint: endpoint.to_string(),
                snap: tdir.join(format!("{endpoint}.{SNAP_EXT}")),
                new: new.clone(),
            });
        }
    }
    out.sort_by(|a, b| a.new.cmp(&b.new));
    Ok(out)
}

/// Accepts one pending snapshot: the `.snap.new` replaces the `.snap`.
pub fn accept_one(p: &Pending) -> Result<(), SnapshotError> {
    std::fs::rename(&p.new, &p.snap).map_err(|source| SnapshotError::Rename {
        from: p.new.clone(),
        to: p.snap.clone(),
        source,
    })
}

/// Rejects one pending snapshot: the `.snap.new` is deleted.
pub fn reject_one(p: &Pending) -> Result<(), SnapshotError> {
    remove_if_exists(&p.new)
}

/// Accepts every pending snapshot (of `target`, or all); returns what was accepted.
pub fn accept(dir: &Path, target: Option<&str>) -> Result<Vec<Pending>, SnapshotError> {
    let all = pending(dir, target)?;
    all.iter().try_for_each(accept_one)?;
    Ok(all)
}

/// Rejects every pending snapshot (of `target`, or all); returns what was rejected.
pub fn reject(dir: &Path, target: Option<&str>) -> Result<Vec<Pending>, SnapshotError> {
    let all = pending(dir, target)?;
    all.iter().try_for_each(reject_one)?;
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ApiVersion;

    use crate::snapshot::fixture;

    fn run() -> RunReport {
        fixture::report("run-7f3a9c", fixture::probes("docker-20.10"))
    }

    fn options(ci: bool) -> CompareOptions {
        CompareOptions { ci, fixture_names: fixture::fixture_names() }
    }

    /// Every file under `dir`, relative, sorted.
    fn files(dir: &Path) -> Vec<String> {
        let mut out = Vec::new();
        for t in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            for f in std::fs::read_dir(t.path()).into_iter().flatten().flatten() {
                out.push(format!("{}/{}", t.file_name().to_string_lossy(), f.file_name().to_string_lossy()));
            }
        }
        out.sort();
        out
    }

    #[test]
    fn first_run_writes_snap_files_and_second_run_changes_nothing() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let first = compare(&run(), tmp.path(), "docker-20.10", &options(false)).expect("compare");
        assert!(first.entries.iter().all(|e| e.status == SnapshotStatus::New));
        let written = files(tmp.path());
        assert!(written.contains(&"docker-20.10/system.version.snap".to_string()), "{written:?}");
        assert!(written.iter().all(|f| f.ends_with(".snap")));
        let second = compare(&run(), tmp.path(), "docker-20.10", &options(false)).expect("compare");
        assert!(second.entries.iter().all(|e| e.status == SnapshotStatus::Unchanged));
        assert_eq!(files(tmp.path()), written);
        assert!(!second.is_failure());
    }

    /// A run whose container list lost the `State` field at v1.41.
    fn run_without_state() -> RunReport {
        let mut report = run();
        for p in &mut report.probes {
            if p.endpoint == "container.list" && p.api_version == Some(ApiVersion::new(1, 41)) {
                let mut v: serde_json::Value =
                    serde_json::from_str(p.evidence.body.as_deref().expect("body")).expect("json");
                v[0].as_object_mut().expect("object").remove("State");
                p.evidence.body = Some(v.to_string());
            }
        }
        report
    }

    #[test]
    fn a_removed_field_is_a_change_with_a_diff_naming_endpoint_range_and_field() {
        let tmp = tempfile::tempdir().expect("tempdir");
        compare(&run(), tmp.path(), "docker-20.10", &options(false)).expect("compare");
        let summary = compare(&run_without_state(), tmp.path(), "docker-20.10", &options(false)).expect("compare");
        let changed: Vec<&SnapshotEntry> = summary.changed().collect();
        let [entry] = changed.as_slice() else { panic!("one change: {summary:?}") };
        assert_eq!(entry.endpoint, "container.list");
        let pending = tmp.path().join("docker-20.10/container.list.snap.new");
        assert_eq!(entry.status, SnapshotStatus::Changed { pending: Some(pending.clone()) });
        assert!(pending.exists());
        let diff = entry.diff.as_deref().expect("diff");
        assert!(diff.contains("@@ container.list v1.41: json[].State\n"), "{diff}");
        assert!(diff.contains("\n-      State: \"running\"\n"), "{diff}");
        let mut out = Vec::new();
        summary.write(&mut out).expect("write");
        let out = String::from_utf8(out).expect("utf-8");
        assert!(out.contains("container.list.snap: changed, pending review in"), "{out}");
        assert!(out.contains("1 changed"), "{out}");
        assert!(!summary.is_failure(), "outside CI a change is for review, not a failure");
        // The same answer again leaves the pending file for review; the old answer removes it.
        compare(&run(), tmp.path(), "docker-20.10", &options(false)).expect("compare");
        assert!(!pending.exists(), "a stale .snap.new is removed once the answer matches again");
    }

    #[test]
    fn ci_writes_nothing_and_fails_on_a_change_or_a_missing_snapshot() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let missing = compare(&run(), tmp.path(), "docker-20.10", &options(true)).expect("compare");
        assert!(missing.is_failure());
        assert!(missing.entries.iter().all(|e| e.status == SnapshotStatus::Missing));
        assert!(files(tmp.path()).is_empty());

        compare(&run(), tmp.path(), "docker-20.10", &options(false)).expect("compare");
        let before = files(tmp.path());
        let summary = compare(&run_without_state(), tmp.path(), "docker-20.10", &options(true)).expect("compare");
        assert!(summary.is_failure());
        assert_eq!(files(tmp.path()), before, "CI writes nothing");
        let mut out = Vec::new();
        summary.write(&mut out).expect("write");
        let out = String::from_utf8(out).expect("utf-8");
        assert!(out.contains("container.list.snap: changed\n"), "{out}");
        assert!(out.contains("@@ container.list v1.41: json[].State"), "{out}");

        let same = compare(&run(), tmp.path(), "docker-20.10", &options(true)).expect("compare");
        assert!(!same.is_failure());
    }

    #[test]
    fn header_round_trips_and_is_readable_by_insta() {
        let f = SnapshotFile {
            source: "dockmatrix".into(),
            expression: "GET /containers/json".into(),
            info: vec![("daemon".into(), "docker 20.10.24+dfsg1".into())],
            body: "v1.41:\n  status: 200\n".into(),
        };
        let text = f.to_text();
        assert_eq!(body_of(&text), Some("v1.41:\n  status: 200\n"));
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("x.snap");
        std::fs::write(&path, &text).expect("write");
        let snap = insta::Snapshot::from_file(&path).expect("insta reads it");
        assert_eq!(snap.metadata().expression(), Some("GET /containers/json"));
        assert_eq!(snap.metadata().source(), Some("dockmatrix"));
        assert_eq!(snap.contents().as_text().map(ToString::to_string).as_deref(), Some("v1.41:\n  status: 200"));
    }

    #[test]
    fn paths_are_target_folder_and_endpoint_file() {
        let p = snap_path(Path::new("snapshots"), "docker-20.10", "container.list");
        assert_eq!(p, Path::new("snapshots/docker-20.10/container.list.snap"));
        assert_eq!(pending_path(&p), Path::new("snapshots/docker-20.10/container.list.snap.new"));
        assert_eq!(snap_path(Path::new("s"), "../x", "a/b"), Path::new("s/.._x/a_b.snap"));
    }

    #[test]
    fn accept_and_reject_handle_pending_files() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let t = tmp.path().join("docker-20.10");
        std::fs::create_dir_all(&t).expect("mkdir");
        std::fs::write(t.join("a.snap"), "old").expect("write");
        std::fs::write(t.join("a.snap.new"), "new").expect("write");
        std::fs::write(t.join("b.snap.new"), "new b").expect("write");
        let p = pending(tmp.path(), None).expect("list");
        assert_eq!(p.iter().map(|p| p.endpoint.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        let accepted = accept(tmp.path(), Some("docker-20.10")).expect("accept");
        assert_eq!(accepted.len(), 2);
        assert_eq!(std::fs::read_to_string(t.join("a.snap")).expect("read"), "new");
        assert_eq!(std::fs::read_to_string(t.join("b.snap")).expect("read"), "new b");
        std::fs::write(t.join("a.snap.new"), "newer").expect("write");
        reject(tmp.path(), None).expect("reject");
        assert!(!t.join("a.snap.new").exists());
        assert_eq!(std::fs::read_to_string(t.join("a.snap")).expect("read"), "new");
        assert!(pending(&tmp.path().join("nope"), None).expect("empty").is_empty());
    }
}

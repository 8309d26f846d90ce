//! Snapshot files in insta's format (`snapshots/<target>/<endpoint>.snap`, pending `.snap.new`), the
//! comparison of a run against them, and accepting or rejecting pending ones.
//!
//! Policy (insta's): an unchanged snapshot is left alone (and a stale `.snap.new` beside it removed); a new one and
//! a changed one are written as `.snap.new` (beside the old, for a change), pending `dockmatrix snapshot review`,
//! `accept` or `cargo insta review`: nothing is accepted without a command. With `ci`, nothing is written, and a
//! changed or missing snapshot is a failure whose diff the summary prints. Only the body is compared, as insta does:
//! the header's `info` (the daemon's exact version) may differ.

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::model::{RunRecord, shell_word};
use crate::snapshot::diff::unified;
use crate::snapshot::error::SnapshotError;
use crate::snapshot::render::{RenderedSnapshot, redactions_for, render};

/// File extension of an accepted snapshot.
pub const SNAP_EXT: &str = "snap";
/// File extension of a pending snapshot.
pub const PENDING_EXT: &str = "snap.new";

/// The snapshot folder the `snapshot` subcommands read when not given `--dir` (and `run` uses when `./snapshots`
/// exists).
pub const DEFAULT_DIR: &str = "snapshots";

/// How many new, missing or changed snapshots [`SnapshotSummary::lines`] names (each with its diff in CI) before it
/// counts the rest: a daemon that answers 500 to most requests changes nearly every snapshot, and a run's output stays
/// on one screen.
pub const SNAPSHOT_LINES: usize = 3;

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

/// A name made safe as one path component (a variant keeps its brackets: `image.list[shared-size]`).
fn file_safe(name: &str) -> String {
    let s: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || "._-+[]".contains(c) { c } else { '_' }).collect();
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
    /// No snapshot existed; the answers were written as `.snap.new`, pending review (not in CI).
    New {
        /// The `.snap.new` written.
        pending: PathBuf,
    },
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
    /// The snapshot folder (the target's snapshots are in a folder of it named after the target).
    pub dir: PathBuf,
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

    /// The `.snap.new` files this comparison left for review.
    pub fn pending(&self) -> usize {
        self.count(|s| matches!(s, SnapshotStatus::New { .. } | SnapshotStatus::Changed { pending: Some(_) }))
    }

    /// The `dockmatrix snapshot VERB` command for this target's pending snapshots, quoted for a POSIX shell
    /// (`--dir` only when the folder is not the subcommand's default).
    pub fn command(&self, verb: &str) -> String {
        let mut words = vec!["dockmatrix".to_string(), "snapshot".into(), verb.into(), "--target".into()];
        words.push(shell_word(&self.target));
        if self.dir != Path::new(DEFAULT_DIR) {
            words.push("--dir".into());
            words.push(shell_word(&self.dir.display().to_string()));
        }
        words.join(" ")
    }

    /// What a run prints: a line per changed, missing or new snapshot (changed first; in CI each with its diff), at
    /// most [`SNAPSHOT_LINES`] of them unless `all`, then one counting the rest; the totals, which say where the
    /// snapshots are; and, outside CI, the commands that review or accept the pending ones.
    pub fn lines(&self, all: bool) -> Vec<String> {
        let rank = |s: &SnapshotStatus| match s {
            SnapshotStatus::Unchanged => None,
            SnapshotStatus::Changed { .. } => Some(0),
            SnapshotStatus::Missing => Some(1),
            SnapshotStatus::New { .. } => Some(2),
        };
        let mut listed: Vec<(u8, &SnapshotEntry)> =
            self.entries.iter().filter_map(|e| rank(&e.status).map(|r| (r, e))).collect();
        listed.sort_by_key(|(r, _)| *r);
        let shown = if all { listed.len() } else { listed.len().min(SNAPSHOT_LINES) };
        let mut lines = Vec::new();
        for (_, e) in &listed[..shown] {
            lines.push(match &e.status {
                SnapshotStatus::Unchanged => continue,
                SnapshotStatus::New { pending } => format!("{}: new, pending review", pending.display()),
                SnapshotStatus::Missing => format!("{}: missing (not written in CI)", e.path.display()),
                SnapshotStatus::Changed { pending: Some(p) } => {
                    format!("{}: changed, pending review in {}", e.path.display(), p.display())
                }
                SnapshotStatus::Changed { pending: None } => format!("{}: changed", e.path.display()),
            });
            if let Some(d) = e.diff.as_ref().filter(|_| self.ci) {
                lines.extend(d.lines().map(str::to_string));
            }
        }
        let more = listed.len() - shown;
        if more > 0 {
            lines.push(if self.ci {
                format!("... and {more} more changed or missing (-v prints every one with its diff)")
            } else {
                format!("... and {more} more pending review (-v lists every one)")
            });
        }
        let folder = self.dir.join(file_safe(&self.target));
        lines.push(format!(
            "snapshots of {} ({}{}): {} unchanged, {} new, {} missing, {} changed",
            self.target,
            folder.display(),
            if self.ci { ", CI: nothing written" } else { "" },
            self.count(|s| *s == SnapshotStatus::Unchanged),
            self.count(|s| matches!(s, SnapshotStatus::New { .. })),
            self.count(|s| *s == SnapshotStatus::Missing),
            self.count(|s| matches!(s, SnapshotStatus::Changed { .. })),
        ));
        if self.pending() > 0 {
            lines.push(format!(
                "review them with `{}`, or accept them all: `{}`",
                self.command("review"),
                self.command("accept")
            ));
        }
        lines
    }

    /// Writes [`Self::lines`].
    pub fn write(&self, out: &mut dyn Write, all: bool) -> std::io::Result<()> {
        for line in self.lines(all) {
            writeln!(out, "{line}")?;
        }
        Ok(())
    }
}

/// Compares `report` with the snapshots in `dir/<target>/` and writes what the policy says (module docs).
pub fn compare(
    report: &RunRecord,
    dir: &Path,
    target: &str,
    options: &CompareOptions,
) -> Result<SnapshotSummary, SnapshotError> {
    let redactions = redactions_for(report, &options.fixture_names);
    compare_each(render(report, target, &redactions).into_iter().map(Ok), dir, target, options)
}

/// Compares the snapshots `snaps` of `target` with those in `dir/<target>/`, one at a time as they come, and writes
/// what the policy says (module docs): [`compare`] of snapshots made elsewhere (`run` renders them endpoint by
/// endpoint as it reads its probes back). The first error of `snaps` stops the comparison.
pub fn compare_each(
    snaps: impl Iterator<Item = Result<RenderedSnapshot, SnapshotError>>,
    dir: &Path,
    target: &str,
    options: &CompareOptions,
) -> Result<SnapshotSummary, SnapshotError> {
    let mut entries = Vec::new();
    for snap in snaps {
        let snap = snap?;
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
                write(&pending, &text)?;
                (SnapshotStatus::New { pending }, None)
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
    Ok(SnapshotSummary { target: target.to_string(), dir: dir.to_path_buf(), ci: options.ci, entries })
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

    fn run() -> RunRecord {
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

    /// A first run's snapshots and what they are after `accept`: the `.snap` files a change is compared with.
    fn accepted(dir: &Path) {
        compare(&run(), dir, "docker-20.10", &options(false)).expect("compare");
        accept(dir, Some("docker-20.10")).expect("accept");
    }

    #[test]
    fn new_snapshots_are_pending_until_accepted_and_then_a_second_run_changes_nothing() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let first = compare(&run(), tmp.path(), "docker-20.10", &options(false)).expect("compare");
        let version = first.entries.iter().find(|e| e.endpoint == "system.version").expect("system.version");
        let pending = tmp.path().join("docker-20.10/system.version.snap.new");
        assert_eq!(version.status, SnapshotStatus::New { pending });
        assert!(first.entries.iter().all(|e| matches!(e.status, SnapshotStatus::New { .. })));
        let written = files(tmp.path());
        assert!(written.contains(&"docker-20.10/system.version.snap.new".to_string()), "{written:?}");
        assert!(written.iter().all(|f| f.ends_with(".snap.new")), "nothing accepted without a command: {written:?}");
        assert_eq!(first.pending(), written.len());
        assert!(!first.is_failure(), "outside CI a new snapshot is for review, not a failure");
        // The same answers again: still new, the same pending files.
        let again = compare(&run(), tmp.path(), "docker-20.10", &options(false)).expect("compare");
        assert!(again.entries.iter().all(|e| matches!(e.status, SnapshotStatus::New { .. })));
        assert_eq!(files(tmp.path()), written);

        assert_eq!(accept(tmp.path(), None).expect("accept").len(), written.len());
        let accepted: Vec<String> = written.iter().map(|f| f.trim_end_matches(".new").to_string()).collect();
        assert_eq!(files(tmp.path()), accepted);
        let second = compare(&run(), tmp.path(), "docker-20.10", &options(false)).expect("compare");
        assert!(second.entries.iter().all(|e| e.status == SnapshotStatus::Unchanged));
        assert_eq!(files(tmp.path()), accepted);
        assert_eq!(second.pending(), 0);
        assert!(!second.is_failure());
    }

    /// A run whose container list lost the `State` field at v1.41.
    fn run_without_state() -> RunRecord {
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
        accepted(tmp.path());
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
        summary.write(&mut out, false).expect("write");
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

        accepted(tmp.path());
        let before = files(tmp.path());
        let summary = compare(&run_without_state(), tmp.path(), "docker-20.10", &options(true)).expect("compare");
        assert!(summary.is_failure());
        assert_eq!(files(tmp.path()), before, "CI writes nothing");
        let mut out = Vec::new();
        summary.write(&mut out, false).expect("write");
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

    /// A summary of `changed` changed, `new` new and `same` unchanged snapshots (`missing` missing in CI), endpoints
    /// `e00`, `e01`, ... in that order, each changed or missing one with a two-line diff.
    fn summary(dir: &str, ci: bool, changed: usize, new: usize, missing: usize, same: usize) -> SnapshotSummary {
        let dir = PathBuf::from(dir);
        let kinds = [(changed, 0), (new, 1), (missing, 2), (same, 3)];
        let statuses = kinds.iter().flat_map(|&(n, kind)| std::iter::repeat_n(kind, n));
        let entries = statuses
            .enumerate()
            .map(|(i, kind)| {
                let endpoint = format!("e{i:02}");
                let path = snap_path(&dir, "docker-20.10", &endpoint);
                let pending = (!ci).then(|| pending_path(&path));
                let (status, diff) = match kind {
                    0 => (SnapshotStatus::Changed { pending }, Some(format!("@@ {endpoint}\n-old\n"))),
                    1 => (SnapshotStatus::New { pending: pending.expect("not in CI") }, None),
                    2 => (SnapshotStatus::Missing, Some(format!("@@ {endpoint}\n+new\n"))),
                    _ => (SnapshotStatus::Unchanged, None),
                };
                SnapshotEntry { endpoint, path, status, diff }
            })
            .collect();
        SnapshotSummary { target: "docker-20.10".into(), dir, ci, entries }
    }

    #[test]
    fn many_changes_print_a_few_lines_the_count_and_the_review_command() {
        let review = "review them with `dockmatrix snapshot review --target docker-20.10`, or accept them all: \
                      `dockmatrix snapshot accept --target docker-20.10`";
        // 96 changed, 12 new, 5 unchanged: the changed ones first, three of them, then the count and the commands.
        assert_eq!(
            summary("snapshots", false, 96, 12, 0, 5).lines(false),
            [
                "snapshots/docker-20.10/e00.snap: changed, pending review in snapshots/docker-20.10/e00.snap.new",
                "snapshots/docker-20.10/e01.snap: changed, pending review in snapshots/docker-20.10/e01.snap.new",
                "snapshots/docker-20.10/e02.snap: changed, pending review in snapshots/docker-20.10/e02.snap.new",
                "... and 105 more pending review (-v lists every one)",
                "snapshots of docker-20.10 (snapshots/docker-20.10): 5 unchanged, 12 new, 0 missing, 96 changed",
                review,
            ]
        );
        // Only new ones, in another folder: named by their .snap.new, and the commands name the folder.
        assert_eq!(
            summary("/tmp/my snaps", false, 0, 4, 0, 0).lines(false),
            [
                "/tmp/my snaps/docker-20.10/e00.snap.new: new, pending review",
                "/tmp/my snaps/docker-20.10/e01.snap.new: new, pending review",
                "/tmp/my snaps/docker-20.10/e02.snap.new: new, pending review",
                "... and 1 more pending review (-v lists every one)",
                "snapshots of docker-20.10 (/tmp/my snaps/docker-20.10): 0 unchanged, 4 new, 0 missing, 0 changed",
                "review them with `dockmatrix snapshot review --target docker-20.10 --dir '/tmp/my snaps'`, or accept \
                 them all: `dockmatrix snapshot accept --target docker-20.10 --dir '/tmp/my snaps'`",
            ]
        );
        // Nothing to review: the totals alone.
        assert_eq!(
            summary("snapshots", false, 0, 0, 0, 7).lines(false),
            ["snapshots of docker-20.10 (snapshots/docker-20.10): 7 unchanged, 0 new, 0 missing, 0 changed"]
        );
        // Three or fewer: no count of the rest.
        assert_eq!(summary("snapshots", false, 2, 1, 0, 0).lines(false).len(), 3 + 2);
    }

    #[test]
    fn verbose_lists_every_changed_snapshot() {
        let lines = summary("snapshots", false, 96, 12, 0, 5).lines(true);
        assert_eq!(lines.iter().filter(|l| l.ends_with(".snap.new") && l.contains(": changed, pending")).count(), 96);
        assert_eq!(lines.iter().filter(|l| l.ends_with(": new, pending review")).count(), 12);
        assert!(!lines.iter().any(|l| l.starts_with("... and")), "{lines:#?}");
        assert_eq!(lines.len(), 96 + 12 + 2);
    }

    #[test]
    fn ci_prints_the_diffs_of_the_first_few_and_counts_the_rest() {
        assert_eq!(
            summary("snapshots", true, 2, 0, 3, 1).lines(false),
            [
                "snapshots/docker-20.10/e00.snap: changed",
                "@@ e00",
                "-old",
                "snapshots/docker-20.10/e01.snap: changed",
                "@@ e01",
                "-old",
                "snapshots/docker-20.10/e02.snap: missing (not written in CI)",
                "@@ e02",
                "+new",
                "... and 2 more changed or missing (-v prints every one with its diff)",
                "snapshots of docker-20.10 (snapshots/docker-20.10, CI: nothing written): 1 unchanged, 0 new, 3 missing, \
                 2 changed",
            ]
        );
        let all = summary("snapshots", true, 2, 0, 3, 1).lines(true);
        assert_eq!(all.iter().filter(|l| l.starts_with("@@ ")).count(), 5, "{all:#?}");
    }
}

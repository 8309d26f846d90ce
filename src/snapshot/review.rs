//! `dockmatrix snapshot review`: each pending `.snap.new` shown as a diff, then accepted, rejected or skipped.

use std::io::{BufRead, Write};
use std::path::Path;

use crate::snapshot::diff::{colorize, unified};
use crate::snapshot::error::SnapshotError;
use crate::snapshot::store::{Pending, accept_one, body_of, pending, reject_one};

/// What a review did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReviewSummary {
    /// Accepted snapshots.
    pub accepted: Vec<Pending>,
    /// Rejected snapshots.
    pub rejected: Vec<Pending>,
    /// Snapshots left pending.
    pub skipped: Vec<Pending>,
}

fn term(what: &'static str) -> impl FnOnce(std::io::Error) -> SnapshotError {
    move |source| SnapshotError::Terminal { what, source }
}

fn read(path: &Path) -> Result<Option<String>, SnapshotError> {
    match std::fs::read_to_string(path) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(SnapshotError::Read { path: path.to_path_buf(), source }),
    }
}

/// The diff a review shows for one pending snapshot (empty old side when there is no `.snap` yet).
pub fn pending_diff(p: &Pending) -> Result<String, SnapshotError> {
    let old = read(&p.snap)?.unwrap_or_default();
    let new = read(&p.new)?.unwrap_or_default();
    let old_body = if old.is_empty() { "" } else { body_of(&old).unwrap_or(&old) };
    let new_body = body_of(&new).unwrap_or(&new);
    let title = format!("{}/{}", p.target, p.endpoint);
    Ok(unified(&title, old_body, new_body, &p.snap.display().to_string(), &p.new.display().to_string()))
}

/// Shows each pending snapshot under `dir` (of `target`, or all) and asks on `input` what to do with it.
/// An empty answer or end of input skips (at end of input, all the rest too). `color` adds ANSI colours.
pub fn review(
    dir: &Path,
    target: Option<&str>,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
    color: bool,
) -> Result<ReviewSummary, SnapshotError> {
    let all = pending(dir, target)?;
    let mut summary = ReviewSummary::default();
    if all.is_empty() {
        writeln!(out, "no pending snapshots under {}", dir.display()).map_err(term("write the diff"))?;
        return Ok(summary);
    }
    let total = all.len();
    let mut eof = false;
    for (n, p) in all.into_iter().enumerate() {
        if eof {
            summary.skipped.push(p);
            continue;
        }
        let diff = pending_diff(&p)?;
        let diff = if color { colorize(&diff) } else { diff };
        writeln!(out, "\nsnapshot {}/{}: {} ({})", n + 1, total, p.endpoint, p.target)
            .map_err(term("write the diff"))?;
        out.write_all(diff.as_bytes()).map_err(term("write the diff"))?;
        loop {
            write!(out, "accept (a), reject (r) or skip (s)? ").map_err(term("write the diff"))?;
            out.flush().map_err(term("write the diff"))?;
            let mut answer = String::new();
            if input.read_line(&mut answer).map_err(term("read the answer"))? == 0 {
                writeln!(out).map_err(term("write the diff"))?;
                eof = true;
                summary.skipped.push(p);
                break;
            }
            match answer.trim().to_ascii_lowercase().as_str() {
                "a" | "accept" | "y" | "yes" => {
                    accept_one(&p)?;
                    summary.accepted.push(p);
                }
                "r" | "reject" | "n" | "no" => {
                    reject_one(&p)?;
                    summary.rejected.push(p);
                }
                "s" | "skip" | "" => summary.skipped.push(p),
                other => {
                    writeln!(out, "`{other}` is not an answer").map_err(term("write the diff"))?;
                    continue;
                }
            }
            break;
        }
    }
    writeln!(
        out,
        "{} accepted, {} rejected, {} skipped",
        summary.accepted.len(),
        summary.rejected.len(),
        summary.skipped.len()
    )
    .map_err(term("write the diff"))?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(body: &str) -> String {
        format!("---\nsource: \"dockmatrix\"\nexpression: \"GET /x\"\n---\n{body}")
    }

    #[test]
    fn review_accepts_rejects_and_skips_by_answer() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let t = tmp.path().join("docker-20.10");
        std::fs::create_dir_all(&t).expect("mkdir");
        for name in ["a", "b", "c"] {
            std::fs::write(t.join(format!("{name}.snap")), snap("v1.41:\n  status: 200\n")).expect("write");
            std::fs::write(t.join(format!("{name}.snap.new")), snap("v1.41:\n  status: 404\n")).expect("write");
        }
        let mut input = &b"what\na\nr\n"[..];
        let mut out = Vec::new();
        let s = review(tmp.path(), None, &mut input, &mut out, false).expect("review");
        let out = String::from_utf8(out).expect("utf-8");
        assert_eq!((s.accepted.len(), s.rejected.len(), s.skipped.len()), (1, 1, 1), "{out}");
        assert!(out.contains("@@ -1,2 +1,2 @@ docker-20.10/a v1.41: status\n"), "{out}");
        assert!(out.contains("`what` is not an answer"), "{out}");
        assert!(!out.contains('\x1b'), "no colour when asked for none");
        assert!(std::fs::read_to_string(t.join("a.snap")).expect("read").contains("404"));
        assert!(!t.join("b.snap.new").exists());
        assert!(std::fs::read_to_string(t.join("b.snap")).expect("read").contains("200"));
        assert!(t.join("c.snap.new").exists());
    }
}

//! What `dockmatrix run` leaves on the screen and on the disk for snapshots, against the fake daemon: new ones
//! pending review as `.snap.new`, a folder made only when named, one line when none are compared, and a few lines
//! with a count when many change.

use std::path::Path;

use super::fake_daemon::{Behaviour, FakeDaemon};
use super::{dockmatrix_in, stderr, stdout};

/// The files of `dir/docker-20.10`, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir.join("docker-20.10"))
        .expect("the target's folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

/// The lines of `text` that start with `prefix`.
fn starting<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
    text.lines().filter(|l| l.starts_with(prefix)).collect()
}

#[test]
fn a_run_where_there_is_no_snapshots_folder_makes_none_and_says_so_in_one_line() {
    let fake = FakeDaemon::start(Behaviour::Docker2010 { broken: None });
    let here = tempfile::tempdir().expect("tempdir");
    // The fake's /version lacks a field the spec requires: with --no-conformance, exit 1 comes from snapshots only.
    let host = fake.host();
    let args = ["run", "--quiet", "--no-conformance", "--host", &host, "--only", "system.version", "--out", "out"];
    let o = dockmatrix_in(here.path(), &args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!here.path().join("snapshots").exists(), "no snapshots folder made here");
    assert_eq!(
        starting(&format!("{}{}", stdout(&o), stderr(&o)), "snapshots"),
        ["snapshots: not compared (no ./snapshots here; --snapshots DIR makes one)"]
    );

    // In CI the same: nothing to compare with, and nothing is ever written.
    let mut ci = args.to_vec();
    ci.push("--ci");
    let o = dockmatrix_in(here.path(), &ci);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        starting(&stderr(&o), "snapshots"),
        ["snapshots: not compared (no ./snapshots here; --snapshots DIR names the folder to compare with)"]
    );
    assert!(!here.path().join("snapshots").exists());

    // Where ./snapshots exists, it is the default: the new snapshots land there, pending review.
    std::fs::create_dir(here.path().join("snapshots")).expect("mkdir");
    let o = dockmatrix_in(here.path(), &args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let written = files(&here.path().join("snapshots"));
    assert!(written.contains(&"system.version.snap.new".to_string()), "{written:?}");
    assert!(written.iter().all(|f| f.ends_with(".snap.new")), "nothing accepted without a command: {written:?}");
    let totals = format!(
        "snapshots of docker-20.10 (snapshots/docker-20.10): 0 unchanged, {} new, 0 missing, 0 changed",
        written.len()
    );
    assert_eq!(starting(&stdout(&o), "snapshots of"), [totals.as_str()]);
    assert!(starting(&stderr(&o), "snapshots").is_empty(), "{}", stderr(&o));
}

#[test]
fn ci_against_a_named_folder_that_is_missing_fails_and_writes_nothing() {
    let fake = FakeDaemon::start(Behaviour::Docker2010 { broken: None });
    let here = tempfile::tempdir().expect("tempdir");
    let host = fake.host();
    let only = ["--only", "system.version", "--out", "out"];
    let args = ["run", "--quiet", "--no-conformance", "--ci", "--snapshots", "snaps", "--host", &host];
    let o = dockmatrix_in(here.path(), &[&args[..], &only].concat());
    assert_eq!(o.status.code(), Some(1), "a missing snapshot fails CI: {}", stdout(&o));
    assert!(!here.path().join("snaps").exists(), "CI writes nothing");
    let out = stdout(&o);
    assert!(out.contains("snaps/docker-20.10/system.version.snap: missing (not written in CI)\n"), "{out}");
    assert!(out.contains("(snaps/docker-20.10, CI: nothing written): 0 unchanged, 0 new, "), "{out}");
}

/// A first run with `--snapshots DIR` makes DIR and leaves every snapshot pending; once accepted, a daemon that
/// calls itself 20.10 but answers HTML to everything after discovery changes nearly all of them, and the run names
/// three, counts the rest and gives the review command; `-v` names every one.
#[test]
fn new_snapshots_are_pending_and_many_changes_print_a_few_lines_and_the_count() {
    let here = tempfile::tempdir().expect("tempdir");
    let healthy = FakeDaemon::start(Behaviour::Docker2010 { broken: None });
    let run = |fake: &FakeDaemon, verbose: bool| {
        let mut args = vec!["run", "--quiet", "--snapshots", "snaps", "--out", "out"];
        let host = fake.host();
        args.extend(["--host", &host]);
        if verbose {
            args.push("-v");
        }
        dockmatrix_in(here.path(), &args)
    };
    let review = "review them with `dockmatrix snapshot review --target docker-20.10 --dir snaps`, or accept them all: \
                  `dockmatrix snapshot accept --target docker-20.10 --dir snaps`";

    // Exit 0 or 1 as the verdicts go: the fakes answer too little for a clean run.
    let o = run(&healthy, false);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    let snaps = here.path().join("snaps");
    let written = files(&snaps);
    assert!(written.len() > 50 && written.iter().all(|f| f.ends_with(".snap.new")), "{written:?}");
    let out = stdout(&o);
    let listed = starting(&out, "snaps/docker-20.10/");
    assert_eq!(listed.len(), 3, "{out}");
    assert!(listed.iter().all(|l| l.ends_with(".snap.new: new, pending review")), "{out}");
    let more = format!("... and {} more pending review (-v lists every one)", written.len() - 3);
    let totals = format!(
        "snapshots of docker-20.10 (snaps/docker-20.10): 0 unchanged, {} new, 0 missing, 0 changed",
        written.len()
    );
    assert!(out.ends_with(&format!("{}\n{more}\n{totals}\n{review}\n", listed[2])), "{out}");

    let o = dockmatrix_in(here.path(), &["snapshot", "accept", "--dir", "snaps"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let accepted: Vec<String> = written.iter().map(|f| f.trim_end_matches(".new").to_string()).collect();
    assert_eq!(files(&snaps), accepted);

    let broken = FakeDaemon::start(Behaviour::WrongContentType);
    let o = run(&broken, false);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    let pending = files(&snaps).into_iter().filter(|f| f.ends_with(".snap.new")).count();
    assert!(pending > 50, "nearly every snapshot changed: {pending}");
    let out = stdout(&o);
    let listed = starting(&out, "snaps/docker-20.10/");
    assert_eq!(listed.len(), 3, "{out}");
    assert!(listed.iter().all(|l| l.contains(".snap: changed, pending review in snaps/docker-20.10/")), "{out}");
    let more = format!("... and {} more pending review (-v lists every one)", pending - 3);
    let unchanged = accepted.len() - pending;
    let totals = format!(
        "snapshots of docker-20.10 (snaps/docker-20.10): {unchanged} unchanged, 0 new, 0 missing, {pending} changed"
    );
    assert!(out.ends_with(&format!("{}\n{more}\n{totals}\n{review}\n", listed[2])), "{out}");
    // Under the one-screen summary, six lines for the snapshots, not one per snapshot.
    let (_, block) = out.split_once(listed[0]).expect("listed");
    assert_eq!(block.lines().count(), 6, "{out}");

    let o = run(&broken, true);
    let out = stdout(&o);
    assert_eq!(starting(&out, "snaps/docker-20.10/").len(), pending, "-v lists every one:\n{out}");
    assert!(starting(&out, "... and").is_empty(), "{out}");
}

/// The committed snapshots are what the committed runs make now: `snapshot from` of docs/runs/ changes none of them
/// (a change to the normaliser must come with the snapshots it changes, with no daemon needed to see it).
#[test]
fn the_committed_runs_make_the_committed_snapshots() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let copy = tempfile::tempdir().expect("tempdir");
    let mut runs: Vec<String> = std::fs::read_dir(root.join("docs/runs"))
        .expect("docs/runs")
        .map(|e| e.expect("entry").path().display().to_string())
        .filter(|p| p.ends_with(".json.gz"))
        .collect();
    runs.sort();
    for run in &runs {
        let name = Path::new(run).file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_suffix(".json.gz"));
        let name = name.expect("NAME.json.gz");
        let (from, to) = (root.join("snapshots").join(name), copy.path().join(name));
        std::fs::create_dir_all(&to).expect("target folder");
        for f in std::fs::read_dir(&from).expect("the target's snapshots") {
            let f = f.expect("entry").path();
            std::fs::copy(&f, to.join(f.file_name().expect("name"))).expect("copy");
        }
    }
    let dir = copy.path().display().to_string();
    let mut args = vec!["snapshot", "from", "--dir", dir.as_str()];
    args.extend(runs.iter().map(String::as_str));
    let o = super::dockmatrix(&args, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(runs.len(), 7, "the seven daemons' runs");
    assert_eq!(out.matches(" unchanged, 0 new, 0 missing, 0 changed").count(), runs.len(), "{out}");
}

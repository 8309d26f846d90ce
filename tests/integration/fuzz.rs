//! Mutated inputs never panic: the matrices (six of the seven YAML files: all but spec-errata.yaml), a run.json, a
//! snapshot file and the flags (`--api`, `--only`, `--fail-on`, `--report`, `--client`, `--daemon`) are mutated at
//! random (proptest) and read; each gives a value or an error that names what is wrong, and each is read within a
//! second. Each test prints its case count (`cargo test fuzz -- --nocapture`); `DOCKMATRIX_FUZZ_SCALE=N` runs N times as
//! many cases, for a longer search than CI's.

use std::path::Path;
use std::time::{Duration, Instant};

use clap::Parser;
use dockmatrix::cli::Cli;
use dockmatrix::matrix::load::MatrixSources;
use proptest::prelude::*;
use proptest::sample::Index;

/// One edit of a text: where, what, and a byte.
type Edit = (Index, u8, u8);

/// Pieces that YAML, JSON and the flag grammars give meaning to.
const PIECES: &[&str] = &[
    ":",
    "- ",
    "  ",
    "\n",
    "'",
    "\"",
    "{",
    "}",
    "[",
    "]",
    ",",
    "1.4",
    "1.99",
    "$",
    "#",
    "*",
    "..",
    "=",
    "\t",
    "é",
    "\u{0}",
    "null",
    "-1",
    "99999999999999999999",
    "&a",
    "*a",
    "!tag",
    "~",
];

/// `text` with `edits` applied: a piece inserted, a range deleted, a line doubled, or the text cut.
fn mutate(text: &str, edits: &[Edit]) -> String {
    let mut s = text.to_string();
    for (at, kind, byte) in edits {
        if s.is_empty() {
            s.push_str(PIECES[usize::from(*byte) % PIECES.len()]);
            continue;
        }
        let mut i = at.index(s.len());
        while !s.is_char_boundary(i) {
            i -= 1;
        }
        match kind % 4 {
            0 => s.insert_str(i, PIECES[usize::from(*byte) % PIECES.len()]),
            1 => {
                let mut end = (i + usize::from(*byte) + 1).min(s.len());
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                s.replace_range(i..end, "");
            }
            2 => {
                let start = s[..i].rfind('\n').map_or(0, |n| n + 1);
                let end = s[i..].find('\n').map_or(s.len(), |n| i + n + 1);
                let line = s[start..end].to_string();
                s.insert_str(start, &line);
            }
            _ => s.truncate(i),
        }
    }
    s
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec((any::<Index>(), any::<u8>(), any::<u8>()), 1..6)
}

/// Runs `check` on `cases` values of `strategy` (shrinking to the smallest failing one), and prints how many ran.
fn fuzz<S: Strategy>(name: &str, cases: u32, strategy: S, check: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let scale = std::env::var("DOCKMATRIX_FUZZ_SCALE").ok().and_then(|s| s.parse::<u32>().ok()).unwrap_or(1).max(1);
    let cases = cases.saturating_mul(scale);
    let config = ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() };
    let mut runner = proptest::test_runner::TestRunner::new(config);
    if let Err(e) = runner.run(&strategy, check) {
        panic!("fuzz: {name}: {e}");
    }
    eprintln!("fuzz: {name}: {cases} cases, each read or refused with an error");
}

/// At most one second per input.
fn quick(started: Instant, what: &str) -> Result<(), TestCaseError> {
    prop_assert!(started.elapsed() < Duration::from_secs(1), "{what} took {:?}", started.elapsed());
    Ok(())
}

/// Each matrix file mutated in turn: loading gives the matrices or an error naming that file.
#[test]
fn mutated_matrices_load_or_name_the_file() {
    fuzz("matrices", 192, (0usize..6, edits()), |(file, edits)| {
        let mut sources = MatrixSources::built_in();
        let source = match file {
            0 => &mut sources.endpoints,
            1 => &mut sources.docker,
            2 => &mut sources.kubernetes,
            3 => &mut sources.probes,
            4 => sources.scenarios.as_mut().expect("scenarios"),
            _ => sources.clients.as_mut().expect("clients"),
        };
        source.text = mutate(&source.text, &edits);
        let name = source.name.clone();
        let started = Instant::now();
        if let Err(e) = sources.load() {
            let shown = format!("{e:?} {e}");
            let file = name.rsplit(' ').next().unwrap_or(&name);
            prop_assert!(shown.contains(file), "{file}: {shown}");
        }
        quick(started, &name)
    });
}

/// A run.json cut, doubled or sprinkled with JSON pieces: read, or an error naming the file.
#[test]
fn mutated_runs_read_or_name_the_file() {
    let text = std::fs::read_to_string("tests/fixtures/run-docker-20.10.json").expect("the run fixture");
    fuzz("run.json", 256, edits(), |edits| {
        let text = mutate(&text, &edits);
        let started = Instant::now();
        if let Err(e) = dockmatrix::report::read::parse_runs(Path::new("mutated.json"), &text) {
            prop_assert!(e.to_string().contains("mutated.json"), "{e}");
        }
        quick(started, "run.json")
    });
}

/// A snapshot file mutated, then compared with the run it was rendered from: with its insta header intact, its body
/// is the text after the header and it compares as unchanged or changed; without one, `body_of` finds none and the
/// comparison is a `Malformed` error naming the file. Never a panic, never another outcome.
#[test]
fn mutated_snapshots_never_panic() {
    use dockmatrix::snapshot::store::{body_of, snap_path};
    use dockmatrix::snapshot::{CompareOptions, SnapshotError, SnapshotStatus, compare, redactions_for, render};

    let run_text = std::fs::read_to_string("tests/fixtures/run-docker-20.10.json").expect("the run fixture");
    let mut run = dockmatrix::report::read::parse_runs(Path::new("run.json"), &run_text).expect("run").remove(0);
    run.probes.retain(|p| p.endpoint == "system.ping");
    let target = "docker-20.10";
    let rendered = render(&run, target, &redactions_for(&run, &[])).remove(0);
    assert_eq!(rendered.endpoint, "system.ping");
    let text = rendered.file.to_text();
    let header_len = text.len() - rendered.file.body.trim_end().len() - 1;
    let normal = |s: &str| s.replace("\r\n", "\n").trim_end().to_string();
    let snaps = tempfile::tempdir().expect("tempdir");
    let path = snap_path(snaps.path(), target, "system.ping");
    std::fs::create_dir_all(path.parent().expect("target folder")).expect("mkdir");
    let ci = CompareOptions { ci: true, fixture_names: Vec::new() };

    // What `text` compares as: checked against what its body is, and the same for any text.
    let check = |text: &str| -> Result<&'static str, TestCaseError> {
        std::fs::write(&path, text).expect("write the snapshot");
        let body = body_of(text);
        if !(text.starts_with("---\n") || text.starts_with("---\r\n")) {
            prop_assert_eq!(body, None, "no insta header, no body");
        }
        if text.len() >= header_len && text.as_bytes()[..header_len] == rendered.file.to_text().as_bytes()[..header_len]
        {
            prop_assert_eq!(body, Some(&text[header_len..]), "the header intact, the body is the rest");
        }
        match (body, compare(&run, snaps.path(), target, &ci)) {
            (None, Err(SnapshotError::Malformed { path: p })) => {
                prop_assert_eq!(&p, &path);
                let message = SnapshotError::Malformed { path: p }.to_string();
                prop_assert!(message.contains(&path.display().to_string()), "{}", message);
                Ok("malformed")
            }
            (Some(body), Ok(summary)) => {
                let [entry] = summary.entries.as_slice() else {
                    return Err(TestCaseError::fail(format!("one endpoint, one entry: {summary:?}")));
                };
                prop_assert_eq!(&entry.path, &path);
                if normal(body) == normal(&rendered.file.body) {
                    prop_assert_eq!(&entry.status, &SnapshotStatus::Unchanged);
                    Ok("unchanged")
                } else {
                    prop_assert_eq!(&entry.status, &SnapshotStatus::Changed { pending: None });
                    prop_assert!(entry.diff.as_deref().is_some_and(|d| d.contains("system.ping")), "{:?}", entry.diff);
                    Ok("changed")
                }
            }
            (body, result) => Err(TestCaseError::fail(format!("body {body:?} compared as {result:?}"))),
        }
    };
    // Each outcome once for certain, then at random.
    assert_eq!(check(&text).expect("the rendered file"), "unchanged");
    assert_eq!(check(&text.replace("status: 200", "status: 500")).expect("another status"), "changed");
    assert_eq!(check(&rendered.file.body).expect("a body without its header"), "malformed");
    fuzz("snapshots", 256, edits(), |edits| {
        let text = mutate(&text, &edits);
        let started = Instant::now();
        check(&text)?;
        quick(started, "snapshot")
    });
    let written: Vec<String> = std::fs::read_dir(path.parent().expect("target folder"))
        .expect("read")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(written, ["system.ping.snap"], "CI writes nothing");
}

/// The flags that take a value, given arbitrary values (as `--flag=VALUE`, so a value may start with `-`): a config,
/// or a usage error (exit 2) whose message names the flag; never a panic, never another outcome.
#[test]
fn arbitrary_flag_values_give_a_config_or_a_usage_error() {
    let flags = vec!["--api", "--only", "--fail-on", "--report", "--allow", "--jobs", "--timeout"];
    let strategy = (prop::sample::select(flags), "\\PC{0,24}", 0u8..3);
    fuzz("flags", 512, strategy, |(flag, value, command)| {
        let (args, named): (Vec<String>, &[&str]) = match command {
            0 => (vec!["dockmatrix".into(), "run".into(), format!("{flag}={value}")], &[flag]),
            1 => (
                vec![
                    "dockmatrix".into(),
                    "report".into(),
                    "tests/fixtures/run-docker-20.10.json".into(),
                    format!("--fail-on={value}"),
                ],
                &["--fail-on"],
            ),
            _ => (
                vec!["dockmatrix".into(), "clients".into(), format!("--daemon={value}"), format!("--client={value}")],
                &["--daemon", "--client"],
            ),
        };
        let started = Instant::now();
        let (code, message) = match Cli::try_parse_from(&args) {
            Ok(cli) => match cli.into_config() {
                Ok(_) => return quick(started, "flags"),
                Err(e) => (i32::from(e.exit_code()), format!("{e}")),
            },
            Err(e) => {
                let kind = e.kind();
                prop_assert!(
                    !matches!(kind, clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion),
                    "{:?}: {}",
                    kind,
                    e
                );
                (e.exit_code(), e.to_string())
            }
        };
        prop_assert_eq!(code, 2, "{:?}: {}", args, message);
        prop_assert!(named.iter().any(|f| message.contains(f)), "{:?}: the message names no flag: {}", args, message);
        quick(started, "flags")
    });
}

//! Mutated inputs never panic: the matrices (six of the seven YAML files: all but spec-errata.yaml), a run.json, a
//! snapshot file and the flags (`--api`, `--only`, `--fail-on`, `--report`, `--client`, `--daemon`) are mutated at
//! random (proptest) and read; each gives a value or an error that names what is wrong, and each is read within a
//! second. Each test prints its case count (`cargo test fuzz -- --nocapture`).

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

/// A snapshot file mutated: its body is found or not, never a panic.
#[test]
fn mutated_snapshots_never_panic() {
    let text = std::fs::read_to_string("snapshots/docker-20.10/system.version.snap").expect("a snapshot");
    fuzz("snapshots", 256, edits(), |edits| {
        let text = mutate(&text, &edits);
        let started = Instant::now();
        let _ = dockmatrix::snapshot::store::body_of(&text);
        quick(started, "snapshot")
    });
}

/// The flags that take a value, given arbitrary values: a config or a usage error, never a panic.
#[test]
fn arbitrary_flag_values_give_a_config_or_a_usage_error() {
    let flags = vec!["--api", "--only", "--fail-on", "--report", "--allow", "--jobs", "--timeout"];
    let strategy = (prop::sample::select(flags), "\\PC{0,24}", 0u8..3);
    fuzz("flags", 512, strategy, |(flag, value, command)| {
        let args: Vec<&str> = match command {
            0 => vec!["dockmatrix", "run", flag, &value],
            1 => vec!["dockmatrix", "report", "tests/fixtures/run-docker-20.10.json", "--fail-on", &value],
            _ => vec!["dockmatrix", "clients", "--daemon", &value, "--client", &value],
        };
        let started = Instant::now();
        if let Ok(cli) = Cli::try_parse_from(&args) {
            let _ = cli.into_config();
        }
        quick(started, "flags")
    });
}

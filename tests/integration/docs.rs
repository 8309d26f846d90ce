//! The docs name only what exists. In README.md and docs/*.md:
//!
//! - every `dockmatrix COMMAND ...` in code (inline or fenced) names commands of this build, and each of its
//!   options (`--flag`, `-f`) is one that command's `--help` lists;
//! - every `bash scripts/NAME.sh ... --flag` names a script that exists, and a flag that script's text has;
//! - every other `--flag` anywhere in the text is an option of some dockmatrix command, or one of the few flags of
//!   other programs in [`OTHER_PROGRAMS`];
//! - every relative link (`[text](path)`, `![alt](path)`) points to a file that exists, and its `#fragment` to a
//!   heading of that page.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::{dockmatrix, stderr, stdout};

/// Flags of other programs that the docs name outside a command line this test can attribute (in prose, or after
/// a program it does not know). Each is checked nowhere else, so the list stays as short as the docs allow.
const OTHER_PROGRAMS: &[&str] = &[
    // cargo: `cargo test --all-features`, `cargo test --features schema-tests`, `cargo run --release`,
    // `cargo install --locked --path .`, `cargo clippy --all-targets`.
    "--all-features",
    "--all-targets",
    "--features",
    "--release",
    "--locked",
    "--path",
    // dockerd, as scripts/dockerd.sh starts it (docs/safety.md): no bridge, no iptables, no forwarding.
    "--bridge",
    "--iptables",
    "--ip-forward",
    "--ip-masq",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// README.md and every docs/*.md, as (path from the root, text).
fn pages() -> Vec<(String, String)> {
    let mut names = vec!["README.md".to_string()];
    let mut docs: Vec<String> = std::fs::read_dir(root().join("docs"))
        .expect("docs/")
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| n.ends_with(".md"))
        .map(|n| format!("docs/{n}"))
        .collect();
    docs.sort();
    names.extend(docs);
    names
        .into_iter()
        .map(|n| {
            let text = std::fs::read_to_string(root().join(&n)).unwrap_or_else(|e| panic!("{n}: {e}"));
            (n, text)
        })
        .collect()
}

/// One command of the binary: its options (`--flag` and `-f`) and its subcommands.
#[derive(Debug, Default)]
struct Command {
    flags: BTreeSet<String>,
    subcommands: BTreeMap<String, Command>,
}

impl Command {
    /// `dockmatrix PATH... --help`, and every subcommand it lists, recursively.
    fn of(path: &[&str]) -> Command {
        let mut args = path.to_vec();
        args.push("--help");
        let o = dockmatrix(&args, &[]);
        assert_eq!(o.status.code(), Some(0), "dockmatrix {}: {}", args.join(" "), stderr(&o));
        let help = stdout(&o);
        let mut command = Command::default();
        let mut in_commands = false;
        for line in help.lines() {
            let trimmed = line.trim_start();
            if line.ends_with(':') && !line.starts_with(' ') {
                in_commands = line == "Commands:";
                continue;
            }
            if in_commands && line.starts_with("  ") && !line.starts_with("   ") {
                let name = trimmed.split_whitespace().next().unwrap_or_default();
                if !name.is_empty() && name != "help" {
                    let mut sub = path.to_vec();
                    sub.push(name);
                    command.subcommands.insert(name.to_string(), Command::of(&sub));
                }
            } else if trimmed.starts_with('-') {
                // `-H, --host <URL>  Daemon address`: the option's names come before its value and description.
                for word in trimmed.split_whitespace().take_while(|w| w.starts_with('-') || w.starts_with('<')) {
                    let word = word.trim_end_matches(',');
                    if word.starts_with('-') {
                        command.flags.insert(word.split('=').next().unwrap_or(word).to_string());
                    }
                }
            }
        }
        command
    }

    /// Every option of this command and of all below it.
    fn all_flags(&self, into: &mut BTreeSet<String>) {
        into.extend(self.flags.iter().filter(|f| f.starts_with("--")).cloned());
        for sub in self.subcommands.values() {
            sub.all_flags(into);
        }
    }
}

/// The page without its fenced code blocks (each line kept, blank, so that line numbers stay), and the lines of
/// those blocks, with their line numbers.
fn split_fences(text: &str) -> (String, Vec<(usize, String)>) {
    let mut prose = String::new();
    let mut code = Vec::new();
    let mut fenced = false;
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            prose.push('\n');
        } else if fenced {
            code.push((i + 1, line.to_string()));
            prose.push('\n');
        } else {
            prose.push_str(line);
            prose.push('\n');
        }
    }
    (prose, code)
}

/// The inline code spans of `prose` (a span may cross a line break), with the line each starts on, and the text
/// outside them.
fn split_spans(prose: &str) -> (Vec<(usize, String)>, String) {
    let chars: Vec<char> = prose.chars().collect();
    let (mut spans, mut outside) = (Vec::new(), String::new());
    let (mut i, mut line) = (0, 1);
    while i < chars.len() {
        if chars[i] != '`' {
            if chars[i] == '\n' {
                line += 1;
            }
            outside.push(chars[i]);
            i += 1;
            continue;
        }
        let ticks = chars[i..].iter().take_while(|c| **c == '`').count();
        let start = i + ticks;
        // The closing run has exactly as many backticks.
        let mut j = start;
        let close = loop {
            if j >= chars.len() {
                break None;
            }
            if chars[j] == '`' {
                let run = chars[j..].iter().take_while(|c| **c == '`').count();
                if run == ticks {
                    break Some(j);
                }
                j += run;
            } else {
                j += 1;
            }
        };
        match close {
            Some(end) => {
                let span: String = chars[start..end].iter().collect();
                spans.push((line, span.replace('\n', " ")));
                line += chars[start..end].iter().filter(|c| **c == '\n').count();
                i = end + ticks;
            }
            None => {
                outside.extend(&chars[i..start]);
                i = start;
            }
        }
    }
    (spans, outside)
}

/// A word without the quotes, brackets and shell syntax around it: `"$(bash` → `bash`, `[--fail-on` →
/// `--fail-on`, `--tls`/`--tlsverify` stays whole (the caller splits on `/`).
fn bare(word: &str) -> &str {
    word.trim_start_matches(['"', '\'', '`', '(', '[', '{', '$'])
        .trim_end_matches(['"', '\'', '`', ')', ']', '}', ',', ';', '.', ':'])
        .trim_end_matches("...")
        .trim_end_matches("…")
}

/// The `--flag`s in a word (`--tls`/`--tlsverify` holds two), without `=value`.
fn flags_in(word: &str) -> Vec<String> {
    bare(word)
        .split('/')
        .filter(|w| w.len() > 2 && w.starts_with("--") && w.as_bytes()[2].is_ascii_lowercase())
        .map(|w| w.split('=').next().unwrap_or(w).to_string())
        .collect()
}

/// What the words of a command line so far belong to.
enum Context<'a> {
    /// Nothing this test knows: a flag must be some command's, or another program's.
    Free,
    /// `cargo run ...`: after `--`, dockmatrix's words.
    CargoRun,
    /// `dockmatrix` and the subcommands named so far; `done` once a word was not a subcommand.
    Dockmatrix { command: &'a Command, path: Vec<String>, done: bool },
    /// `scripts/NAME.sh`, with the script's text.
    Script { name: String, text: String },
}

/// Checks one piece of code (a fenced line or an inline span) and adds what is wrong to `problems`.
fn check_code<'a>(code: &str, at: &str, cli: &'a Command, known: &BTreeSet<String>, problems: &mut Vec<String>) {
    let mut context = Context::Free;
    let mut words = code.split_whitespace().peekable();
    while let Some(word) = words.next() {
        // A comment ends the line's commands: the rest is prose.
        if word.starts_with('#') {
            words.for_each(|w| check_free(w, at, known, problems));
            return;
        }
        // Shell syntax ends a command.
        if ["|", "||", "&&", ";", ">", ">>", "2>", "2>>", "<"].contains(&word) {
            context = Context::Free;
            continue;
        }
        let b = bare(word);
        // A program's name, as a shell would read it (`dockmatrix:` is a word of prose).
        let program = word.trim_start_matches(['"', '\'', '`', '(', '$']).trim_end_matches(['"', '\'', '`', ')']);
        if program == "dockmatrix" || program.ends_with("/dockmatrix") {
            context = Context::Dockmatrix { command: cli, path: Vec::new(), done: false };
            continue;
        }
        if b == "cargo" && words.peek().is_some_and(|w| *w == "run") {
            context = Context::CargoRun;
            continue;
        }
        if let Some(i) = b.find("scripts/").filter(|_| b.ends_with(".sh")) {
            let name = b[i..].to_string();
            match std::fs::read_to_string(root().join(&name)) {
                Ok(text) => context = Context::Script { name, text },
                Err(_) => {
                    problems.push(format!("{at}: `{name}` does not exist"));
                    context = Context::Free;
                }
            }
            continue;
        }
        match &mut context {
            Context::CargoRun if word == "--" => {
                context = Context::Dockmatrix { command: cli, path: Vec::new(), done: false };
            }
            Context::Dockmatrix { command, path, done } => {
                let is_word = !b.is_empty() && b.chars().all(|c| c.is_ascii_lowercase() || c == '-');
                let current: &'a Command = command;
                if !*done && !current.subcommands.is_empty() && is_word && !word.starts_with('-') {
                    let above: String = path.iter().map(|p| format!("{p} ")).collect();
                    match current.subcommands.get(b) {
                        Some(sub) => {
                            *command = sub;
                            path.push(b.to_string());
                        }
                        None => {
                            let known: Vec<&String> = current.subcommands.keys().collect();
                            problems.push(format!(
                                "{at}: `dockmatrix {above}{b}`: no such command (`dockmatrix {above}--help` lists \
                                 {known:?})"
                            ));
                            *done = true;
                        }
                    }
                    continue;
                }
                *done = true;
                let short = b.len() == 2 && b.starts_with('-') && b.as_bytes()[1].is_ascii_alphabetic();
                let named: Vec<String> = if short { vec![b.to_string()] } else { flags_in(word) };
                for flag in named {
                    if !command.flags.contains(&flag) {
                        problems.push(format!(
                            "{at}: `dockmatrix {}` has no option `{flag}` (not in `dockmatrix {} --help`)",
                            path.join(" "),
                            path.join(" ")
                        ));
                    }
                }
            }
            Context::Script { name, text } => {
                for flag in flags_in(word) {
                    if !text.contains(&flag) {
                        problems.push(format!("{at}: `{name}` has no option `{flag}` (its text never names it)"));
                    }
                }
            }
            Context::Free | Context::CargoRun => {
                check_free(word, at, known, problems);
            }
        }
    }
}

/// A flag outside any command line this test can attribute: some dockmatrix command's, or another program's.
fn check_free(word: &str, at: &str, known: &BTreeSet<String>, problems: &mut Vec<String>) {
    for flag in flags_in(word) {
        if !known.contains(&flag) && !OTHER_PROGRAMS.contains(&flag.as_str()) {
            problems.push(format!(
                "{at}: `{flag}` is no option of any dockmatrix command (nor in OTHER_PROGRAMS of tests/integration/docs.rs)"
            ));
        }
    }
}

/// Every problem of the flags and commands `pages` name.
fn flag_problems(pages: &[(String, String)], cli: &Command) -> Vec<String> {
    let mut known = BTreeSet::new();
    cli.all_flags(&mut known);
    let mut problems = Vec::new();
    for (name, text) in pages {
        let (prose, fenced) = split_fences(text);
        for (line, code) in &fenced {
            check_code(code, &format!("{name}:{line}"), cli, &known, &mut problems);
        }
        let (spans, outside) = split_spans(&prose);
        for (line, code) in &spans {
            check_code(code, &format!("{name}:{line}"), cli, &known, &mut problems);
        }
        for (i, line) in outside.lines().enumerate() {
            for word in line.split_whitespace() {
                check_free(word, &format!("{name}:{}", i + 1), &known, &mut problems);
            }
        }
    }
    problems
}

/// GitHub's anchor of a heading: lower case, punctuation dropped, spaces as `-`.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// The anchors of a page's headings (outside code blocks), `-1`, `-2` added to repeated ones as GitHub does.
fn anchors(text: &str) -> BTreeSet<String> {
    let (prose, _) = split_fences(text);
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = BTreeSet::new();
    for line in prose.lines() {
        let Some(heading) = line.strip_prefix('#').map(|h| h.trim_start_matches('#')) else { continue };
        if !heading.starts_with(' ') {
            continue;
        }
        let base = slug(heading);
        let n = seen.entry(base.clone()).or_default();
        out.insert(if *n == 0 { base.clone() } else { format!("{base}-{n}") });
        *n += 1;
    }
    out
}

/// The targets of the inline links and images of `prose`, with their line numbers.
fn links(prose: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, line) in prose.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            out.push((i + 1, after[..end].to_string()));
            rest = &after[end..];
        }
    }
    out
}

/// Every relative link of `pages` that points to no file, or to no heading of its page.
fn link_problems(pages: &[(String, String)]) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, text) in pages {
        let (prose, _) = split_fences(text);
        let (_, outside) = split_spans(&prose);
        let dir = Path::new(name).parent().unwrap_or(Path::new(""));
        for (line, target) in links(&outside) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (file, fragment) = target.split_once('#').map_or((target.as_str(), None), |(f, a)| (f, Some(a)));
            let path: PathBuf = if file.is_empty() { PathBuf::from(name) } else { dir.join(file) };
            let full = root().join(&path);
            if !file.is_empty() && !full.exists() {
                problems.push(format!("{name}:{line}: `{target}`: {} does not exist", path.display()));
                continue;
            }
            if let Some(fragment) = fragment.filter(|_| path.extension().is_some_and(|e| e == "md")) {
                // A link to a heading of the same page reads the page as given.
                let page =
                    if file.is_empty() { text.clone() } else { std::fs::read_to_string(&full).unwrap_or_default() };
                if !anchors(&page).contains(fragment) {
                    problems
                        .push(format!("{name}:{line}: `{target}`: {} has no heading `#{fragment}`", path.display()));
                }
            }
        }
    }
    problems
}

#[test]
fn every_flag_and_command_the_docs_name_exists() {
    let cli = Command::of(&[]);
    assert!(cli.subcommands.contains_key("run") && cli.subcommands["run"].flags.contains("--host"), "{cli:?}");
    let problems = flag_problems(&pages(), &cli);
    assert!(problems.is_empty(), "the docs name what this build does not have:\n{}", problems.join("\n"));
}

#[test]
fn the_check_finds_a_flag_or_command_that_does_not_exist() {
    let cli = Command::of(&[]);
    let page = |text: &str| vec![("docs/fake.md".to_string(), text.to_string())];
    let fine = "Run `dockmatrix run --host URL --jobs 4 -v`, then\n```bash\ndockmatrix report RUN.json --format md -o x.md\n\
                cargo test --all-features\nbash scripts/bench.sh --memory\n```\n";
    assert_eq!(flag_problems(&page(fine), &cli), Vec::<String>::new());
    for (text, wrong) in [
        ("`dockmatrix run --no-such-flag`", "`dockmatrix run` has no option `--no-such-flag`"),
        ("```bash\ndockmatrix report RUN.json --jobs 4\n```", "`dockmatrix report` has no option `--jobs`"),
        ("`dockmatrix matrix frobnicate`", "`dockmatrix matrix frobnicate`: no such command"),
        ("`dockmatrix report\nRUN.json --matrices DIR`", "`dockmatrix report` has no option `--matrices`"),
        ("the flag `--matrices` picks the folder", "`--matrices` is no option of any dockmatrix command"),
        ("and --matrices too", "`--matrices` is no option of any dockmatrix command"),
        ("`bash scripts/bench.sh --fast`", "`scripts/bench.sh` has no option `--fast`"),
        ("`bash scripts/nothing.sh`", "`scripts/nothing.sh` does not exist"),
    ] {
        let problems = flag_problems(&page(text), &cli);
        assert!(problems.len() == 1 && problems[0].contains(wrong), "{text:?}: {problems:?}");
    }
}

#[test]
fn every_relative_link_of_the_docs_points_to_a_file_and_heading() {
    let problems = link_problems(&pages());
    assert!(problems.is_empty(), "broken links:\n{}", problems.join("\n"));
}

#[test]
fn the_link_check_finds_a_missing_file_or_heading() {
    let page = |text: &str| vec![("docs/fake.md".to_string(), text.to_string())];
    let fine = "# Top\n\n## The `--fail-on` policies, and more\n\nSee [reports](reports.md#junit), \
                [up](../README.md#exit-codes), [here](#the---fail-on-policies-and-more), ![p](heatmap.png), \
                [web](https://example.com/x.md#nothing).\n```\n[not a link](nowhere.md)\n```\n";
    assert_eq!(link_problems(&page(fine)), Vec::<String>::new());
    for (text, wrong) in [
        ("see [it](nowhere.md)", "docs/nowhere.md does not exist"),
        ("see [it](reports.md#no-such-heading)", "has no heading `#no-such-heading`"),
        ("see [it](../docs/heatmap.jpg)", "does not exist"),
    ] {
        let problems = link_problems(&page(text));
        assert!(problems.len() == 1 && problems[0].contains(wrong), "{text:?}: {problems:?}");
    }
}

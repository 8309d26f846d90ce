//! Rendering a [`RunDiff`]: text for a terminal (the default), Markdown for a pull request or a step summary, and
//! JSON. In text and Markdown, a verdict change that several endpoints share over the same versions is one line
//! listing them (the enforced minimum moving from 1.12 to 1.24 is one line, not one per endpoint); JSON keeps
//! every endpoint's change as it is.

use std::io::{self, Write};

use serde::Serialize;

use crate::model::RequestVersion;
use crate::report::error::ReportError;
use crate::report::grid::Grid;
use crate::report::render::text::{WIDTH, wrap};
use crate::report::sections::gates::key_text;

use super::daemon::DaemonChange;
use super::field::FieldChange;
use super::refusal::RefusalChange;
use super::run_diff::{RunDiff, RunSide};
use super::verdict::VerdictChange;

/// How `dockmatrix diff` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffFormat {
    /// Plain text for a terminal.
    Text,
    /// GitHub-flavoured Markdown.
    Markdown,
    /// The diff as JSON.
    Json,
}

/// At least this many endpoints with the same change over the same versions make one shared line.
pub const SHARED_MIN: usize = 3;

/// A line of the verdict section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerdictLine<'a> {
    /// One endpoint's change.
    One(&'a VerdictChange),
    /// The same change over the same versions on [`SHARED_MIN`] or more endpoints.
    Shared {
        /// `1.12–1.23`.
        versions: String,
        /// `ok (200) → version-rejected (400)`.
        change: String,
        /// The endpoints, in report order.
        endpoints: Vec<&'a str>,
    },
}

/// The verdict section's lines, each at the place of its first change.
pub fn verdict_lines(changes: &[VerdictChange]) -> Vec<VerdictLine<'_>> {
    grouped(changes, |c| (c.versions(), c.change()))
        .into_iter()
        .map(|g| match g {
            Group::One(c) => VerdictLine::One(c),
            Group::Shared((versions, change), all) => {
                VerdictLine::Shared { versions, change, endpoints: all.iter().map(|o| o.endpoint.as_str()).collect() }
            }
        })
        .collect()
}

/// One item, or the items that share a key with [`SHARED_MIN`] or more others.
enum Group<'a, T, K> {
    One(&'a T),
    Shared(K, Vec<&'a T>),
}

/// Groups `items` by `key`, each group at the place of its first item: a key shared by [`SHARED_MIN`] or more
/// items is one group, the others stay one item each.
fn grouped<'a, T, K: PartialEq>(items: &'a [T], key: impl Fn(&T) -> K) -> Vec<Group<'a, T, K>> {
    let mut out = Vec::new();
    let mut done: Vec<K> = Vec::new();
    for item in items {
        let k = key(item);
        if done.contains(&k) {
            continue;
        }
        let same: Vec<&T> = items.iter().filter(|o| key(o) == k).collect();
        if same.len() >= SHARED_MIN {
            out.push(Group::Shared(key(item), same));
            done.push(k);
        } else {
            out.push(Group::One(item));
        }
    }
    out
}

/// A line of the field section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldLine<'a> {
    /// One field's change.
    One(&'a FieldChange),
    /// The same change of [`SHARED_MIN`] or more fields of one endpoint.
    Shared {
        /// Endpoint id.
        endpoint: &'a str,
        /// `only in B (A: absent 1.12–1.41; B: present 1.24–1.51)`.
        what: String,
        /// The fields, in path order.
        fields: Vec<&'a str>,
    },
}

/// The field section's lines, each at the place of its first change.
pub fn field_lines(changes: &[FieldChange]) -> Vec<FieldLine<'_>> {
    grouped(changes, |c| (c.endpoint.clone(), c.what()))
        .into_iter()
        .map(|g| match g {
            Group::One(c) => FieldLine::One(c),
            Group::Shared((_, what), all) => FieldLine::Shared {
                endpoint: all[0].endpoint.as_str(),
                what,
                fields: all.iter().map(|o| o.field.as_str()).collect(),
            },
        })
        .collect()
}

/// Writes `diff` in `format` to `out`.
pub fn write(diff: &RunDiff, format: DiffFormat, out: &mut dyn Write) -> Result<(), ReportError> {
    match format {
        DiffFormat::Text => text(diff, out),
        DiffFormat::Markdown => markdown(diff, out),
        DiffFormat::Json => json(diff, out),
    }
    .and_then(|()| out.flush())
    .map_err(|e| ReportError::write("diff", e))
}

fn count(n: usize, what: &str) -> String {
    match n {
        0 => format!("no {what} change"),
        1 => format!("1 {what} change"),
        n => format!("{n} {what} changes"),
    }
}

fn total(diff: &RunDiff) -> String {
    match diff.count() {
        0 => "no changes".into(),
        1 => "1 change".into(),
        n => format!("{n} changes"),
    }
}

fn text(diff: &RunDiff, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "A: {}", diff.a.line())?;
    writeln!(out, "B: {}", diff.b.line())?;
    writeln!(out, "\nDaemon: {}", count(diff.daemon.len(), "daemon"))?;
    for c in &diff.daemon {
        writeln!(out, "  {}", c.line())?;
    }
    writeln!(out, "\nVerdicts, per endpoint and API version (A → B): {}", count(diff.verdicts.len(), "verdict"))?;
    for line in verdict_lines(&diff.verdicts) {
        match line {
            VerdictLine::One(c) => writeln!(out, "  {}", c.line())?,
            VerdictLine::Shared { versions, change, endpoints } => {
                writeln!(out, "  {versions}: {change}, on {} endpoints:", endpoints.len())?;
                for l in wrap(&endpoints.join(", "), WIDTH - 4) {
                    writeln!(out, "    {l}")?;
                }
            }
        }
    }
    writeln!(out, "\nFields of the served JSON bodies: {}", count(diff.fields.len(), "field"))?;
    for line in field_lines(&diff.fields) {
        match line {
            FieldLine::One(c) => writeln!(out, "  {}", c.line())?,
            FieldLine::Shared { endpoint, what, fields } => {
                writeln!(out, "  {endpoint}, {} fields: {what}:", fields.len())?;
                for l in wrap(&fields.join(" "), WIDTH - 4) {
                    writeln!(out, "    {l}")?;
                }
            }
        }
    }
    writeln!(out, "\nFormat of the answers (A → B): {}", count(diff.headers.len(), "format"))?;
    for c in &diff.headers {
        writeln!(out, "  {}", c.line())?;
    }
    writeln!(out, "\nObserved values, by API version (A → B): {}", count(diff.observed.len(), "observed value"))?;
    for c in &diff.observed {
        for (i, l) in wrap(&c.line(), WIDTH - 4).iter().enumerate() {
            writeln!(out, "{}{l}", if i == 0 { "  " } else { "      " })?;
        }
    }
    if let Some(refusals) = &diff.refusals {
        writeln!(out, "\nAnswers to malformed requests (A → B): {}", count(refusals.len(), "refusal"))?;
        for c in refusals {
            writeln!(out, "  {}", c.line())?;
        }
    }
    writeln!(out, "\n{}", total(diff))
}

fn markdown(diff: &RunDiff, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "## dockmatrix diff: {} → {}\n", diff.a.name, diff.b.name)?;
    writeln!(out, "- A: `{}` (`{}`, run `{}`)", diff.a.name, diff.a.file, diff.a.run_id)?;
    writeln!(out, "- B: `{}` (`{}`, run `{}`)\n", diff.b.name, diff.b.file, diff.b.run_id)?;
    writeln!(out, "**{}**\n", total(diff))?;
    writeln!(out, "### Daemon\n")?;
    if diff.daemon.is_empty() {
        writeln!(out, "No change.\n")?;
    } else {
        let rows = diff.daemon.iter().map(|c: &DaemonChange| vec![c.label().into(), c.before.clone(), c.after.clone()]);
        let headers = ["", "A", "B"].map(String::from).to_vec();
        Grid { title: String::new(), headers, rows: rows.collect(), notes: vec![] }.write_markdown(out)?;
        writeln!(out)?;
    }
    writeln!(out, "### Verdicts, per endpoint and API version (A → B)\n")?;
    let lines = verdict_lines(&diff.verdicts);
    if lines.is_empty() {
        writeln!(out, "No change.")?;
    }
    for line in lines {
        match line {
            VerdictLine::One(c) => {
                writeln!(out, "- `{}` `{}`: {}: {}", c.endpoint, c.route(), c.versions(), c.change())?
            }
            VerdictLine::Shared { versions, change, endpoints } => {
                let ids: Vec<String> = endpoints.iter().map(|e| format!("`{e}`")).collect();
                writeln!(out, "- {versions}: {change}, on {} endpoints: {}", endpoints.len(), ids.join(", "))?
            }
        }
    }
    writeln!(out, "\n### Fields of the served JSON bodies\n")?;
    if diff.fields.is_empty() {
        writeln!(out, "No change.")?;
    }
    for line in field_lines(&diff.fields) {
        match line {
            FieldLine::One(c) => writeln!(out, "- `{}` `{}`: {}", c.endpoint, c.field, c.what())?,
            FieldLine::Shared { endpoint, what, fields } => {
                let fields: Vec<String> = fields.iter().map(|f| format!("`{f}`")).collect();
                writeln!(out, "- `{endpoint}`, {} fields: {what}: {}", fields.len(), fields.join(", "))?
            }
        }
    }
    writeln!(out, "\n### Format of the answers (A → B)\n")?;
    if diff.headers.is_empty() {
        writeln!(out, "No change.")?;
    }
    for c in &diff.headers {
        let versions = RequestVersion::span(c.first, c.last);
        writeln!(out, "- `{}` {} {versions}: `{}` → `{}`", c.endpoint, c.header, c.before, c.after)?;
    }
    writeln!(out, "\n### Observed values, by API version (A → B)\n")?;
    if diff.observed.is_empty() {
        writeln!(out, "No change.")?;
    }
    for c in &diff.observed {
        writeln!(out, "- `{}` `{}`: {} → {}", c.probe, key_text(&c.key), c.before, c.after)?;
    }
    if let Some(refusals) = &diff.refusals {
        writeln!(out, "\n### Answers to malformed requests (A → B)\n")?;
        if refusals.is_empty() {
            writeln!(out, "No change.")?;
        }
        for c in refusals {
            let versions = RequestVersion::span(c.first, c.last);
            writeln!(out, "- `{}` {} {versions}: {} → {}", c.endpoint, c.kind, c.before, c.after)?;
        }
    }
    Ok(())
}

fn json(diff: &RunDiff, out: &mut dyn Write) -> io::Result<()> {
    /// The diff with its count first, so a script can read one number.
    #[derive(Serialize)]
    struct Counted<'a> {
        changes: usize,
        a: &'a RunSide,
        b: &'a RunSide,
        daemon: &'a [DaemonChange],
        verdicts: &'a [VerdictChange],
        fields: &'a [FieldChange],
        #[serde(skip_serializing_if = "Option::is_none")]
        refusals: Option<&'a [RefusalChange]>,
    }
    let counted = Counted {
        changes: diff.count(),
        a: &diff.a,
        b: &diff.b,
        daemon: &diff.daemon,
        verdicts: &diff.verdicts,
        fields: &diff.fields,
        refusals: diff.refusals.as_deref(),
    };
    serde_json::to_writer_pretty(&mut *out, &counted).map_err(io::Error::other)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::model::Method;
    use crate::model::Verdict;
    use crate::report::sections::coverage::tests::fixture;
    use crate::report::synthetic::{add_endpoint, answer, daemon_run};

    /// A 20.10 and a 26.1 run of the fixture's endpoints, with system.version and system.info answering as system.ping
    /// does (so three endpoints change alike), and HEAD /_ping absent on 26.1 from 1.42.
    fn diff() -> RunDiff {
        let mut a = daemon_run("docker-20.10", "20.10.24", (12, 41), (12, 41), (11, 42));
        let mut b = daemon_run("docker-26.1", "26.1.4", (24, 45), (24, 45), (11, 46));
        for run in [&mut a, &mut b] {
            add_endpoint(run, "system.ping", "system.version", Method::Get, "/version");
            add_endpoint(run, "system.ping", "system.info", Method::Get, "/info");
        }
        answer(&mut b, "system.ping.head", 42..=45, Verdict::Absent, Some(404), None);
        RunDiff::of(&a, Path::new("a/run.json"), &b, Path::new("b/run.json"))
    }

    fn render(diff: &RunDiff, format: DiffFormat) -> String {
        let mut out = Vec::new();
        write(diff, format, &mut out).expect("write to vec");
        String::from_utf8(out).expect("utf8")
    }

    #[test]
    fn refusal_changes_have_a_section_only_when_a_run_sent_any() {
        let [docker, podman] = crate::report::sections::refusals::tests::two_runs();
        let d = RunDiff::of(&podman, Path::new("a.json"), &docker, Path::new("b.json"));
        let text = render(&d, DiffFormat::Text);
        let section = &text[text.find("\nAnswers to malformed requests").expect("a section")..];
        assert!(section.contains("  container.list filters-not-json 1.40: 500 server error → 400\n"), "{section}");
        assert!(section.contains("  volume.prune filters-not-json 1.41: skipped → not sent\n"), "{section}");
        let md = render(&d, DiffFormat::Markdown);
        assert!(md.contains("- `image.list` filters-not-json 1.41: 500 server error → 400†"), "{md}");
        let json: serde_json::Value = serde_json::from_str(&render(&d, DiffFormat::Json)).expect("json");
        assert_eq!(json["refusals"][0]["after"], "400");
        assert_eq!(json["changes"].as_u64(), Some(d.count() as u64));
        let plain = diff();
        assert!(plain.refusals.is_none());
        for format in [DiffFormat::Text, DiffFormat::Markdown, DiffFormat::Json] {
            assert!(!render(&plain, format).contains("malformed") && !render(&plain, format).contains("refusals"));
        }
    }

    #[test]
    fn shares_one_line_between_endpoints_with_the_same_change() {
        let d = diff();
        let shared: Vec<(String, String, usize)> = verdict_lines(&d.verdicts)
            .into_iter()
            .filter_map(|l| match l {
                VerdictLine::Shared { versions, change, endpoints } => Some((versions, change, endpoints.len())),
                VerdictLine::One(_) => None,
            })
            .collect();
        let expected = [
            ("1.46", "not probed → version-rejected (400)", 7),
            ("1.12–1.23", "ok (200) → version-rejected (400)", 3),
            ("1.42", "version-rejected (400) → ok (200)", 3),
            ("1.43–1.45", "not probed → ok (200)", 3),
        ];
        let expected: Vec<(String, String, usize)> =
            expected.iter().map(|(v, c, n)| (v.to_string(), c.to_string(), *n)).collect();
        assert_eq!(shared[..4], expected[..]);
        let single: Vec<String> = verdict_lines(&d.verdicts)
            .into_iter()
            .filter_map(|l| match l {
                VerdictLine::One(c) if c.endpoint == "system.ping.head" => Some(c.line()),
                _ => None,
            })
            .collect();
        assert_eq!(
            single,
            [
                "system.ping.head HEAD /_ping: 1.12–1.23: not probed → version-rejected (400)",
                "system.ping.head HEAD /_ping: 1.42: version-rejected (400) → absent (404)",
                "system.ping.head HEAD /_ping: 1.43–1.45: not probed → absent (404)",
            ]
        );
    }

    #[test]
    fn shares_one_line_between_fields_of_an_endpoint_with_the_same_change() {
        let mut a = daemon_run("a", "1", (24, 41), (24, 41), (23, 42));
        add_endpoint(&mut a, "system.ping", "image.list", Method::Get, "/images/json");
        add_endpoint(&mut a, "system.ping", "system.info", Method::Get, "/info");
        answer(
            &mut a,
            "image.list",
            24..=41,
            Verdict::Ok,
            Some(200),
            Some(r#"[{"Id":"x","RepoTags":["t"],"Size":1}]"#),
        );
        let mut b = a.clone();
        answer(&mut a, "system.info", 24..=41, Verdict::Ok, Some(200), Some(r#"{"A":1,"B":2,"C":3,"D":4}"#));
        answer(&mut b, "system.info", 24..=41, Verdict::Ok, Some(200), Some(r#"{"D":4}"#));
        answer(
            &mut b,
            "image.list",
            24..=41,
            Verdict::Ok,
            Some(200),
            Some(r#"[{"Id":"x","RepoTags":["t"],"Size":1,"Extra":1}]"#),
        );
        let d = RunDiff::of(&a, Path::new("a.json"), &b, Path::new("b.json"));
        let lines: Vec<String> = field_lines(&d.fields)
            .into_iter()
            .map(|l| match l {
                FieldLine::One(c) => c.line(),
                FieldLine::Shared { endpoint, what, fields } => format!("{endpoint} {fields:?}: {what}"),
            })
            .collect();
        assert_eq!(
            lines,
            [
                "image.list /[]/Extra: only in B (A: absent 1.24–1.41; B: present 1.24–1.41)",
                r#"system.info ["/A", "/B", "/C"]: only in A (A: present 1.24–1.41; B: absent 1.24–1.41)"#,
            ]
        );
        let text = render(&d, DiffFormat::Text);
        assert!(
            text.contains(
                "\n  system.info, 3 fields: only in A (A: present 1.24–1.41; B: absent 1.24–1.41):\n    /A /B /C\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn text_names_the_runs_then_each_kind_of_change() {
        let d = diff();
        let text = render(&d, DiffFormat::Text);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "A: docker-20.10 (a/run.json, run run-docker-20.10)");
        assert_eq!(lines[1], "B: docker-26.1 (b/run.json, run run-docker-26.1)");
        assert_eq!(lines[3], "Daemon: 5 daemon changes");
        assert_eq!(lines[4], "  version 20.10.24 → 26.1.4");
        assert_eq!(lines[8], "  enforced maximum 1.41 → 1.45");
        assert!(
            text.contains(
                "\n  1.12–1.23: ok (200) → version-rejected (400), on 3 endpoints:\n    system.info, system.ping, system.version\n"
            ),
            "{text}"
        );
        // The attach and exec answers are 101s: the same versions, another change.
        assert!(
            text.contains(
                "\n  container.attach POST /containers/{id}/attach: 1.12–1.23: ok (101) → version-rejected (400)\n"
            ),
            "{text}"
        );
        assert!(text.contains("\n  system.ping.head HEAD /_ping: 1.42: version-rejected (400) → absent (404)\n"));
        assert!(text.contains("\nFields of the served JSON bodies: no field change\n"));
        assert!(text.ends_with(&format!("\n{} changes\n", d.count())));
        for line in lines {
            assert!(line.chars().count() <= WIDTH, "too wide: {line}");
        }
    }

    #[test]
    fn no_changes_say_so_in_every_format() {
        let run = fixture();
        let same = RunDiff::of(&run, Path::new("a.json"), &run, Path::new("a.json"));
        let text = render(&same, DiffFormat::Text);
        assert!(text.contains("\nDaemon: no daemon change\n") && text.ends_with("\nno changes\n"), "{text}");
        let md = render(&same, DiffFormat::Markdown);
        assert!(md.contains("**no changes**") && md.contains("### Daemon\n\nNo change.\n"), "{md}");
        let json: serde_json::Value = serde_json::from_str(&render(&same, DiffFormat::Json)).expect("json");
        assert_eq!((json["changes"].as_u64(), json["verdicts"].as_array().map(Vec::len)), (Some(0), Some(0)));
    }

    #[test]
    fn markdown_and_json_carry_the_same_changes() {
        let d = diff();
        let md = render(&d, DiffFormat::Markdown);
        assert!(md.starts_with("## dockmatrix diff: docker-20.10 → docker-26.1\n"));
        assert!(md.contains("| enforced minimum | 1.12 | 1.24 |"), "{md}");
        assert!(
            md.contains("- `system.ping.head` `HEAD /_ping`: 1.42: version-rejected (400) → absent (404)\n"),
            "{md}"
        );
        assert!(
            md.contains("- 1.46: not probed → version-rejected (400), on 7 endpoints: `container.attach`, "),
            "{md}"
        );
        let json: serde_json::Value = serde_json::from_str(&render(&d, DiffFormat::Json)).expect("json");
        assert_eq!(json["changes"].as_u64(), Some(d.count() as u64));
        assert_eq!(json["a"]["name"], "docker-20.10");
        assert_eq!(json["daemon"][0], serde_json::json!({"field": "version", "before": "20.10.24", "after": "26.1.4"}));
        let head = json["verdicts"]
            .as_array()
            .expect("verdicts")
            .iter()
            .find(|c| c["endpoint"] == "system.ping.head" && c["first"] == "1.43")
            .expect("system.ping.head change");
        assert_eq!(
            *head,
            serde_json::json!({"endpoint": "system.ping.head", "method": "HEAD", "path": "/_ping", "first": "1.43",
                "last": "1.45", "before": null, "after": {"verdict": "absent", "status": 404}})
        );
    }
}

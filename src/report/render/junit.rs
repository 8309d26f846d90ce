//! The JUnit XML report: one test case per endpoint × API version × target, written by hand (a few elements
//! need no dependency), escaped for XML 1.0.
//!
//! `incompatible` and `error` (transport failure, timeout: no answer) are each a `<failure>` whose `type` is the
//! verdict and whose text is the evidence, `skipped` is `<skipped>`; every other verdict passes. No `<error>` is
//! written: in JUnit that means the test itself broke, and CI pages would then hide the evidence as a crash. Each
//! target (run) is one `<testsuite>`. A probe that read a hijacked stream (attach, exec start) has the stream's
//! summary as its `<system-out>`, whatever its verdict.
//!
//! A run whose answers were checked against the spec also gets a suite `TARGET.conformance` right after its own:
//! one test case per drift row (see [`crate::report::sections::drift`]), a `<failure>` whose type is the kind when
//! a typed client would trip on it (missing-required, wrong-type, not-json) and no spec erratum explains it, else
//! passing with the row as its `<system-out>`. The `null` rows are counted in a property, not listed (`report
//! --conformance` lists them, and writes only these suites).
//!
//! A run that sent malformed requests ends with a suite `TARGET.refusals`: a test case per endpoint and kind of
//! malformed input, a `<failure>` when a version got a 5xx, was accepted or got no answer (see
//! [`crate::report::sections::refusals`]). Every run also gets a suite `TARGET.clients`: a test case per real
//! client, failing when it breaks against the daemon, skipped when its verdict is unknown (see [`crate::client_compat`]).

use std::io::{self, Write};

use crate::model::{ClientOutcome, ClientVerdict, ProbeOutcome, RefusalVerdict, RequestVersion, RunRecord, Verdict};

use crate::report::document::{Document, RunPart};
use crate::report::error::ReportError;
use crate::report::sections::drift::{Drift, DriftRow};
use crate::report::sections::refusals::{self, RefusalCell, RefusalSection};
use crate::report::sections::stream;

/// Bodies longer than this are cut in the failure text (CI pages show it whole).
const BODY_EXCERPT: usize = 4096;

/// Writes the JUnit XML of the document's runs, one test suite per run.
pub fn write(doc: &Document<'_>, out: &mut dyn Write) -> Result<(), ReportError> {
    render_suites(doc, true, out).map_err(|e| ReportError::write("junit report", e))
}

#[derive(Default, Clone, Copy)]
struct Tally {
    tests: usize,
    failures: usize,
    skipped: usize,
    time_ms: u64,
}

impl Tally {
    fn of(run: &RunRecord) -> Self {
        let count = |v: Verdict| run.probes.iter().filter(|p| p.verdict == v).count();
        Tally {
            tests: run.probes.len(),
            failures: count(Verdict::Incompatible) + count(Verdict::Unsupported) + count(Verdict::Error),
            skipped: count(Verdict::Skipped),
            time_ms: run.duration_ms,
        }
    }

    fn of_drift(rows: &[&DriftRow]) -> Self {
        Tally { tests: rows.len(), failures: rows.iter().filter(|r| fails(r)).count(), skipped: 0, time_ms: 0 }
    }

    fn of_refusals(section: &RefusalSection) -> Self {
        let cells: Vec<_> = section.rows.iter().filter_map(|r| r.cells.first()).collect();
        let skipped = |c: &&RefusalCell| c.spans.iter().all(|s| s.verdict == RefusalVerdict::Skipped);
        Tally {
            tests: cells.len(),
            failures: cells.iter().filter(|c| c.misleads()).count(),
            skipped: cells.iter().filter(|c| !c.misleads() && skipped(c)).count(),
            time_ms: 0,
        }
    }

    fn of_clients(clients: &[ClientOutcome]) -> Self {
        let count = |v: ClientVerdict| clients.iter().filter(|o| o.verdict == v).count();
        Tally {
            tests: clients.len(),
            failures: count(ClientVerdict::Breaks),
            skipped: count(ClientVerdict::Unknown),
            time_ms: 0,
        }
    }

    fn add(self, o: Tally) -> Tally {
        Tally {
            tests: self.tests + o.tests,
            failures: self.failures + o.failures,
            skipped: self.skipped + o.skipped,
            time_ms: self.time_ms + o.time_ms,
        }
    }

    fn attributes(&self) -> String {
        format!(
            r#"tests="{}" failures="{}" errors="0" skipped="{}" time="{}""#,
            self.tests,
            self.failures,
            self.skipped,
            seconds(self.time_ms)
        )
    }
}

/// Writes only the conformance suites of `runs`, every drift row listed, `null` ones too (`report --conformance`).
pub fn write_drift(doc: &Document<'_>, out: &mut dyn Write) -> Result<(), ReportError> {
    render_suites(doc, false, out).map_err(|e| ReportError::write("junit report", e))
}

/// The document: each run's probe suite when `probes`, and its conformance suite when it was checked (`null` rows
/// listed in a conformance document); then, when `probes`, each run's refusals and clients suites.
fn render_suites(doc: &Document<'_>, probes: bool, out: &mut dyn Write) -> io::Result<()> {
    let with_null = doc.with_null();
    fn refused<'p>(p: &'p RunPart<'_>, probes: bool) -> Option<&'p RefusalSection> {
        p.refusals.as_ref().filter(|_| probes)
    }
    let mut total = Tally::default();
    for part in &doc.parts {
        if probes {
            total = total.add(Tally::of(part.run));
        }
        if let Some(d) = part.checked_drift() {
            total = total.add(Tally::of_drift(&d.listed(with_null)));
        }
        if let Some(r) = refused(part, probes) {
            total = total.add(Tally::of_refusals(r));
        }
        if probes {
            total = total.add(Tally::of_clients(&part.clients));
        }
    }
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(out, r#"<testsuites name="dockmatrix" {}>"#, total.attributes())?;
    for part in &doc.parts {
        if probes {
            suite(part.run, out)?;
        }
        if let Some(d) = part.checked_drift() {
            conformance_suite(part.run, d, with_null, out)?;
        }
    }
    for part in &doc.parts {
        if let Some(r) = refused(part, probes) {
            refusal_suite(part.run, r, out)?;
        }
    }
    for part in doc.parts.iter().filter(|p| probes && !p.clients.is_empty()) {
        clients_suite(part.run, &part.clients, out)?;
    }
    writeln!(out, "</testsuites>")
}

/// The suite `TARGET.clients`: a test case per client, a `<failure type="breaks">` when it breaks, `<skipped>` when
/// its verdict is unknown, else passing with how it picks its version (and its warnings) as `<system-out>`.
fn clients_suite(run: &RunRecord, clients: &[ClientOutcome], out: &mut dyn Write) -> io::Result<()> {
    let target = format!("{}.clients", run.daemon.name);
    open_suite(run, &target, Tally::of_clients(clients), out)?;
    for o in clients {
        let name = format!("{} ({})", o.client, o.covers);
        let open = format!(r#"    <testcase name="{}" classname="{}" time="0.000""#, attr(&name), attr(&target));
        let text: String = std::iter::once(format!("API {}: {}", o.version_text(), o.how))
            .chain(std::iter::once(o.reason.clone()))
            .chain(o.notes.iter().cloned())
            .map(|l| l + "\n")
            .collect();
        match o.verdict {
            ClientVerdict::Breaks => writeln!(
                out,
                r#"{open}><failure type="breaks" message="{}">{}</failure></testcase>"#,
                attr(&o.reason),
                self::text(&text)
            )?,
            ClientVerdict::Unknown => writeln!(out, r#"{open}><skipped message="{}"/></testcase>"#, attr(&o.reason))?,
            _ => writeln!(out, "{open}><system-out>{}</system-out></testcase>", self::text(&text))?,
        }
    }
    writeln!(out, "  </testsuite>")
}

/// The suite `TARGET.refusals`: a test case per endpoint and kind of malformed input, a `<failure>` (of the first
/// misleading answer's verdict) when any version got a 5xx, was accepted or got no answer.
fn refusal_suite(run: &RunRecord, section: &RefusalSection, out: &mut dyn Write) -> io::Result<()> {
    let target = format!("{}.refusals", run.daemon.name);
    open_suite(run, &target, Tally::of_refusals(section), out)?;
    writeln!(out, "    <properties>")?;
    for line in section.count_lines() {
        writeln!(out, r#"      <property name="summary" value="{}"/>"#, attr(&line))?;
    }
    writeln!(out, r#"      <property name="note" value="{}"/>"#, attr(refusals::NOTE))?;
    writeln!(out, "    </properties>")?;
    for row in &section.rows {
        let Some(cell) = row.cells.first() else { continue };
        let name = format!("{} {}", row.endpoint, row.kind);
        let open = format!(r#"    <testcase name="{}" classname="{}" time="0.000""#, attr(&name), attr(&target));
        let text: String =
            cell.spans.iter().map(|s| format!("{} {}: {}\n", s.versions(), s.answer(), s.reason)).collect();
        match cell.spans.iter().find(|s| s.verdict.misleads()) {
            Some(first) => writeln!(
                out,
                r#"{open}><failure type="{}" message="{}">{}</failure></testcase>"#,
                first.verdict,
                attr(&format!("{} {} at {}: {}", row.route, row.kind, first.versions(), first.reason)),
                self::text(&text)
            )?,
            None if cell.spans.iter().all(|s| s.verdict == RefusalVerdict::Skipped) => {
                let reason = cell.spans.first().map_or("", |s| s.reason.as_str());
                writeln!(out, r#"{open}><skipped message="{}"/></testcase>"#, attr(reason))?;
            }
            None => writeln!(out, "{open}><system-out>{}</system-out></testcase>", self::text(&text))?,
        }
    }
    writeln!(out, "  </testsuite>")
}

/// Whether a drift row fails its test case: a typed client would trip on it, and no spec erratum explains it.
fn fails(row: &DriftRow) -> bool {
    row.kind.breaks_clients() && row.erratum.is_none()
}

/// The suite `TARGET.conformance`: a property per line the other formats put around the rows, then a test case per
/// drift row, errata last.
fn conformance_suite(run: &RunRecord, drift: &Drift, with_null: bool, out: &mut dyn Write) -> io::Result<()> {
    let rows = drift.listed(with_null);
    let target = format!("{}.conformance", run.daemon.name);
    open_suite(run, &target, Tally::of_drift(&rows), out)?;
    writeln!(out, "    <properties>")?;
    writeln!(out, r#"      <property name="summary" value="{}"/>"#, attr(&drift.summary(with_null)))?;
    for note in drift.notes(with_null) {
        writeln!(out, r#"      <property name="note" value="{}"/>"#, attr(&note))?;
    }
    writeln!(out, "    </properties>")?;
    for row in rows {
        let mut name = format!("{} {}", row.endpoint, finding_name(row));
        if let Some(e) = &row.erratum {
            name.push_str(&format!(" (spec erratum {e})"));
        }
        let open = format!(r#"    <testcase name="{}" classname="{}" time="0.000""#, attr(&name), attr(&target));
        let text = drift_text(row);
        if fails(row) {
            writeln!(
                out,
                r#"{open}><failure type="{}" message="{}">{}</failure></testcase>"#,
                row.kind,
                attr(&row.line()),
                self::text(&text)
            )?;
        } else {
            writeln!(out, "{open}><system-out>{}</system-out></testcase>", self::text(&text))?;
        }
    }
    writeln!(out, "  </testsuite>")
}

/// `/ExecIDs wrong-type`: the pointer (when there is one) and the kind, without the detail, so that a case keeps
/// its name from one run to the next.
fn finding_name(row: &DriftRow) -> String {
    if row.pointer.is_empty() { row.kind.to_string() } else { format!("{} {}", row.pointer, row.kind) }
}

/// A drift row as the case's text: the line, then its parts one per line.
fn drift_text(row: &DriftRow) -> String {
    let mut s = format!("{}\n", row.line());
    let trips = if row.kind.breaks_clients() { " (a typed client trips on it)" } else { "" };
    s += &format!("kind: {}{trips}\n", row.kind);
    if !row.pointer.is_empty() {
        s += &format!("where: {}\n", row.pointer);
    }
    s += &format!("API versions: {}\n", row.versions.text(", "));
    if !row.detail.is_empty() {
        s += &format!("example: {}\n", row.detail);
    }
    if let Some(e) = &row.erratum {
        s += &format!(
            "spec erratum: {e} (a known mistake of the spec, matrices/spec-errata.yaml: the daemon is right)\n"
        );
    }
    s
}

/// Opens the `<testsuite>` of `run` named `name`, with the counts of `tally`.
fn open_suite(run: &RunRecord, name: &str, tally: Tally, out: &mut dyn Write) -> io::Result<()> {
    // The JUnit schema's timestamp has no zone or fraction: `2024-06-11T10:15:00`.
    let timestamp: String = run.started_at.chars().take(19).collect();
    writeln!(
        out,
        r#"  <testsuite name="{}" {} timestamp="{}" hostname="{}">"#,
        attr(name),
        tally.attributes(),
        attr(&timestamp),
        attr(&run.host)
    )
}

fn suite(run: &RunRecord, out: &mut dyn Write) -> io::Result<()> {
    let d = &run.daemon;
    open_suite(run, &d.name, Tally::of(run), out)?;
    writeln!(out, "    <properties>")?;
    let opt = |v: Option<crate::model::ApiVersion>| v.map_or_else(String::new, |v| v.to_string());
    let properties = [
        ("tool", run.tool.clone()),
        ("run_id", run.run_id.clone()),
        ("complete", run.complete.to_string()),
        ("daemon.kind", d.kind.as_str().to_string()),
        ("daemon.version", d.version.clone()),
        ("daemon.api_version", opt(d.api_version)),
        ("daemon.min_api_version", opt(d.min_api_version)),
        ("daemon.enforced_min", opt(d.enforced_min)),
        ("daemon.enforced_max", opt(d.enforced_max)),
        ("daemon.os", d.os.clone()),
        ("daemon.arch", d.arch.clone()),
    ];
    for (name, value) in properties {
        writeln!(out, r#"      <property name="{}" value="{}"/>"#, attr(name), attr(&value))?;
    }
    writeln!(out, "    </properties>")?;
    for p in &run.probes {
        case(&d.name, p, out)?;
    }
    writeln!(out, "  </testsuite>")
}

fn case(target: &str, p: &ProbeOutcome, out: &mut dyn Write) -> io::Result<()> {
    let at = format!("{:#}", RequestVersion(p.api_version));
    let tag = if p.tag.is_empty() { "Other" } else { &p.tag };
    let open = format!(
        r#"    <testcase name="{}" classname="{}" time="{}""#,
        attr(&format!("{} {at}", p.endpoint)),
        attr(&format!("{target}.{tag}")),
        seconds(p.duration_ms)
    );
    // A hijacked stream's summary is the case's output, whatever its verdict.
    let output = p.evidence.stream_summary.as_ref().map_or_else(String::new, |s| {
        format!("<system-out>{}</system-out>", text(&format!("stream: {}", stream::line(s))))
    });
    match p.verdict {
        Verdict::Incompatible | Verdict::Unsupported | Verdict::Error => {}
        Verdict::Skipped => {
            return writeln!(out, r#"{open}><skipped message="{}"/></testcase>"#, attr(&p.reason));
        }
        _ if output.is_empty() => return writeln!(out, "{open}/>"),
        _ => return writeln!(out, "{open}>{output}</testcase>"),
    }
    writeln!(
        out,
        r#"{open}><failure type="{}" message="{}">{}</failure>{output}</testcase>"#,
        p.verdict,
        attr(&p.reason),
        text(&evidence(p))
    )
}

/// The evidence of a probe as plain text: request, status, verdict, reason, headers, stream (its summary's fields when
/// the run has them, else the run's one line), body excerpt.
fn evidence(p: &ProbeOutcome) -> String {
    let mut s = format!("{} {}\n", p.method, if p.request.is_empty() { &p.path } else { &p.request });
    s += &format!("status: {}\n", p.status.map_or_else(|| "no answer".to_string(), |s| s.to_string()));
    s += &format!("verdict: {}\n", p.verdict);
    if !p.reason.is_empty() {
        s += &format!("reason: {}\n", p.reason);
    }
    for (name, value) in &p.evidence.headers {
        s += &format!("{name}: {value}\n");
    }
    match (&p.evidence.stream_summary, &p.evidence.stream) {
        (Some(summary), _) => s += &format!("stream: {}\n", stream::line(summary)),
        (None, Some(stream)) => s += &format!("stream: {stream}\n"),
        (None, None) => {}
    }
    if let Some(body) = &p.evidence.body {
        let cut = body.char_indices().nth(BODY_EXCERPT).map_or(body.len(), |(i, _)| i);
        s += &format!("\n{}", &body[..cut]);
        if cut < body.len() || p.evidence.body_truncated {
            s += &format!("\n[body cut; {} bytes in all]", p.evidence.body_len);
        }
    }
    s
}

fn seconds(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// Characters XML 1.0 does not allow at all (control characters other than tab, newline, carriage return, and
/// the two non-characters) become a visible `\xNN`/`\u{NNNN}` so the document stays well-formed.
fn push_char(out: &mut String, c: char, in_attribute: bool) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '"' if in_attribute => out.push_str("&quot;"),
        '\'' if in_attribute => out.push_str("&apos;"),
        // Attribute values normalise raw whitespace to spaces; references keep it.
        '\n' if in_attribute => out.push_str("&#10;"),
        '\r' => out.push_str("&#13;"),
        '\t' if in_attribute => out.push_str("&#9;"),
        '\t' | '\n' => out.push(c),
        c if (c as u32) < 0x20 => out.push_str(&format!("\\x{:02x}", c as u32)),
        '\u{FFFE}' | '\u{FFFF}' => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        c => out.push(c),
    }
}

/// Escapes text content.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    s.chars().for_each(|c| push_char(&mut out, c, false));
    out
}

/// Escapes an attribute value (for double quotes).
pub fn attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    s.chars().for_each(|c| push_char(&mut out, c, true));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sections::coverage::tests::{fixture, render};

    fn rendered(runs: &[RunRecord]) -> String {
        render(write, runs)
    }

    #[test]
    fn snapshot_of_the_fixed_run() {
        insta::assert_snapshot!(rendered(&[fixture()]));
    }

    #[test]
    fn parses_with_the_right_counts_per_target() {
        let failing = crate::report::synthetic::with_failures();
        let mut other = fixture();
        other.daemon.name = "docker-24.0".into();
        other.probes.truncate(10);
        let xml = rendered(&[failing, other]);
        let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "testsuites");
        // 121 + 10 probes, and the first run's two drift rows (swarm.inspect's 503, exec.start's 101); the second
        // run's first ten probes (container.attach, a hijacked stream whose status and media type the spec allows)
        // have no finding: no conformance suite.
        assert_eq!(root.attribute("tests"), Some("133"));
        // container.attach's incompatible at 1.40 and exec.start's error at 1.24, neither among the second run's
        // first ten probes.
        assert_eq!(root.attribute("failures"), Some("2"));
        assert_eq!(root.attribute("errors"), Some("0"));
        let all: Vec<_> = root.children().filter(|n| n.has_tag_name("testsuite")).collect();
        let names: Vec<_> = all.iter().filter_map(|s| s.attribute("name")).collect();
        assert_eq!(names, ["docker-20.10", "docker-20.10.conformance", "docker-24.0", "docker-24.0.conformance"]);
        let suites = [all[0], all[2]];
        let first = suites[0];
        assert_eq!(first.attribute("name"), Some("docker-20.10"));
        let cases: Vec<_> = first.children().filter(|n| n.has_tag_name("testcase")).collect();
        let count = |tag: &str| cases.iter().filter(|c| c.children().any(|n| n.has_tag_name(tag))).count();
        assert_eq!(cases.len(), 121);
        assert_eq!(first.attribute("tests"), Some("121"));
        assert_eq!((count("failure"), count("error"), count("skipped")), (2, 0, 1));
        assert_eq!((first.attribute("failures"), first.attribute("errors")), (Some("2"), Some("0")));
        assert_eq!(first.attribute("skipped"), Some("1"));
        assert_eq!(suites[1].attribute("failures"), Some("0"));
        for case in &cases {
            assert!(case.attribute("name").is_some() && case.attribute("classname").is_some());
            assert!(case.attribute("time").is_some_and(|t| t.parse::<f64>().is_ok()));
        }
        let failure_of = |verdict: &str| {
            cases
                .iter()
                .flat_map(|c| c.children())
                .find(|n| n.has_tag_name("failure") && n.attribute("type") == Some(verdict))
                .unwrap_or_else(|| panic!("a failure of type {verdict}"))
        };
        let incompatible = failure_of("incompatible");
        assert_eq!(incompatible.parent().and_then(|c| c.attribute("name")), Some("container.attach v1.40"));
        let text = incompatible.text().expect("evidence text");
        assert!(text.contains("status: 101") && text.contains("reason: the output within 10000 ms lacks `"), "{text}");
        let stream = "stream: format: multiplexed; frames: 1; stdout: 0 B; \
                      stderr: 50 B \"/bin/sh: can't access tty; job control turned off\\n\"; stdin: 52 B; ended by: window; \
                      upgraded: yes (101)";
        assert!(text.contains(&format!("{stream}\n")), "the failure's evidence has the stream: {text}");
        let out = incompatible.next_sibling_element().expect("the case's output");
        assert_eq!((out.tag_name().name(), out.text()), ("system-out", Some(stream)));
        // Every probe that read a stream has it as its output, passing ones too; no other probe has output.
        let outputs: Vec<_> = cases.iter().filter(|c| c.children().any(|n| n.has_tag_name("system-out"))).collect();
        assert_eq!(outputs.len(), 58, "container.attach and exec.start wherever the daemon answered 101");
        let attach = outputs.iter().find(|c| c.attribute("name") == Some("container.attach v1.41")).expect("ok");
        let out = attach.children().find(|n| n.has_tag_name("system-out")).and_then(|n| n.text()).unwrap_or_default();
        assert!(out.starts_with("stream: format: multiplexed; frames: 1; stdout: 47 B \"dockmatrix-"), "{out}");
        assert!(out.ends_with(
            "-container-attach-v1-41\\n\"; stderr: 0 B; stdin: 52 B; ended by: expected output; upgraded: yes (101)"
        ));
        // An error is a failure with its evidence too, not a JUnit <error> (which means the test itself crashed).
        let error = failure_of("error");
        assert_eq!(error.parent().and_then(|c| c.attribute("name")), Some("exec.start v1.24"));
        let text = error.text().expect("evidence text");
        assert!(text.contains("status: no answer") && text.contains("verdict: error"), "{text}");
        assert!(error.attribute("message").is_some_and(|m| m.contains("timed out after 30.0 s")));
    }

    #[test]
    fn escapes_markup_quotes_and_control_characters() {
        let mut run = crate::report::synthetic::with_failures();
        let p = run.probes.iter_mut().find(|p| p.verdict == Verdict::Incompatible).expect("one incompatible");
        p.reason = "a \"quoted\" <reason> & 'more'\nsecond line".into();
        p.evidence.body = Some("]]> </failure> \u{0}\u{1b}[31m \u{FFFF} ok".into());
        let xml = rendered(&[run]);
        let doc = roxmltree::Document::parse(&xml).expect("still well-formed");
        let failure = doc
            .descendants()
            .find(|n| n.has_tag_name("failure") && n.attribute("type") == Some("incompatible"))
            .expect("the incompatible failure");
        assert_eq!(failure.attribute("message"), Some("a \"quoted\" <reason> & 'more'\nsecond line"));
        assert!(failure.text().is_some_and(|t| t.contains("]]> </failure> \\x00\\x1b[31m \\u{ffff} ok")));
    }

    #[test]
    fn a_checked_run_gets_a_conformance_suite_failing_only_what_breaks_clients() {
        use crate::report::sections::drift::tests::drifting;
        let xml = rendered(&[drifting()]);
        let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
        let suite = doc
            .descendants()
            .find(|n| n.has_tag_name("testsuite") && n.attribute("name") == Some("docker-20.10.conformance"))
            .expect("a conformance suite");
        assert_eq!((suite.attribute("tests"), suite.attribute("failures")), (Some("5"), Some("1")));
        let cases: Vec<(&str, bool)> = suite
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .map(|c| (c.attribute("name").unwrap_or_default(), c.children().any(|n| n.has_tag_name("failure"))))
            .collect();
        assert_eq!(
            cases,
            [
                ("container.inspect /State/Health missing-required", true),
                ("exec.start undocumented-status", false),
                ("image.list /*/VirtualSize undocumented", false),
                ("swarm.inspect undocumented-status", false),
                ("container.inspect /ExecIDs wrong-type (spec erratum exec-ids-string)", false),
            ]
        );
        let failure = suite.descendants().find(|n| n.has_tag_name("failure")).expect("a failure");
        assert_eq!(failure.attribute("type"), Some("missing-required"));
        assert_eq!(
            failure.attribute("message"),
            Some("container.inspect unversioned, 1.25–1.37: /State/Health missing-required")
        );
        let erratum = suite.children().rfind(|n| n.has_tag_name("testcase")).expect("the erratum");
        let out = erratum.children().find(|n| n.has_tag_name("system-out")).and_then(|n| n.text()).unwrap_or_default();
        assert!(out.contains("\nspec erratum: exec-ids-string (a known mistake of the spec"), "{out}");
        let properties: Vec<(&str, &str)> = suite
            .descendants()
            .filter(|n| n.has_tag_name("property"))
            .filter_map(|p| Some((p.attribute("name")?, p.attribute("value")?)))
            .collect();
        assert!(
            properties.iter().any(|(n, v)| *n == "note" && v.starts_with("1 field is null where")),
            "{properties:?}"
        );
        // 121 probes of the fixture, 33 of each endpoint added, and the 5 rows.
        let root = doc.root_element();
        assert_eq!((root.attribute("tests"), root.attribute("failures")), (Some("192"), Some("1")));
        // `report --conformance`: the conformance suites alone, null rows as passing cases.
        let alone = crate::report::sections::coverage::tests::render_drift(write_drift, &[drifting()]);
        let doc = roxmltree::Document::parse(&alone).expect("well-formed XML");
        let suites: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("testsuite")).collect();
        assert_eq!(suites.len(), 1);
        assert_eq!((suites[0].attribute("tests"), doc.root_element().attribute("tests")), (Some("6"), Some("6")));
        assert!(alone.contains(r#"<testcase name="container.inspect /Mounts null""#));
    }
}

//! The refusals and clients sections of the HTML page (they share their rules). Refusals: how each daemon answered the malformed requests, a row per endpoint and
//! kind of malformed input, a column per run, each answer a badge coloured by what it means to a client. Pages whose
//! runs sent none carry neither the section nor its rules.

use std::fmt::Write as _;

use super::escape;
use crate::report::sections::refusals::{NOTE, RefusalSection};

/// The section: its title, the counts, the table and the note.
pub fn section(s: &RefusalSection) -> String {
    let mut out = String::new();
    let h = if s.several() { "h2" } else { "h3" };
    let class = if s.several() { "refusals several" } else { "refusals" };
    let _ = writeln!(out, "<section class=\"{class}\">\n<{h}>{}</{h}>", escape(&s.title()));
    for line in s.count_lines() {
        let _ = writeln!(out, "<p class=\"coverage\">{}</p>", escape(&line));
    }
    out.push_str("<div class=\"scroll\"><table class=\"refusals\">\n<thead><tr><th>Endpoint</th><th>Malformed</th>");
    for c in &s.columns {
        let _ = write!(out, "<th>{}</th>", escape(c));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for r in &s.rows {
        let _ = write!(
            out,
            "<tr><td><code>{}</code> <small>{}</small></td><td>{}</td>",
            escape(&r.endpoint),
            escape(&r.route),
            r.kind
        );
        for c in &r.cells {
            out.push_str("<td>");
            for span in &c.spans {
                let _ = write!(
                    out,
                    "<span class=\"answer r-{}\" title=\"{}\">{} <small>{}</small></span>",
                    span.verdict,
                    escape(&span.reason),
                    escape(&span.answer()),
                    escape(&span.versions())
                );
            }
            out.push_str("</td>");
        }
        out.push_str("</tr>\n");
    }
    let _ = writeln!(out, "</tbody></table></div>\n<p class=\"note\">{}</p>\n</section>", escape(NOTE));
    out
}

/// The section's rules, added to the page's style only when it has one.
pub const STYLE: &str = r#"section.refusals { margin: 8px 0 16px; }
section.refusals.several { border-top: 1px solid #ddd; margin-top: 20px; padding-top: 4px; }
table.refusals { border-collapse: collapse; font-size: 12.5px; }
.refusals th, .refusals td { padding: 2px 10px 2px 0; text-align: left; vertical-align: top; border-bottom: 1px solid #eee; }
.refusals td code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.refusals td small { color: #555; }
.refusals .answer { display: inline-block; margin: 1px 4px 1px 0; padding: 0 5px; border-radius: 3px; white-space: nowrap; }
.refusals .r-refused { background: #d8ecf6; }
.refusals .r-server-error, .refusals .r-accepted, .refusals .r-error { background: #D55E00; color: #fff; }
.refusals .r-server-error small, .refusals .r-accepted small, .refusals .r-error small { color: #fff; }
.refusals .r-skipped { background: #eee; color: #666; }
section.refusals p.note { color: #444; margin: 8px 0 4px; font-size: 13px; }
"#;

/// The clients section: the title and counts, a row per client, a cell per daemon (the verdict, the version, the
/// reason on hover), and the note.
pub fn clients_section(s: &crate::report::sections::clients::ClientsSection) -> String {
    let mut out = String::new();
    let h = if s.several() { "h2" } else { "h3" };
    let class = if s.several() { "refusals clients several" } else { "refusals clients" };
    let grid = s.grid(" ");
    let mut title = grid.title.lines();
    let _ = writeln!(out, "<section class=\"{class}\">\n<{h}>{}</{h}>", escape(title.next().unwrap_or_default()));
    for line in title {
        let _ = writeln!(out, "<p class=\"coverage\">{}</p>", escape(line));
    }
    out.push_str("<div class=\"scroll\"><table class=\"refusals\">\n<thead><tr><th>Client</th><th>Covers</th>");
    for c in &s.columns {
        let _ = write!(out, "<th>{}</th>", escape(c));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for r in &s.rows {
        let _ =
            write!(out, "<tr><td><code>{}</code></td><td><small>{}</small></td>", escape(&r.client), escape(&r.covers));
        for c in &r.cells {
            out.push_str("<td>");
            if let Some(o) = c {
                let class = match o.verdict {
                    crate::model::ClientVerdict::Works => "refused",
                    crate::model::ClientVerdict::WorksWithWarnings | crate::model::ClientVerdict::Unknown => "skipped",
                    crate::model::ClientVerdict::Breaks => "server-error",
                };
                let _ = write!(
                    out,
                    "<span class=\"answer r-{class}\" title=\"{}\">{} <small>{}</small></span>",
                    escape(&o.reason),
                    o.verdict,
                    escape(&o.version_text())
                );
                if !s.several() {
                    let _ = write!(out, " <small>{}</small>", escape(&o.reason));
                }
            }
            out.push_str("</td>");
        }
        out.push_str("</tr>\n");
    }
    let _ = writeln!(
        out,
        "</tbody></table></div>\n<p class=\"note\">{}</p>\n</section>",
        escape(crate::report::sections::clients::NOTE)
    );
    out
}

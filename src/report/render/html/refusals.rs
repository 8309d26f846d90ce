//! The refusals section of the HTML page: how each daemon answered the malformed requests, a row per endpoint and
//! kind of malformed input, a column per run, each answer a badge coloured by what it means to a client. Pages whose
//! runs sent none carry neither the section nor its rules (assets/refusals.css), unless they have clients (see
//! [`super::clients`], which the same rules lay out).

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

/// The section's rules (assets/refusals.css), added to the page's style only when it has the section or the
/// clients'.
pub const STYLE: &str = include_str!("assets/refusals.css");

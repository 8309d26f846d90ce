//! The clients section of the HTML page: what each real client would make of each daemon, a row per client, a cell
//! per daemon with the verdict and the API version as a badge (the reason on hover, and beside it for one daemon),
//! then the note.
//!
//! It is laid out by the refusals' rules (assets/refusals.css: `section.refusals`, `table.refusals`, the `answer
//! r-*` badges, a verdict taking the colour of the refusal answer that means the same to a client): the classes
//! are kept as the pages written so far have them, so the saved reports render byte for byte as before.

use std::fmt::Write as _;

use crate::model::ClientVerdict;
use crate::report::sections::clients::{ClientsSection, NOTE};

use super::escape;

/// The clients section: the title and counts, a row per client, a cell per daemon (the verdict, the version, the
/// reason on hover), and the note.
pub fn section(s: &ClientsSection) -> String {
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
                    ClientVerdict::Works => "refused",
                    ClientVerdict::WorksWithWarnings | ClientVerdict::Unknown => "skipped",
                    ClientVerdict::Breaks => "server-error",
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
    let _ = writeln!(out, "</tbody></table></div>\n<p class=\"note\">{}</p>\n</section>", escape(NOTE));
    out
}

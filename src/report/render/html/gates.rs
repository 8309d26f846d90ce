//! The version gates section of the HTML page: each observed value that changes with the API version, a row per
//! value with what each group of daemons saw by version, the values that never change counted under it. Laid out
//! by the refusals' rules (assets/refusals.css: `section.refusals`, `table.refusals`).

use std::fmt::Write as _;

use crate::report::sections::gates::{GatesSection, key_text};

use super::escape;

/// The section: the title and summary, a row per value that changes (probe, key, a line per group of daemons).
pub fn section(s: &GatesSection) -> String {
    let mut out = String::new();
    let several = s.daemons.len() > 1;
    let h = if several { "h2" } else { "h3" };
    let _ = writeln!(out, "<section class=\"refusals gates\">\n<{h}>Version gates observed</{h}>");
    let _ = writeln!(out, "<p class=\"coverage\">{}</p>", escape(&s.summary()));
    out.push_str("<div class=\"scroll\"><table class=\"refusals\">\n<thead><tr><th>Probe</th><th>Observed</th>");
    out.push_str("<th>What each version gave</th></tr></thead>\n<tbody>\n");
    for r in s.rows.iter().filter(|r| r.changes) {
        let _ = write!(
            out,
            "<tr><td><code>{}</code></td><td><code>{}</code></td><td>",
            escape(&r.probe),
            escape(key_text(&r.key))
        );
        for (i, (daemons, text)) in r.lines.iter().enumerate() {
            if i > 0 {
                out.push_str("<br>");
            }
            if several {
                let _ = write!(out, "<small>{}</small>: ", escape(&daemons.join(", ")));
            }
            out.push_str(&escape(text));
        }
        out.push_str("</td></tr>\n");
    }
    let steady = s.rows.iter().filter(|r| !r.changes).count();
    let _ = writeln!(
        out,
        "</tbody></table></div>\n<p class=\"note\">{steady} more observed values are the same at every version.</p>\n</section>"
    );
    out
}

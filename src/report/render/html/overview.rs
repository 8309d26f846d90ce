//! What the HTML page adds for several runs: the side-by-side matrix at the top, and a daemon selector that shows
//! one daemon's heat map at a time (plain script, no fetches; without script every heat map shows).

use std::fmt::Write as _;

use super::escape;
use crate::report::sections::side_by_side::{self, SideBySide};

/// The overview section: one row per endpoint, one column per daemon, a coloured range per verdict. Clicking a
/// daemon's cell or header shows that daemon's heat map.
pub fn overview(m: &SideBySide) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<section class=\"overview\">\n<h2>{}</h2>\n<div class=\"scroll\"><table class=\"sbs\">\n<thead>\n<tr><th class=\"ep\">Endpoint</th><th class=\"route\">Route</th>",
        escape(&m.headline())
    );
    for (i, c) in m.columns.iter().enumerate() {
        let _ = write!(out, "<th data-run=\"{i}\" tabindex=\"0\" title=\"show its heat map\">{}</th>", escape(&c.name));
    }
    out.push_str("</tr>\n<tr class=\"daemons\"><th></th><th></th>");
    for c in &m.columns {
        let _ = write!(out, "<td>{}</td>", escape(&c.summary()));
    }
    out.push_str("</tr>\n</thead>\n");
    for (tag, rows) in m.tags() {
        let _ = write!(
            out,
            "<tbody data-overview-tag=\"{0}\">\n<tr class=\"tag\"><th colspan=\"{1}\">{0}</th></tr>\n",
            escape(tag),
            m.columns.len() + 2
        );
        for r in rows {
            let _ = write!(
                out,
                "<tr><th class=\"ep\">{}</th><td class=\"route\">{}</td>",
                escape(&r.endpoint),
                escape(&r.route())
            );
            for (i, cell) in r.cells.iter().enumerate() {
                let _ = write!(out, "<td class=\"ranges\" data-run=\"{i}\">");
                let parts = cell.verdict_parts();
                if parts.is_empty() {
                    let _ = write!(out, "<span class=\"none\">{}</span>", side_by_side::NOT_PROBED);
                }
                for (text, verdict) in parts {
                    let _ = write!(out, "<span class=\"v-{verdict}\">{}</span>", escape(&text));
                }
                out.push_str("</td>");
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n");
    }
    let _ = write!(out, "</table></div>\n<p class=\"note\">{}</p>\n</section>\n", escape(side_by_side::NOTE));
    out
}

/// The selector above the heat maps.
pub fn picker(m: &SideBySide) -> String {
    let mut out = String::from("<p class=\"picker\"><label>Heat map of <select id=\"daemon\">");
    for (i, c) in m.columns.iter().enumerate() {
        let _ = write!(out, "<option value=\"{i}\">{}</option>", escape(&c.name));
    }
    out.push_str("</select></label></p>\n");
    out
}

/// The overview's rules, added to the page's style.
pub const STYLE: &str = include_str!("assets/overview.css");

/// The selector's script, added after the page's own script.
pub const SCRIPT: &str = include_str!("assets/overview.js");

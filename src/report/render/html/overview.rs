//! What the HTML page adds for several runs: the overview at a glance (a mark per endpoint and daemon, what differs
//! between them) and the side-by-side matrix of every API version at the top (its version-rejected and unenforced
//! edges in a lighter shade), and a daemon selector that shows one daemon's heat map at a time (plain script, no
//! fetches; without script every heat map shows).

use std::fmt::Write as _;

use super::escape;
use crate::report::sections::overview::{self as o, Mark, Overview};
use crate::report::sections::side_by_side::{self, SideBySide};

/// The class of a mark's cell.
fn class(m: &Mark) -> &'static str {
    match m {
        Mark::Works => "m-works",
        Mark::Partly(_) => "m-partly",
        Mark::Drifts => "m-drifts",
        Mark::Lacks(_) => "m-lacks",
        Mark::NotApplicable | Mark::Skipped | Mark::OutOfRange => "m-other",
    }
}

/// The overview at a glance: a row per endpoint the daemons differ on (by tag), the endpoints alike on every daemon
/// a line per mark, and what differs between the daemons, a line per way they differ.
pub fn glance(ov: &Overview) -> String {
    let mut out = String::from("<section class=\"overview glance\">\n<h2>At a glance</h2>\n");
    let _ =
        write!(out, "<p class=\"note\">{}</p>\n<div class=\"scroll\"><table class=\"sbs marks\">\n", escape(o::LEGEND));
    out.push_str("<thead>\n<tr><th class=\"ep\">Endpoint</th>");
    for (i, c) in ov.columns.iter().enumerate() {
        let _ = write!(out, "<th data-run=\"{i}\" tabindex=\"0\" title=\"show its heat map\">{}</th>", escape(c));
    }
    out.push_str("</tr>\n<tr class=\"daemons\"><th>advertised</th>");
    for r in &ov.ranges {
        let _ = write!(out, "<td>{}</td>", escape(r));
    }
    out.push_str("</tr>\n</thead>\n<tbody>\n");
    let differ = ov.differ();
    for tagged in differ.chunk_by(|a, b| a.tag == b.tag) {
        let _ = writeln!(
            out,
            "<tr class=\"tag\"><th colspan=\"{}\">{}</th></tr>",
            ov.columns.len() + 1,
            escape(&tagged[0].tag)
        );
        for r in tagged {
            let _ = write!(out, "<tr><th class=\"ep\">{}</th>", escape(&r.endpoint));
            for m in &r.marks {
                let _ = write!(
                    out,
                    "<td class=\"{}\" title=\"{}\">{}</td>",
                    class(m),
                    escape(&m.words()),
                    escape(&m.text())
                );
            }
            out.push_str("</tr>\n");
        }
    }
    out.push_str("</tbody>\n</table></div>\n");
    for (mark, ids) in ov.alike() {
        let _ = writeln!(
            out,
            "<p class=\"alike\">Alike on every daemon, {} ({}): <code>{}</code></p>",
            escape(&mark.words()),
            ids.len(),
            escape(&ids.join(", "))
        );
    }
    if !ov.differences.is_empty() {
        out.push_str("<h3>What differs between the daemons</h3>\n<ul class=\"differ\">\n");
        for d in &ov.differences {
            let _ = writeln!(out, "<li>{}: <code>{}</code></li>", escape(&d.marks), escape(&d.endpoints.join(", ")));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
    out
}

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

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
pub const STYLE: &str = r#".overview { padding: 4px 20px 12px; border-bottom: 1px solid #ddd; }
table.sbs { border-collapse: collapse; font-size: 12.5px; }
.sbs th, .sbs td { padding: 2px 8px; text-align: left; vertical-align: top; border-bottom: 1px solid #eee; }
.sbs th.ep, .sbs td.route { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; white-space: nowrap; }
.sbs td.route { color: #555; }
.sbs thead th[data-run] { cursor: pointer; }
.sbs tr.daemons td { color: #444; font-size: 12px; }
.sbs tr.tag th { background: #f1f3f5; padding-top: 6px; }
.sbs td.ranges { cursor: pointer; }
.sbs td.ranges span { display: inline-block; margin: 1px 4px 1px 0; padding: 0 5px; border-radius: 3px; white-space: nowrap; }
.sbs td.ranges span.none { color: #888; }
.sbs td.picked, .sbs th.picked { box-shadow: inset 0 -3px 0 var(--enf); }
.overview .note { color: #555; font-size: 12px; }
.picker { margin: 10px 0 0; font-weight: 600; }
section.run[hidden] { display: none; }
"#;

/// The selector's script, added after the page's own script.
pub const SCRIPT: &str = r#"
(function () {
  var select = document.getElementById('daemon');
  var runs = document.querySelectorAll('main > section.run');
  if (!select || !runs.length) return;
  function pick(i) {
    runs.forEach(function (s, j) { s.hidden = j !== i; });
    select.value = String(i);
    document.querySelectorAll('.sbs [data-run]').forEach(function (c) {
      c.classList.toggle('picked', +c.getAttribute('data-run') === i);
    });
  }
  select.addEventListener('change', function () { pick(+select.value); });
  document.querySelectorAll('.sbs [data-run]').forEach(function (c) {
    function go() { pick(+c.getAttribute('data-run')); runs[+c.getAttribute('data-run')].scrollIntoView(); }
    c.addEventListener('click', go);
    c.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); go(); } });
  });
  var form = document.getElementById('filters');
  function tags() {
    var on = {};
    form.querySelectorAll('input[name="tag"]').forEach(function (i) { if (i.checked) on[i.value] = true; });
    document.querySelectorAll('tbody[data-overview-tag]').forEach(function (b) {
      b.classList.toggle('hidden', !on[b.getAttribute('data-overview-tag')]);
    });
  }
  form.addEventListener('change', tags);
  // A link to one answer (#probe-N) shows the heat map that holds it.
  var m = /^#probe-(\d+)$/.exec(location.hash);
  var linked = m && document.querySelector('td[data-i="' + m[1] + '"]');
  var start = 0;
  runs.forEach(function (s, j) { if (linked && s.contains(linked)) start = j; });
  pick(start);
})();
"#;

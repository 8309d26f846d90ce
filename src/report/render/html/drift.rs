//! The drift section of the HTML page: where the daemons and the spec disagree, a table grouped by endpoint (a
//! title row per endpoint, a row per difference), the known mistakes of the spec after the others, and one column of
//! API versions per run. Pages whose runs were not checked against the spec carry neither the section nor its rules.

use std::fmt::Write as _;

use crate::model::FindingKind;

use super::escape;
use crate::report::sections::drift::{DriftMatrixRow, DriftSection, LIST_ALL, NOT_CHECKED};

/// The section: its title, the summary, the table and the notes.
pub fn section(s: &DriftSection) -> String {
    let mut out = String::new();
    // Under one run's heat map a sub-heading; several runs' drift stands beside their heat maps.
    let h = if s.several() { "h2" } else { "h3" };
    let class = if s.several() { "drift several" } else { "drift" };
    let _ = write!(
        out,
        "<section class=\"{class}\">\n<{h}>{}</{h}>\n<p class=\"coverage\">{}</p>\n",
        escape(&s.title),
        escape(&s.summary)
    );
    let (errata, plain): (Vec<&DriftMatrixRow>, Vec<&DriftMatrixRow>) =
        s.matrix.rows.iter().partition(|r| r.erratum.is_some());
    if !s.matrix.rows.is_empty() {
        let columns = 3 + s.columns.len();
        out.push_str(
            "<div class=\"scroll\"><table class=\"drift\">\n<thead><tr><th>Where</th><th>Kind</th><th>Detail</th>",
        );
        for c in &s.columns {
            let _ = write!(out, "<th>{}</th>", escape(c));
        }
        out.push_str("</tr></thead>\n");
        groups(&plain, columns, &mut out);
        if !errata.is_empty() {
            let _ = writeln!(
                out,
                "<tbody class=\"errata\"><tr class=\"part\"><th colspan=\"{columns}\">Known mistakes of the spec \
                 (matrices/spec-errata.yaml): the daemon is right</th></tr></tbody>"
            );
            groups(&errata, columns, &mut out);
        }
        out.push_str("</table></div>\n");
    }
    // The command in a note is code, kept on one line.
    let command = format!("<code>{}</code>", escape(LIST_ALL));
    for note in &s.notes {
        let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(note).replace(&escape(LIST_ALL), &command));
    }
    out.push_str("</section>\n");
    out
}

/// The rows endpoint by endpoint: a `<tbody>` each, headed by the endpoint's id and how many differences it has.
fn groups(rows: &[&DriftMatrixRow], columns: usize, out: &mut String) {
    for group in rows.chunk_by(|a, b| a.endpoint == b.endpoint) {
        let endpoint = &group[0].endpoint;
        let n = group.len();
        let _ = write!(
            out,
            "<tbody data-endpoint=\"{0}\">\n<tr class=\"endpoint\"><th colspan=\"{columns}\">{0} <small>{n} \
             difference{1}</small></th></tr>\n",
            escape(endpoint),
            if n == 1 { "" } else { "s" }
        );
        for r in group {
            row(r, out);
        }
        out.push_str("</tbody>\n");
    }
}

/// One difference: where, the kind (marked when a typed client trips on it), the detail (and the erratum), then each
/// run's versions.
fn row(r: &DriftMatrixRow, out: &mut String) {
    // A long pointer may break before a slash, never inside a key.
    let place = if r.pointer.is_empty() {
        format!("<span class=\"whole\">{}</span>", escape(r.place()))
    } else {
        format!("<code>{}</code>", escape(r.place()).replace('/', "<wbr/>/"))
    };
    let breaks = if r.kind.breaks_clients() && r.erratum.is_none() { " breaks" } else { "" };
    let title = match r.kind {
        FindingKind::MissingRequired | FindingKind::WrongType | FindingKind::NotJson => "a typed client trips on it",
        FindingKind::Null => "null where the spec does not mark the field nullable",
        FindingKind::Undocumented => "a field the spec of that version does not list",
        FindingKind::UndocumentedStatus => "a status the spec does not list for the operation",
        FindingKind::ContentType => "a content type the spec does not give the answer",
    };
    let _ = write!(
        out,
        "<tr><td class=\"where\">{place}</td><td><span class=\"kind{breaks}\" title=\"{title}\">{}</span></td><td class=\"detail\">{}",
        r.kind,
        escape(&r.detail)
    );
    if let Some(e) = &r.erratum {
        let _ = write!(out, " <span class=\"erratum\">spec erratum {}</span>", escape(e));
    }
    out.push_str("</td>");
    for c in &r.cells {
        out.push_str("<td class=\"versions\">");
        let parts = c.versions.parts();
        if parts.is_empty() && !c.checked {
            let _ = write!(out, "<span class=\"none\">{NOT_CHECKED}</span>");
        }
        for p in parts {
            let _ = write!(out, "<span>{}</span>", escape(&p));
        }
        out.push_str("</td>");
    }
    out.push_str("</tr>\n");
}

/// The section's rules, added to the page's style only when it has one.
pub const STYLE: &str = include_str!("assets/drift.css");

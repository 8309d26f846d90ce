//! The overview a reader takes in at a glance: a row per endpoint and a column per daemon like the side-by-side
//! matrix, but one mark per cell, judged over the range of API versions the daemon advertises (works at every
//! version of it / partly, with the versions it works at / lacks it, with the verdict / not applicable / not in its
//! range), and a short list of what differs between the daemons, endpoints that differ alike grouped.
//!
//! Pure: computed from a [`SideBySide`]; the renderers lay it out.

use serde::Serialize;

use crate::model::{ApiVersion, Verdict};

use super::coverage::VerdictRange;
use super::side_by_side::{Cell, SideBySide};

/// What a daemon makes of an endpoint over the range of API versions it advertises.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "mark", content = "detail")]
pub enum Mark {
    /// `ok` at every version of the range it was probed at.
    Works,
    /// `ok` at some versions of the range only: those versions (`1.24–1.40`).
    Partly(String),
    /// Served at every version, but not as the spec of the version says (`nonconforming` somewhere, `ok` elsewhere).
    Drifts,
    /// Defined there but no `ok` anywhere in the range: the verdict that says why (the first of absent, unsupported,
    /// incompatible, error, in report order).
    Lacks(Verdict),
    /// Every answer a defined condition that is not a fault (not a swarm manager, a name that does not exist).
    NotApplicable,
    /// Not sent inside the range: every probe skipped (why: in the run).
    Skipped,
    /// No version of the range defines the endpoint (removed before it, or added after it), or it was not probed.
    OutOfRange,
}

impl Mark {
    /// The mark of `cell` on a daemon advertising `lo..=hi` (an unknown end is open). The unversioned request counts
    /// when it is the only one sent.
    pub fn of(cell: &Cell, lo: Option<ApiVersion>, hi: Option<ApiVersion>) -> Mark {
        let inside = |r: &&VerdictRange| lo.is_none_or(|lo| r.last >= lo) && hi.is_none_or(|hi| r.first <= hi);
        let ranges: Vec<&VerdictRange> = cell.ranges.iter().filter(inside).collect();
        let verdicts: Vec<Verdict> = match (ranges.is_empty(), cell.ranges.is_empty(), cell.unversioned) {
            (false, _, _) => ranges.iter().map(|r| r.verdict).collect(),
            (true, true, Some(v)) => vec![v],
            _ => return Mark::OutOfRange,
        };
        let all = |v: Verdict| verdicts.iter().all(|x| *x == v);
        let any = |v: Verdict| verdicts.contains(&v);
        if all(Verdict::Ok) {
            return Mark::Works;
        }
        if verdicts.iter().all(|v| matches!(v, Verdict::Ok | Verdict::Nonconforming)) {
            return Mark::Drifts;
        }
        if any(Verdict::Ok) || any(Verdict::Nonconforming) {
            let clip = |r: &&&VerdictRange| {
                let first = lo.map_or(r.first, |lo| r.first.max(lo));
                let last = hi.map_or(r.last, |hi| r.last.min(hi));
                if first == last { first.to_string() } else { format!("{first}–{last}") }
            };
            let ok = ranges.iter().filter(|r| matches!(r.verdict, Verdict::Ok | Verdict::Nonconforming));
            return Mark::Partly(ok.map(|r| clip(&r)).collect::<Vec<_>>().join(", "));
        }
        if all(Verdict::NotApplicable) {
            return Mark::NotApplicable;
        }
        if all(Verdict::Skipped) {
            return Mark::Skipped;
        }
        let lacking = [Verdict::Absent, Verdict::Unsupported, Verdict::Incompatible, Verdict::Error];
        Mark::Lacks(lacking.into_iter().find(|v| any(*v)).unwrap_or(Verdict::NotApplicable))
    }

    /// The cell's text: `✓`, `◐ 1.24–1.40`, `≈`, `✗ unsupported`, `n/a`, `skipped`, `–`.
    pub fn text(&self) -> String {
        match self {
            Mark::Works => "✓".into(),
            Mark::Partly(versions) => format!("◐ {versions}"),
            Mark::Drifts => "≈".into(),
            Mark::Lacks(v) => format!("✗ {v}"),
            Mark::NotApplicable => "n/a".into(),
            Mark::Skipped => "skipped".into(),
            Mark::OutOfRange => "–".into(),
        }
    }

    /// Its place in a line of the list of differences: works, partly, drifts, not applicable, skipped, not in its
    /// range, lacks it.
    fn rank(&self) -> u8 {
        match self {
            Mark::Works => 0,
            Mark::Partly(_) => 1,
            Mark::Drifts => 2,
            Mark::NotApplicable => 3,
            Mark::Skipped => 4,
            Mark::OutOfRange => 5,
            Mark::Lacks(_) => 6,
        }
    }

    /// The words of the list of differences: `works`, `works at 1.24–1.40 only`, `lacks it (unsupported)`...
    pub fn words(&self) -> String {
        match self {
            Mark::Works => "works".into(),
            Mark::Partly(versions) => format!("works at {versions} only"),
            Mark::Drifts => "works, not as the spec says".into(),
            Mark::Lacks(v) => format!("lacks it ({v})"),
            Mark::NotApplicable => "not applicable".into(),
            Mark::Skipped => "skipped".into(),
            Mark::OutOfRange => "not in its range".into(),
        }
    }
}

/// One endpoint's marks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverviewRow {
    /// Endpoint id.
    pub endpoint: String,
    /// Its tag.
    pub tag: String,
    /// One mark per daemon.
    pub marks: Vec<Mark>,
}

impl OverviewRow {
    /// Whether every daemon has the same mark.
    pub fn alike(&self) -> bool {
        self.marks.windows(2).all(|w| w[0] == w[1])
    }
}

/// Endpoints whose marks are the same on each daemon (a line of the list of differences).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// `docker-26.1, docker-28.5: works; docker-20.10: not applicable; podman-4.3, podman-5.4: lacks it
    /// (unsupported)`: daemons with one mark grouped, in column order of their first daemon.
    pub marks: String,
    /// The endpoints.
    pub endpoints: Vec<String>,
}

/// The overview of several runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Overview {
    /// The daemons' names, a mark each per row.
    pub columns: Vec<String>,
    /// Each daemon's advertised range (`1.24–1.41`), the range the marks are judged over.
    pub ranges: Vec<String>,
    /// A row per endpoint, in the matrix's order.
    pub rows: Vec<OverviewRow>,
    /// What differs between the daemons: a line per distinct way the daemons differ, most endpoints first.
    pub differences: Vec<Difference>,
}

/// The legend every rendering puts under the overview.
pub const LEGEND: &str = "A mark per daemon, over the API versions it advertises: ✓ works at every one · ◐ at the \
versions shown only · ≈ works, not as the spec says · ✗ lacks it (the verdict says how) · n/a not applicable (no \
swarm, a name that does not exist) · skipped (not allowed, or nothing to probe it with) · – not defined at any \
version it advertises. Endpoints alike on every daemon are listed under the table; every API version follows.";

impl Overview {
    /// The overview of `matrix`.
    pub fn of(matrix: &SideBySide) -> Self {
        let rows: Vec<OverviewRow> = matrix
            .rows
            .iter()
            .map(|r| OverviewRow {
                endpoint: r.endpoint.clone(),
                tag: r.tag.clone(),
                marks: r
                    .cells
                    .iter()
                    .zip(&matrix.columns)
                    .map(|(c, d)| Mark::of(c, d.advertised.min, d.advertised.max))
                    .collect(),
            })
            .collect();
        let columns: Vec<String> = matrix.columns.iter().map(|c| c.name.clone()).collect();
        let mut differences =
            first_seen(rows.iter().filter(|r| !r.alike()).map(|r| (r.marks.clone(), r.endpoint.clone())));
        // Most endpoints first; ties in the order they first appear (a stable sort).
        differences.sort_by_key(|(_, e)| std::cmp::Reverse(e.len()));
        let differences = differences
            .into_iter()
            .map(|(marks, endpoints)| Difference { marks: grouped(&columns, &marks), endpoints })
            .collect();
        Overview { ranges: matrix.columns.iter().map(|c| c.advertised.text()).collect(), columns, rows, differences }
    }

    /// The rows whose daemons differ.
    pub fn differ(&self) -> Vec<&OverviewRow> {
        self.rows.iter().filter(|r| !r.alike()).collect()
    }

    /// The endpoints alike on every daemon, by their one mark (marks in the order they first appear).
    pub fn alike(&self) -> Vec<(&Mark, Vec<&str>)> {
        first_seen(self.rows.iter().filter(|r| r.alike()).filter_map(|r| Some((r.marks.first()?, r.endpoint.as_str()))))
    }
}

/// The values of `pairs` grouped by key, keys in the order they first appear.
fn first_seen<K: PartialEq, V>(pairs: impl Iterator<Item = (K, V)>) -> Vec<(K, Vec<V>)> {
    let mut groups: Vec<(K, Vec<V>)> = Vec::new();
    for (k, v) in pairs {
        match groups.iter_mut().find(|(g, _)| *g == k) {
            Some((_, values)) => values.push(v),
            None => groups.push((k, vec![v])),
        }
    }
    groups
}

/// `docker-26.1, docker-28.5: works; docker-20.10: not applicable`: daemons with one mark grouped, groups in the order
/// of their first daemon.
fn grouped(columns: &[String], marks: &[Mark]) -> String {
    let mut groups = first_seen(marks.iter().zip(columns.iter().map(String::as_str)));
    // What works first, what lacks it last: a line reads as "these work; those do not".
    groups.sort_by_key(|(m, _)| m.rank());
    groups.iter().map(|(m, names)| format!("{}: {}", names.join(", "), m.words())).collect::<Vec<_>>().join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(minor: u16) -> ApiVersion {
        ApiVersion { major: 1, minor }
    }

    /// A cell of `(first, last, verdict)` ranges.
    fn cell(ranges: &[(u16, u16, Verdict)]) -> Cell {
        Cell {
            unversioned: None,
            ranges: ranges
                .iter()
                .map(|(a, b, verdict)| VerdictRange { first: v(*a), last: v(*b), verdict: *verdict })
                .collect(),
        }
    }

    #[test]
    fn a_mark_judges_the_advertised_range_only() {
        use Verdict::*;
        let (lo, hi) = (Some(v(24)), Some(v(41)));
        #[rustfmt::skip]
        let cases: Vec<(&str, Cell, Mark)> = vec![
            ("ok inside, rejected at the edges", cell(&[(23, 23, VersionRejected), (24, 41, Ok), (42, 42, VersionRejected)]), Mark::Works),
            ("ok inside, unenforced outside", cell(&[(0, 23, Unenforced), (24, 41, Ok), (42, 56, Unenforced)]), Mark::Works),
            ("ok up to 1.39", cell(&[(24, 39, Ok), (40, 41, Absent)]), Mark::Partly("1.24–1.39".into())),
            ("ok at one version, clipped", cell(&[(20, 24, Ok), (25, 41, Incompatible)]), Mark::Partly("1.24".into())),
            ("ok and nonconforming", cell(&[(24, 30, Ok), (31, 41, Nonconforming)]), Mark::Drifts),
            ("absent then incompatible: absent first", cell(&[(24, 30, Incompatible), (31, 41, Absent)]), Mark::Lacks(Absent)),
            ("unsupported", cell(&[(24, 41, Unsupported)]), Mark::Lacks(Unsupported)),
            ("not a swarm manager", cell(&[(24, 41, NotApplicable)]), Mark::NotApplicable),
            ("skipped", cell(&[(24, 41, Skipped)]), Mark::Skipped),
            ("removed before the range", cell(&[(12, 23, Ok)]), Mark::OutOfRange),
            ("not probed", cell(&[]), Mark::OutOfRange),
        ];
        for (what, c, mark) in cases {
            assert_eq!(Mark::of(&c, lo, hi), mark, "{what}");
        }
        let unversioned = Cell { unversioned: Some(Ok), ranges: Vec::new() };
        assert_eq!(Mark::of(&unversioned, lo, hi), Mark::Works, "only the unversioned request: it counts");
        assert_eq!(Mark::of(&cell(&[(12, 23, Ok)]), None, None), Mark::Works, "an unknown range is open");
    }

    #[test]
    fn the_differences_group_endpoints_alike_and_read_works_first() {
        use crate::report::sections::coverage::Span;
        use crate::report::sections::side_by_side::{DaemonColumn, MatrixRow};
        let column = |name: &str, lo: u16, hi: u16| DaemonColumn {
            name: name.into(),
            kind: crate::model::EngineKind::Docker,
            version: String::new(),
            advertised: Span { min: Some(v(lo)), max: Some(v(hi)) },
            enforced: Span { min: Some(v(lo)), max: Some(v(hi)) },
        };
        let row = |id: &str, tag: &str, cells: Vec<Cell>| MatrixRow {
            endpoint: id.into(),
            tag: tag.into(),
            method: crate::model::Method::Get,
            path: "/x".into(),
            cells,
        };
        let ok = cell(&[(24, 45, Verdict::Ok)]);
        let gap = cell(&[(24, 45, Verdict::Unsupported)]);
        let matrix = SideBySide {
            columns: vec![column("docker-26.1", 24, 45), column("podman-5.8", 24, 44)],
            rows: vec![
                row("config.list", "Config", vec![ok.clone(), gap.clone()]),
                row("container.list", "Container", vec![ok.clone(), ok.clone()]),
                row("secret.update", "Secret", vec![ok.clone(), gap.clone()]),
                row("system.ping", "System", vec![gap.clone(), ok.clone()]),
            ],
        };
        let o = Overview::of(&matrix);
        assert_eq!(o.ranges, ["1.24–1.45", "1.24–1.44"]);
        let differ: Vec<&str> = o.differ().iter().map(|r| r.endpoint.as_str()).collect();
        assert_eq!(differ, ["config.list", "secret.update", "system.ping"]);
        assert_eq!(o.alike(), [(&Mark::Works, vec!["container.list"])]);
        assert_eq!(
            o.differences,
            [
                Difference {
                    marks: "docker-26.1: works; podman-5.8: lacks it (unsupported)".into(),
                    endpoints: vec!["config.list".into(), "secret.update".into()],
                },
                Difference {
                    marks: "podman-5.8: works; docker-26.1: lacks it (unsupported)".into(),
                    endpoints: vec!["system.ping".into()],
                },
            ]
        );
        assert_eq!(o.rows[0].marks.iter().map(Mark::text).collect::<Vec<_>>(), ["✓", "✗ unsupported"]);
    }
}

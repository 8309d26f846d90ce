//! Where the daemon and the spec disagree: the conformance findings of a run (see [`crate::model::Conformance`])
//! grouped per endpoint into drift rows, so that one systematic difference is one row with the API versions it
//! occurs at (`container.inspect 1.25–1.37: /ExecIDs wrong-type (array, the spec says string), spec erratum
//! exec-ids-string`), and the rows of several runs side by side, one column per daemon.
//!
//! A row is one endpoint's findings of one kind at one place (array indices folded into `*`, see
//! [`fold_pointer`]) with one erratum or none; its detail is the findings' own, each for the versions it holds at
//! where it changes with the version (as the spec does). Its versions are
//! collapsed into ranges the way the coverage ranges are: a range runs over the versions whose answers were checked
//! against the spec, and a version passes over (neither ends nor joins a range) when none of its answers was checked
//! (version-rejected, unrouted, no answer) or when the answers that lack the finding had more findings than were
//! kept (it may be among those left out). The unversioned request is a column of its own. Rows are sorted by
//! endpoint, then kind ([`FindingKind::ALL`]), then pointer.
//!
//! Pure: no I/O. Every report format renders what this module computes.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::model::{ApiVersion, FindingKind, MAX_FINDINGS, ProbeOutcome, RequestVersion, RunRecord, fold_pointer};

/// Consecutive checked API versions at which a finding occurs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct VersionSpan {
    /// First version of the range.
    pub first: ApiVersion,
    /// Last version of the range (equal to `first` for a single version).
    pub last: ApiVersion,
}

impl VersionSpan {
    /// `1.25–1.37`, or `1.25`.
    pub fn text(&self) -> String {
        RequestVersion::span(Some(self.first), Some(self.last))
    }
}

/// The API versions at which one finding occurs in one run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Versions {
    /// Whether it occurs in an answer to the unversioned request.
    pub unversioned: bool,
    /// The versioned requests it occurs at, oldest first, consecutive checked versions collapsed.
    pub ranges: Vec<VersionSpan>,
}

impl Versions {
    /// Whether the finding occurs anywhere.
    pub fn any(&self) -> bool {
        self.unversioned || !self.ranges.is_empty()
    }

    /// The parts: `unversioned`, `1.12–1.31`, `1.38–1.39`.
    pub fn parts(&self) -> Vec<String> {
        let unversioned = self.unversioned.then(|| RequestVersion::UNVERSIONED.to_string());
        unversioned.into_iter().chain(self.ranges.iter().map(VersionSpan::text)).collect()
    }

    /// The parts joined by `sep`.
    pub fn text(&self, sep: &str) -> String {
        self.parts().join(sep)
    }
}

/// One systematic difference between a run's answers and the spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DriftRow {
    /// Endpoint id (`container.inspect`).
    pub endpoint: String,
    /// What kind of difference.
    pub kind: FindingKind,
    /// Where, as a JSON pointer with array indices folded into `*` (`/*/VirtualSize`); empty for the whole body or
    /// the status.
    pub pointer: String,
    /// The known mistake of the spec the findings agree with, if any (an id of `matrices/spec-errata.yaml`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub erratum: Option<String>,
    /// What was found (`array, the spec says string`); empty when the findings have no detail. Where the detail
    /// changes with the version (the spec of 1.21–1.38 says array, of 1.39 on object), each for the versions it
    /// holds at: `null, the spec says array at 1.21–1.38; object at 1.39–1.51`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
    /// Where it occurs.
    pub versions: Versions,
}

impl DriftRow {
    /// What differs, without the endpoint and versions: `/ExecIDs wrong-type (array, the spec says string)`,
    /// `undocumented-status (503; the spec lists 200, 500)`.
    pub fn finding(&self) -> String {
        finding_text(&self.pointer, self.kind, &self.detail)
    }

    /// `spec erratum exec-ids-string`, when the row agrees with a known mistake of the spec.
    pub fn erratum_text(&self) -> Option<String> {
        erratum_text(self.erratum.as_deref())
    }

    /// The row as one line: `container.inspect 1.25–1.37: /ExecIDs wrong-type (array, the spec says string), spec
    /// erratum exec-ids-string`.
    pub fn line(&self) -> String {
        line_text(&self.endpoint, &self.versions.text(", "), &self.finding(), self.erratum.as_deref())
    }

    fn key(&self) -> RowKey {
        RowKey::new(&self.endpoint, self.kind, &self.pointer, self.erratum.as_deref())
    }
}

/// Details that differ by version, each with the versions it holds at, the words they begin with said once (up to
/// `says ` or `lists `): `null, the spec says array at 1.21–1.38; object at 1.39–1.51`.
fn by_version<'a>(details: impl Iterator<Item = (&'a str, Versions)>) -> String {
    let details: Vec<(&str, Versions)> = details.collect();
    let first = details.first().map_or("", |(d, _)| *d);
    let common = details
        .iter()
        .fold(first.len(), |n, (d, _)| first.bytes().zip(d.bytes()).take(n).take_while(|(a, b)| a == b).count());
    let shared = &first[..common];
    let cut = ["says ", "lists "].iter().filter_map(|w| shared.rfind(w).map(|i| i + w.len())).max().unwrap_or(0);
    let parts: Vec<String> = details.iter().map(|(d, v)| format!("{} at {}", &d[cut..], v.text(", "))).collect();
    format!("{}{}", &first[..cut], parts.join("; "))
}

/// `spec erratum exec-ids-string`.
fn erratum_text(erratum: Option<&str>) -> Option<String> {
    erratum.map(|e| format!("spec erratum {e}"))
}

/// `container.inspect 1.25–1.37: /ExecIDs wrong-type (...), spec erratum exec-ids-string`.
fn line_text(endpoint: &str, versions: &str, finding: &str, erratum: Option<&str>) -> String {
    match erratum_text(erratum) {
        Some(e) => format!("{endpoint} {versions}: {finding}, {e}"),
        None => format!("{endpoint} {versions}: {finding}"),
    }
}

/// `/ExecIDs wrong-type (array, the spec says string)`: the pointer (left out when empty), the kind, the detail.
fn finding_text(pointer: &str, kind: FindingKind, detail: &str) -> String {
    let mut s = if pointer.is_empty() { kind.to_string() } else { format!("{pointer} {kind}") };
    if !detail.is_empty() {
        s.push_str(&format!(" ({detail})"));
    }
    s
}

/// The order rows are kept in: endpoint, kind in [`FindingKind::ALL`] order, pointer, erratum (none first).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct RowKey {
    endpoint: String,
    kind: usize,
    pointer: String,
    erratum: Option<String>,
}

impl RowKey {
    fn new(endpoint: &str, kind: FindingKind, pointer: &str, erratum: Option<&str>) -> Self {
        RowKey {
            endpoint: endpoint.to_string(),
            kind: FindingKind::ALL.iter().position(|k| *k == kind).unwrap_or(FindingKind::ALL.len()),
            pointer: pointer.to_string(),
            erratum: erratum.map(str::to_string),
        }
    }
}

/// Versions checked against a spec other than their own: the run of request versions, and the spec used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Approximation {
    /// The request versions (consecutive among those checked).
    pub asked: VersionSpan,
    /// The spec version their answers were checked against.
    pub spec: ApiVersion,
}

/// One run's drift from the spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Drift {
    /// The run's target name (`docker-20.10`).
    pub target: String,
    /// Answers checked against the spec (probes with `conformance`).
    pub checked: usize,
    /// Endpoints with at least one checked answer.
    #[serde(skip)]
    pub checked_endpoints: BTreeSet<String>,
    /// Answers that had more findings than the [`MAX_FINDINGS`] kept.
    pub cut: usize,
    /// Findings left out of those answers, in all.
    pub left_out: u64,
    /// Versioned requests checked against the nearest spec because their own version has none.
    pub approximated: Vec<Approximation>,
    /// Every row, every kind, sorted.
    pub rows: Vec<DriftRow>,
}

/// What one (endpoint, version) pair says of findings: whether an answer was checked in full (every finding kept).
#[derive(Default)]
struct Checked {
    whole: bool,
}

/// Each detail of a row's findings, in the order first seen, with the versions it occurs at.
type DetailsAt = Vec<(String, BTreeSet<Option<ApiVersion>>)>;

/// A run's drift computed probe by probe, in run order (the run's sorted order: a row's detail is its first
/// finding's), so that a run whose probes are read back one at a time never holds them all: [`Drift::of`] is a tally
/// of every probe of a run.
#[derive(Default)]
pub struct DriftTally {
    /// (endpoint, version) → checked.
    checked: BTreeMap<(String, Option<ApiVersion>), Checked>,
    /// Row → (kind, each detail in the order first seen with the versions it occurs at).
    found: BTreeMap<RowKey, (FindingKind, DetailsAt)>,
    approximate: BTreeMap<ApiVersion, ApiVersion>,
    count: usize,
    cut: usize,
    left_out: u64,
}

impl DriftTally {
    /// Counts the findings of `p`, if its answer was checked.
    pub fn add(&mut self, p: &ProbeOutcome) {
        let Some(c) = &p.conformance else { return };
        self.count += 1;
        if c.more > 0 {
            self.cut += 1;
            self.left_out += c.more;
        }
        if let (Some(asked), true) = (p.api_version, c.approximate) {
            self.approximate.insert(asked, c.spec);
        }
        self.checked.entry((p.endpoint.clone(), p.api_version)).or_default().whole |= c.more == 0;
        for f in &c.findings {
            let pointer = fold_pointer(&f.pointer);
            let key = RowKey::new(&p.endpoint, f.kind, &pointer, f.erratum.as_deref());
            let (_, details) = self.found.entry(key).or_insert_with(|| (f.kind, Vec::new()));
            match details.iter_mut().find(|(d, _)| *d == f.detail) {
                Some((_, at)) => {
                    at.insert(p.api_version);
                }
                None => details.push((f.detail.clone(), BTreeSet::from([p.api_version]))),
            }
        }
    }

    /// The drift of the probes counted, of the run whose target is `target`.
    pub fn finish(self, target: &str) -> Drift {
        let DriftTally { checked, found, approximate, count, cut, left_out } = self;
        // A version where a finding does not occur ends its range only if an answer there was checked in full.
        let mut whole_at: BTreeMap<&str, Vec<(ApiVersion, bool)>> = BTreeMap::new();
        for ((endpoint, version), c) in &checked {
            if let Some(v) = version {
                whole_at.entry(endpoint).or_default().push((*v, c.whole));
            }
        }
        let rows = found
            .into_iter()
            .map(|(key, (kind, mut details))| {
                // Oldest first: by the first version each detail holds at, the unversioned request's alone last.
                details.sort_by_key(|(_, at)| {
                    let first = at.iter().flatten().next().copied();
                    (first.is_none(), first)
                });
                let whole = whole_at.get(key.endpoint.as_str()).map_or(&[][..], Vec::as_slice);
                let versions_of = |at: &BTreeSet<Option<ApiVersion>>| Versions {
                    unversioned: at.contains(&None),
                    ranges: ranges(whole, at),
                };
                let at: BTreeSet<Option<ApiVersion>> = details.iter().flat_map(|(_, at)| at.iter().copied()).collect();
                let detail = match details.as_slice() {
                    [(one, _)] => one.clone(),
                    several => by_version(several.iter().map(|(d, at)| (d.as_str(), versions_of(at)))),
                };
                let versions = versions_of(&at);
                DriftRow { endpoint: key.endpoint, kind, pointer: key.pointer, erratum: key.erratum, detail, versions }
            })
            .collect();
        let mut approximated: Vec<Approximation> = Vec::new();
        for (asked, spec) in approximate {
            match approximated.last_mut() {
                Some(a) if a.spec == spec && a.asked.last.next() == asked => a.asked.last = asked,
                _ => approximated.push(Approximation { asked: VersionSpan { first: asked, last: asked }, spec }),
            }
        }
        Drift {
            target: target.to_string(),
            checked: count,
            checked_endpoints: checked.keys().map(|(e, _)| e.clone()).collect(),
            cut,
            left_out,
            approximated,
            rows,
        }
    }
}

impl Drift {
    /// Whether any probe of `run` was checked against the spec (runs made before the check, or with it off, were
    /// not, and their reports carry no drift).
    pub fn has_conformance(run: &RunRecord) -> bool {
        run.probes.iter().any(|p| p.conformance.is_some())
    }

    /// The drift of `run`.
    pub fn of(run: &RunRecord) -> Self {
        let mut tally = DriftTally::default();
        run.probes.iter().for_each(|p| tally.add(p));
        tally.finish(&run.daemon.name)
    }

    /// The rows a report lists, errata after the others (each part in row order); `null` rows only when
    /// `with_null` (the default sections count them instead, see [`Drift::null_fields`]).
    pub fn listed(&self, with_null: bool) -> Vec<&DriftRow> {
        let wanted = |r: &&DriftRow| with_null || r.kind != FindingKind::Null;
        let plain = self.rows.iter().filter(wanted).filter(|r| r.erratum.is_none());
        plain.chain(self.rows.iter().filter(wanted).filter(|r| r.erratum.is_some())).collect()
    }

    /// How many fields are `null` where the spec does not mark them nullable: the `null` rows (one per endpoint
    /// and folded pointer).
    pub fn null_fields(&self) -> usize {
        self.rows.iter().filter(|r| r.kind == FindingKind::Null).count()
    }

    /// `Where docker-20.10 and the spec disagree`.
    pub fn title(&self) -> String {
        format!("Where {} and the spec disagree", self.target)
    }

    /// `64 differences on 35 endpoints (2 spec errata), in 2055 answers checked against the spec of their API
    /// version`, counting the rows [`Drift::listed`] gives.
    pub fn summary(&self, with_null: bool) -> String {
        let listed = self.listed(with_null);
        let rows = listed.iter().map(|r| (r.endpoint.as_str(), r.erratum.is_some()));
        format!("{}, in {} answers checked against the spec of their API version", counts(rows), self.checked)
    }

    /// The lines every format puts under the rows: the `null` count (when they are not listed), the findings left
    /// out, the versions checked against another version's spec.
    pub fn notes(&self, with_null: bool) -> Vec<String> {
        let mut notes = Vec::new();
        if !with_null {
            notes.extend(null_line(self.null_fields()));
        }
        notes.extend(cut_line(self.cut, self.left_out));
        notes.extend(approximated_line(&self.approximated));
        notes
    }
}

/// `64 differences on 35 endpoints (2 spec errata)`, of rows given as (endpoint, whether an erratum); `no
/// difference` when there are none.
fn counts<'a>(rows: impl Iterator<Item = (&'a str, bool)>) -> String {
    let (mut n, mut endpoints, mut errata) = (0, BTreeSet::new(), 0);
    for (endpoint, erratum) in rows {
        n += 1;
        endpoints.insert(endpoint);
        errata += usize::from(erratum);
    }
    if n == 0 {
        return "no difference".into();
    }
    let errata = match errata {
        0 => String::new(),
        1 => " (1 of them a spec erratum)".to_string(),
        n => format!(" ({n} of them spec errata)"),
    };
    format!(
        "{} on {}{errata}",
        plural(n, "difference", "differences"),
        plural(endpoints.len(), "endpoint", "endpoints")
    )
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The command that lists every drift row, `null` ones too.
pub const LIST_ALL: &str = "dockmatrix report --conformance RUN.json";

/// `412 fields are null where the spec does not mark them nullable (...): dockmatrix report --conformance RUN.json
/// lists them`; nothing when there are none.
pub fn null_line(n: usize) -> Option<String> {
    let (are, them) = if n == 1 { ("field is", "it") } else { ("fields are", "them") };
    (n > 0).then(|| {
        format!(
            "{n} {are} null where the spec does not mark {} nullable (Go writes empty slices and maps as null): \
             {LIST_ALL} lists {them}",
            if n == 1 { "it" } else { "them" }
        )
    })
}

/// `51 answers had more than 20 findings: 929 more are left out of run.json and of these rows`; nothing when none
/// had.
pub fn cut_line(cut: usize, left_out: u64) -> Option<String> {
    (cut > 0).then(|| {
        format!(
            "{} more than {MAX_FINDINGS} findings: {left_out} more {} left out of run.json and of these rows",
            plural(cut, "answer had", "answers had"),
            if left_out == 1 { "is" } else { "are" }
        )
    })
}

/// `Answers at 1.12–1.24 were checked against the 1.25 spec and at 1.52 against the 1.51 spec, the nearest there
/// are`; nothing when every checked version had a spec of its own.
pub fn approximated_line(approximated: &[Approximation]) -> Option<String> {
    let (first, rest) = approximated.split_first()?;
    let mut line = format!("Answers at {} were checked against the {} spec", first.asked.text(), first.spec);
    for (i, a) in rest.iter().enumerate() {
        line.push_str(if i + 1 == rest.len() { " and" } else { "," });
        line.push_str(&format!(" at {} against the {} spec", a.asked.text(), a.spec));
    }
    line.push_str(if rest.is_empty() { ", the nearest there is" } else { ", the nearest there are" });
    Some(line)
}

/// The ranges of the versions in `at` over the endpoint's checked versions `whole_at` (each with whether an answer
/// there was checked in full): a version the finding occurs at extends the open range or starts one; a version it
/// does not occur at ends the open range only when an answer there was checked in full.
fn ranges(whole_at: &[(ApiVersion, bool)], at: &BTreeSet<Option<ApiVersion>>) -> Vec<VersionSpan> {
    let mut out: Vec<VersionSpan> = Vec::new();
    let mut open = false;
    for (v, whole) in whole_at {
        if at.contains(&Some(*v)) {
            match out.last_mut() {
                Some(r) if open => r.last = *v,
                _ => out.push(VersionSpan { first: *v, last: *v }),
            }
            open = true;
        } else if *whole {
            open = false;
        }
    }
    out
}

/// A daemon of the side-by-side drift, with what its run says beside the rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DriftColumn {
    /// The run's target name.
    pub name: String,
    /// Answers checked against the spec (0: the run was not checked).
    pub checked: usize,
    /// `null` rows of this run.
    pub null_fields: usize,
    /// Answers that had more findings than were kept.
    pub cut: usize,
    /// Findings left out of those answers.
    pub left_out: u64,
    /// Versioned requests checked against the nearest spec because their own version has none.
    pub approximated: Vec<Approximation>,
}

/// One systematic difference across several daemons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DriftMatrixRow {
    /// Endpoint id.
    pub endpoint: String,
    /// What kind of difference.
    pub kind: FindingKind,
    /// Where (array indices folded); empty for the whole body or the status.
    pub pointer: String,
    /// The known mistake of the spec the findings agree with, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub erratum: Option<String>,
    /// The detail of the first daemon's first finding, as the example.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
    /// One cell per column.
    pub cells: Vec<DriftCell>,
}

impl DriftMatrixRow {
    /// What differs, without the endpoint and versions (see [`DriftRow::finding`]).
    pub fn finding(&self) -> String {
        finding_text(&self.pointer, self.kind, &self.detail)
    }

    /// `spec erratum exec-ids-string`, when the row agrees with a known mistake of the spec.
    pub fn erratum_text(&self) -> Option<String> {
        erratum_text(self.erratum.as_deref())
    }

    /// Where, for a table cell: the pointer, `the status` for a status the spec does not list, `the content type`
    /// for a media type it does not give, `the body` for an empty pointer of another kind.
    pub fn place(&self) -> &str {
        match (self.pointer.as_str(), self.kind) {
            ("", FindingKind::UndocumentedStatus) => "the status",
            ("", FindingKind::ContentType) => "the content type",
            ("", _) => "the body",
            (p, _) => p,
        }
    }

    /// The row as one line with the versions of `column`: `container.inspect 1.25–1.37: /ExecIDs wrong-type (array,
    /// the spec says string), spec erratum exec-ids-string`.
    pub fn line(&self, column: usize) -> String {
        let versions = self.cells.get(column).map_or_else(String::new, |c| c.text(", "));
        line_text(&self.endpoint, &versions, &self.finding(), self.erratum.as_deref())
    }
}

/// What one daemon's run says of one row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DriftCell {
    /// Whether any answer of the endpoint was checked against the spec in that run.
    pub checked: bool,
    /// Where the finding occurs (nowhere: the daemon agrees with the spec there, when `checked`).
    #[serde(flatten)]
    pub versions: Versions,
}

impl DriftCell {
    /// The versions joined by `sep`; empty where the daemon agrees with the spec, [`NOT_CHECKED`] where none of its
    /// answers of the endpoint was checked.
    pub fn text(&self, sep: &str) -> String {
        if !self.checked && !self.versions.any() { NOT_CHECKED.to_string() } else { self.versions.text(sep) }
    }
}

/// What a side-by-side cell says when the daemon's run checked no answer of the endpoint.
pub const NOT_CHECKED: &str = "not checked";

/// The drift of several runs side by side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DriftMatrix {
    /// One column per run, in the order the runs were given.
    pub columns: Vec<DriftColumn>,
    /// One row per difference any run shows, sorted as a run's rows are.
    pub rows: Vec<DriftMatrixRow>,
}

/// The note under the side-by-side drift.
pub const MATRIX_NOTE: &str = "Each cell lists the API versions at which that daemon's answers differ from the spec \
of their API version; blank: its answers agree with the spec there; not checked: none of its answers of the \
endpoint was checked.";

impl DriftMatrix {
    /// The side-by-side drift of `runs`; `null` rows only when `with_null`.
    pub fn of(runs: &[RunRecord], with_null: bool) -> Self {
        let drifts: Vec<Drift> = runs.iter().map(Drift::of).collect();
        Self::of_drifts(&drifts.iter().collect::<Vec<_>>(), with_null)
    }

    /// The side-by-side drift of runs' drifts, in their order.
    pub fn of_drifts(drifts: &[&Drift], with_null: bool) -> Self {
        let mut rows: BTreeMap<RowKey, DriftMatrixRow> = BTreeMap::new();
        for (i, d) in drifts.iter().enumerate() {
            for r in d.rows.iter().filter(|r| with_null || r.kind != FindingKind::Null) {
                let row = rows.entry(r.key()).or_insert_with(|| DriftMatrixRow {
                    endpoint: r.endpoint.clone(),
                    kind: r.kind,
                    pointer: r.pointer.clone(),
                    erratum: r.erratum.clone(),
                    detail: r.detail.clone(),
                    cells: drifts
                        .iter()
                        .map(|d| DriftCell { checked: d.checked_endpoints.contains(&r.endpoint), ..Default::default() })
                        .collect(),
                });
                row.cells[i].versions = r.versions.clone();
            }
        }
        let (errata, plain): (Vec<_>, Vec<_>) = rows.into_values().partition(|r| r.erratum.is_some());
        DriftMatrix {
            columns: drifts
                .iter()
                .map(|d| DriftColumn {
                    name: d.target.clone(),
                    checked: d.checked,
                    null_fields: d.null_fields(),
                    cut: d.cut,
                    left_out: d.left_out,
                    approximated: d.approximated.clone(),
                })
                .collect(),
            rows: plain.into_iter().chain(errata).collect(),
        }
    }

    /// The title of several daemons' drift.
    pub const TITLE: &'static str = "Where the daemons and the spec disagree";

    /// `180 differences on 60 endpoints (3 spec errata) across docker-20.10, podman-4.3`.
    pub fn summary(&self) -> String {
        let names: Vec<&str> = self.columns.iter().map(|c| c.name.as_str()).collect();
        let rows = self.rows.iter().map(|r| (r.endpoint.as_str(), r.erratum.is_some()));
        format!("{} across {}", counts(rows), names.join(", "))
    }

    /// The lines under the rows, per daemon: not checked at all, the `null` count (when `null` rows are not
    /// listed), the findings left out.
    pub fn notes(&self, with_null: bool) -> Vec<String> {
        let mut notes = vec![MATRIX_NOTE.to_string()];
        for c in &self.columns {
            if c.checked == 0 {
                notes.push(format!("{}: no answer was checked against the spec (a run made before the check)", c.name));
                continue;
            }
            let mut lines: Vec<String> = Vec::new();
            if !with_null {
                lines.extend(null_line(c.null_fields));
            }
            lines.extend(cut_line(c.cut, c.left_out));
            lines.extend(approximated_line(&c.approximated));
            notes.extend(lines.into_iter().map(|l| format!("{}: {l}", c.name)));
        }
        notes
    }
}

/// What a report shows of its runs' drift: one run's rows with their versions, or several runs side by side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriftSection {
    /// `Where docker-20.10 and the spec disagree`, or [`DriftMatrix::TITLE`].
    pub title: String,
    /// How many differences on how many endpoints (see [`Drift::summary`], [`DriftMatrix::summary`]).
    pub summary: String,
    /// The header of each versions column: `API versions` for one run, else the daemons' names.
    pub columns: Vec<String>,
    /// The rows, errata after the others; one cell per run.
    pub matrix: DriftMatrix,
    /// The lines under the rows.
    pub notes: Vec<String>,
}

impl DriftSection {
    /// The drift section of `runs`; `None` when no probe of theirs was checked against the spec (runs from before
    /// the check render as they did). `null` rows are listed only when `with_null`, and counted otherwise.
    pub fn of(runs: &[RunRecord], with_null: bool) -> Option<Self> {
        if !runs.iter().any(Drift::has_conformance) {
            return None;
        }
        let drifts: Vec<Drift> = runs.iter().map(Drift::of).collect();
        Self::of_drifts(&drifts.iter().collect::<Vec<_>>(), with_null)
    }

    /// The drift section of runs' drifts, in their order (see [`DriftSection::of`]); `None` when none of them was
    /// checked against the spec.
    pub fn of_drifts(drifts: &[&Drift], with_null: bool) -> Option<Self> {
        if drifts.iter().all(|d| d.checked == 0) {
            return None;
        }
        let matrix = DriftMatrix::of_drifts(drifts, with_null);
        Some(match drifts {
            [d] => DriftSection {
                title: d.title(),
                summary: d.summary(with_null),
                columns: vec!["API versions".into()],
                notes: d.notes(with_null),
                matrix,
            },
            _ => DriftSection {
                title: DriftMatrix::TITLE.into(),
                summary: matrix.summary(),
                columns: matrix.columns.iter().map(|c| c.name.clone()).collect(),
                notes: matrix.notes(with_null),
                matrix,
            },
        })
    }

    /// Whether it shows several runs side by side.
    pub fn several(&self) -> bool {
        self.matrix.columns.len() > 1
    }

    /// `title: summary`.
    pub fn headline(&self) -> String {
        format!("{}: {}", self.title, self.summary)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{Conformance, Finding, ProbeOutcome};
    use crate::report::sections::coverage::tests::fixture;
    use crate::report::synthetic::{add_endpoint, v};

    /// A finding.
    pub(crate) fn finding(kind: FindingKind, pointer: &str, detail: &str, erratum: Option<&str>) -> Finding {
        Finding { kind, pointer: pointer.into(), detail: detail.into(), erratum: erratum.map(str::to_string) }
    }

    /// Sets the conformance of `endpoint`'s answers at the minor versions `minors` (`None`: the unversioned one)
    /// to `findings`, checked against their own version's spec.
    pub(crate) fn check(run: &mut RunRecord, endpoint: &str, minors: &[Option<u16>], findings: &[Finding]) {
        for p in run.probes.iter_mut().filter(|p| p.endpoint == endpoint) {
            if minors.contains(&p.api_version.map(|a| a.minor)) {
                let spec = p.api_version.unwrap_or(v(41));
                p.conformance = Some(Conformance {
                    spec,
                    approximate: p.api_version.is_none(),
                    findings: findings.to_vec(),
                    more: 0,
                });
            }
        }
    }

    fn minors(r: std::ops::RangeInclusive<u16>) -> Vec<Option<u16>> {
        r.map(Some).collect()
    }

    /// The fixture (one real row: swarm.inspect's 503 at 1.24–1.26) with `container.inspect` and `image.list`
    /// answering as `system.ping` does, and findings of each kind on them.
    pub(crate) fn drifting() -> RunRecord {
        let mut run = fixture();
        add_endpoint(&mut run, "system.ping", "container.inspect", crate::model::Method::Get, "/containers/{id}/json");
        add_endpoint(&mut run, "system.ping", "image.list", crate::model::Method::Get, "/images/json");
        let exec_ids =
            finding(FindingKind::WrongType, "/ExecIDs", "array, the spec says string", Some("exec-ids-string"));
        let null_mounts = finding(FindingKind::Null, "/Mounts", "null, the spec says array", None);
        let state = finding(FindingKind::MissingRequired, "/State/Health", "", None);
        check(&mut run, "container.inspect", &minors(12..=24), &[exec_ids.clone(), null_mounts.clone()]);
        check(&mut run, "container.inspect", &minors(25..=37), &[exec_ids, null_mounts.clone(), state.clone()]);
        check(&mut run, "container.inspect", &minors(38..=41), &[null_mounts]);
        check(&mut run, "container.inspect", &[None], &[state]);
        let virtual_size = |i: usize| finding(FindingKind::Undocumented, &format!("/{i}/VirtualSize"), "", None);
        check(&mut run, "image.list", &minors(12..=33), &[]);
        check(&mut run, "image.list", &minors(34..=39), &[virtual_size(0), virtual_size(3)]);
        check(&mut run, "image.list", &minors(40..=41), &[virtual_size(1)]);
        run
    }

    fn lines_of(d: &Drift, with_null: bool) -> Vec<String> {
        d.listed(with_null).iter().map(|r| r.line()).collect()
    }

    #[test]
    fn one_systematic_difference_is_one_row_with_its_version_ranges() {
        let d = Drift::of(&drifting());
        assert_eq!(
            lines_of(&d, true),
            [
                "container.inspect unversioned, 1.25–1.37: /State/Health missing-required",
                "container.inspect 1.12–1.41: /Mounts null (null, the spec says array)",
                "exec.start unversioned, 1.15–1.41: undocumented-status (101; the spec lists 200, 404, 409)",
                "image.list 1.34–1.41: /*/VirtualSize undocumented",
                "swarm.inspect 1.24–1.26: undocumented-status (503; the spec lists 200, 500)",
                "container.inspect 1.12–1.37: /ExecIDs wrong-type (array, the spec says string), spec erratum \
                 exec-ids-string",
            ]
        );
        assert_eq!(
            d.checked_endpoints.iter().map(String::as_str).collect::<Vec<_>>(),
            [
                "container.attach",
                "container.inspect",
                "exec.start",
                "image.list",
                "swarm.inspect",
                "system.ping",
                "system.ping.head"
            ]
        );
    }

    #[test]
    fn rows_sort_by_endpoint_then_kind_order_then_pointer() {
        let mut run = fixture();
        let kinds = [
            finding(FindingKind::UndocumentedStatus, "", "", None),
            finding(FindingKind::NotJson, "", "", None),
            finding(FindingKind::Undocumented, "/b", "", None),
            finding(FindingKind::Undocumented, "/a", "", None),
            finding(FindingKind::Null, "/z", "", None),
            finding(FindingKind::WrongType, "/y", "", None),
            finding(FindingKind::MissingRequired, "/x", "", None),
        ];
        check(&mut run, "system.ping", &[Some(30)], &kinds);
        let d = Drift::of(&run);
        let order: Vec<(&str, FindingKind, &str)> =
            d.rows.iter().map(|r| (r.endpoint.as_str(), r.kind, r.pointer.as_str())).collect();
        assert_eq!(
            order,
            [
                ("exec.start", FindingKind::UndocumentedStatus, ""),
                ("swarm.inspect", FindingKind::UndocumentedStatus, ""),
                ("system.ping", FindingKind::MissingRequired, "/x"),
                ("system.ping", FindingKind::WrongType, "/y"),
                ("system.ping", FindingKind::Null, "/z"),
                ("system.ping", FindingKind::Undocumented, "/a"),
                ("system.ping", FindingKind::Undocumented, "/b"),
                ("system.ping", FindingKind::NotJson, ""),
                ("system.ping", FindingKind::UndocumentedStatus, ""),
            ]
        );
    }

    #[test]
    fn a_version_without_the_finding_ends_the_range_only_when_it_was_checked_in_full() {
        let mut run = fixture();
        let f = finding(FindingKind::Undocumented, "/Extra", "", None);
        check(&mut run, "system.ping", &minors(12..=20), std::slice::from_ref(&f));
        check(&mut run, "system.ping", &minors(21..=21), &[]);
        check(&mut run, "system.ping", &minors(22..=30), std::slice::from_ref(&f));
        // 1.31: checked, but findings were left out (this one may be among them): passed over.
        check(&mut run, "system.ping", &minors(31..=31), &[]);
        for p in run.probes.iter_mut().filter(|p| p.endpoint == "system.ping" && p.api_version == Some(v(31))) {
            p.conformance.as_mut().expect("checked").more = 3;
        }
        // 1.32: not checked at all (an error, say): passed over too.
        for p in run.probes.iter_mut().filter(|p| p.endpoint == "system.ping" && p.api_version == Some(v(32))) {
            p.conformance = None;
        }
        check(&mut run, "system.ping", &minors(33..=35), &[f]);
        let row = |run: &RunRecord| {
            Drift::of(run).rows.into_iter().find(|r| r.endpoint == "system.ping").expect("a row").versions.text(", ")
        };
        assert_eq!(row(&run), "1.12–1.20, 1.22–1.35");
        // Checked in full without the finding, 1.32 ends the range.
        check(&mut run, "system.ping", &minors(32..=32), &[]);
        assert_eq!(row(&run), "1.12–1.20, 1.22–1.30, 1.33–1.35");
        let d = Drift::of(&run);
        assert_eq!((d.cut, d.left_out), (1, 3));
        assert_eq!(
            d.notes(false)[0],
            format!(
                "1 answer had more than {MAX_FINDINGS} findings: 3 more are left out of run.json and of these rows"
            )
        );
    }

    #[test]
    fn several_requests_at_one_version_count_once_and_each_detail_says_where_it_holds() {
        let mut run = fixture();
        let mut second =
            run.probes.iter().find(|p| p.endpoint == "system.ping" && p.api_version == Some(v(30))).cloned();
        if let Some(p) = second.as_mut() {
            p.request.push_str("?second=1");
        }
        run.probes.extend(second);
        run.sort();
        check(&mut run, "system.ping", &minors(29..=31), &[finding(FindingKind::WrongType, "/0/A", "integer", None)]);
        // The second request at 1.30 disagrees differently, and without this finding: 1.30 still has it.
        let at_30: Vec<&mut ProbeOutcome> =
            run.probes.iter_mut().filter(|p| p.endpoint == "system.ping" && p.api_version == Some(v(30))).collect();
        assert_eq!(at_30.len(), 2);
        if let Some(p) = at_30.into_iter().last() {
            p.conformance.as_mut().expect("checked").findings =
                vec![finding(FindingKind::WrongType, "/1/A", "string", None)];
        }
        let d = Drift::of(&run);
        let row = d.rows.iter().find(|r| r.endpoint == "system.ping").expect("one row for /*/A");
        assert_eq!(
            (row.versions.text(", "), row.detail.as_str()),
            ("1.29–1.31".into(), "integer at 1.29–1.31; string at 1.30")
        );
        assert_eq!(d.rows.iter().filter(|r| r.endpoint == "system.ping").count(), 1);
    }

    #[test]
    fn a_detail_that_changes_with_the_spec_is_given_for_the_versions_it_holds_at() {
        let mut run = fixture();
        let null =
            |says: &str| finding(FindingKind::Null, "/IPAM/Options", &format!("null, the spec says {says}"), None);
        check(&mut run, "system.ping", &minors(29..=33), &[null("array")]);
        check(&mut run, "system.ping", &minors(34..=36), &[null("object")]);
        let d = Drift::of(&run);
        let row = d.rows.iter().find(|r| r.endpoint == "system.ping").expect("one row for /IPAM/Options");
        assert_eq!(row.versions.text(", "), "1.29–1.36");
        assert_eq!(row.detail, "null, the spec says array at 1.29–1.33; object at 1.34–1.36");
        let statuses = [("200; the spec lists 201, 409, 500", 29..=30), ("200; the spec lists 201, 406", 31..=31)];
        for (detail, at) in statuses {
            check(&mut run, "system.ping", &minors(at), &[finding(FindingKind::UndocumentedStatus, "", detail, None)]);
        }
        let d = Drift::of(&run);
        let row = d.rows.iter().find(|r| r.kind == FindingKind::UndocumentedStatus && r.endpoint == "system.ping");
        assert_eq!(
            row.map(|r| r.detail.as_str()),
            Some("200; the spec lists 201, 409, 500 at 1.29–1.30; 201, 406 at 1.31"),
            "the words said once end at a phrase, not inside the list"
        );
    }

    #[test]
    fn the_default_sections_count_null_rows_and_list_errata_last() {
        let d = Drift::of(&drifting());
        let listed: Vec<(&str, FindingKind)> = d.listed(false).iter().map(|r| (r.endpoint.as_str(), r.kind)).collect();
        assert_eq!(
            listed,
            [
                ("container.inspect", FindingKind::MissingRequired),
                ("exec.start", FindingKind::UndocumentedStatus),
                ("image.list", FindingKind::Undocumented),
                ("swarm.inspect", FindingKind::UndocumentedStatus),
                ("container.inspect", FindingKind::WrongType),
            ]
        );
        assert_eq!(d.null_fields(), 1);
        assert_eq!(
            d.summary(false),
            "5 differences on 4 endpoints (1 of them a spec erratum), in 174 answers checked against the spec of their API \
             version"
        );
        assert_eq!(
            d.summary(true),
            "6 differences on 4 endpoints (1 of them a spec erratum), in 174 answers checked against the spec of their API version"
        );
        // The fixture's real answers below 1.25 were checked against the oldest spec there is.
        let approximated = "Answers at 1.12–1.24 were checked against the 1.25 spec, the nearest there is";
        assert_eq!(
            d.notes(false),
            [
                "1 field is null where the spec does not mark it nullable (Go writes empty slices and maps as null): \
                 dockmatrix report --conformance RUN.json lists it",
                approximated
            ]
        );
        assert_eq!(d.notes(true), [approximated], "listed, null rows are not counted again");
        assert_eq!(
            null_line(412).as_deref(),
            Some(
                "412 fields are null where the spec does not mark them nullable (Go writes empty slices and maps as \
                 null): dockmatrix report --conformance RUN.json lists them"
            )
        );
    }

    #[test]
    fn versions_checked_against_another_spec_are_named() {
        let mut run = fixture();
        for p in run.probes.iter_mut().filter(|p| p.endpoint == "system.ping") {
            let Some(at) = p.api_version else { continue };
            let spec = at.clamp(v(25), v(41));
            p.conformance = Some(Conformance { spec, approximate: spec != at, findings: vec![], more: 0 });
        }
        let d = Drift::of(&run);
        assert_eq!(
            d.approximated,
            [
                Approximation { asked: VersionSpan { first: v(11), last: v(24) }, spec: v(25) },
                Approximation { asked: VersionSpan { first: v(42), last: v(42) }, spec: v(41) },
            ]
        );
        assert_eq!(
            approximated_line(&d.approximated).as_deref(),
            Some(
                "Answers at 1.11–1.24 were checked against the 1.25 spec and at 1.42 against the 1.41 spec, the nearest \
                 there are"
            )
        );
    }

    #[test]
    fn a_run_without_conformance_has_no_drift() {
        let mut run = fixture();
        run.probes.iter_mut().for_each(|p| p.conformance = None);
        assert!(!Drift::has_conformance(&run));
        let d = Drift::of(&run);
        assert_eq!((d.checked, d.rows.len()), (0, 0));
        assert!(Drift::has_conformance(&fixture()));
        assert_eq!(d.summary(false), "no difference, in 0 answers checked against the spec of their API version");
    }

    #[test]
    fn several_runs_sit_side_by_side_with_a_column_each() {
        let docker = drifting();
        let mut podman = drifting();
        podman.daemon.name = "podman-4.3".into();
        let ports = finding(FindingKind::WrongType, "/NetworkSettings/Ports", "array, the spec says object", None);
        check(&mut podman, "container.inspect", &minors(12..=41), &[ports]);
        podman.probes.retain(|p| p.endpoint != "image.list");
        let mut old = fixture();
        old.daemon.name = "docker-19.03".into();
        old.probes.iter_mut().for_each(|p| p.conformance = None);
        let m = DriftMatrix::of(&[docker, podman, old], false);
        let table: Vec<(String, Vec<String>)> = m
            .rows
            .iter()
            .map(|r| (format!("{} {}", r.endpoint, r.finding()), r.cells.iter().map(|c| c.text(", ")).collect()))
            .collect();
        let row = |name: &str, cells: [&str; 3]| (name.to_string(), cells.map(String::from).to_vec());
        assert_eq!(
            table,
            [
                row(
                    "container.inspect /State/Health missing-required",
                    ["unversioned, 1.25–1.37", "unversioned", "not checked"]
                ),
                row(
                    "container.inspect /NetworkSettings/Ports wrong-type (array, the spec says object)",
                    ["", "1.12–1.41", "not checked"]
                ),
                row(
                    "exec.start undocumented-status (101; the spec lists 200, 404, 409)",
                    ["unversioned, 1.15–1.41", "unversioned, 1.15–1.41", "not checked"]
                ),
                row("image.list /*/VirtualSize undocumented", ["1.34–1.41", "not checked", "not checked"]),
                row(
                    "swarm.inspect undocumented-status (503; the spec lists 200, 500)",
                    ["1.24–1.26", "1.24–1.26", "not checked"]
                ),
                row(
                    "container.inspect /ExecIDs wrong-type (array, the spec says string)",
                    ["1.12–1.37", "", "not checked"]
                ),
            ]
        );
        assert_eq!(
            m.rows.last().and_then(DriftMatrixRow::erratum_text).as_deref(),
            Some("spec erratum exec-ids-string")
        );
        assert_eq!(
            m.summary(),
            "6 differences on 4 endpoints (1 of them a spec erratum) across docker-20.10, podman-4.3, docker-19.03"
        );
        let notes = m.notes(false);
        let approximated = "Answers at 1.12–1.24 were checked against the 1.25 spec, the nearest there is";
        assert_eq!(notes[0], MATRIX_NOTE);
        assert!(notes[1].starts_with("docker-20.10: 1 field is null where"), "{notes:?}");
        assert_eq!(
            notes[2..],
            [
                format!("docker-20.10: {approximated}"),
                format!("podman-4.3: {approximated}"),
                "docker-19.03: no answer was checked against the spec (a run made before the check)".into()
            ],
            "podman-4.3's container.inspect has no null field"
        );
        // With null rows listed, the Mounts row joins in kind order and no count is given.
        let all = DriftMatrix::of(&[drifting()], true);
        assert!(all.rows.iter().any(|r| r.kind == FindingKind::Null));
        assert_eq!(all.notes(true), [MATRIX_NOTE.to_string(), format!("docker-20.10: {approximated}")]);
    }

    #[test]
    fn serializes_rows_with_kinds_pointers_and_ranges() {
        let m = DriftMatrix::of(&[drifting()], false);
        let json = serde_json::to_value(&m).expect("json");
        assert_eq!(
            json["rows"][4],
            serde_json::json!({
                "endpoint": "container.inspect", "kind": "wrong-type", "pointer": "/ExecIDs",
                "erratum": "exec-ids-string", "detail": "array, the spec says string",
                "cells": [{"checked": true, "unversioned": false, "ranges": [{"first": "1.12", "last": "1.37"}]}]
            })
        );
        assert_eq!(
            json["columns"][0],
            serde_json::json!({"name": "docker-20.10", "checked": 174, "null_fields": 1, "cut": 0, "left_out": 0,
                "approximated": [{"asked": {"first": "1.12", "last": "1.24"}, "spec": "1.25"}]})
        );
    }

    #[test]
    fn a_section_shows_one_run_by_its_versions_and_several_by_daemon() {
        let mut old = fixture();
        old.probes.iter_mut().for_each(|p| p.conformance = None);
        assert_eq!(DriftSection::of(std::slice::from_ref(&old), false), None, "a run from before the check");
        let one = DriftSection::of(&[drifting()], false).expect("checked");
        assert_eq!(
            (one.title.as_str(), one.columns.as_slice(), one.several()),
            ("Where docker-20.10 and the spec disagree", &["API versions".to_string()][..], false)
        );
        assert_eq!(one.summary, Drift::of(&drifting()).summary(false));
        let lines: Vec<String> = (0..one.matrix.rows.len()).map(|i| one.matrix.rows[i].line(0)).collect();
        assert_eq!(lines, lines_of(&Drift::of(&drifting()), false), "the same lines as the run's own rows");
        let places: Vec<&str> = one.matrix.rows.iter().map(DriftMatrixRow::place).collect();
        assert_eq!(places, ["/State/Health", "the status", "/*/VirtualSize", "the status", "/ExecIDs"]);
        let several = DriftSection::of(&[drifting(), old], true).expect("one run checked");
        assert_eq!((several.title.as_str(), several.several()), (DriftMatrix::TITLE, true));
        assert_eq!(several.columns, ["docker-20.10", "docker-20.10"]);
        assert!(
            several.headline().starts_with("Where the daemons and the spec disagree: 6 differences on 4 endpoints")
        );
    }
}

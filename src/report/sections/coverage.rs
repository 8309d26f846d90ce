//! What every format says about a run: verdict ranges per endpoint, grouped by tag, and the coverage counts.
//!
//! Definitions, shared by every format:
//! - an endpoint is *answered* when at least one of its probes has a verdict other than `skipped` and `error`;
//! - an endpoint is *ok in the whole range* when it was probed at one or more versions between the daemon's
//!   minimum and maximum (inclusive) and every such probe is `ok`. The range is the one the sweep found the daemon
//!   enforcing; when it found nothing, or the daemon does not enforce versions (Podman answers any `/vX.Y`), the
//!   range the daemon advertises stands in. Unversioned probes do not count towards it;
//! - a *range* collapses the API versions an endpoint was probed at, in order, while the verdict stays the same;
//!   versions it was not probed at are passed over, so `1.12–1.41 ok` means ok at every probed version in between.

use std::fmt;

use serde::Serialize;

use crate::model::ApiVersion;
use crate::model::{DaemonInfo, Method, ProbeOutcome, RunRecord, Verdict};

/// Consecutive probed API versions of one endpoint that share a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct VerdictRange {
    /// First version of the range.
    pub first: ApiVersion,
    /// Last version of the range (equal to `first` for a single version).
    pub last: ApiVersion,
    /// The verdict at each probed version of the range.
    pub verdict: Verdict,
}

/// An API version range whose ends may be unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Span {
    /// Lowest version.
    pub min: Option<ApiVersion>,
    /// Highest version.
    pub max: Option<ApiVersion>,
}

impl Span {
    /// `1.12–1.41`, `?–1.41`, or `unknown`.
    pub fn text(&self) -> String {
        let end = |v: Option<ApiVersion>| v.map_or_else(|| "?".to_string(), |v| v.to_string());
        match (self.min, self.max) {
            (None, None) => "unknown".into(),
            (lo, hi) => format!("{}–{}", end(lo), end(hi)),
        }
    }
}

impl VerdictRange {
    /// The versions alone: `1.12–1.41`, or `1.11`.
    pub fn versions(&self) -> String {
        if self.first == self.last { self.first.to_string() } else { format!("{}–{}", self.first, self.last) }
    }
}

impl fmt::Display for VerdictRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.versions(), self.verdict)
    }
}

/// One endpoint of a run and what became of it.
#[derive(Debug, Clone)]
pub struct EndpointCoverage<'a> {
    /// Endpoint id (`container.list`).
    pub id: &'a str,
    /// HTTP method.
    pub method: Method,
    /// Swagger-form path.
    pub path: &'a str,
    /// The verdict of the unversioned request, when one was sent.
    pub unversioned: Option<Verdict>,
    /// Verdicts over the probed API versions, oldest first.
    pub ranges: Vec<VerdictRange>,
    /// See the module docs.
    pub answered: bool,
    /// See the module docs.
    pub ok_in_enforced_range: bool,
    /// Every probe of the endpoint, in run order.
    pub probes: Vec<&'a ProbeOutcome>,
}

impl EndpointCoverage<'_> {
    /// `GET /containers/json`.
    pub fn route(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// The verdict at one API version (`None`: the unversioned request), when it was probed there.
    pub fn verdict_at(&self, version: Option<ApiVersion>) -> Option<Verdict> {
        worst(self.probes.iter().filter(|p| p.api_version == version).map(|p| p.verdict))
    }

    /// The ranges as text, unversioned first: `unversioned ok`, `1.11 version-rejected`, `1.12–1.41 ok`.
    pub fn range_lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = self.unversioned.map(|v| format!("unversioned {v}")).into_iter().collect();
        lines.extend(self.ranges.iter().map(ToString::to_string));
        lines
    }
}

/// The endpoints of one tag.
#[derive(Debug, Clone)]
pub struct TagCoverage<'a> {
    /// The tag (`Container`); `Other` when the probes carry none.
    pub tag: &'a str,
    /// Its endpoints, by id.
    pub endpoints: Vec<EndpointCoverage<'a>>,
}

/// How many endpoints were answered and ok in the whole range (request variants, `image.list[shared-size]`, are
/// rows of the matrix but no endpoints of their own: they are not counted).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Endpoints probed.
    pub total: usize,
    /// Endpoints answered.
    pub answered: usize,
    /// Endpoints ok in the whole range.
    pub ok_in_range: usize,
}

impl Counts {
    fn of<'e, 'a: 'e>(endpoints: impl Iterator<Item = &'e EndpointCoverage<'a>>) -> Self {
        endpoints.filter(|e| crate::matrix::model::split_variant(e.id).is_none()).fold(Counts::default(), |c, e| {
            Counts {
                total: c.total + 1,
                answered: c.answered + usize::from(e.answered),
                ok_in_range: c.ok_in_range + usize::from(e.ok_in_enforced_range),
            }
        })
    }

    /// `87/106 endpoints answered; 84 ok in the whole range`.
    pub fn line(&self) -> String {
        format!("{}/{} endpoints answered; {} ok in the whole range", self.answered, self.total, self.ok_in_range)
    }
}

impl TagCoverage<'_> {
    /// The tag's counts.
    pub fn counts(&self) -> Counts {
        Counts::of(self.endpoints.iter())
    }
}

/// A run seen endpoint by endpoint.
#[derive(Debug, Clone)]
pub struct Coverage<'a> {
    /// The run.
    pub run: &'a RunRecord,
    /// The range the daemon enforces (or, failing that or when it enforces none, advertises), when known.
    pub enforced: Option<(ApiVersion, ApiVersion)>,
    /// Whether `enforced` is what the daemon enforces (`false`: what it advertises).
    pub enforces: bool,
    /// Tags in alphabetical order.
    pub tags: Vec<TagCoverage<'a>>,
}

impl<'a> Coverage<'a> {
    /// Groups the probes of `run`.
    pub fn of(run: &'a RunRecord) -> Self {
        let enforced = enforced_range(&run.daemon);
        let enforces = run.daemon.enforced_min.is_some() && run.daemon.unenforced_note().is_none();
        let mut probes: Vec<&ProbeOutcome> = run.probes.iter().collect();
        probes.sort_by(|a, b| (tag_of(a), &a.endpoint, a.api_version).cmp(&(tag_of(b), &b.endpoint, b.api_version)));
        let mut tags: Vec<TagCoverage<'a>> = Vec::new();
        for chunk in probes.chunk_by(|a, b| a.endpoint == b.endpoint) {
            let endpoint = endpoint_coverage(chunk, enforced);
            let tag = tag_of(chunk[0]);
            match tags.last_mut() {
                Some(t) if t.tag == tag => t.endpoints.push(endpoint),
                _ => tags.push(TagCoverage { tag, endpoints: vec![endpoint] }),
            }
        }
        Coverage { run, enforced, enforces, tags }
    }

    /// Counts over every endpoint of the run.
    pub fn counts(&self) -> Counts {
        Counts::of(self.tags.iter().flat_map(|t| t.endpoints.iter()))
    }

    /// The range as text, with what it is: `1.12–1.41 enforced`, `1.24–1.41 advertised, not enforced`, or
    /// `unknown`.
    pub fn enforced_text(&self) -> String {
        match self.enforced {
            Some((lo, hi)) if self.enforces => format!("{lo}–{hi} enforced"),
            Some((lo, hi)) if self.run.daemon.unenforced_note().is_some() => {
                format!("{lo}–{hi} advertised, not enforced")
            }
            Some((lo, hi)) => format!("{lo}–{hi} advertised"),
            None => "unknown".into(),
        }
    }

    /// Every endpoint, tag by tag.
    pub fn endpoints(&self) -> impl Iterator<Item = &EndpointCoverage<'a>> {
        self.tags.iter().flat_map(|t| t.endpoints.iter())
    }
}

/// `docker-20.10: docker 20.10.24+dfsg1 (linux/amd64) at unix:///var/run/docker.sock`.
pub fn daemon_line(run: &RunRecord) -> String {
    let d = &run.daemon;
    format!("{}: {} {} ({}/{}) at {}", d.name, d.kind.as_str(), d.version, d.os, d.arch, run.host)
}

/// `API enforced 1.12–1.41 (advertised 1.12–1.41)`.
pub fn api_line(run: &RunRecord) -> String {
    let d = &run.daemon;
    let opt = |v: Option<ApiVersion>| v.map_or_else(|| "?".to_string(), |v| v.to_string());
    let enforced = Span { min: d.enforced_min, max: d.enforced_max }.text();
    format!("API enforced {enforced} (advertised {}–{})", opt(d.min_api_version), opt(d.api_version))
}

/// `run 20240611T101500Z-7f3a: 192 probes at 7 API versions in 48.2 s`, flagged when the run did not finish.
pub fn run_line(run: &RunRecord) -> String {
    let incomplete = if run.complete { "" } else { " (INCOMPLETE: interrupted, or the daemon went away)" };
    format!(
        "run {}: {} probes at {} API versions in {}{incomplete}",
        run.run_id,
        run.probes.len(),
        run.api_versions.len(),
        seconds(run.duration_ms),
    )
}

/// `123 ok, 56 version-rejected, 1 incompatible` (verdicts that occur, in report order).
pub fn verdict_line(run: &RunRecord) -> String {
    let parts: Vec<String> =
        run.verdict_counts().into_iter().filter(|(_, n)| *n > 0).map(|(v, n)| format!("{n} {v}")).collect();
    if parts.is_empty() { "no probes".into() } else { parts.join(", ") }
}

/// Milliseconds as seconds with one decimal (`48.2 s`).
pub fn seconds(ms: u64) -> String {
    format!("{}.{} s", ms / 1000, (ms % 1000) / 100)
}

/// The range an endpoint must be ok across: the daemon's enforced range, else (not found, or the daemon answers
/// versions outside what it advertises) its advertised range.
pub fn enforced_range(d: &DaemonInfo) -> Option<(ApiVersion, ApiVersion)> {
    if d.unenforced_note().is_some() {
        return Some((d.min_api_version.or(d.enforced_min)?, d.api_version?));
    }
    let (lo, hi) = d.served();
    Some((lo?, hi?))
}

/// The daemon's maximum API version: the highest it accepted in the sweep, else what it advertises.
pub fn daemon_max(d: &DaemonInfo) -> Option<ApiVersion> {
    d.served().1
}

fn tag_of(p: &ProbeOutcome) -> &str {
    if p.tag.is_empty() { "Other" } else { &p.tag }
}

/// When one version was probed more than once (several requests), the most telling verdict stands for it.
pub fn worst(verdicts: impl Iterator<Item = Verdict>) -> Option<Verdict> {
    fn rank(v: Verdict) -> u8 {
        match v {
            Verdict::Skipped => 0,
            Verdict::Ok => 1,
            Verdict::NotApplicable => 2,
            Verdict::Unenforced => 2,
            Verdict::VersionRejected => 3,
            Verdict::Absent => 4,
            Verdict::Nonconforming => 5,
            Verdict::Error => 6,
            Verdict::Unsupported => 7,
            Verdict::Incompatible => 8,
        }
    }
    verdicts.max_by_key(|v| rank(*v))
}

fn endpoint_coverage<'a>(
    probes: &[&'a ProbeOutcome],
    enforced: Option<(ApiVersion, ApiVersion)>,
) -> EndpointCoverage<'a> {
    let first = probes[0];
    let unversioned = worst(probes.iter().filter(|p| p.api_version.is_none()).map(|p| p.verdict));
    let mut ranges: Vec<VerdictRange> = Vec::new();
    for chunk in probes
        .iter()
        .filter(|p| p.api_version.is_some())
        .collect::<Vec<_>>()
        .chunk_by(|a, b| a.api_version == b.api_version)
    {
        let Some(version) = chunk[0].api_version else { continue };
        let Some(verdict) = worst(chunk.iter().map(|p| p.verdict)) else { continue };
        match ranges.last_mut() {
            Some(r) if r.verdict == verdict => r.last = version,
            _ => ranges.push(VerdictRange { first: version, last: version, verdict }),
        }
    }
    let answered = probes.iter().any(|p| !matches!(p.verdict, Verdict::Skipped | Verdict::Error));
    let ok_in_enforced_range = enforced.is_some_and(|(lo, hi)| {
        let inside: Vec<_> = probes.iter().filter(|p| p.api_version.is_some_and(|v| lo <= v && v <= hi)).collect();
        !inside.is_empty() && inside.iter().all(|p| p.verdict == Verdict::Ok)
    });
    EndpointCoverage {
        id: &first.endpoint,
        method: first.method,
        path: &first.path,
        unversioned,
        ranges,
        answered,
        ok_in_enforced_range,
        probes: probes.to_vec(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The fixed run every format's snapshot is made from.
    pub(crate) fn fixture() -> RunRecord {
        serde_json::from_str(include_str!("../../../tests/fixtures/run-docker-20.10.json")).expect("fixture parses")
    }

    /// A format's writer of a document.
    pub(crate) type Writer =
        fn(&crate::report::document::Document<'_>, &mut dyn std::io::Write) -> Result<(), crate::report::ReportError>;

    /// The built-in matrices.
    pub(crate) fn matrices() -> crate::matrix::Matrices {
        crate::matrix::load::MatrixSources::built_in().load().expect("built-in matrices")
    }

    /// What a format's `write` makes of the document of `runs` (without client outcomes, as the snapshots were
    /// made), as text.
    pub(crate) fn render(write: Writer, runs: &[RunRecord]) -> String {
        let doc = crate::report::document::Document::of(runs, &matrices()).without_clients();
        let mut out = Vec::new();
        write(&doc, &mut out).expect("write to vec");
        String::from_utf8(out).expect("utf8")
    }

    /// What a format's `write_drift` makes of the conformance document of `runs` (`report --conformance`), as text.
    pub(crate) fn render_drift(write: Writer, runs: &[RunRecord]) -> String {
        let mut out = Vec::new();
        write(&crate::report::document::Document::conformance(runs), &mut out).expect("write to vec");
        String::from_utf8(out).expect("utf8")
    }

    fn endpoint<'a>(c: &'a Coverage<'_>, id: &str) -> &'a EndpointCoverage<'a> {
        c.endpoints().find(|e| e.id == id).expect("endpoint in fixture")
    }

    #[test]
    fn collapses_consecutive_versions_into_ranges() {
        let run = fixture();
        let c = Coverage::of(&run);
        assert_eq!(
            endpoint(&c, "system.ping").range_lines(),
            ["unversioned ok", "1.11 version-rejected", "1.12–1.41 ok", "1.42 version-rejected"]
        );
        // exec.start is defined from 1.15, swarm.inspect from 1.24, volume.update from 1.42: nothing before.
        assert_eq!(
            endpoint(&c, "exec.start").range_lines(),
            ["unversioned ok", "1.15–1.41 ok", "1.42 version-rejected"]
        );
        assert_eq!(
            endpoint(&c, "swarm.inspect").range_lines(),
            ["unversioned not-applicable", "1.24–1.41 not-applicable", "1.42 version-rejected"]
        );
        assert_eq!(endpoint(&c, "volume.update").range_lines(), ["1.42 absent"]);
        let run = crate::report::synthetic::with_failures();
        let c = Coverage::of(&run);
        assert_eq!(
            endpoint(&c, "container.attach").range_lines(),
            [
                "unversioned ok",
                "1.11 version-rejected",
                "1.12–1.39 ok",
                "1.40 incompatible",
                "1.41 ok",
                "1.42 version-rejected"
            ]
        );
    }

    #[test]
    fn answered_excludes_skipped_and_error_only() {
        let run = fixture();
        let c = Coverage::of(&run);
        assert!(!endpoint(&c, "image.search").answered, "skipped: reaches a registry");
        assert!(endpoint(&c, "container.attach").answered);
        assert!(endpoint(&c, "swarm.inspect").answered, "not-applicable is an answer");
        assert!(endpoint(&c, "volume.update").answered, "absent is an answer");
        let mut run = fixture();
        for p in run.probes.iter_mut().filter(|p| p.endpoint == "exec.start") {
            p.verdict = Verdict::Error;
        }
        assert!(!endpoint(&Coverage::of(&run), "exec.start").answered, "errors only");
    }

    #[test]
    fn ok_in_range_needs_every_probe_inside_the_range_ok() {
        let run = fixture();
        let c = Coverage::of(&run);
        assert!(endpoint(&c, "system.ping").ok_in_enforced_range, "boundary rejections lie outside");
        assert!(endpoint(&c, "system.ping.head").ok_in_enforced_range, "probed at 1.40 and 1.41 only");
        assert!(!endpoint(&c, "swarm.inspect").ok_in_enforced_range);
        assert!(!endpoint(&c, "volume.update").ok_in_enforced_range, "not probed inside the range");
        assert_eq!(c.counts(), Counts { total: 7, answered: 6, ok_in_range: 4 });
        let run = crate::report::synthetic::with_failures();
        let c = Coverage::of(&run);
        assert!(!endpoint(&c, "container.attach").ok_in_enforced_range, "incompatible at 1.40");
        assert!(!endpoint(&c, "exec.start").ok_in_enforced_range, "error at 1.24");
        assert_eq!(c.counts(), Counts { total: 7, answered: 6, ok_in_range: 2 });
    }

    #[test]
    fn groups_by_tag_alphabetically() {
        let run = fixture();
        let tags: Vec<&str> = Coverage::of(&run).tags.iter().map(|t| t.tag).collect();
        assert_eq!(tags, ["Container", "Exec", "Image", "Swarm", "System", "Volume"]);
    }
}

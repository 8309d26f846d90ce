//! The report as a document: every section computed once, and where each goes decided once, before any format
//! turns it into bytes.
//!
//! [`Document::of`] reads the runs against the matrices: per run its coverage, scenarios, drift, refusals, what
//! every real client would make of its daemon ([`crate::client_compat`], never saved in run.json) and the Kubernetes
//! table the Markdown report puts under it; for several runs their side-by-side matrix and the endpoints ok on no
//! daemon; and the sections shared by the runs (drift, refusals, version gates, clients). [`Document::placement`] says where
//! those go: one run has them under it, several have the side-by-side matrix first and the shared sections once
//! after all runs. [`Document::conformance`] is the drift alone (`report --conformance`), `null` findings listed.
//!
//! The renderers (table, Markdown, JSON, JUnit, HTML, summary) read a document and build no section themselves.

use crate::client_compat::{DaemonView, evaluate};
use crate::matrix::Matrices;
use crate::model::{ClientOutcome, RunRecord};

use super::sections::clients::ClientsSection;
use super::sections::coverage::Coverage;
use super::sections::drift::{Drift, DriftSection};
use super::sections::gates::{Gates, GatesSection};
use super::sections::kubernetes::Kubernetes;
use super::sections::overview::Overview;
use super::sections::refusals::RefusalSection;
use super::sections::scenario::{self, ScenarioSummary};
use super::sections::side_by_side::{OkNowhere, SideBySide};

/// Where a document's shared sections (drift, refusals, clients) go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// One run (or none): its sections under it.
    UnderTheRun,
    /// Several runs: the side-by-side matrix first, the shared sections once after all runs.
    AfterAllRuns,
}

/// One run and what the report says of it alone.
#[derive(Debug)]
pub struct RunPart<'a> {
    /// The run.
    pub run: &'a RunRecord,
    /// Its verdict ranges and counts.
    pub coverage: Coverage<'a>,
    /// Its scenarios, by name; empty when it ran none.
    pub scenarios: Vec<ScenarioSummary<'a>>,
    /// Its drift from the spec (see [`RunPart::checked_drift`]).
    pub drift: Drift,
    /// What its recipes observed, by version (the version gates it saw).
    pub gates: Gates,
    /// How it refused malformed requests; `None` when it sent none (and in a conformance document).
    pub refusals: Option<RefusalSection>,
    /// What every client of the matrices would make of its daemon, in clients.yaml order (kubelets first); empty in
    /// a conformance document.
    pub clients: Vec<ClientOutcome>,
    /// The matrices' Kubernetes table at the daemon's maximum API version with its answers there; `None` when
    /// that version is unknown (and in a conformance document).
    pub kubernetes: Option<Kubernetes>,
}

impl RunPart<'_> {
    /// Its drift when any of its answers was checked against the spec (runs made before the check, or with it off,
    /// have none).
    pub fn checked_drift(&self) -> Option<&Drift> {
        (self.drift.checked > 0).then_some(&self.drift)
    }
}

/// The matrix several runs lead with.
#[derive(Debug)]
pub struct SideBySidePart {
    /// The runs side by side.
    pub matrix: SideBySide,
    /// The same at a glance: a mark per endpoint and daemon, and what differs between the daemons.
    pub overview: Overview,
    /// The endpoints ok on no daemon, each with the reason the matrices give (probes.yaml's `limit`, else its
    /// `skip`; empty when they give none).
    pub ok_nowhere: Vec<(OkNowhere, String)>,
}

/// A report of runs, its sections computed once.
#[derive(Debug)]
pub struct Document<'a> {
    /// The runs, as given.
    runs: &'a [RunRecord],
    /// Whether this is the drift alone with its `null` findings listed (`report --conformance`).
    conformance: bool,
    /// Each run's part, in the order given.
    pub parts: Vec<RunPart<'a>>,
    /// Several runs: their matrix side by side; `None` for one run.
    pub side_by_side: Option<SideBySidePart>,
    /// Where the runs and the spec disagree (one run: its rows; several: side by side); `None` when no answer was
    /// checked against the spec. `null` findings are listed only in a conformance document.
    pub drift: Option<DriftSection>,
    /// How the runs refused malformed requests; `None` when none sent any.
    pub refusals: Option<RefusalSection>,
    /// The version gates the runs observed, side by side; `None` when no run observed anything (and in a
    /// conformance document).
    pub gates: Option<GatesSection>,
    /// What each real client would make of each run's daemon; `None` when there are no outcomes.
    pub clients: Option<ClientsSection>,
    /// Each run's own report is a page apart (`report --each-run`): per run its name and the link to it, which the
    /// Markdown report lists instead of the runs' reports. `None`: the runs' reports are part of this one.
    pub apart: Option<Vec<(String, String)>>,
}

impl<'a> Document<'a> {
    /// The whole report of `runs`, read against the matrices `m`.
    pub fn of(runs: &'a [RunRecord], m: &Matrices) -> Self {
        let specs = crate::client_compat::clients(m, &[]);
        let parts: Vec<RunPart<'a>> = runs
            .iter()
            .map(|run| {
                let view = DaemonView::of_run(run);
                let coverage = Coverage::of(run);
                let kubernetes = Kubernetes::of(&coverage, m);
                RunPart {
                    run,
                    coverage,
                    scenarios: scenario::summaries(run),
                    drift: Drift::of(run),
                    gates: Gates::of(run),
                    refusals: RefusalSection::of(std::slice::from_ref(run)),
                    clients: specs.iter().map(|c| evaluate(c, &view, m)).collect(),
                    kubernetes,
                }
            })
            .collect();
        let side_by_side = (parts.len() > 1).then(|| {
            let coverages: Vec<&Coverage<'_>> = parts.iter().map(|p| &p.coverage).collect();
            let matrix = SideBySide::of_coverages(&coverages, &m.endpoints.endpoints);
            let limit = |id: &str| {
                m.probes.probes.get(id).and_then(|r| r.limit.clone().or_else(|| r.skip.clone())).unwrap_or_default()
            };
            let ok_nowhere = matrix
                .ok_nowhere(&parts.iter().map(|p| p.run).collect::<Vec<_>>())
                .into_iter()
                .map(|n| {
                    let why = limit(&n.endpoint);
                    (n, why)
                })
                .collect();
            SideBySidePart { overview: Overview::of(&matrix), matrix, ok_nowhere }
        });
        let drift = shared_drift(&parts, false);
        let refusals = match parts.as_slice() {
            [one] => one.refusals.clone(),
            _ => RefusalSection::of(runs),
        };
        let columns: Vec<(&str, &[ClientOutcome])> =
            parts.iter().map(|p| (p.run.daemon.name.as_str(), p.clients.as_slice())).collect();
        let clients = ClientsSection::of_columns(&columns, false);
        let gated: Vec<(&str, &Gates)> = parts.iter().map(|p| (p.run.daemon.name.as_str(), &p.gates)).collect();
        let gates = GatesSection::of(&gated);
        Document { runs, conformance: false, parts, side_by_side, drift, refusals, gates, clients, apart: None }
    }

    /// Only where `runs` and the spec disagree, every kind of finding listed, `null` too (`report --conformance`):
    /// the parts hold their coverage, scenarios and drift; no refusals, clients or side-by-side matrix.
    pub fn conformance(runs: &'a [RunRecord]) -> Self {
        let parts: Vec<RunPart<'a>> = runs
            .iter()
            .map(|run| RunPart {
                run,
                coverage: Coverage::of(run),
                scenarios: scenario::summaries(run),
                drift: Drift::of(run),
                gates: Gates::default(),
                refusals: None,
                clients: Vec::new(),
                kubernetes: None,
            })
            .collect();
        let drift = shared_drift(&parts, true);
        Document {
            runs,
            conformance: true,
            parts,
            side_by_side: None,
            drift,
            refusals: None,
            gates: None,
            clients: None,
            apart: None,
        }
    }

    /// The same document with the drift of its run `i` computed elsewhere: `run` keeps its probes without their
    /// findings in memory and tallies the drift as it reads them back ([`crate::report::sections::drift::DriftTally`]).
    /// The shared drift section follows.
    pub fn with_drift(mut self, i: usize, drift: Drift) -> Self {
        if let Some(part) = self.parts.get_mut(i) {
            part.drift = drift;
            self.drift = shared_drift(&self.parts, self.conformance);
        }
        self
    }

    /// The runs, as given.
    pub fn runs(&self) -> &'a [RunRecord] {
        self.runs
    }

    /// Whether this is the drift alone (`report --conformance`, see [`Document::conformance`]).
    pub fn is_conformance(&self) -> bool {
        self.conformance
    }

    /// Whether `null` findings are listed (a conformance document) rather than counted.
    pub fn with_null(&self) -> bool {
        self.conformance
    }

    /// Where the shared sections go: under the run when there is one, after all runs when there are several.
    pub fn placement(&self) -> Placement {
        if self.parts.len() > 1 { Placement::AfterAllRuns } else { Placement::UnderTheRun }
    }

    /// The same document without client outcomes (the unit tests' snapshots were made of runs without them).
    #[cfg(test)]
    pub(crate) fn without_clients(mut self) -> Self {
        self.parts.iter_mut().for_each(|p| p.clients.clear());
        self.clients = None;
        self
    }
}

/// The drift section of the parts' runs; `None` when none of their answers was checked.
fn shared_drift(parts: &[RunPart<'_>], with_null: bool) -> Option<DriftSection> {
    let drifts: Vec<&Drift> = parts.iter().map(|p| &p.drift).collect();
    DriftSection::of_drifts(&drifts, with_null)
}

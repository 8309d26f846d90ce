//! The Clients section: what each real client would make of each daemon (see [`crate::client_compat`]), a row per client
//! and a cell per run, every cell the verdict, the API version the client would use and the first reason.
//!
//! Pure: no I/O. The outcomes are computed once per run when a report's document is built
//! ([`crate::report::document::Document::of`]); every format renders [`ClientsSection`].

use serde::Serialize;

use crate::model::{ClientOutcome, ClientVerdict};

use crate::report::grid::Grid;

/// One client, across the daemons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientRow {
    /// The client's name.
    pub client: String,
    /// The releases it covers.
    pub covers: String,
    /// One outcome per column; `None` when that run has no outcome of it.
    pub cells: Vec<Option<ClientOutcome>>,
}

/// The clients of one or several daemons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientsSection {
    /// The daemons' names, one per cell.
    pub columns: Vec<String>,
    /// Whether the verdicts are predicted from the matrices rather than read from runs.
    pub predicted: bool,
    /// A row per client, kubelets first, in clients.yaml order.
    pub rows: Vec<ClientRow>,
}

/// What the section's note says.
pub const NOTE: &str = "Each client's API version comes from its own rule (matrices/clients.yaml) against what the \
daemon advertises and enforces; its verdict from the verdicts of the endpoints its main flows call at that version. \
unknown: a call was not probed at that version.";

impl ClientsSection {
    /// The section of columns of outcomes (`dockmatrix clients --daemon`: predicted ones).
    pub fn of_outcomes(columns: Vec<(String, Vec<ClientOutcome>)>, predicted: bool) -> Option<Self> {
        let columns: Vec<(&str, &[ClientOutcome])> = columns.iter().map(|(n, o)| (n.as_str(), o.as_slice())).collect();
        Self::of_columns(&columns, predicted)
    }

    /// The section of a daemon's name and its outcomes per column; `None` when no column has any.
    pub fn of_columns(columns: &[(&str, &[ClientOutcome])], predicted: bool) -> Option<Self> {
        if columns.iter().all(|(_, o)| o.is_empty()) {
            return None;
        }
        let mut names: Vec<(String, String)> = Vec::new();
        for o in columns.iter().flat_map(|(_, o)| o.iter()) {
            if !names.iter().any(|(n, _)| *n == o.client) {
                names.push((o.client.clone(), o.covers.clone()));
            }
        }
        let rows = names
            .into_iter()
            .map(|(client, covers)| ClientRow {
                cells: columns.iter().map(|(_, o)| o.iter().find(|o| o.client == client).cloned()).collect(),
                client,
                covers,
            })
            .collect();
        Some(ClientsSection { columns: columns.iter().map(|(n, _)| n.to_string()).collect(), predicted, rows })
    }

    /// Whether it compares several daemons.
    pub fn several(&self) -> bool {
        self.columns.len() > 1
    }

    /// `Clients against docker-28.5: 40 work, 3 with warnings, 5 break, 2 unknown`, or the same per daemon.
    pub fn title(&self) -> String {
        let what = if self.predicted { "Clients (predicted from the matrices)" } else { "Clients" };
        match self.columns.as_slice() {
            [one] => format!("{what} against {one}: {}", self.counts(0)),
            _ => format!("{what} against {} daemons", self.columns.len()),
        }
    }

    /// The counts of column `i`: `40 work, 3 with warnings, 5 break, 2 unknown`.
    pub fn counts(&self, i: usize) -> String {
        counts(self.rows.iter().filter_map(|r| r.cells.get(i).and_then(Option::as_ref)))
    }

    /// One daemon: a row per client with its version, verdict and reason. Several: a cell per daemon (`works
    /// 1.41`, `predicted` after `sep` when it is), and the reasons of what breaks or is unknown as notes, one a line.
    pub fn grid(&self, sep: &str) -> Grid {
        if !self.several() {
            let headers = ["Client", "API", "Verdict", "Why"].map(String::from).to_vec();
            let rows = self
                .rows
                .iter()
                .filter_map(|r| {
                    let o = r.cells.first()?.as_ref()?;
                    Some(vec![r.client.clone(), o.version_text(), verdict_text(o), o.reason.clone()])
                })
                .collect();
            return Grid { title: self.title(), headers, rows, notes: vec![NOTE.to_string()] };
        }
        let mut headers = vec!["Client".to_string()];
        headers.extend(self.columns.iter().cloned());
        let rows = self
            .rows
            .iter()
            .map(|r| {
                let mut row = vec![r.client.clone()];
                row.extend(r.cells.iter().map(|c| c.as_ref().map_or_else(String::new, |o| cell_text(o, sep))));
                row
            })
            .collect();
        let mut notes: Vec<String> = self
            .rows
            .iter()
            .flat_map(|r| r.cells.iter().flatten())
            .filter(|o| matches!(o.verdict, ClientVerdict::Breaks | ClientVerdict::Unknown))
            .map(|o| format!("{} on {}: {}", o.client, o.daemon, o.reason))
            .collect();
        notes.push(NOTE.to_string());
        let counts: Vec<String> =
            self.columns.iter().enumerate().map(|(i, c)| format!("{c}: {}", self.counts(i))).collect();
        Grid { title: format!("{}\n{}", self.title(), counts.join("\n")), headers, rows, notes }
    }
}

/// The counts of `outcomes` (one per client): `40 work, 3 with warnings, 5 break, 2 unknown`.
pub fn counts<'a>(outcomes: impl Iterator<Item = &'a ClientOutcome> + Clone) -> String {
    let count = |v: ClientVerdict| outcomes.clone().filter(|o| o.verdict == v).count();
    format!(
        "{} work, {} with warnings, {} break, {} unknown",
        count(ClientVerdict::Works),
        count(ClientVerdict::WorksWithWarnings),
        count(ClientVerdict::Breaks),
        count(ClientVerdict::Unknown)
    )
}

/// `works`, or `works (predicted)`.
fn verdict_text(o: &ClientOutcome) -> String {
    if o.predicted { format!("{} (predicted)", o.verdict) } else { o.verdict.to_string() }
}

/// `works, 1.41`, `breaks, 1.24`, `unknown, unversioned`, `works, 1.41, predicted`: the parts joined by `sep`
/// (a line each in a terminal, where `works with warnings` takes two).
pub fn cell_text(o: &ClientOutcome, sep: &str) -> String {
    let version = o.version_text();
    let verdict = if sep == "\n" { o.verdict.as_str().replace(" with ", "\nwith ") } else { o.verdict.to_string() };
    let mut parts = vec![verdict];
    parts.extend((version != "-").then_some(version));
    parts.extend(o.predicted.then(|| "predicted".to_string()));
    parts.join(sep)
}

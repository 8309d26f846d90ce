//! The Kubernetes table under a run's Markdown report: the matrices' table of the endpoints each kubelet release
//! calls at the daemon's maximum API version, with what this daemon answered each of them there.

use crate::matrix::{K8sRelease, Matrices};
use crate::model::{ApiVersion, Verdict};

use super::coverage::{self, Coverage};
use crate::report::grid::Grid;
use crate::report::matrix_tables;

/// The Kubernetes table of one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kubernetes {
    /// The daemon's maximum API version, the table's.
    pub api: ApiVersion,
    /// The matrices' table at `api` (see [`matrix_tables::kubernetes`]): one row per endpoint defined there.
    pub grid: Grid,
    /// The verdict of the run at `api` for each row of `grid`, in its order; `None` where it was not probed.
    pub answers: Vec<Option<Verdict>>,
}

impl Kubernetes {
    /// The table of the run of `c`; `None` when its daemon's maximum API version is unknown.
    pub fn of(c: &Coverage<'_>, m: &Matrices) -> Option<Self> {
        let api = coverage::daemon_max(&c.run.daemon)?;
        let releases: Vec<&K8sRelease> = m.kubernetes.releases.iter().collect();
        let grid = matrix_tables::kubernetes(m, api, &releases);
        // matrix_tables::kubernetes makes one row per endpoint defined at `api`, in this order.
        let answers = m
            .defined_at(api)
            .map(|endpoint| c.endpoints().find(|e| e.id == endpoint.id).and_then(|e| e.verdict_at(Some(api))))
            .collect();
        Some(Kubernetes { api, grid, answers })
    }
}

//! The plan: which endpoint is probed at which API versions, with what request.

use std::collections::BTreeSet;

use crate::matrix::model::Recipe;
use crate::matrix::{Endpoint, Matrices};
use crate::model::{ApiVersion, DaemonInfo};

/// Which API versions to probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiSelection {
    /// From one below the enforced minimum to one above the enforced maximum.
    Auto,
    /// Every version the matrices know.
    All,
    /// An inclusive range.
    Range(ApiVersion, ApiVersion),
}

/// What the plan needs besides the matrices and the daemon.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanOptions {
    /// Versions to cover.
    pub api: Option<ApiSelection>,
    /// Endpoint id globs; empty means all.
    pub only: Vec<String>,
    /// Opt-in classes the user allowed.
    pub allow: BTreeSet<String>,
}

/// One request to make (or a reason not to).
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeCase {
    /// The endpoint.
    pub endpoint: Endpoint,
    /// The version in the path; `None` for the unversioned probe.
    pub api_version: Option<ApiVersion>,
    /// How to probe it.
    pub recipe: Recipe,
    /// Set when the case is not sent: why.
    pub skip: Option<String>,
}

/// The versions the selection covers, given the known range and the daemon's enforced range.
pub fn selected_versions(m: &Matrices, daemon: &DaemonInfo, api: &ApiSelection) -> Vec<ApiVersion> {
    let known = m.endpoints.api_versions;
    let (lo, hi) = match api {
        ApiSelection::All => (known.first, known.last),
        ApiSelection::Range(a, b) => (*a, *b),
        ApiSelection::Auto => {
            let (lo, hi) = daemon.served();
            (lo.and_then(ApiVersion::prev).unwrap_or(known.first), hi.map_or(known.last, ApiVersion::next))
        }
    };
    known.iter().filter(|v| *v >= lo && *v <= hi).collect()
}

/// Every case of the run, skipped ones included, in endpoint-file order and version order.
pub fn plan(m: &Matrices, daemon: &DaemonInfo, opts: &PlanOptions) -> Vec<ProbeCase> {
    let versions = selected_versions(m, daemon, opts.api.as_ref().unwrap_or(&ApiSelection::Auto));
    let default_version = daemon.served().1;
    let mut cases = Vec::new();
    for e in &m.endpoints.endpoints {
        if !opts.only.is_empty() && !opts.only.iter().any(|g| crate::glob::matches(g, &e.id)) {
            continue;
        }
        let recipe = m.probes.probes.get(&e.id).cloned();
        let skip = match &recipe {
            None => Some("no probe recipe yet: needs a fixture".to_string()),
            Some(r) => match (&r.skip, &r.class) {
                (Some(why), _) => Some(why.clone()),
                (None, Some(class)) if !opts.allow.contains(class) => Some(
                    m.probes
                        .classes
                        .get(class)
                        .map_or_else(|| format!("class {class} not allowed"), |c| c.reason.clone()),
                ),
                _ => None,
            },
        };
        let recipe = recipe.unwrap_or_default();
        let at: Vec<ApiVersion> = versions.iter().copied().filter(|v| e.defined_at(*v)).collect();
        let unversioned = default_version.is_some_and(|d| e.defined_at(d));
        if at.is_empty() && !unversioned {
            let reason = format!(
                "not defined at any probed API version ({}..={})",
                e.first,
                e.last.map_or("".into(), |l| l.to_string())
            );
            cases.push(ProbeCase { endpoint: e.clone(), api_version: None, recipe, skip: Some(reason) });
            continue;
        }
        if let Some(reason) = skip {
            cases.push(ProbeCase { endpoint: e.clone(), api_version: None, recipe, skip: Some(reason) });
            continue;
        }
        if unversioned {
            cases.push(ProbeCase { endpoint: e.clone(), api_version: None, recipe: recipe.clone(), skip: None });
        }
        for v in at {
            cases.push(ProbeCase { endpoint: e.clone(), api_version: Some(v), recipe: recipe.clone(), skip: None });
        }
    }
    cases
}

//! The plan: which endpoint is probed at which API versions, with what request.

use std::collections::BTreeSet;
use std::sync::Arc;

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

/// One request to make (or a reason not to). The cases of an endpoint share its endpoint and recipe: a plan of
/// 1,000 endpoints at 40 versions holds each once.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeCase {
    /// The endpoint.
    pub endpoint: Arc<Endpoint>,
    /// The version in the path; `None` for the unversioned probe.
    pub api_version: Option<ApiVersion>,
    /// How to probe it.
    pub recipe: Arc<Recipe>,
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
        let recipe = Arc::new(recipe.unwrap_or_default());
        let e = &Arc::new(e.clone());
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::matrix::model::{
        DockerFile, EndpointsFile, ErrataFile, KubernetesFile, ProbeClass, ProbesFile, SCHEMA_VERSION, ScenariosFile,
    };
    use crate::model::{ApiRange, Method, RequestVersion};

    fn v(s: &str) -> ApiVersion {
        s.parse().expect("version")
    }

    /// An endpoint defined from `first` to `last` (`None`: still defined).
    fn endpoint(id: &str, first: &str, last: Option<&str>) -> Endpoint {
        Endpoint {
            id: id.into(),
            method: Method::Get,
            path: format!("/{}", id.replace('.', "/")),
            first: v(first),
            last: last.map(v),
            tag: "Test".into(),
            operation_id: None,
            summary: String::new(),
            notes: Vec::new(),
        }
    }

    /// Matrices that know the API versions 1.20..=1.45, with these endpoints and recipes and one class,
    /// `registry`.
    fn matrices(endpoints: Vec<Endpoint>, probes: Vec<(&str, Recipe)>) -> Matrices {
        let classes = BTreeMap::from([(
            "registry".to_string(),
            ProbeClass { reason: "reaches a registry outside the daemon".into() },
        )]);
        Matrices {
            endpoints: EndpointsFile {
                schema_version: SCHEMA_VERSION,
                api_versions: ApiRange { first: v("1.20"), last: v("1.45") },
                sources: Vec::new(),
                endpoints,
            },
            docker: DockerFile { schema_version: SCHEMA_VERSION, sources: Vec::new(), releases: Vec::new() },
            kubernetes: KubernetesFile { schema_version: SCHEMA_VERSION, sources: Vec::new(), releases: Vec::new() },
            probes: ProbesFile {
                schema_version: SCHEMA_VERSION,
                classes,
                probes: probes.into_iter().map(|(id, r)| (id.to_string(), r)).collect(),
                refusals: BTreeMap::new(),
            },
            scenarios: ScenariosFile::default(),
            errata: ErrataFile::default(),
            clients: crate::matrix::ClientsFile::default(),
            gates: crate::matrix::gates::GatesFile::default(),
        }
    }

    /// A daemon advertising `advertised` and enforcing `enforced` (`None` ends: not known).
    fn daemon(advertised: (Option<&str>, Option<&str>), enforced: (Option<&str>, Option<&str>)) -> DaemonInfo {
        let pair = |(lo, hi): (Option<&str>, Option<&str>)| (lo.map(v), hi.map(v));
        DaemonInfo { name: "docker-test".into(), ..DaemonInfo::docker(pair(advertised), pair(enforced)) }
    }

    /// Docker 20.10: advertises and enforces 1.12..=1.41.
    fn docker() -> DaemonInfo {
        daemon((Some("1.12"), Some("1.41")), (Some("1.12"), Some("1.41")))
    }

    fn class(name: &str) -> Recipe {
        Recipe { class: Some(name.into()), ..Recipe::default() }
    }

    fn skip(why: &str) -> Recipe {
        Recipe { skip: Some(why.into()), ..Recipe::default() }
    }

    /// The selected versions, written as a range (`1.23..=1.42`), or `none`.
    fn span(versions: &[ApiVersion]) -> String {
        match (versions.first(), versions.last()) {
            (Some(a), Some(b)) => {
                assert_eq!(versions.len(), usize::from(b.minor - a.minor) + 1, "one version per minor: {versions:?}");
                format!("{a}..={b}")
            }
            _ => "none".into(),
        }
    }

    fn auto(m: &Matrices, d: &DaemonInfo) -> String {
        span(&selected_versions(m, d, &ApiSelection::Auto))
    }

    /// Each case as `id version` or `id skipped: reason`.
    fn summary(cases: &[ProbeCase]) -> Vec<String> {
        cases
            .iter()
            .map(|c| match &c.skip {
                Some(why) => {
                    assert_eq!(c.api_version, None, "a skipped case has no version: {c:?}");
                    format!("{} skipped: {why}", c.endpoint.id)
                }
                None => format!("{} {}", c.endpoint.id, RequestVersion(c.api_version)),
            })
            .collect()
    }

    fn range(a: &str, b: &str) -> PlanOptions {
        PlanOptions { api: Some(ApiSelection::Range(v(a), v(b))), ..PlanOptions::default() }
    }

    #[test]
    fn auto_covers_the_enforced_range_and_one_version_either_side() {
        let m = matrices(Vec::new(), Vec::new());
        // What the daemon enforces wins over what it advertises.
        let d = daemon((Some("1.12"), Some("1.41")), (Some("1.24"), Some("1.40")));
        assert_eq!(auto(&m, &d), "1.23..=1.41");
        // Each end falls back to the advertised one on its own.
        let d = daemon((Some("1.25"), Some("1.41")), (None, Some("1.43")));
        assert_eq!(auto(&m, &d), "1.24..=1.44");
        let d = daemon((Some("1.25"), Some("1.41")), (Some("1.30"), None));
        assert_eq!(auto(&m, &d), "1.29..=1.42");
        let d = daemon((Some("1.25"), Some("1.41")), (None, None));
        assert_eq!(auto(&m, &d), "1.24..=1.42");
        // Without a minimum at all: from the matrices' first version.
        let d = daemon((None, Some("1.41")), (None, None));
        assert_eq!(auto(&m, &d), "1.20..=1.42");
        // Nothing known about the daemon: the matrices' known range.
        let d = daemon((None, None), (None, None));
        assert_eq!(auto(&m, &d), "1.20..=1.45");
    }

    #[test]
    fn auto_stays_inside_the_versions_the_matrices_know() {
        let m = matrices(Vec::new(), Vec::new());
        // Podman serves 1.0..=1.57; 1.0 has no version below it.
        let d = daemon((Some("1.24"), Some("1.41")), (Some("1.0"), Some("1.57")));
        assert_eq!(auto(&m, &d), "1.20..=1.45");
        let d = daemon((Some("1.20"), Some("1.45")), (Some("1.20"), Some("1.45")));
        assert_eq!(auto(&m, &d), "1.20..=1.45");
    }

    #[test]
    fn a_range_is_cut_to_the_known_versions_and_all_ignores_the_daemon() {
        let m = matrices(Vec::new(), Vec::new());
        let d = docker();
        let sel = |a: &str, b: &str| span(&selected_versions(&m, &d, &ApiSelection::Range(v(a), v(b))));
        assert_eq!(sel("1.30", "1.33"), "1.30..=1.33");
        assert_eq!(sel("1.35", "1.35"), "1.35..=1.35");
        assert_eq!(sel("1.10", "1.22"), "1.20..=1.22");
        assert_eq!(sel("1.44", "1.60"), "1.44..=1.45");
        assert_eq!(sel("1.50", "1.60"), "none");
        assert_eq!(sel("1.33", "1.30"), "none");
        assert_eq!(span(&selected_versions(&m, &d, &ApiSelection::All)), "1.20..=1.45");
        let nothing_known = daemon((None, None), (None, None));
        assert_eq!(span(&selected_versions(&m, &nothing_known, &ApiSelection::All)), "1.20..=1.45");
    }

    #[test]
    fn each_endpoint_gets_the_unversioned_request_then_each_defined_version() {
        let list = Recipe { query: BTreeMap::from([("all".to_string(), "1".to_string())]), ..Recipe::default() };
        let m = matrices(
            vec![endpoint("container.list", "1.20", None), endpoint("plugin.upgrade", "1.40", None)],
            vec![("plugin.upgrade", Recipe::default()), ("container.list", list.clone())],
        );
        let cases = plan(&m, &docker(), &range("1.39", "1.42"));
        assert_eq!(
            summary(&cases),
            [
                "container.list unversioned",
                "container.list 1.39",
                "container.list 1.40",
                "container.list 1.41",
                "container.list 1.42",
                "plugin.upgrade unversioned",
                "plugin.upgrade 1.40",
                "plugin.upgrade 1.41",
                "plugin.upgrade 1.42",
            ]
        );
        assert!(cases[..5].iter().all(|c| *c.recipe == list), "each case carries its endpoint's recipe");
        // Without --api the selection is Auto: 1.11 (below the known 1.20) up to one above 1.41.
        let auto = plan(&m, &docker(), &PlanOptions::default());
        assert_eq!(
            summary(&auto)[auto.len() - 4..],
            ["plugin.upgrade unversioned", "plugin.upgrade 1.40", "plugin.upgrade 1.41", "plugin.upgrade 1.42"]
        );
        assert_eq!(auto.len(), 1 + 23 + 4, "container.list: unversioned and 1.20..=1.42");
    }

    #[test]
    fn the_unversioned_request_follows_the_version_the_daemon_serves_by_default() {
        let m = matrices(
            vec![
                endpoint("image.prune", "1.25", None),
                endpoint("container.copy", "1.20", Some("1.23")),
                endpoint("build.prune", "1.39", None),
            ],
            vec![
                ("image.prune", Recipe::default()),
                ("container.copy", Recipe::default()),
                ("build.prune", Recipe::default()),
            ],
        );
        // The daemon serves up to 1.41 by default: an endpoint defined there has an unversioned case even when
        // no probed version defines it; one removed before it has none.
        assert_eq!(
            summary(&plan(&m, &docker(), &range("1.22", "1.25"))),
            [
                "image.prune unversioned",
                "image.prune 1.25",
                "container.copy 1.22",
                "container.copy 1.23",
                "build.prune unversioned",
            ]
        );
        // The default is the highest version served: enforced, else advertised.
        let old = daemon((Some("1.12"), Some("1.41")), (Some("1.12"), Some("1.30")));
        assert_eq!(
            summary(&plan(&m, &old, &range("1.25", "1.25")))[..2],
            ["image.prune unversioned", "image.prune 1.25"]
        );
        assert_eq!(
            summary(&plan(&m, &old, &range("1.25", "1.25")))[2..],
            [
                "container.copy skipped: not defined at any probed API version (1.20..=1.23)",
                "build.prune skipped: not defined at any probed API version (1.39..=)"
            ]
        );
        // A daemon whose version is unknown gets no unversioned request.
        let unknown = daemon((None, None), (None, None));
        assert_eq!(summary(&plan(&m, &unknown, &range("1.25", "1.25")))[..1], ["image.prune 1.25"]);
    }

    #[test]
    fn every_skip_reason_is_one_case_without_a_version() {
        let m = matrices(
            vec![
                endpoint("build.prune", "1.31", None),
                endpoint("container.export", "1.20", None),
                endpoint("image.push", "1.20", None),
                endpoint("swarm.init", "1.24", None),
            ],
            vec![
                ("container.export", skip("needs a container with a filesystem to export")),
                ("image.push", class("registry")),
                ("swarm.init", class("swarm")),
            ],
        );
        assert_eq!(
            summary(&plan(&m, &docker(), &range("1.40", "1.41"))),
            [
                "build.prune skipped: no probe recipe yet: needs a fixture",
                "container.export skipped: needs a container with a filesystem to export",
                "image.push skipped: reaches a registry outside the daemon",
                "swarm.init skipped: class swarm not allowed",
            ]
        );
    }

    #[test]
    fn allowing_a_class_probes_it_but_a_recipe_that_skips_still_skips() {
        let m = matrices(
            vec![endpoint("image.push", "1.20", None), endpoint("image.pull", "1.20", None)],
            vec![
                ("image.push", class("registry")),
                ("image.pull", Recipe { skip: Some("needs a registry mirror".into()), ..class("registry") }),
            ],
        );
        let opts = PlanOptions { allow: BTreeSet::from(["registry".to_string()]), ..range("1.41", "1.41") };
        assert_eq!(
            summary(&plan(&m, &docker(), &opts)),
            ["image.push unversioned", "image.push 1.41", "image.pull skipped: needs a registry mirror"]
        );
        let other = PlanOptions { allow: BTreeSet::from(["swarm".to_string()]), ..opts };
        assert_eq!(
            summary(&plan(&m, &docker(), &other))[0],
            "image.push skipped: reaches a registry outside the daemon"
        );
    }

    #[test]
    fn an_endpoint_no_probed_version_defines_says_so_before_any_recipe_reason() {
        let m = matrices(
            vec![endpoint("container.copy", "1.20", Some("1.23")), endpoint("image.push", "1.20", Some("1.23"))],
            vec![("image.push", class("registry"))],
        );
        assert_eq!(
            summary(&plan(&m, &docker(), &range("1.30", "1.41"))),
            [
                "container.copy skipped: not defined at any probed API version (1.20..=1.23)",
                "image.push skipped: not defined at any probed API version (1.20..=1.23)",
            ]
        );
    }

    #[test]
    fn only_keeps_the_endpoints_a_glob_names_and_drops_the_rest_unplanned() {
        let m = matrices(
            vec![
                endpoint("container.list", "1.20", None),
                endpoint("container.inspect", "1.20", None),
                endpoint("image.list", "1.20", None),
                endpoint("system.ping", "1.20", None),
            ],
            vec![("container.list", Recipe::default()), ("image.list", Recipe::default())],
        );
        let only = |globs: &[&str]| {
            let opts = PlanOptions { only: globs.iter().map(|g| g.to_string()).collect(), ..range("1.41", "1.41") };
            summary(&plan(&m, &docker(), &opts))
        };
        assert_eq!(
            only(&["container.*"]),
            [
                "container.list unversioned",
                "container.list 1.41",
                "container.inspect skipped: no probe recipe yet: needs a fixture",
            ]
        );
        assert_eq!(
            only(&["image.lis?", "system.ping"]),
            ["image.list unversioned", "image.list 1.41", "system.ping skipped: no probe recipe yet: needs a fixture"]
        );
        assert_eq!(only(&["network.*"]), Vec::<String>::new());
        assert_eq!(only(&[]).len(), 6, "no glob: every endpoint");
    }
}

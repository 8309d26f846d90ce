//! Semantic checks across the three matrices: ids, version ranges and cross-references.

use std::collections::HashMap;

use super::error::MatrixError;
use super::load::{MatrixSources, Source, locate, locate_item};
use super::model::{Matrices, PathMode, SCHEMA_VERSION};
use crate::client::version::ApiVersion;
use crate::probe::tokens;

/// Checks what serde cannot: unique ids, ordered ranges, known versions and references between files.
pub fn validate(m: &Matrices, src: &MatrixSources) -> Result<(), MatrixError> {
    check_schema(&src.endpoints, m.endpoints.schema_version)?;
    check_schema(&src.docker, m.docker.schema_version)?;
    check_schema(&src.kubernetes, m.kubernetes.schema_version)?;
    validate_endpoints(m, &src.endpoints)?;
    validate_docker(m, &src.docker)?;
    validate_kubernetes(m, &src.kubernetes)?;
    check_schema(&src.probes, m.probes.schema_version)?;
    validate_probes(m, &src.probes)
}

fn validate_probes(m: &Matrices, src: &Source) -> Result<(), MatrixError> {
    for (id, recipe) in &m.probes.probes {
        let Some(endpoint) = m.endpoint(id) else {
            let help = match closest_id(m, id) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "use an id from endpoints.yaml".into(),
            };
            let (off, len) = locate_key(&src.text, id).unwrap_or((0, 1));
            return Err(src.error_at(off, len, format!("probe recipe for unknown endpoint `{id}`"), Some(help)));
        };
        if let Some(class) = &recipe.class
            && !m.probes.classes.contains_key(class)
        {
            let (off, len) = locate_key(&src.text, id).unwrap_or((0, 1));
            let known: Vec<&str> = m.probes.classes.keys().map(String::as_str).collect();
            return Err(src.error_at(
                off,
                len,
                format!("`{id}` is in class `{class}`, which `classes` does not define"),
                Some(format!("define it under classes, or use one of: {}", known.join(", "))),
            ));
        }
        let here = || locate_key(&src.text, id).unwrap_or((0, 1));
        if let Some(token) = crate::fixture::recipe_values(recipe).iter().flat_map(|v| tokens::unknown_tokens(v)).next()
        {
            let (off, len) = here();
            let known: Vec<String> = tokens::TOKENS.iter().map(|(t, _)| format!("${t}")).collect();
            return Err(src.error_at(
                off,
                len,
                format!("`{id}` uses `${token}`, which is not a recipe token"),
                Some(format!("tokens: {}", known.join(", "))),
            ));
        }
        // Safety: a prune may only ever remove the run's own objects, so it must filter on the run's label.
        if id.ends_with(".prune")
            && recipe.class.is_none()
            && recipe.skip.is_none()
            && !recipe.query.get("filters").is_some_and(|f| f.contains("dockmatrix.run=$run"))
        {
            let (off, len) = here();
            return Err(src.error_at(
                off,
                len,
                format!("`{id}` prunes without the run's label filter"),
                Some(r#"add query filters: '{"label":["dockmatrix.run=$run"]}', or put it in an opt-in class"#.into()),
            ));
        }
        if let Some(h) = &recipe.hijack
            && h.expect.is_empty()
        {
            let (off, len) = here();
            return Err(src.error_at(
                off,
                len,
                format!("`{id}`: hijack.expect is empty"),
                Some("name the text the output must contain".into()),
            ));
        }
        for name in recipe.params.keys() {
            if !endpoint.path.contains(&format!("{{{name}}}")) {
                let (off, len) = locate_key(&src.text, id).unwrap_or((0, 1));
                return Err(src.error_at(
                    off,
                    len,
                    format!("`{id}` sets parameter `{name}`, but its path {} has no {{{name}}}", endpoint.path),
                    Some("name the parameter as the path writes it".into()),
                ));
            }
        }
    }
    Ok(())
}

/// The mapping key `key:` at the start of a line (after indentation).
fn locate_key(text: &str, key: &str) -> Option<(usize, usize)> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.strip_prefix(key).is_some_and(|r| r.starts_with(':')) {
            return Some((offset + line.len() - trimmed.len(), key.len()));
        }
        offset += line.len();
    }
    None
}

fn check_schema(src: &Source, found: u32) -> Result<(), MatrixError> {
    if found == SCHEMA_VERSION {
        return Ok(());
    }
    let (off, len) = locate(&src.text, "schema_version", &found.to_string(), 0, None).unwrap_or((0, 1));
    Err(src.error_at(
        off,
        len,
        format!("schema_version {found} is not supported (this dockmatrix reads {SCHEMA_VERSION})"),
        Some("regenerate the file with `dockmatrix matrix sync`, or use the dockmatrix release that wrote it".into()),
    ))
}

/// Points at `field` of the `nth` entry whose `key` is `value`, or at the entry, or at the file's start.
fn at(
    src: &Source,
    key: &str,
    value: &str,
    nth: usize,
    field: Option<&str>,
    message: String,
    help: &str,
) -> MatrixError {
    let (off, len) = locate(&src.text, key, value, nth, field).unwrap_or((0, 1));
    src.error_at(off, len, message, Some(help.to_string()))
}

fn validate_endpoints(m: &Matrices, src: &Source) -> Result<(), MatrixError> {
    let known = m.endpoints.api_versions;
    if known.first > known.last {
        let message = format!("api_versions is inverted: first {} is after last {}", known.first, known.last);
        return Err(at(src, "first", &known.first.to_string(), 0, None, message, "swap first and last"));
    }
    let mut ids: HashMap<&str, usize> = HashMap::new();
    let mut routes: HashMap<String, &str> = HashMap::new();
    for e in &m.endpoints.endpoints {
        let valid_id = !e.id.is_empty()
            && e.id
                .split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
        if !valid_id {
            let message = format!("endpoint id `{}` is not lowercase words joined by dots", e.id);
            return Err(at(
                src,
                "id",
                &e.id,
                0,
                None,
                message,
                "write ids like `container.list` or `system.ping.head`",
            ));
        }
        if let Some(count) = ids.get_mut(e.id.as_str()) {
            *count += 1;
            let message = format!("duplicate endpoint id `{}`", e.id);
            return Err(at(
                src,
                "id",
                &e.id,
                *count - 1,
                None,
                message,
                "every endpoint needs its own id: rename or remove one",
            ));
        }
        ids.insert(&e.id, 1);
        if let Some(other) = routes.insert(e.route(), &e.id) {
            let message = format!("`{}` is listed twice, as `{other}` and `{}`", e.route(), e.id);
            return Err(at(src, "id", &e.id, 0, Some("path"), message, "keep one entry per method and path"));
        }
        if !e.path.starts_with('/') {
            let message = format!("path `{}` of `{}` does not start with /", e.path, e.id);
            return Err(at(
                src,
                "id",
                &e.id,
                0,
                Some("path"),
                message,
                "write paths without the version prefix, like /containers/{id}/json",
            ));
        }
        if let Some(last) = e.last
            && last < e.first
        {
            let message = format!("version range of `{}` is inverted: first {} is after last {}", e.id, e.first, last);
            return Err(at(
                src,
                "id",
                &e.id,
                0,
                Some("last"),
                message,
                "first is the first API version that defines the endpoint, last the last one",
            ));
        }
        for (field, v) in [("first", Some(e.first)), ("last", e.last)] {
            if let Some(v) = v
                && !known.contains(v)
            {
                let message = format!(
                    "`{}` {field} {v} is outside the known API versions {}..={}",
                    e.id, known.first, known.last
                );
                return Err(at(
                    src,
                    "id",
                    &e.id,
                    0,
                    Some(field),
                    message,
                    "use a version inside api_versions, or widen api_versions",
                ));
            }
        }
    }
    Ok(())
}

fn validate_docker(m: &Matrices, src: &Source) -> Result<(), MatrixError> {
    let known = m.endpoints.api_versions;
    let mut seen: HashMap<&str, ()> = HashMap::new();
    for r in &m.docker.releases {
        if seen.insert(&r.version, ()).is_some() {
            let message = format!("Docker release {} is listed twice", r.version);
            return Err(at(src, "version", &r.version, 1, None, message, "remove one of the two entries"));
        }
        if r.min_api_version > r.api_version {
            let message = format!(
                "Docker {}: min_api_version {} is above api_version {}",
                r.version, r.min_api_version, r.api_version
            );
            return Err(at(
                src,
                "version",
                &r.version,
                0,
                Some("min_api_version"),
                message,
                "api_version is the maximum the release serves, min_api_version its default minimum",
            ));
        }
        for (field, v) in [("api_version", r.api_version), ("min_api_version", r.min_api_version)] {
            if !known.contains(v) {
                let message = format!(
                    "Docker {} {field} {v} is not a known API version ({}..={})",
                    r.version, known.first, known.last
                );
                return Err(at(
                    src,
                    "version",
                    &r.version,
                    0,
                    Some(field),
                    message,
                    "correct the version, or add the new API version to endpoints.yaml with `dockmatrix matrix sync`",
                ));
            }
        }
        if !is_date(&r.released) {
            let message = format!("Docker {}: released `{}` is not a date", r.version, r.released);
            return Err(at(src, "version", &r.version, 0, Some("released"), message, "write dates as YYYY-MM-DD"));
        }
    }
    Ok(())
}

fn validate_kubernetes(m: &Matrices, src: &Source) -> Result<(), MatrixError> {
    let known = m.endpoints.api_versions;
    let mut seen: HashMap<&str, ()> = HashMap::new();
    for r in &m.kubernetes.releases {
        if seen.insert(&r.name, ()).is_some() {
            let message = format!("Kubernetes release {} is listed twice", r.name);
            return Err(at(src, "name", &r.name, 1, None, message, "remove one of the two entries"));
        }
        let check_version = |field: &str, v: ApiVersion| -> Result<(), MatrixError> {
            if known.contains(v) {
                return Ok(());
            }
            let message = format!("Kubernetes {} {field} {v} is not a known API version", r.name);
            Err(at(
                src,
                "name",
                &r.name,
                0,
                Some(field),
                message,
                "use a version listed in endpoints.yaml api_versions",
            ))
        };
        check_version("min_api_version", r.min_api_version)?;
        match (r.path_version.mode, r.path_version.cap) {
            (PathMode::Capped, None) => {
                let message = format!("Kubernetes {}: path_version mode capped needs a cap", r.name);
                return Err(at(
                    src,
                    "name",
                    &r.name,
                    0,
                    Some("mode"),
                    message,
                    "add `cap: \"1.41\"` (the client's default API version) under path_version",
                ));
            }
            (PathMode::Capped, Some(cap)) => check_version("cap", cap)?,
            (mode, Some(_)) => {
                let message = format!("Kubernetes {}: a cap only applies to mode capped, not {mode:?}", r.name);
                return Err(at(src, "name", &r.name, 0, Some("cap"), message, "remove the cap, or set mode: capped"));
            }
            (_, None) => {}
        }
        if r.inferred && r.inferred_reason.as_deref().is_none_or(str::is_empty) {
            let message = format!("Kubernetes {} is marked inferred without an inferred_reason", r.name);
            return Err(at(
                src,
                "name",
                &r.name,
                0,
                Some("inferred"),
                message,
                "say in inferred_reason what was read instead of the release tag",
            ));
        }
        let ids = r.endpoints.iter().chain(r.conditional.keys());
        for id in ids {
            if m.endpoint(id).is_none() {
                let (off, len) = locate_item(&src.text, "name", &r.name, id)
                    .or_else(|| locate(&src.text, "name", &r.name, 0, None))
                    .unwrap_or((0, 1));
                let suggestion = closest_id(m, id);
                let help = match suggestion {
                    Some(s) => format!("did you mean `{s}`? endpoint ids are listed in endpoints.yaml"),
                    None => "use an id from endpoints.yaml (`dockmatrix matrix table kubernetes` lists them)".into(),
                };
                let message =
                    format!("Kubernetes {} calls endpoint `{id}`, which endpoints.yaml does not have", r.name);
                return Err(src.error_at(off, len, message, Some(help)));
            }
        }
    }
    Ok(())
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// The known endpoint id nearest to `id` by edit distance, when it is close enough to be a typo.
fn closest_id<'a>(m: &'a Matrices, id: &str) -> Option<&'a str> {
    m.endpoints
        .endpoints
        .iter()
        .map(|e| (edit_distance(&e.id, id), e.id.as_str()))
        .min()
        .filter(|(d, _)| *d <= 3)
        .map(|(_, s)| s)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push((prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use crate::matrix::load::MatrixSources;

    /// The built-in matrices with one file's text changed, loaded; the rendered error.
    fn broken(file: &str, from: &str, to: &str) -> String {
        let mut s = MatrixSources::built_in();
        let target = match file {
            "endpoints" => &mut s.endpoints,
            "docker" => &mut s.docker,
            "kubernetes" => &mut s.kubernetes,
            _ => &mut s.probes,
        };
        assert!(target.text.contains(from), "fixture text `{from}` not in {file}");
        target.text = target.text.replacen(from, to, 1);
        target.name = format!("{file}.yaml");
        let err = s.load().expect_err("the change must make the matrices invalid");
        let mut out = String::new();
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .with_width(100)
            .render_report(&mut out, &err)
            .expect("render to string");
        out
    }

    #[test]
    fn built_in_matrices_are_valid() {
        MatrixSources::built_in().load().expect("the committed matrices load");
    }

    #[test]
    fn rejects_unknown_keys() {
        insta::assert_snapshot!(broken("endpoints", "  tag: Config\n", "  tag: Config\n  tga: Config\n"));
    }

    #[test]
    fn rejects_duplicate_ids() {
        insta::assert_snapshot!(broken("endpoints", "- id: config.create\n", "- id: config.list\n"));
    }

    #[test]
    fn rejects_unknown_endpoint_ids_in_kubernetes() {
        insta::assert_snapshot!(broken("kubernetes", "  - container.logs\n", "  - container.log\n"));
    }

    #[test]
    fn rejects_malformed_versions() {
        insta::assert_snapshot!(broken("endpoints", "  first: '1.30'\n", "  first: '1.x'\n"));
    }

    #[test]
    fn explains_unquoted_versions() {
        insta::assert_snapshot!(broken("docker", "  api_version: '1.41'\n", "  api_version: 1.41\n"));
    }

    #[test]
    fn rejects_inverted_ranges() {
        insta::assert_snapshot!(broken(
            "endpoints",
            "  path: /containers/{id}/copy\n  first: '1.4'\n",
            "  path: /containers/{id}/copy\n  first: '1.30'\n"
        ));
    }

    #[test]
    fn rejects_a_docker_release_without_api_version() {
        insta::assert_snapshot!(broken(
            "docker",
            "- version: '20.10'\n  api_version: '1.41'\n",
            "- version: '20.10'\n"
        ));
    }

    #[test]
    fn rejects_a_min_above_the_max() {
        insta::assert_snapshot!(broken(
            "docker",
            "  api_version: '1.41'\n  min_api_version: '1.12'\n",
            "  api_version: '1.41'\n  min_api_version: '1.44'\n"
        ));
    }

    #[test]
    fn rejects_a_capped_rule_without_cap() {
        insta::assert_snapshot!(broken("kubernetes", "    mode: capped\n    cap: '1.31'\n", "    mode: capped\n"));
    }

    #[test]
    fn rejects_unknown_recipe_tokens() {
        insta::assert_snapshot!(broken(
            "probes",
            "    params: {id: $container.exited}",
            "    params: {id: $container.exitted}"
        ));
    }

    #[test]
    fn rejects_a_prune_without_the_run_label() {
        insta::assert_snapshot!(broken(
            "probes",
            r#"filters: '{"label":["dockmatrix.run=$run","dockmatrix.fixture=volume.prune"]}'"#,
            r#"filters: '{"label":["dockmatrix.fixture=volume.prune"]}'"#
        ));
    }

    #[test]
    fn rejects_probe_recipes_for_unknown_classes() {
        insta::assert_snapshot!(broken(
            "probes",
            "  image.search:\n    class: registry\n",
            "  image.search:\n    class: registri\n"
        ));
    }

    #[test]
    fn rejects_yaml_syntax_errors() {
        insta::assert_snapshot!(broken("endpoints", "endpoints:\n", "endpoints: [\n"));
    }
}

//! Semantic checks across the matrices: ids, version ranges, cross-references and scenario variables.

use std::collections::{BTreeSet, HashMap};

use super::error::MatrixError;
use super::load::{MatrixSources, Source, locate, locate_item};
use super::model::{
    FixtureKind, Matrices, Observe, PathMode, SCHEMA_VERSION, Step, base_id, is_variant_name, split_variant,
};
use super::tokens;
use crate::model::{ApiVersion, template};

/// Checks what serde cannot: unique ids, ordered ranges, known versions and references between files.
pub fn validate(m: &Matrices, src: &MatrixSources) -> Result<(), MatrixError> {
    check_schema(&src.endpoints, m.endpoints.schema_version)?;
    check_schema(&src.docker, m.docker.schema_version)?;
    check_schema(&src.kubernetes, m.kubernetes.schema_version)?;
    validate_endpoints(m, &src.endpoints)?;
    validate_docker(m, &src.docker)?;
    validate_kubernetes(m, &src.kubernetes)?;
    check_schema(&src.probes, m.probes.schema_version)?;
    // Variants are checked whole: their endpoint's recipe with theirs over it, as the run sends them.
    let mut expanded = m.clone();
    expanded.expand_variants();
    validate_probes(&expanded, &src.probes)?;
    if let Some(scenarios) = &src.scenarios {
        check_schema(scenarios, m.scenarios.schema_version)?;
        validate_scenarios(m, scenarios)?;
    }
    if let Some(errata) = &src.errata {
        check_schema(errata, m.errata.schema_version)?;
        validate_errata(m, errata)?;
    }
    if let Some(clients) = &src.clients {
        check_schema(clients, m.clients.schema_version)?;
        validate_clients(m, clients)?;
    }
    if let Some(gates) = &src.gates {
        check_schema(gates, m.gates.schema_version)?;
        super::gates::validate(m, &m.gates, gates)?;
    }
    Ok(())
}

/// Every client has a unique name (`kubelet-*` names the kubelets of kubernetes.yaml), a source, at least one flow
/// of known endpoint ids, and a rule whose versions are known and ordered.
fn validate_clients(m: &Matrices, src: &Source) -> Result<(), MatrixError> {
    use super::clients::VersionRule;
    let known = m.endpoints.api_versions;
    let mut names: BTreeSet<String> = BTreeSet::new();
    for c in &m.clients.clients {
        let fail =
            |field: Option<&str>, message: String, help: &str| Err(at(src, "name", &c.name, 0, field, message, help));
        if c.name.is_empty() || !c.name.chars().all(|ch| ch.is_ascii_alphanumeric() || "._+-".contains(ch)) {
            return fail(
                None,
                format!("client name `{}` is not a plain id", c.name),
                "use letters, digits and . _ + -",
            );
        }
        if c.name.starts_with("kubelet-") {
            return fail(
                None,
                format!("client `{}`: kubelet-* names are the kubelets of kubernetes.yaml", c.name),
                "add a kubelet to kubernetes.yaml, or give this client another name",
            );
        }
        if !names.insert(c.name.clone()) {
            return fail(
                None,
                format!("client `{}` is listed twice (or names a kubelet of kubernetes.yaml)", c.name),
                "give each release line its own name",
            );
        }
        if c.source.trim().is_empty() {
            return fail(
                Some("source"),
                format!("client `{}` has no source", c.name),
                "name the repository, file and tag the rule was read from",
            );
        }
        if c.flows.values().all(Vec::is_empty) {
            return fail(
                Some("flows"),
                format!("client `{}` calls nothing", c.name),
                "list the endpoint ids of its main flows",
            );
        }
        let mut versions: Vec<(&str, ApiVersion)> = c.requires.map(|v| ("requires", v)).into_iter().collect();
        match &c.rule {
            VersionRule::Pinned(v) => versions.push(("rule", *v)),
            VersionRule::Negotiate(n) => {
                versions.push(("rule", n.cap));
                if let Some(floor) = n.floor {
                    versions.push(("rule", floor));
                    if floor > n.cap {
                        return fail(
                            Some("rule"),
                            format!("client `{}`: floor {floor} is above cap {}", c.name, n.cap),
                            "a floor is at most the cap",
                        );
                    }
                }
            }
            VersionRule::VersionEndpoint(e) => versions.extend(e.cap.iter().chain(&e.floor).map(|v| ("rule", *v))),
            VersionRule::Try(list) if list.is_empty() => {
                return fail(
                    Some("rule"),
                    format!("client `{}` tries no version", c.name),
                    "list the versions it tries, in order",
                );
            }
            VersionRule::Try(list) => versions.extend(list.iter().map(|v| ("rule", *v))),
            VersionRule::Unversioned => {}
        }
        if let Some((field, v)) = versions.into_iter().find(|(_, v)| !known.contains(*v)) {
            return fail(
                Some(field),
                format!("client `{}`: {v} is not a known API version", c.name),
                "use a version listed in endpoints.yaml api_versions",
            );
        }
        for id in c.flows.values().flatten() {
            if m.endpoint(id).is_none() {
                let anchor = locate(&src.text, "name", &c.name, 0, None).map_or(0, |(o, _)| o);
                let (off, len) = src.text[anchor..].find(id.as_str()).map_or((anchor, 1), |o| (anchor + o, id.len()));
                let help = endpoint_help(m, id);
                return Err(src.error_at(
                    off,
                    len,
                    format!("client `{}` calls unknown endpoint `{id}`", c.name),
                    Some(help),
                ));
            }
        }
        if let VersionRule::Negotiate(n) = &c.rule
            && !n.checked.is_empty()
        {
            if n.floor.is_none() || n.below_floor != super::clients::BelowFloor::StayAtCap {
                return fail(
                    Some("rule"),
                    format!("client `{}` has checked calls without a floor it stays at its cap below", c.name),
                    "checked calls fail below a floor: give the rule a floor and below_floor: stay-at-cap",
                );
            }
            if let Some(id) = n.checked.iter().find(|id| !c.flows.values().flatten().any(|f| f == *id)) {
                return fail(
                    Some("rule"),
                    format!("client `{}` checks `{id}`, which none of its flows calls", c.name),
                    "list in checked only endpoint ids of its flows",
                );
            }
        }
    }
    Ok(())
}

/// Every erratum names a known endpoint, has a unique id and an ordered range.
fn validate_errata(m: &Matrices, src: &Source) -> Result<(), MatrixError> {
    let mut ids = BTreeSet::new();
    for e in &m.errata.errata {
        let (off, len) = locate_key(&src.text, &e.id).unwrap_or((0, 1));
        if !ids.insert(e.id.as_str()) {
            return Err(src.error_at(off, len, format!("erratum `{}` is listed twice", e.id), None));
        }
        if m.endpoint(&e.endpoint).is_none() {
            let help = Some(endpoint_help(m, &e.endpoint));
            return Err(src.error_at(off, len, format!("erratum `{}`: unknown endpoint `{}`", e.id, e.endpoint), help));
        }
        if e.last.is_some_and(|l| l < e.first) {
            return Err(src.error_at(off, len, format!("erratum `{}`: last is before first", e.id), None));
        }
        if !e.pointer.is_empty() && !e.pointer.starts_with('/') {
            let help = Some("JSON pointers start with /, as in /ExecIDs or /Containers/*".to_string());
            return Err(src.error_at(
                off,
                len,
                format!("erratum `{}`: `{}` is not a JSON pointer", e.id, e.pointer),
                help,
            ));
        }
    }
    Ok(())
}

fn validate_scenarios(m: &Matrices, src: &Source) -> Result<(), MatrixError> {
    for (name, scenario) in &m.scenarios.scenarios {
        let at_name = |message: String, help: &str| {
            let (off, len) = locate_key(&src.text, name).unwrap_or((0, 1));
            src.error_at(off, len, message, Some(help.to_string()))
        };
        let valid_name = name.bytes().next().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            && name.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'_');
        if !valid_name {
            return Err(at_name(
                format!("scenario name `{name}` is not lowercase letters, digits, `-` and `_`"),
                "the name becomes part of container names ($name): write it like `lifecycle` or `exec-run`",
            ));
        }
        if scenario.steps.is_empty() {
            return Err(at_name(format!("scenario `{name}` has no steps"), "add steps, or remove the scenario"));
        }
        let captured_in = |var: &str| {
            scenario.steps.iter().chain(&scenario.cleanup).position(|s| s.capture.contains_key(var)).map(|i| i + 1)
        };
        let mut known: BTreeSet<&str> = BTreeSet::new();
        for (section, steps) in [("steps", &scenario.steps), ("cleanup", &scenario.cleanup)] {
            for (index, step) in steps.iter().enumerate() {
                let fail = |needle: &str, message: String, help: String| {
                    let (off, len) = locate_in_step(&src.text, name, section, index, needle)
                        .or_else(|| locate_key(&src.text, name))
                        .unwrap_or((0, 1));
                    src.error_at(off, len, format!("scenario `{name}` {section}[{index}]: {message}"), Some(help))
                };
                check_step(m, step, &known, &captured_in, &fail)?;
                known.extend(step.capture.keys().map(String::as_str));
            }
        }
    }
    Ok(())
}

/// One step: its endpoint, its path parameters, the variables it uses (`known`: captured by earlier steps) and
/// what it captures and matches.
fn check_step(
    m: &Matrices,
    step: &Step,
    known: &BTreeSet<&str>,
    captured_in: &dyn Fn(&str) -> Option<usize>,
    fail: &dyn Fn(&str, String, String) -> MatrixError,
) -> Result<(), MatrixError> {
    let id = step.endpoint.as_str();
    let Some(endpoint) = m.endpoint(id) else {
        return Err(fail(id, format!("unknown endpoint `{id}`"), endpoint_help(m, id)));
    };
    for name in step.params.keys() {
        if !endpoint.path.contains(&format!("{{{name}}}")) {
            let message =
                format!("sets parameter `{name}`, but the path {} of `{id}` has no {{{name}}}", endpoint.path);
            return Err(fail(name, message, "name the parameter as the path writes it".into()));
        }
    }
    for name in path_params(&endpoint.path) {
        if !step.params.contains_key(name) {
            let message = format!("`{id}` needs the path parameter `{name}` ({})", endpoint.path);
            return Err(fail(id, message, format!("add `params: {{{name}: ...}}` to the step")));
        }
    }
    let values = step.request().templates().chain(step.matches.values().flat_map(template::json_strings));
    for value in values {
        for var in template::references(value) {
            if tokens::is_scenario_variable(var) || known.contains(var) {
                continue;
            }
            let needle = format!("${var}");
            return Err(match captured_in(var) {
                Some(n) => fail(
                    &needle,
                    format!("`${var}` is used before it is captured"),
                    format!("step {n} of the scenario captures it: use it only in the steps after that one"),
                ),
                None => fail(
                    &needle,
                    format!("`${var}` is neither a built-in variable nor captured by an earlier step"),
                    format!(
                        "built-in variables: {}; or add `capture: {{{var}: /Pointer}}` to an earlier step",
                        tokens::SCENARIO_VARIABLES.iter().map(|v| format!("${v}")).collect::<Vec<_>>().join(", ")
                    ),
                ),
            });
        }
    }
    for (name, pointer) in &step.capture {
        if !tokens::is_capture_name(name) || tokens::is_scenario_variable(name) {
            let message = format!("cannot capture into `{name}`");
            let help = "capture names are letters, digits and `_`, and not a built-in variable".to_string();
            return Err(fail(name, message, help));
        }
        if !pointer.is_empty() && !pointer.starts_with('/') {
            let message = format!("capture `{name}`: `{pointer}` is not a JSON pointer");
            return Err(fail(pointer, message, "JSON pointers start with /, as in /Id or /State/Pid".into()));
        }
    }
    for pointer in step.matches.keys() {
        if !pointer.is_empty() && !pointer.starts_with('/') {
            let message = format!("match: `{pointer}` is not a JSON pointer");
            return Err(fail(pointer, message, "JSON pointers start with /, as in /State/Running".into()));
        }
    }
    Ok(())
}

/// The `{name}` parameters of a path template.
fn path_params(path: &str) -> impl Iterator<Item = &str> {
    path.split('{').skip(1).filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
}

/// Where `needle` first appears inside list item `index` of `section` (`steps` or `cleanup`) of the scenario
/// `scenario`; offset and length. `None` when the file is not laid out as block YAML there.
fn locate_in_step(text: &str, scenario: &str, section: &str, index: usize, needle: &str) -> Option<(usize, usize)> {
    let lines: Vec<(usize, &str)> = text
        .split_inclusive('\n')
        .scan(0, |off, line| {
            let start = *off;
            *off += line.len();
            Some((start, line))
        })
        .collect();
    let indent = |l: &str| l.len() - l.trim_start().len();
    let blank = |l: &str| l.trim().is_empty() || l.trim_start().starts_with('#');
    let is_key = |l: &str, key: &str| l.trim_start().strip_prefix(key).is_some_and(|r| r.starts_with(':'));
    let top = lines.iter().position(|(_, l)| indent(l) == 0 && is_key(l, "scenarios"))?;
    let s = top + 1 + lines[top + 1..].iter().position(|(_, l)| indent(l) > 0 && is_key(l, scenario))?;
    let s_ind = indent(lines[s].1);
    let mut sec = None;
    for (i, (_, l)) in lines.iter().enumerate().skip(s + 1) {
        if blank(l) {
            continue;
        }
        if indent(l) <= s_ind {
            break;
        }
        if is_key(l, section) {
            sec = Some(i);
            break;
        }
    }
    let sec = sec?;
    let mut items: Vec<usize> = Vec::new();
    let mut item_ind = None;
    let mut end = text.len();
    for (off, l) in lines.iter().skip(sec + 1) {
        if blank(l) {
            continue;
        }
        let dash = l.trim_start().starts_with('-');
        match item_ind {
            None if dash && indent(l) >= indent(lines[sec].1) => item_ind = Some(indent(l)),
            None => return None,
            Some(ind) if indent(l) < ind || (indent(l) == ind && !dash) => {
                end = *off;
                break;
            }
            Some(_) => {}
        }
        if Some(indent(l)) == item_ind && dash {
            items.push(*off);
        }
    }
    let start = *items.get(index)?;
    let stop = items.get(index + 1).copied().unwrap_or(end);
    let found = text[start..stop].find(needle).map(|i| (start + i, needle.len()));
    found.or_else(|| Some((start, text[start..stop].find('\n').unwrap_or(stop - start).max(1))))
}

fn validate_probes(m: &Matrices, src: &Source) -> Result<(), MatrixError> {
    for (id, recipe) in &m.probes.probes {
        if let Some((base, name)) = split_variant(id) {
            let well_formed = id.ends_with(']') && is_variant_name(name);
            if !well_formed || m.endpoint(base).is_none() {
                let (off, len) = locate_key(&src.text, id).unwrap_or((0, 1));
                let message = if well_formed {
                    format!("`{id}` is a variant of `{base}`, which is not an endpoint")
                } else {
                    format!("`{id}` is not a variant id")
                };
                let help = match closest_id(m, base) {
                    Some(s) if well_formed => {
                        format!("did you mean `{s}[{name}]`? endpoint ids are listed in endpoints.yaml")
                    }
                    _ => "write a variant as `endpoint.id[name]`, the name lowercase words joined by `-`".into(),
                };
                return Err(src.error_at(off, len, message, Some(help)));
            }
        }
        check_recipe(m, src, id, recipe, &|| locate_key(&src.text, id).unwrap_or((0, 1)))?;
    }
    // The refusals' recipes follow the same rules, found in the text after `refusals:`.
    let section = src.text.find("\nrefusals:").map_or(src.text.len(), |o| o + 1);
    for (id, kinds) in &m.probes.refusals {
        let here = || {
            locate_key(&src.text[section..], id)
                .map_or((section.min(src.text.len().saturating_sub(1)), 1), |(o, l)| (section + o, l))
        };
        for recipe in kinds.values() {
            check_recipe(m, src, id, recipe, &here)?;
        }
    }
    Ok(())
}

/// The rules of one recipe of endpoint `id` (a probe's or a refusal's): the endpoint exists, its class is defined,
/// its tokens are known, a prune filters on the run, a hijack expects something, its parameters are the path's.
/// `here` locates the recipe in the text.
fn check_recipe(
    m: &Matrices,
    src: &Source,
    id: &str,
    recipe: &crate::matrix::model::Recipe,
    here: &dyn Fn() -> (usize, usize),
) -> Result<(), MatrixError> {
    let Some(endpoint) = m.endpoint(id) else {
        let (off, len) = here();
        return Err(src.error_at(
            off,
            len,
            format!("probe recipe for unknown endpoint `{id}`"),
            Some(endpoint_help(m, id)),
        ));
    };
    if let Some(class) = &recipe.class
        && !m.probes.classes.contains_key(class)
    {
        let (off, len) = here();
        let known: Vec<&str> = m.probes.classes.keys().map(String::as_str).collect();
        return Err(src.error_at(
            off,
            len,
            format!("`{id}` is in class `{class}`, which `classes` does not define"),
            Some(format!("define it under classes, or use one of: {}", known.join(", "))),
        ));
    }
    if let Some(token) = recipe.values().into_iter().flat_map(tokens::unknown_tokens).next() {
        let (off, len) = here();
        let known: Vec<String> = tokens::TOKENS.iter().map(|(t, _)| format!("${t}")).collect();
        return Err(src.error_at(
            off,
            len,
            format!("`{id}` uses `${token}`, which is not a recipe token"),
            Some(format!("tokens: {}", known.join(", "))),
        ));
    }
    // Safety: a prune may only ever remove the run's own objects, so it must filter on a label naming the run.
    // One label, not two: Podman 4.3 ORs the clauses of a label filter where dockerd ANDs them.
    if base_id(id).ends_with(".prune")
        && recipe.class.is_none()
        && recipe.skip.is_none()
        && !recipe.query.get("filters").is_some_and(|f| {
            let labels = serde_json::from_str::<serde_json::Value>(f).ok().and_then(|v| v.get("label").cloned());
            let labels: Vec<&str> =
                labels.as_ref().and_then(|l| l.as_array()).into_iter().flatten().filter_map(|l| l.as_str()).collect();
            labels.len() == 1 && (labels[0] == "dockmatrix.run=$run" || labels[0].starts_with("dockmatrix.key=$run/"))
        })
    {
        let (off, len) = here();
        return Err(src.error_at(
            off,
            len,
            format!("`{id}` prunes without a single label filter naming the run"),
            Some(
                r#"add query filters: '{"label":["dockmatrix.key=$run/<fixture role>"]}' (one label: Podman ORs several), or put it in an opt-in class"#
                    .into(),
            ),
        ));
    }
    if let Some(key) = recipe.observe.keys().find(|k| !Observe::is_key(k)) {
        let (off, len) = here();
        return Err(src.error_at(
            off,
            len,
            format!("`{id}` observes `{key}`, which is not a JSON pointer, a header or the status"),
            Some("write `/Path/To/Field` (`*` for every item), `header:Content-Type` or `status`".into()),
        ));
    }
    if recipe.follow.is_some() && recipe.observe.is_empty() {
        let (off, len) = here();
        return Err(src.error_at(
            off,
            len,
            format!("`{id}` follows its answer with a read but observes nothing in it"),
            Some("add `observe:` with what to keep of the read, or drop `follow:`".into()),
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
    if let Some(pool) = &recipe.pool
        && (recipe.serial
            || !matches!(
                recipe.fixture,
                Some(
                    FixtureKind::Running
                        | FixtureKind::Stopped
                        | FixtureKind::Paused
                        | FixtureKind::PluginEnabled
                        | FixtureKind::PluginDisabled
                )
            ) && !recipe.fixture.is_some_and(FixtureKind::is_swarm_state))
    {
        let (off, len) = here();
        return Err(src.error_at(
            off,
            len,
            format!(
                "`{id}` is in pool `{pool}`, but a pool shares a container, a plugin or the swarm moved between states"
            ),
            Some(
                "give it `fixture: running`, `stopped`, `paused`, `plugin-enabled`, `plugin-disabled` or a swarm state \
                 (`swarm-free`, `swarm-member`, `swarm-joinable`, `swarm-locked`) and no `serial`, or drop `pool`"
                    .into(),
            ),
        ));
    }
    if recipe.fixture == Some(FixtureKind::Events) && !recipe.serial {
        let (off, len) = here();
        return Err(src.error_at(
            off,
            len,
            format!("`{id}` reads a window of events while other probes run"),
            Some(
                "give it `serial: true`: dockerd keeps only its last 256 events, and others' events push them out"
                    .into(),
            ),
        ));
    }
    if recipe.fixture.is_some_and(FixtureKind::is_swarm_state)
        && !(recipe.after_sweep && recipe.class.as_deref() == Some("swarm"))
    {
        let (off, len) = here();
        return Err(src.error_at(
            off,
            len,
            format!("`{id}` joins or leaves the swarm the other probes of the run use"),
            Some("give it `class: swarm` and `after_sweep: true`, so it runs when they are done".into()),
        ));
    }
    if recipe.fixture == Some(FixtureKind::SwarmWorker) && !recipe.serial {
        let (off, len) = here();
        return Err(src.error_at(
            off,
            len,
            format!("`{id}` moves the one swarm peer in and out of the run's swarm"),
            Some("give it `serial: true`, so its cases run one after another".into()),
        ));
    }
    for name in recipe.params.keys() {
        if !endpoint.path.contains(&format!("{{{name}}}")) {
            let (off, len) = here();
            return Err(src.error_at(
                off,
                len,
                format!("`{id}` sets parameter `{name}`, but its path {} has no {{{name}}}", endpoint.path),
                Some("name the parameter as the path writes it".into()),
            ));
        }
    }
    // Every request a recipe sends is a real one: a path parameter left as `{name}` would probe a route nobody calls.
    if recipe.skip.is_none()
        && let Some(name) = path_params(&endpoint.path).find(|p| !recipe.params.contains_key(*p))
    {
        let (off, len) = here();
        return Err(src.error_at(
            off,
            len,
            format!("`{id}` leaves {{{name}}} of {} unfilled", endpoint.path),
            Some(format!(
                "set params: {{{name}: ...}} (a fixture's token, or $missing), or give the recipe a `skip:` saying why"
            )),
        ));
    }
    let uses_version = recipe.values().into_iter().any(|v| tokens::used(v).contains(&"version"));
    if recipe.current && !endpoint.path.ends_with("/update") || uses_version && !recipe.current {
        let (off, len) = here();
        return Err(src.error_at(
            off,
            len,
            format!("`{id}`: `current: true` reads the object an update changes, and `$version` is what it read"),
            Some("use `current: true` with `query: {version: $version}`, on an `.../update` endpoint only".into()),
        ));
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
/// The help for an endpoint id that endpoints.yaml does not have: the closest id, and always the file, since the
/// mistake may be in endpoints.yaml rather than in the file that names the id.
fn endpoint_help(m: &Matrices, id: &str) -> String {
    match closest_id(m, id) {
        Some(s) => format!("did you mean `{s}`? endpoint ids are listed in {}", super::load::ENDPOINTS_FILE),
        None => format!("use an id from {}", super::load::ENDPOINTS_FILE),
    }
}

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
    use crate::matrix::MatrixError;
    use crate::matrix::load::{
        CLIENTS_FILE, DOCKER_FILE, ENDPOINTS_FILE, GATES_FILE, KUBERNETES_FILE, MatrixSources, PROBES_FILE,
        SCENARIOS_FILE, Source,
    };
    use crate::matrix::model::Matrices;
    use crate::model::RefusalKind;

    /// The endpoints every small document of these tests may refer to.
    const ENDPOINTS: &str = "\
schema_version: 1
api_versions:
  first: '1.24'
  last: '1.41'
endpoints:
- id: system.version
  method: GET
  path: /version
  first: '1.24'
  tag: System
  summary: Get version
- id: container.create
  method: POST
  path: /containers/create
  first: '1.24'
  tag: Container
  summary: Create a container
- id: container.start
  method: POST
  path: /containers/{id}/start
  first: '1.24'
  tag: Container
  summary: Start a container
- id: volume.prune
  method: POST
  path: /volumes/prune
  first: '1.25'
  tag: Volume
  summary: Delete unused volumes
";
    /// No Docker releases.
    const DOCKER: &str = "schema_version: 1\nreleases: []\n";
    /// No Kubernetes releases.
    const KUBERNETES: &str = "schema_version: 1\nreleases: []\n";
    /// No probe recipes.
    const PROBES: &str = "schema_version: 1\nprobes: {}\n";

    /// The small valid documents above with the `(file name, text)` pairs of `files` in their place; scenarios.yaml
    /// only when `files` gives one.
    fn sources(files: &[(&str, &str)]) -> MatrixSources {
        let names =
            [ENDPOINTS_FILE, DOCKER_FILE, KUBERNETES_FILE, PROBES_FILE, SCENARIOS_FILE, CLIENTS_FILE, GATES_FILE];
        for (name, _) in files {
            assert!(names.contains(name), "no matrix file is called {name}");
        }
        let given = |name: &str| files.iter().find(|(f, _)| *f == name).map(|(_, text)| *text);
        let source = |name: &str, text: &str| Source { name: name.to_string(), text: text.to_string() };
        let file = |name: &str, default: &str| source(name, given(name).unwrap_or(default));
        MatrixSources {
            endpoints: file(ENDPOINTS_FILE, ENDPOINTS),
            docker: file(DOCKER_FILE, DOCKER),
            kubernetes: file(KUBERNETES_FILE, KUBERNETES),
            probes: file(PROBES_FILE, PROBES),
            scenarios: given(SCENARIOS_FILE).map(|text| source(SCENARIOS_FILE, text)),
            errata: None,
            clients: given(CLIENTS_FILE).map(|text| source(CLIENTS_FILE, text)),
            gates: given(GATES_FILE).map(|text| source(GATES_FILE, text)),
        }
    }

    /// Loads [`sources`].
    fn load(files: &[(&str, &str)]) -> Result<Matrices, MatrixError> {
        sources(files).load()
    }

    /// What an invalid-matrix error says, as the tests compare it.
    #[derive(Debug, PartialEq)]
    struct Invalid {
        /// `file:line:column` of the start of the span, counted here from its byte offset.
        at: String,
        /// The text the span covers.
        marked: String,
        /// What is wrong.
        message: String,
        /// How to fix it.
        help: Option<String>,
    }

    /// The error of loading [`sources`], which must be an invalid-matrix one.
    fn invalid(files: &[(&str, &str)]) -> Invalid {
        let s = sources(files);
        let err = s.load().expect_err("the matrices must be invalid");
        let MatrixError::Invalid(e) = err else { panic!("not an invalid-matrix error: {err}") };
        let text = [&s.endpoints, &s.docker, &s.kubernetes, &s.probes]
            .into_iter()
            .chain(&s.scenarios)
            .chain(&s.clients)
            .chain(&s.gates)
            .find(|source| source.name == e.file)
            .map(|source| source.text.as_str())
            .unwrap_or_else(|| panic!("the error names {}, which is none of the files", e.file));
        let (offset, len) = (e.span.offset(), e.span.len());
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().unwrap_or_default().chars().count() + 1;
        assert_eq!((e.line, e.column), (line, column), "the line:column in the message is where the span starts");
        Invalid {
            at: format!("{}:{line}:{column}", e.file),
            marked: text[offset..offset + len].to_string(),
            message: e.message,
            help: e.help,
        }
    }

    /// The help for a key serde does not know.
    const UNKNOWN_KEY_HELP: &str = "remove the key or correct its spelling; the expected keys are listed above";

    /// `err` as the binary prints it, without colours.
    fn render(err: &MatrixError) -> String {
        let mut out = String::new();
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .with_width(100)
            .render_report(&mut out, err)
            .expect("render to string");
        out
    }

    #[test]
    fn built_in_matrices_are_valid() {
        MatrixSources::built_in().load().expect("the committed matrices load");
    }

    #[test]
    fn rejects_unknown_keys() {
        let endpoints = "\
schema_version: 1
api_versions:
  first: '1.24'
  last: '1.41'
endpoints:
- id: system.version
  method: GET
  path: /version
  first: '1.24'
  tga: System
  summary: Get version
";
        assert_eq!(
            invalid(&[(ENDPOINTS_FILE, endpoints)]),
            Invalid {
                at: "endpoints.yaml:10:3".into(),
                marked: "tga: System".into(),
                message: "endpoints[0].tga: unknown field `tga`, expected one of `id`, `method`, `path`, `first`, \
                          `last`, `tag`, `operation_id`, `summary`, `notes`"
                    .into(),
                help: Some(UNKNOWN_KEY_HELP.into()),
            }
        );
    }

    #[test]
    fn rejects_duplicate_ids() {
        let endpoints = "\
schema_version: 1
api_versions:
  first: '1.24'
  last: '1.41'
endpoints:
- id: container.list
  method: GET
  path: /containers/json
  first: '1.24'
  tag: Container
  summary: List containers
- id: container.list
  method: POST
  path: /containers/create
  first: '1.24'
  tag: Container
  summary: Create a container
";
        assert_eq!(
            invalid(&[(ENDPOINTS_FILE, endpoints)]),
            Invalid {
                at: "endpoints.yaml:12:7".into(),
                marked: "container.list".into(),
                message: "duplicate endpoint id `container.list`".into(),
                help: Some("every endpoint needs its own id: rename or remove one".into()),
            }
        );
    }

    #[test]
    fn rejects_unknown_endpoint_ids_in_kubernetes() {
        let kubernetes = "\
schema_version: 1
releases:
- name: '1.23'
  client: github.com/docker/docker v20.10.2
  min_api_version: '1.24'
  path_version:
    mode: unversioned
  source: kubernetes/kubernetes v1.23.0
  endpoints:
  - system.version
  - container.strat
";
        assert_eq!(
            invalid(&[(KUBERNETES_FILE, kubernetes)]),
            Invalid {
                at: "kubernetes.yaml:11:5".into(),
                marked: "container.strat".into(),
                message: "Kubernetes 1.23 calls endpoint `container.strat`, which endpoints.yaml does not have".into(),
                help: Some("did you mean `container.start`? endpoint ids are listed in endpoints.yaml".into()),
            }
        );
    }

    #[test]
    fn rejects_malformed_versions() {
        let endpoints = "\
schema_version: 1
api_versions:
  first: '1.24'
  last: '1.41'
endpoints:
- id: system.version
  method: GET
  path: /version
  first: '1.x'
  tag: System
  summary: Get version
";
        assert_eq!(
            invalid(&[(ENDPOINTS_FILE, endpoints)]),
            Invalid {
                at: "endpoints.yaml:9:10".into(),
                marked: "'1.x'".into(),
                message: "endpoints[0].first: `1.x` is not an API version: write it as MAJOR.MINOR, for example 1.41"
                    .into(),
                help: None,
            }
        );
    }

    #[test]
    fn explains_unquoted_versions() {
        let docker = "\
schema_version: 1
releases:
- version: '20.10'
  api_version: 1.41
  min_api_version: '1.24'
  released: 2020-12-09
";
        assert_eq!(
            invalid(&[(DOCKER_FILE, docker)]),
            Invalid {
                at: "docker.yaml:4:16".into(),
                marked: "1.41".into(),
                message: "releases[0].api_version: API version 1.41 is a number, and YAML reads 1.40 as 1.4: quote \
                          it, for example \"1.40\""
                    .into(),
                help: None,
            }
        );
    }

    #[test]
    fn rejects_inverted_ranges() {
        let endpoints = "\
schema_version: 1
api_versions:
  first: '1.24'
  last: '1.41'
endpoints:
- id: container.copy
  method: POST
  path: /containers/{id}/copy
  first: '1.30'
  last: '1.25'
  tag: Container
  summary: Copy files from a container
";
        assert_eq!(
            invalid(&[(ENDPOINTS_FILE, endpoints)]),
            Invalid {
                at: "endpoints.yaml:10:9".into(),
                marked: "'1.25'".into(),
                message: "version range of `container.copy` is inverted: first 1.30 is after last 1.25".into(),
                help: Some("first is the first API version that defines the endpoint, last the last one".into()),
            }
        );
    }

    #[test]
    fn rejects_a_docker_release_without_api_version() {
        let docker = "\
schema_version: 1
releases:
- version: '19.03'
  api_version: '1.40'
  min_api_version: '1.24'
  released: 2019-07-22
- version: '20.10'
  min_api_version: '1.24'
  released: 2020-12-09
";
        assert_eq!(
            invalid(&[(DOCKER_FILE, docker)]),
            Invalid {
                at: "docker.yaml:7:3".into(),
                marked: "version: '20.10'".into(),
                message: "releases[1]: missing field `api_version`".into(),
                help: Some("add the missing key to this entry".into()),
            }
        );
    }

    #[test]
    fn rejects_a_min_above_the_max() {
        let docker = "\
schema_version: 1
releases:
- version: '19.03'
  api_version: '1.40'
  min_api_version: '1.41'
  released: 2019-07-22
";
        assert_eq!(
            invalid(&[(DOCKER_FILE, docker)]),
            Invalid {
                at: "docker.yaml:5:20".into(),
                marked: "'1.41'".into(),
                message: "Docker 19.03: min_api_version 1.41 is above api_version 1.40".into(),
                help: Some("api_version is the maximum the release serves, min_api_version its default minimum".into()),
            }
        );
    }

    #[test]
    fn rejects_a_capped_rule_without_cap() {
        let kubernetes = "\
schema_version: 1
releases:
- name: '1.23'
  client: github.com/docker/docker v20.10.2
  min_api_version: '1.24'
  path_version:
    mode: capped
  source: kubernetes/kubernetes v1.23.0
  endpoints:
  - system.version
";
        assert_eq!(
            invalid(&[(KUBERNETES_FILE, kubernetes)]),
            Invalid {
                at: "kubernetes.yaml:7:11".into(),
                marked: "capped".into(),
                message: "Kubernetes 1.23: path_version mode capped needs a cap".into(),
                help: Some("add `cap: \"1.41\"` (the client's default API version) under path_version".into()),
            }
        );
    }

    #[test]
    fn rejects_unknown_recipe_tokens() {
        let probes = "\
schema_version: 1
probes:
  system.version: {}
  container.start:
    params: {id: $container.exitted}
";
        let Invalid { at, marked, message, help } = invalid(&[(PROBES_FILE, probes)]);
        assert_eq!(
            (at.as_str(), marked.as_str(), message.as_str()),
            (
                "probes.yaml:4:3",
                "container.start",
                "`container.start` uses `$container.exitted`, which is not a recipe token"
            )
        );
        // The help lists every token; the list grows with the fixtures, so only its start and one entry are pinned.
        let help = help.expect("a help");
        assert!(help.starts_with("tokens: $missing, $now, $run, $name, "), "{help}");
        assert!(help.contains(", $container.exited, "), "{help}");
    }

    #[test]
    fn rejects_a_prune_without_the_run_label() {
        let probes = |filters: &str| {
            "\
schema_version: 1
probes:
  system.version: {}
  volume.prune:
    query: {filters: 'FILTERS'}
"
            .replace("FILTERS", filters)
        };
        let two_labels = probes(r#"{"label":["dockmatrix.run=$run","dockmatrix.fixture=volume.prune"]}"#);
        assert_eq!(
            invalid(&[(PROBES_FILE, &two_labels)]),
            Invalid {
                at: "probes.yaml:4:3".into(),
                marked: "volume.prune".into(),
                message: "`volume.prune` prunes without a single label filter naming the run".into(),
                help: Some(
                    r#"add query filters: '{"label":["dockmatrix.key=$run/<fixture role>"]}' (one label: Podman ORs several), or put it in an opt-in class; `volume.prune` is POST /volumes/prune in endpoints.yaml:24"#
                        .into()
                ),
            }
        );
        let one_label = probes(r#"{"label":["dockmatrix.key=$run/volume.prune"]}"#);
        load(&[(PROBES_FILE, &one_label)]).expect("one label naming the run is a safe prune");
    }

    #[test]
    fn a_variant_is_its_endpoint_recipe_with_its_own_fields_over_it_checked_whole() {
        let probes = |variant: &str| {
            format!(
                "schema_version: 1\nprobes:\n  volume.prune:\n    query: {{filters: '{{\"label\":[\"dockmatrix.key=$run/v\"]}}'}}\n    serial: true\n{variant}"
            )
        };
        let m = load(&[(
            PROBES_FILE,
            &probes("  volume.prune[all]:\n    query: {all: '1'}\n    observe: {status: value}\n"),
        )])
        .expect("a variant of a known endpoint");
        let ids: Vec<&str> = m.endpoints.endpoints.iter().map(|e| e.id.as_str()).collect();
        let at = ids.iter().position(|id| *id == "volume.prune").expect("the endpoint");
        assert_eq!(ids[at + 1], "volume.prune[all]", "right after its endpoint");
        let e = m.endpoint("volume.prune[all]").expect("an endpoint of its own");
        assert_eq!(
            (e.method, e.path.as_str(), e.base_id()),
            (crate::model::Method::Post, "/volumes/prune", "volume.prune")
        );
        let r = &m.probes.probes["volume.prune[all]"];
        assert_eq!(r.query.keys().collect::<Vec<_>>(), ["all", "filters"], "the endpoint's query, the variant's added");
        assert!(r.serial, "the endpoint's fields it does not set");
        assert_eq!(m.defined_at(crate::model::ApiVersion::new(1, 41)).filter(|e| e.id.contains('[')).count(), 0);

        // Checked whole: a variant that drops the run's label filter is a prune without it.
        let unsafe_prune = probes("  volume.prune[any]:\n    query: {filters: '{}'}\n");
        assert_eq!(
            invalid(&[(PROBES_FILE, &unsafe_prune)]).message,
            "`volume.prune[any]` prunes without a single label filter naming the run"
        );
        let unknown = invalid(&[(PROBES_FILE, &probes("  volume.prunes[x]: {}\n"))]);
        assert_eq!(
            (unknown.marked.as_str(), unknown.message.as_str(), unknown.help.as_deref()),
            (
                "volume.prunes[x]",
                "`volume.prunes[x]` is a variant of `volume.prunes`, which is not an endpoint",
                Some("did you mean `volume.prune[x]`? endpoint ids are listed in endpoints.yaml")
            )
        );
        let malformed = invalid(&[(PROBES_FILE, &probes("  volume.prune[All]: {}\n"))]);
        assert_eq!(malformed.message, "`volume.prune[All]` is not a variant id");
        let bad_key = invalid(&[(PROBES_FILE, &probes("  volume.prune[k]:\n    observe: {SharedSize: kind}\n"))]);
        assert_eq!(
            bad_key.message,
            "`volume.prune[k]` observes `SharedSize`, which is not a JSON pointer, a header or the status"
        );
        let blind = invalid(&[(PROBES_FILE, &probes("  volume.prune[f]:\n    follow: /volumes/$created\n"))]);
        assert_eq!(blind.message, "`volume.prune[f]` follows its answer with a read but observes nothing in it");
    }

    #[test]
    fn a_pool_is_only_for_containers_moved_between_states() {
        let probes =
            |recipe: &str| format!("schema_version: 1\nprobes:\n  system.version: {{}}\n  container.start: {recipe}\n");
        let created = probes("{params: {id: $container}, fixture: created, pool: power}");
        let err = invalid(&[(PROBES_FILE, &created)]);
        assert_eq!(err.at, "probes.yaml:4:3");
        assert_eq!(
            err.message,
            "`container.start` is in pool `power`, but a pool shares a container, a plugin or the swarm moved between \
             states"
        );
        assert_eq!(
            err.help.as_deref(),
            Some(
                "give it `fixture: running`, `stopped`, `paused`, `plugin-enabled`, `plugin-disabled` or a swarm state \
                 (`swarm-free`, `swarm-member`, `swarm-joinable`, `swarm-locked`) and no `serial`, or drop `pool`; `container.start` is POST /containers/{id}/start in endpoints.yaml:18"
            )
        );
        let serial = probes("{params: {id: $container}, fixture: stopped, pool: power, serial: true}");
        assert_eq!(invalid(&[(PROBES_FILE, &serial)]).at, "probes.yaml:4:3");
        load(&[(PROBES_FILE, &probes("{params: {id: $container}, fixture: stopped, pool: power}"))])
            .expect("a stopped container can be pooled");
    }

    #[test]
    fn a_swarm_state_fixture_is_sent_after_the_sweep_in_the_swarm_class() {
        let probes = |recipe: &str| {
            format!(
                "schema_version: 1\nclasses:\n  swarm: {{reason: x}}\nprobes:\n  system.version: {{}}\n  container.start: \
                 {recipe}\n"
            )
        };
        let early = probes("{class: swarm, fixture: swarm-free}");
        let err = invalid(&[(PROBES_FILE, &early)]);
        assert_eq!(err.at, "probes.yaml:6:3");
        assert_eq!(err.message, "`container.start` joins or leaves the swarm the other probes of the run use");
        load(&[(
            PROBES_FILE,
            &probes("{class: swarm, params: {id: $missing}, fixture: swarm-free, after_sweep: true, pool: swarm}"),
        )])
        .expect("a swarm state fixture after the sweep");
    }

    #[test]
    fn refusals_follow_the_rules_of_probe_recipes_and_are_located_under_their_section() {
        let probes = |refusal: &str| {
            "\
schema_version: 1
probes:
  system.version: {}
  volume.prune:
    query: {filters: '{\"label\":[\"dockmatrix.key=$run/volume.prune\"]}'}
refusals:
  REFUSAL
"
            .replace("REFUSAL", refusal)
        };
        let unguarded =
            probes(r#"volume.prune: {filters-unknown-key: {query: {filters: '{"dockmatrix-unknown":["x"]}'}}}"#);
        let err = invalid(&[(PROBES_FILE, &unguarded)]);
        assert_eq!((err.at.as_str(), err.marked.as_str()), ("probes.yaml:7:3", "volume.prune"));
        assert_eq!(err.message, "`volume.prune` prunes without a single label filter naming the run");
        let unknown = probes("volume.prnue: {filters-not-json: {query: {filters: not-json}}}");
        let err = invalid(&[(PROBES_FILE, &unknown)]);
        assert_eq!(err.message, "probe recipe for unknown endpoint `volume.prnue`");
        assert_eq!(err.help.as_deref(), Some("did you mean `volume.prune`? endpoint ids are listed in endpoints.yaml"));
        let bad_kind = probes("volume.prune: {filters-bad: {query: {filters: not-json}}}");
        let err = load(&[(PROBES_FILE, &bad_kind)]).expect_err("an unknown kind");
        assert!(render(&err).contains("filters-bad"), "{}", render(&err));
        let guarded = probes(
            r#"volume.prune: {filters-unknown-key: {query: {filters: '{"dockmatrix-unknown":["x"],"label":["dockmatrix.key=$run/r"]}'}}}"#,
        );
        let m = load(&[(PROBES_FILE, &guarded)]).expect("a guarded malformed prune is safe");
        assert_eq!(
            m.probes.refusals["volume.prune"].keys().copied().collect::<Vec<_>>(),
            [RefusalKind::FiltersUnknownKey]
        );
    }

    #[test]
    fn clients_need_a_unique_name_a_source_known_endpoints_and_ordered_versions() {
        let file = |entry: &str| format!("schema_version: 1\nclients:\n{entry}");
        let ok = "- name: tool-1.0\n  family: tool\n  covers: '1.0'\n  rule: {pinned: '1.24'}\n  source: a/b f.go @ v1\n  flows:\n    run: [system.version]\n";
        let m = load(&[(CLIENTS_FILE, &file(ok))]).expect("a valid client");
        assert_eq!(m.clients.clients[0].rule, crate::matrix::VersionRule::Pinned(crate::model::ApiVersion::new(1, 24)));
        let err = invalid(&[(CLIENTS_FILE, &file(&ok.replace("system.version", "system.verison")))]);
        assert_eq!(err.message, "client `tool-1.0` calls unknown endpoint `system.verison`");
        assert_eq!(
            err.help.as_deref(),
            Some("did you mean `system.version`? endpoint ids are listed in endpoints.yaml")
        );
        assert_eq!(err.marked, "system.verison");
        let err = invalid(&[(CLIENTS_FILE, &file(&format!("{ok}{ok}")))]);
        assert!(err.message.contains("is listed twice"), "{}", err.message);
        let kubelet = ok.replace("tool-1.0", "kubelet-1.23");
        let err = invalid(&[(CLIENTS_FILE, &file(&kubelet))]);
        assert_eq!(err.message, "client `kubelet-1.23`: kubelet-* names are the kubelets of kubernetes.yaml");
        let err = invalid(&[(CLIENTS_FILE, &file(&ok.replace("a/b f.go @ v1", "''")))]);
        assert_eq!(err.message, "client `tool-1.0` has no source");
        let inverted = ok.replace("{pinned: '1.24'}", "{negotiate: {cap: '1.41', floor: '1.44'}}");
        assert_eq!(
            invalid(&[(CLIENTS_FILE, &file(&inverted))]).message,
            "client `tool-1.0`: floor 1.44 is above cap 1.41"
        );
        let unknown = ok.replace("'1.24'", "'1.99'");
        assert_eq!(
            invalid(&[(CLIENTS_FILE, &file(&unknown))]).message,
            "client `tool-1.0`: 1.99 is not a known API version"
        );
        let checked = |rule: &str| ok.replace("{pinned: '1.24'}", rule);
        let m = load(&[(
            CLIENTS_FILE,
            &file(&checked(
                "{negotiate: {cap: '1.41', floor: '1.24', below_floor: stay-at-cap, checked: [system.version]}}",
            )),
        )])
        .expect("a checked call of a flow");
        let crate::matrix::VersionRule::Negotiate(n) = &m.clients.clients[0].rule else { panic!("a negotiate rule") };
        assert_eq!(n.checked, ["system.version"]);
        assert_eq!(
            invalid(&[(
                CLIENTS_FILE,
                &file(&checked("{negotiate: {cap: '1.41', floor: '1.24', checked: [image.list]}}"))
            )])
            .message,
            "client `tool-1.0` checks `image.list`, which none of its flows calls"
        );
        for rule in [
            "{negotiate: {cap: '1.41', checked: [system.version]}}",
            "{negotiate: {cap: '1.41', floor: '1.24', below_floor: refuse, checked: [system.version]}}",
        ] {
            assert_eq!(
                invalid(&[(CLIENTS_FILE, &file(&checked(rule)))]).message,
                "client `tool-1.0` has checked calls without a floor it stays at its cap below",
                "{rule}"
            );
        }
        let word = ok.replace("{pinned: '1.24'}", "unversioned");
        assert_eq!(
            load(&[(CLIENTS_FILE, &file(&word))]).expect("a word rule").clients.clients[0].rule,
            crate::matrix::VersionRule::Unversioned
        );
    }

    #[test]
    fn a_window_of_events_is_read_with_nothing_in_flight() {
        let probes = "\
schema_version: 1
probes:
  system.version:
    fixture: events
    query: {since: $window.since}
";
        let err = invalid(&[(PROBES_FILE, probes)]);
        assert_eq!(
            (err.at.as_str(), err.message.as_str()),
            ("probes.yaml:3:3", "`system.version` reads a window of events while other probes run")
        );
        assert!(err.help.as_deref().is_some_and(|h| h.starts_with("give it `serial: true`")), "{err:?}");
        let serial = probes.replace("fixture: events", "fixture: events\n    serial: true");
        assert!(sources(&[(PROBES_FILE, &serial)]).load().is_ok(), "serial, it loads");
    }

    #[test]
    fn rejects_probe_recipes_for_unknown_classes() {
        let probes = "\
schema_version: 1
classes:
  registry:
    reason: reaches a registry outside this machine
  swarm:
    reason: changes the daemon's swarm state
probes:
  system.version: {}
  container.create:
    class: registri
";
        assert_eq!(
            invalid(&[(PROBES_FILE, probes)]),
            Invalid {
                at: "probes.yaml:9:3".into(),
                marked: "container.create".into(),
                message: "`container.create` is in class `registri`, which `classes` does not define".into(),
                help: Some("define it under classes, or use one of: registry, swarm; `container.create` is POST /containers/create in endpoints.yaml:12".into()),
            }
        );
    }

    #[test]
    fn rejects_unknown_endpoints_in_scenarios() {
        let scenarios = "\
schema_version: 1
scenarios:
  smoke:
    steps:
    - endpoint: system.version
    - endpoint: container.strat
      params: {id: $missing}
";
        assert_eq!(
            invalid(&[(SCENARIOS_FILE, scenarios)]),
            Invalid {
                at: "scenarios.yaml:6:17".into(),
                marked: "container.strat".into(),
                message: "scenario `smoke` steps[1]: unknown endpoint `container.strat`".into(),
                help: Some("did you mean `container.start`? endpoint ids are listed in endpoints.yaml".into()),
            }
        );
    }

    #[test]
    fn rejects_a_captured_value_used_before_it_is_captured() {
        let scenarios = "\
schema_version: 1
scenarios:
  lifecycle:
    steps:
    - endpoint: container.start
      params: {id: $id}
    - endpoint: container.create
      capture: {id: /Id}
";
        assert_eq!(
            invalid(&[(SCENARIOS_FILE, scenarios)]),
            Invalid {
                at: "scenarios.yaml:6:20".into(),
                marked: "$id".into(),
                message: "scenario `lifecycle` steps[0]: `$id` is used before it is captured".into(),
                help: Some("step 2 of the scenario captures it: use it only in the steps after that one".into()),
            }
        );
    }

    #[test]
    fn rejects_variables_nobody_captures() {
        let scenarios = "\
schema_version: 1
scenarios:
  lifecycle:
    steps:
    - endpoint: container.create
      capture: {id: /Id}
    - endpoint: container.start
      params: {id: $idd}
";
        assert_eq!(
            invalid(&[(SCENARIOS_FILE, scenarios)]),
            Invalid {
                at: "scenarios.yaml:8:20".into(),
                marked: "$idd".into(),
                message: "scenario `lifecycle` steps[1]: `$idd` is neither a built-in variable nor captured by an \
                          earlier step"
                    .into(),
                help: Some(
                    "built-in variables: $image, $run, $label, $name, $missing, $now; or add \
                     `capture: {idd: /Pointer}` to an earlier step"
                        .into()
                ),
            }
        );
    }

    #[test]
    fn rejects_unknown_keys_in_scenario_steps() {
        let scenarios = "\
schema_version: 1
scenarios:
  smoke:
    steps:
    - endpoint: container.create
      expected: [201]
";
        assert_eq!(
            invalid(&[(SCENARIOS_FILE, scenarios)]),
            Invalid {
                at: "scenarios.yaml:6:7".into(),
                marked: "expected: [201]".into(),
                message: "scenarios.smoke.steps[0].expected: unknown field `expected`, expected one of `endpoint`, \
                          `params`, `query`, `body`, `expect`, `capture`, `match`"
                    .into(),
                help: Some(UNKNOWN_KEY_HELP.into()),
            }
        );
    }

    #[test]
    fn rejects_steps_without_their_path_parameters() {
        let scenarios = "\
schema_version: 1
scenarios:
  smoke:
    steps:
    - endpoint: container.create
      capture: {id: /Id}
    - endpoint: container.start
      query: {detachKeys: ctrl-p}
";
        assert_eq!(
            invalid(&[(SCENARIOS_FILE, scenarios)]),
            Invalid {
                at: "scenarios.yaml:7:17".into(),
                marked: "container.start".into(),
                message: "scenario `smoke` steps[1]: `container.start` needs the path parameter `id` \
                          (/containers/{id}/start)"
                    .into(),
                help: Some("add `params: {id: ...}` to the step; `container.start` is POST /containers/{id}/start in endpoints.yaml:18".into()),
            }
        );
    }

    #[test]
    fn a_folder_without_scenarios_has_none() {
        let m = load(&[]).expect("scenarios.yaml is optional");
        assert!(m.scenarios.scenarios.is_empty());
        let scenarios = "\
schema_version: 1
scenarios:
  smoke:
    steps:
    - endpoint: system.version
    - endpoint: container.create
";
        let m = load(&[(SCENARIOS_FILE, scenarios)]).expect("a valid scenario");
        let smoke = m.scenario("smoke").expect("the smoke scenario");
        assert_eq!(smoke.name, "smoke", "the key becomes the name");
        let ids: Vec<&str> = smoke.steps.iter().map(|s| s.endpoint.as_str()).collect();
        assert_eq!(ids, ["system.version", "container.create"]);
    }

    #[test]
    fn rejects_yaml_syntax_errors() {
        let endpoints = "\
schema_version: 1
api_versions:
  first: '1.24'
  last: '1.41'
endpoints: [
- id: system.version
  method: GET
";
        assert_eq!(
            invalid(&[(ENDPOINTS_FILE, endpoints)]),
            Invalid {
                at: "endpoints.yaml:6:1".into(),
                marked: "- id: system.version".into(),
                message: "endpoints: did not find expected node content".into(),
                help: None,
            }
        );
    }

    /// Pins miette's rendering of an error found by validation: message, snippet, label and help.
    #[test]
    fn renders_a_validation_error() {
        let kubernetes = "\
schema_version: 1
releases:
- name: '1.23'
  client: github.com/docker/docker v20.10.2
  min_api_version: '1.24'
  path_version:
    mode: unversioned
  source: kubernetes/kubernetes v1.23.0
  endpoints:
  - system.version
  - container.strat
  - container.start
";
        let err = load(&[(KUBERNETES_FILE, kubernetes)]).expect_err("container.strat is no endpoint");
        insta::assert_snapshot!(render(&err));
    }

    /// Pins miette's rendering of a YAML syntax error, which has no help.
    #[test]
    fn renders_a_yaml_syntax_error() {
        let docker = "\
schema_version: 1
releases: [
- version: '20.10'
  api_version: '1.41'
";
        let err = load(&[(DOCKER_FILE, docker)]).expect_err("an unclosed [");
        insta::assert_snapshot!(render(&err));
    }
}

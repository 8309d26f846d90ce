//! `matrices/gates.yaml` (hand-written, re-derived with `scripts/gates.sh`): every place a daemon's behaviour depends
//! on the request's API version, read from the daemons' source, with whether a run here can observe it.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::error::MatrixError;
use super::load::{Source, locate};
use super::model::{Matrices, SCHEMA_VERSION};
use crate::model::ApiVersion;

/// The daemons dockmatrix runs (`scripts/daemons.sh`), the names a gate's `daemons` may use.
pub const DAEMONS: [&str; 7] =
    ["docker-20.10", "docker-26.1", "docker-28.5", "podman-4.3", "podman-5.4", "podman-5.8", "podman-6.1"];

/// The file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatesFile {
    /// Always [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The gates, grouped by router.
    #[serde(default)]
    pub gates: Vec<Gate>,
    /// The version-compare sites that are no request's gate, each with why.
    #[serde(default)]
    pub ignored: Vec<Ignored>,
}

impl Default for GatesFile {
    fn default() -> Self {
        Self { schema_version: SCHEMA_VERSION, gates: Vec::new(), ignored: Vec::new() }
    }
}

/// One place where the request's API version changes what a daemon does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gate {
    /// A short unique id (`image.list.shared-size`).
    pub id: String,
    /// The endpoint id (endpoints.yaml) it belongs to, or the closest one.
    pub endpoint: String,
    /// What kind of thing changes.
    pub change: Change,
    /// What changes, in one line.
    pub what: String,
    /// The API versions of the old (`below`) and the new (`from`) behaviour.
    pub versions: GateVersions,
    /// The daemons (of [`DAEMONS`]) whose source has the gate.
    pub daemons: Vec<String>,
    /// Where: `repo@tag:file:line`, one per tag, each the line of the version compare.
    pub source: Vec<String>,
    /// `true`, or why the daemons run here cannot show it.
    pub observable: Observable,
    /// The request variant that would show it (`endpoint[variant]`), when the base probe does not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<String>,
    /// The text the source lines hold when they hold no version compare (`scripts/gates.sh --check` reads it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

/// What kind of thing a gate changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    /// A query parameter is read or ignored.
    Query,
    /// A request body field is read or ignored.
    Body,
    /// A response field is there or not, or holds something else.
    ResponseField,
    /// The status code.
    Status,
    /// A response header.
    Header,
    /// The response's (or the upgrade's) content type.
    ContentType,
    /// How an error is written.
    ErrorFormat,
    /// What the daemon does when the request does not say.
    Default,
}

/// The versions on either side of a gate: at least one of the two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateVersions {
    /// The first version with the new behaviour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<ApiVersion>,
    /// The first version past the old behaviour (the old one holds below it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub below: Option<ApiVersion>,
}

/// Whether a run here can observe a gate: `true`, or a sentence saying why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Observable {
    /// `true` (`false` is refused: say why instead).
    Yes(bool),
    /// Why not (`needs a Windows daemon`).
    Not(String),
}

impl Observable {
    /// Whether it is observable here.
    pub fn is_observable(&self) -> bool {
        matches!(self, Self::Yes(true))
    }
}

/// A version-compare site (a glob over `repo@tag:file:line`) that is no request's gate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ignored {
    /// The sites, as a glob (`moby/moby@*:daemon/config/config.go:*`).
    pub site: String,
    /// Why they are no gate.
    pub why: String,
}

/// A parsed `repo@tag:file:line`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRef<'a> {
    /// `owner/name`.
    pub repo: &'a str,
    /// The tag or commit.
    pub tag: &'a str,
    /// The file in the repository.
    pub file: &'a str,
    /// The line, from 1.
    pub line: u32,
}

impl<'a> SourceRef<'a> {
    /// Parses `owner/name@tag:file:line`, or `None` when it is not of that form.
    pub fn parse(s: &'a str) -> Option<Self> {
        let (repo, rest) = s.split_once('@')?;
        let (tag, rest) = rest.split_once(':')?;
        let (file, line) = rest.rsplit_once(':')?;
        let (owner, name) = repo.split_once('/')?;
        let plain = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
        let path_ok =
            !file.is_empty() && !file.starts_with('/') && !file.chars().any(|c| c.is_whitespace() || c == ':');
        let line: u32 = line.parse().ok().filter(|n| *n > 0)?;
        (plain(owner) && plain(name) && plain(tag) && path_ok).then_some(Self { repo, tag, file, line })
    }
}

/// Checks gates.yaml: ids unique, endpoints known, versions known and ordered, daemons known, sources of the form
/// `repo@tag:file:line`, `observable` true or a reason, probes named `endpoint[variant]` after a known endpoint.
pub(super) fn validate(m: &Matrices, gates: &GatesFile, src: &Source) -> Result<(), MatrixError> {
    let known = m.endpoints.api_versions;
    let mut ids: BTreeSet<&str> = BTreeSet::new();
    for g in &gates.gates {
        let nth = usize::from(ids.contains(g.id.as_str()));
        let fail = |field: Option<&str>, message: String, help: &str| {
            let (off, len) = locate(&src.text, "id", &g.id, nth, field).unwrap_or((0, 1));
            Err(src.error_at(off, len, message, Some(help.to_string())))
        };
        if g.id.is_empty() || !g.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-".contains(c)) {
            return fail(
                None,
                format!("gate id `{}` is not a plain id", g.id),
                "use lowercase letters, digits, . and -",
            );
        }
        if !ids.insert(&g.id) {
            return fail(None, format!("gate `{}` is listed twice", g.id), "give each gate its own id");
        }
        if m.endpoint(&g.endpoint).is_none() {
            return fail(
                Some("endpoint"),
                format!("gate `{}`: `{}` is not an endpoint id", g.id, g.endpoint),
                "use an id from endpoints.yaml (the closest one when the gate is not an endpoint's own)",
            );
        }
        if g.what.trim().is_empty() {
            return fail(Some("what"), format!("gate `{}` says nothing of what changes", g.id), "say it in one line");
        }
        let GateVersions { from, below } = g.versions;
        if from.is_none() && below.is_none() {
            return fail(
                Some("versions"),
                format!("gate `{}` has no versions", g.id),
                "give {from: X} (new from X), {below: X} (old below X) or both",
            );
        }
        if let Some(v) = from.into_iter().chain(below).find(|v| !known.contains(*v)) {
            return fail(
                Some("versions"),
                format!("gate `{}`: {v} is not a known API version", g.id),
                "use a version listed in endpoints.yaml api_versions",
            );
        }
        if let (Some(f), Some(b)) = (from, below)
            && f >= b
        {
            return fail(
                Some("versions"),
                format!("gate `{}`: from {f} is not below {b}", g.id),
                "`from` is the first version of a span that ends before `below`",
            );
        }
        if g.daemons.is_empty() {
            return fail(Some("daemons"), format!("gate `{}` names no daemon", g.id), "list the daemons that have it");
        }
        let mut seen = BTreeSet::new();
        for d in &g.daemons {
            if !DAEMONS.contains(&d.as_str()) {
                return fail(
                    Some("daemons"),
                    format!("gate `{}`: `{d}` is not a daemon dockmatrix runs", g.id),
                    &format!("use {}", DAEMONS.join(", ")),
                );
            }
            if !seen.insert(d) {
                return fail(Some("daemons"), format!("gate `{}` names {d} twice", g.id), "name each daemon once");
            }
        }
        if g.source.is_empty() {
            return fail(
                Some("source"),
                format!("gate `{}` has no source", g.id),
                "add repo@tag:file:line of the compare, one per tag",
            );
        }
        for s in &g.source {
            if SourceRef::parse(s).is_none() {
                let anchor = locate(&src.text, "id", &g.id, nth, None).map_or(0, |(o, _)| o);
                let (off, len) =
                    src.text[anchor..].find(s.as_str()).map_or((anchor, 1), |o| (anchor + o, s.len().max(1)));
                return Err(src.error_at(
                    off,
                    len,
                    format!("gate `{}`: source `{s}` is not repo@tag:file:line", g.id),
                    Some("write it as moby/moby@v28.5.2:api/server/router/image/image_routes.go:412".into()),
                ));
            }
        }
        match &g.observable {
            Observable::Yes(true) => {}
            Observable::Yes(false) => {
                return fail(
                    Some("observable"),
                    format!("gate `{}`: observable is false", g.id),
                    "write why it is not observable here instead (\"needs a Windows daemon\")",
                );
            }
            Observable::Not(why) if why.trim().is_empty() => {
                return fail(
                    Some("observable"),
                    format!("gate `{}`: observable gives no reason", g.id),
                    "write true, or why it is not observable here",
                );
            }
            Observable::Not(_) => {}
        }
        if let Some(p) = &g.probe
            && let Err(message) = check_probe(m, p)
        {
            return fail(
                Some("probe"),
                format!("gate `{}`: probe `{p}` {message}", g.id),
                "write endpoint[variant]: an endpoint id of endpoints.yaml, then the variant's name in brackets",
            );
        }
    }
    for (i, ig) in gates.ignored.iter().enumerate() {
        if ig.site.trim().is_empty() || ig.why.trim().is_empty() {
            let (off, len) = locate(&src.text, "site", &ig.site, 0, None).unwrap_or((0, 1));
            return Err(src.error_at(
                off,
                len,
                format!("ignored entry {} has no site or no why", i + 1),
                Some("give the site glob and why it is no gate".into()),
            ));
        }
    }
    Ok(())
}

impl GatesFile {
    /// The observable gates a recipe of probes.yaml observes: its `probe` (else its endpoint's own recipe) has
    /// `observe:` entries, whose values by version show the gate.
    pub fn observed<'a>(&'a self, probes: &'a super::model::ProbesFile) -> impl Iterator<Item = &'a Gate> {
        self.gates.iter().filter(move |g| {
            let recipe = probes.probes.get(g.probe.as_deref().unwrap_or(&g.endpoint));
            g.observable.is_observable() && recipe.is_some_and(|r| !r.observe.is_empty())
        })
    }
}

/// Whether `p` is `endpoint[variant]` with a known endpoint and a plain variant name; the problem if not.
fn check_probe(m: &Matrices, p: &str) -> Result<(), String> {
    let Some((endpoint, variant)) = super::model::split_variant(p) else { return Err("has no [variant]".into()) };
    if !p.ends_with(']') {
        return Err("does not end with ]".into());
    }
    if m.endpoint(endpoint).is_none() {
        return Err(format!("starts with `{endpoint}`, which is not an endpoint id"));
    }
    if !super::model::is_variant_name(variant) {
        return Err(format!("names variant `{variant}`: use lowercase letters, digits and -"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{Observable, SourceRef};
    use crate::matrix::MatrixError;
    use crate::matrix::load::{GATES_FILE, MatrixSources, Source};
    use crate::matrix::model::Matrices;

    /// One valid gate; the tests break one key of it at a time.
    const OK: &str = "\
schema_version: 1
gates:
- id: image.list.shared-size
  endpoint: image.list
  change: query
  what: SharedSize is -1 unless shared-size=1
  versions: {from: '1.42'}
  daemons: [docker-26.1, docker-28.5]
  source:
  - moby/moby@v26.1.5:api/server/router/image/image_routes.go:404
  observable: true
  probe: image.list[shared-size]
ignored:
- site: 'moby/moby@*:daemon/config/config.go:*'
  why: start-up checks
";

    /// The built-in matrices with `gates` as gates.yaml.
    fn load(gates: &str) -> Result<Matrices, MatrixError> {
        let mut sources = MatrixSources::built_in();
        sources.gates = Some(Source { name: GATES_FILE.to_string(), text: gates.to_string() });
        sources.load()
    }

    /// (line, message) of the error of loading `OK` with `from` replaced by `to`.
    fn invalid(from: &str, to: &str) -> (usize, String) {
        assert!(OK.contains(from), "the valid gate has no `{from}`");
        match load(&OK.replacen(from, to, 1)) {
            Err(MatrixError::Invalid(e)) => {
                assert!(e.help.is_some(), "every error says how to fix it: {}", e.message);
                (e.line, e.message)
            }
            Err(other) => panic!("not an invalid-matrix error: {other}"),
            Ok(_) => panic!("`{to}` in place of `{from}` must be refused"),
        }
    }

    #[test]
    fn a_valid_gate_loads() {
        let m = load(OK).expect("a valid gate");
        assert_eq!(m.gates.gates.len(), 1);
        assert_eq!(m.gates.gates[0].observable, Observable::Yes(true));
        assert_eq!(m.gates.ignored.len(), 1);
    }

    #[test]
    fn the_committed_gates_load() {
        let m = MatrixSources::built_in().load().expect("the committed matrices load");
        assert!(m.gates.gates.len() > 50, "gates.yaml lists the gates");
        assert!(m.gates.gates.iter().any(|g| !g.observable.is_observable()));
    }

    #[test]
    fn ids_are_plain_and_unique() {
        assert_eq!(
            invalid("- id: image.list.shared-size", "- id: Image List"),
            (3, "gate id `Image List` is not a plain id".into())
        );
        let twice = OK.replace(
            "ignored:",
            &format!("{}ignored:", &OK[OK.find("- id").unwrap_or(0)..OK.find("ignored:").unwrap_or(0)]),
        );
        let Err(MatrixError::Invalid(e)) = load(&twice) else { panic!("a repeated id must be refused") };
        assert_eq!((e.line, e.message.as_str()), (13, "gate `image.list.shared-size` is listed twice"));
    }

    #[test]
    fn endpoints_must_exist() {
        assert_eq!(
            invalid("endpoint: image.list", "endpoint: image.lsit"),
            (4, "gate `image.list.shared-size`: `image.lsit` is not an endpoint id".into())
        );
    }

    #[test]
    fn versions_parse_are_known_and_ordered() {
        let err = load(&OK.replace("{from: '1.42'}", "{from: 'one'}")).expect_err("not a version");
        assert!(err.to_string().contains("versions.from"), "{err}");
        assert_eq!(invalid("{from: '1.42'}", "{}"), (7, "gate `image.list.shared-size` has no versions".into()));
        assert_eq!(
            invalid("{from: '1.42'}", "{from: '1.99'}"),
            (7, "gate `image.list.shared-size`: 1.99 is not a known API version".into())
        );
        assert_eq!(
            invalid("{from: '1.42'}", "{from: '1.42', below: '1.40'}"),
            (7, "gate `image.list.shared-size`: from 1.42 is not below 1.40".into())
        );
        load(&OK.replace("{from: '1.42'}", "{from: '1.20', below: '1.21'}")).expect("a one-version span");
    }

    #[test]
    fn daemons_are_known_and_named_once() {
        assert_eq!(
            invalid("docker-28.5]", "docker-29.0]"),
            (8, "gate `image.list.shared-size`: `docker-29.0` is not a daemon dockmatrix runs".into())
        );
        assert_eq!(
            invalid("docker-28.5]", "docker-26.1]"),
            (8, "gate `image.list.shared-size` names docker-26.1 twice".into())
        );
        assert_eq!(
            invalid("[docker-26.1, docker-28.5]", "[]"),
            (8, "gate `image.list.shared-size` names no daemon".into())
        );
    }

    #[test]
    fn sources_are_repo_at_tag_file_line() {
        assert_eq!(
            invalid("image_routes.go:404", "image_routes.go"),
            (
                10,
                "gate `image.list.shared-size`: source `moby/moby@v26.1.5:api/server/router/image/image_routes.go` \
                 is not repo@tag:file:line"
                    .into()
            )
        );
        let none = OK
            .replace("  - moby/moby@v26.1.5:api/server/router/image/image_routes.go:404\n", "")
            .replace("source:", "source: []");
        let Err(MatrixError::Invalid(e)) = load(&none) else { panic!("no source must be refused") };
        assert_eq!(e.message, "gate `image.list.shared-size` has no source");
    }

    #[test]
    fn observable_is_true_or_a_reason() {
        assert_eq!(
            invalid("observable: true", "observable: false"),
            (11, "gate `image.list.shared-size`: observable is false".into())
        );
        assert_eq!(
            invalid("observable: true", "observable: ' '"),
            (11, "gate `image.list.shared-size`: observable gives no reason".into())
        );
        let m = load(&OK.replace("observable: true", "observable: needs a Windows daemon")).expect("a reason");
        assert!(!m.gates.gates[0].observable.is_observable());
    }

    #[test]
    fn probes_name_an_endpoint_and_a_variant() {
        let (line, message) = invalid("image.list[shared-size]", "image.lst[shared-size]");
        assert_eq!(line, 12);
        assert!(message.contains("starts with `image.lst`, which is not an endpoint id"), "{message}");
        assert!(invalid("image.list[shared-size]", "image.list").1.contains("has no [variant]"));
        assert!(invalid("image.list[shared-size]", "image.list[shared-size").1.contains("does not end with ]"));
        assert!(invalid("image.list[shared-size]", "image.list[Shared Size]").1.contains("names variant"));
    }

    #[test]
    fn ignored_sites_say_why() {
        assert_eq!(invalid("why: start-up checks", "why: ''").1, "ignored entry 1 has no site or no why");
    }

    #[test]
    fn changes_are_the_known_words() {
        let err = load(&OK.replace("change: query", "change: cookie")).expect_err("an unknown change");
        assert!(err.to_string().contains("unknown variant"), "{err}");
    }

    #[test]
    fn parses_sources() {
        let s = SourceRef::parse("moby/moby@v28.5.2:api/server/router/image/image_routes.go:412").expect("parses");
        assert_eq!(
            (s.repo, s.tag, s.file, s.line),
            ("moby/moby", "v28.5.2", "api/server/router/image/image_routes.go", 412)
        );
        for bad in [
            "moby/moby:api/x.go:1",
            "moby@v1:api/x.go:1",
            "moby/moby@v1:api/x.go",
            "moby/moby@v1:api/x.go:0",
            "moby/moby@v1::3",
            "moby/moby@v1:/abs.go:3",
            "moby/moby@v 1:x.go:3",
        ] {
            assert_eq!(SourceRef::parse(bad), None, "{bad}");
        }
    }
}

//! Reading and writing matrix YAML: the only module that touches serde_yaml (but for the one-key-map form of a
//! client's rule, `matrix::clients`), and the one that knows line numbers.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::clients::ClientsFile;
use super::error::MatrixError;
use super::gates::GatesFile;
use super::model::{DockerFile, EndpointsFile, ErrataFile, KubernetesFile, Matrices, ProbesFile, ScenariosFile};
use super::validate;

/// The file names inside a matrix folder.
pub const ENDPOINTS_FILE: &str = "endpoints.yaml";
/// See [`ENDPOINTS_FILE`].
pub const DOCKER_FILE: &str = "docker.yaml";
/// See [`ENDPOINTS_FILE`].
pub const KUBERNETES_FILE: &str = "kubernetes.yaml";
/// See [`ENDPOINTS_FILE`] (hand-written, never touched by sync).
pub const PROBES_FILE: &str = "probes.yaml";
/// See [`ENDPOINTS_FILE`] (hand-written, optional: a folder without it has no scenarios).
pub const SCENARIOS_FILE: &str = "scenarios.yaml";
/// See [`ENDPOINTS_FILE`] (hand-written, optional: a folder without it knows no spec errata).
pub const ERRATA_FILE: &str = "spec-errata.yaml";
/// See [`ENDPOINTS_FILE`] (hand-written, optional: a folder without it knows only the kubelets of kubernetes.yaml).
pub const CLIENTS_FILE: &str = "clients.yaml";
/// See [`ENDPOINTS_FILE`] (hand-written, optional: a folder without it lists no API-version gates).
pub const GATES_FILE: &str = "gates.yaml";

/// A matrix file's name as shown in errors, and its text.
#[derive(Debug, Clone)]
pub struct Source {
    /// The path as given (shown in messages).
    pub name: String,
    /// The whole text.
    pub text: String,
}

impl Source {
    /// Reads `path`.
    pub fn read(path: &Path) -> Result<Self, MatrixError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| MatrixError::Read { path: path.to_path_buf(), source })?;
        Ok(Self { name: path.display().to_string(), text })
    }

    /// Reads `path`, or `None` when there is no such file.
    pub fn read_optional(path: &Path) -> Result<Option<Self>, MatrixError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Ok(Some(Self { name: path.display().to_string(), text })),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(MatrixError::Read { path: path.to_path_buf(), source }),
        }
    }

    /// An error pointing at `offset..offset+len` of this file.
    pub fn error_at(&self, offset: usize, len: usize, message: String, help: Option<String>) -> MatrixError {
        MatrixError::invalid_at(&self.name, &self.text, offset, len, message, help)
    }
}

/// Loads and validates the matrices in `dir`.
pub fn load_dir(dir: &Path) -> Result<Matrices, MatrixError> {
    let files = MatrixSources::read(dir)?;
    files.load()
}

/// The texts of the matrix files of a folder, kept for error locations.
#[derive(Debug, Clone)]
pub struct MatrixSources {
    /// endpoints.yaml
    pub endpoints: Source,
    /// docker.yaml
    pub docker: Source,
    /// kubernetes.yaml
    pub kubernetes: Source,
    /// probes.yaml
    pub probes: Source,
    /// scenarios.yaml, when the folder has one (matrix folders older than scenarios do not).
    pub scenarios: Option<Source>,
    /// spec-errata.yaml, when the folder has one.
    pub errata: Option<Source>,
    /// clients.yaml, when the folder has one.
    pub clients: Option<Source>,
    /// gates.yaml, when the folder has one.
    pub gates: Option<Source>,
}

impl MatrixSources {
    /// Reads the files of `dir`; scenarios.yaml may be missing.
    pub fn read(dir: &Path) -> Result<Self, MatrixError> {
        let path = |name: &str| -> PathBuf { dir.join(name) };
        Ok(Self {
            endpoints: Source::read(&path(ENDPOINTS_FILE))?,
            docker: Source::read(&path(DOCKER_FILE))?,
            kubernetes: Source::read(&path(KUBERNETES_FILE))?,
            probes: Source::read(&path(PROBES_FILE))?,
            scenarios: Source::read_optional(&path(SCENARIOS_FILE))?,
            errata: Source::read_optional(&path(ERRATA_FILE))?,
            clients: Source::read_optional(&path(CLIENTS_FILE))?,
            gates: Source::read_optional(&path(GATES_FILE))?,
        })
    }

    /// The matrices compiled into this binary (a copy of the repository's `matrices/`).
    pub fn built_in() -> Self {
        let src = |name: &str, text: &str| Source { name: format!("(built-in) {name}"), text: text.to_string() };
        Self {
            endpoints: src(ENDPOINTS_FILE, include_str!("../../matrices/endpoints.yaml")),
            docker: src(DOCKER_FILE, include_str!("../../matrices/docker.yaml")),
            kubernetes: src(KUBERNETES_FILE, include_str!("../../matrices/kubernetes.yaml")),
            probes: src(PROBES_FILE, include_str!("../../matrices/probes.yaml")),
            scenarios: Some(src(SCENARIOS_FILE, include_str!("../../matrices/scenarios.yaml"))),
            errata: Some(src(ERRATA_FILE, include_str!("../../matrices/spec-errata.yaml"))),
            clients: Some(src(CLIENTS_FILE, include_str!("../../matrices/clients.yaml"))),
            gates: Some(src(GATES_FILE, include_str!("../../matrices/gates.yaml"))),
        }
    }

    /// Parses and validates them.
    pub fn load(&self) -> Result<Matrices, MatrixError> {
        let mut matrices = Matrices {
            endpoints: parse::<EndpointsFile>(&self.endpoints)?,
            docker: parse::<DockerFile>(&self.docker)?,
            kubernetes: parse::<KubernetesFile>(&self.kubernetes)?,
            probes: parse::<ProbesFile>(&self.probes)?,
            scenarios: match &self.scenarios {
                Some(source) => parse::<ScenariosFile>(source)?,
                None => ScenariosFile::default(),
            },
            errata: match &self.errata {
                Some(source) => parse::<ErrataFile>(source)?,
                None => ErrataFile::default(),
            },
            clients: match &self.clients {
                Some(source) => parse::<ClientsFile>(source)?,
                None => ClientsFile::default(),
            },
            gates: match &self.gates {
                Some(source) => parse::<GatesFile>(source)?,
                None => GatesFile::default(),
            },
        };
        matrices.scenarios.name_scenarios();
        validate::validate(&matrices, self).map_err(|e| self.with_endpoint_context(&matrices, e))?;
        matrices.expand_variants();
        Ok(matrices)
    }

    /// `err` with, in its help, where endpoints.yaml defines each endpoint its message names: a recipe, step, client
    /// or release that disagrees with an endpoint may be right and the endpoint wrong, so both sides are shown.
    fn with_endpoint_context(&self, m: &Matrices, err: MatrixError) -> MatrixError {
        let MatrixError::Invalid(mut invalid) = err else { return err };
        if invalid.file == self.endpoints.name {
            return MatrixError::Invalid(invalid);
        }
        let mut seen = Vec::new();
        for id in invalid.message.split('`').skip(1).step_by(2) {
            let base = super::model::base_id(id);
            let Some(e) = m.endpoint(base) else { continue };
            if seen.contains(&base) {
                continue;
            }
            seen.push(base);
            let key = format!("id: {base}");
            let line = self.endpoints.text.lines().position(|l| l.trim_start_matches(['-', ' ']).trim_end() == key);
            let line = line.map(|i| i + 1);
            let at = line.map_or_else(|| self.endpoints.name.clone(), |l| format!("{}:{l}", self.endpoints.name));
            let context = format!("`{base}` is {} {} in {at}", e.method, e.path);
            invalid.help = Some(match invalid.help.take() {
                Some(help) => format!("{help}; {context}"),
                None => context,
            });
        }
        MatrixError::Invalid(invalid)
    }
}

/// Parses one YAML document into `T`, naming the key path and location of the first problem.
pub fn parse<T: DeserializeOwned>(source: &Source) -> Result<T, MatrixError> {
    let de = serde_yaml::Deserializer::from_str(&source.text);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let key_path = err.path().to_string();
        let inner = err.into_inner();
        let offset = inner.location().map_or(0, |l| l.index());
        let mut message = inner.to_string();
        if let Some(cut) = message.rfind(" at line ") {
            message.truncate(cut);
        }
        // serde_yaml sometimes prefixes the parent path itself ("endpoints[0]: unknown field"): drop it, since
        // serde_path_to_error's path is the full one.
        if let Some((prefix, rest)) = message.split_once(": ")
            && !prefix.contains(' ')
            && key_path.starts_with(prefix)
        {
            message = rest.to_string();
        }
        let message = if key_path == "." { message } else { format!("{key_path}: {message}") };
        let help = hint_for(&message);
        let len = token_len(&source.text, offset);
        source.error_at(offset, len, message, help)
    })
}

/// A fix for common parse failures.
fn hint_for(message: &str) -> Option<String> {
    if message.contains("unknown field") {
        Some("remove the key or correct its spelling; the expected keys are listed above".into())
    } else if message.contains("missing field") {
        Some("add the missing key to this entry".into())
    } else if message.contains("duplicate entry") {
        Some("a key may appear once per mapping: remove one of them".into())
    } else if message.contains("unknown variant") {
        Some("use one of the values listed above".into())
    } else {
        None
    }
}

/// The length of the YAML token starting at `offset` (to the end of the line), at least 1.
fn token_len(text: &str, offset: usize) -> usize {
    let rest = &text[offset.min(text.len())..];
    rest.find('\n').unwrap_or(rest.len()).max(1).min(rest.len())
}

/// Serialises a matrix with a comment header.
pub fn to_yaml<T: Serialize>(header: &str, value: &T, path: &Path) -> Result<String, MatrixError> {
    let body = serde_yaml::to_string(value).map_err(|e| MatrixError::Source {
        path: path.to_path_buf(),
        message: format!("cannot serialise: {e}"),
        help: None,
    })?;
    let mut out = String::new();
    for line in header.lines() {
        out.push_str("# ");
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&body);
    Ok(out)
}

/// Finds where to point for a semantic error: the `nth` (0-based) line whose content is `key: value` (as a list
/// item or not, the value quoted or not), then, if `field` is given, that field's line inside the same entry.
/// Returns the byte offset and length of the value; `None` if nothing matches.
pub fn locate(text: &str, key: &str, value: &str, nth: usize, field: Option<&str>) -> Option<(usize, usize)> {
    let mut seen = 0;
    let mut offset = 0;
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    for (i, line) in lines.iter().enumerate() {
        let start = offset;
        offset += line.len();
        let Some((indent, v_off, v)) = key_value(line, key) else { continue };
        if unquote(v) != value {
            continue;
        }
        if seen < nth {
            seen += 1;
            continue;
        }
        let Some(field) = field else { return Some((start + v_off, v.len().max(1))) };
        // The entry's fields sit at the indentation of `key` (after its "- ").
        let mut o = offset;
        for next in &lines[i + 1..] {
            let ind = next.len() - next.trim_start().len();
            if next.trim().is_empty() {
                o += next.len();
                continue;
            }
            if ind < indent || (ind == indent.saturating_sub(2) && next.trim_start().starts_with("- ")) {
                break;
            }
            if let Some((_, f_off, fv)) = key_value(next, field) {
                return Some((o + f_off, fv.len().max(1)));
            }
            o += next.len();
        }
        return Some((start + v_off, v.len().max(1)));
    }
    None
}

/// Finds a list item `- value` (as in a list of ids) after the `nth` line `key: value`; offset and length.
pub fn locate_item(text: &str, anchor_key: &str, anchor_value: &str, item: &str) -> Option<(usize, usize)> {
    let (anchor, _) = locate(text, anchor_key, anchor_value, 0, None)?;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        if start < anchor {
            continue;
        }
        let trimmed = line.trim_start();
        let Some(rest) = trimmed.strip_prefix("- ") else { continue };
        let v = rest.trim_end();
        if unquote(v) == item {
            return Some((start + (line.len() - trimmed.len()) + 2, v.len()));
        }
    }
    None
}

/// Splits `  - key: value` into (indentation of key, byte offset of value in the line, value).
fn key_value<'a>(line: &'a str, key: &str) -> Option<(usize, usize, &'a str)> {
    let trimmed = line.trim_start();
    let mut indent = line.len() - trimmed.len();
    let body = match trimmed.strip_prefix("- ") {
        Some(b) => {
            indent += 2;
            b
        }
        None => trimmed,
    };
    let rest = body.strip_prefix(key)?.strip_prefix(':')?;
    let value = rest.trim();
    let v_off = line.len() - rest.trim_start().len();
    Some((indent, v_off, value.trim_end()))
}

fn unquote(v: &str) -> &str {
    v.trim_matches(|c| c == '\'' || c == '"')
}

/// Parses a YAML input of `matrix sync` (a swagger spec, the kubelet data) into `T`.
pub fn parse_input<T: DeserializeOwned>(path: &Path) -> Result<T, MatrixError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| MatrixError::Read { path: path.to_path_buf(), source })?;
    serde_yaml::from_str(&text).map_err(|e| MatrixError::Source {
        path: path.to_path_buf(),
        message: e.to_string(),
        help: Some(
            "the sync inputs are the files under sources/docker-api and sources/k8s; check the file is one of them"
                .into(),
        ),
    })
}

/// Parses a YAML input of `matrix sync` as JSON: map keys become strings (`200:` is `"200"`), so a swagger spec
/// reads as the JSON document it describes.
pub fn parse_input_json(path: &Path) -> Result<serde_json::Value, MatrixError> {
    fn json(v: serde_yaml::Value) -> serde_json::Value {
        use serde_json::Value as J;
        use serde_yaml::Value as Y;
        match v {
            Y::Null => J::Null,
            Y::Bool(b) => J::Bool(b),
            Y::Number(n) => serde_json::to_value(&n).unwrap_or(J::Null),
            Y::String(s) => J::String(s),
            Y::Sequence(a) => J::Array(a.into_iter().map(json).collect()),
            Y::Mapping(m) => J::Object(
                m.into_iter()
                    .map(|(k, v)| {
                        let key = match k {
                            Y::String(s) => s,
                            other => serde_yaml::to_string(&other).unwrap_or_default().trim().to_string(),
                        };
                        (key, json(v))
                    })
                    .collect(),
            ),
            Y::Tagged(t) => json(t.value),
        }
    }
    parse_input::<serde_yaml::Value>(path).map(json)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "endpoints:\n- id: a.b\n  first: '1.0'\n- id: c.d\n  first: '1.2'\n  last: '1.1'\n";

    #[test]
    fn locates_a_field_inside_the_matching_entry() {
        let (off, len) = locate(TEXT, "id", "c.d", 0, Some("last")).expect("found");
        assert_eq!(&TEXT[off..off + len], "'1.1'");
        let (off, _) = locate(TEXT, "id", "a.b", 0, Some("last")).expect("falls back to the anchor");
        assert_eq!(&TEXT[off..off + 3], "a.b");
    }

    #[test]
    fn locates_list_items_after_an_anchor() {
        let text = "releases:\n- name: '1.2'\n  endpoints:\n  - x.y\n- name: '1.3'\n  endpoints:\n  - x.y\n";
        let (off, _) = locate_item(text, "name", "1.3", "x.y").expect("found");
        assert_eq!(text[..off].matches('\n').count(), 6);
    }
}

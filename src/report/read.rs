//! Reading saved runs (`run.json`) back, with errors that name the file, the line, the column and the key path.

use std::path::Path;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::error::ReportError;
use crate::model::{RUN_SCHEMA_VERSION, RunRecord};

/// Reads one RUN.json: a single run (what `dockmatrix run` writes), several runs with their side-by-side matrix
/// (what `--format json` writes for several runs; the matrix is derived, so only the runs are read), or an array of
/// runs (what it wrote before). A name ending in `.gz` is read through gzip.
pub fn read_runs(path: &Path) -> Result<Vec<RunRecord>, ReportError> {
    let read = || -> std::io::Result<String> {
        if path.extension().is_some_and(|e| e == "gz") {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(std::fs::File::open(path)?), &mut text)?;
            Ok(text)
        } else {
            std::fs::read_to_string(path)
        }
    };
    let text = read().map_err(|source| ReportError::Read { path: path.to_path_buf(), source })?;
    parse_runs(path, &text)
}

/// Parses the text of a RUN.json; `path` only names the file in errors.
pub fn parse_runs(path: &Path, text: &str) -> Result<Vec<RunRecord>, ReportError> {
    #[derive(Deserialize)]
    struct SchemaOnly {
        schema_version: u32,
        /// Present only in a file of several runs.
        #[serde(default)]
        runs: Option<Vec<SchemaOnly>>,
    }
    #[derive(Deserialize)]
    struct Several {
        runs: Vec<RunRecord>,
    }
    let is_array = text.trim_start().starts_with('[');
    // A newer schema may not parse at all, so the version is checked first; a file that does not parse even
    // this far gets its precise error from the full parse below.
    let heads: Vec<SchemaOnly> = if is_array {
        serde_json::from_str::<Vec<SchemaOnly>>(text)
    } else {
        serde_json::from_str::<SchemaOnly>(text).map(|s| vec![s])
    }
    .unwrap_or_default();
    let several = !is_array && heads.first().is_some_and(|h| h.runs.is_some());
    let versions = heads
        .iter()
        .flat_map(|h| std::iter::once(h.schema_version).chain(h.runs.iter().flatten().map(|r| r.schema_version)));
    if let Some(found) = versions.into_iter().find(|v| *v > RUN_SCHEMA_VERSION) {
        return Err(ReportError::Schema { path: path.to_path_buf(), found, supported: RUN_SCHEMA_VERSION });
    }
    match (is_array, several) {
        (true, _) => parse(path, text),
        (false, true) => parse::<Several>(path, text).map(|s| s.runs),
        (false, false) => parse(path, text).map(|run| vec![run]),
    }
}

fn parse<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T, ReportError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value: T =
        serde_path_to_error::deserialize(&mut de).map_err(|e| parse_error(path, &e.path().to_string(), e.inner()))?;
    de.end().map_err(|e| parse_error(path, "", &e))?;
    Ok(value)
}

fn parse_error(path: &Path, key_path: &str, inner: &serde_json::Error) -> ReportError {
    // serde_json ends its message with " at line L column C"; the location goes in front instead.
    let message = inner.to_string();
    let message = match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message,
    };
    let message = if key_path.is_empty() || key_path == "." { message } else { format!("{key_path}: {message}") };
    ReportError::Parse { path: path.to_path_buf(), line: inner.line(), column: inner.column(), message }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &str = include_str!("../../tests/fixtures/run-docker-20.10.json");

    #[test]
    fn reads_a_single_run_and_an_array_of_runs() {
        let one = parse_runs(Path::new("run.json"), FIXTURE).expect("fixture parses");
        assert_eq!(one.len(), 1);
        let array = format!("[{FIXTURE},{FIXTURE}]");
        assert_eq!(parse_runs(Path::new("runs.json"), &array).expect("array parses").len(), 2);
    }

    #[test]
    fn reads_a_gzipped_run_and_names_a_broken_one() {
        use std::io::Write;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("run.json.gz");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(FIXTURE.as_bytes()).expect("compress");
        std::fs::write(&path, gz.finish().expect("compress")).expect("write");
        let runs = read_runs(&path).expect("gzipped fixture reads");
        assert_eq!(runs, parse_runs(Path::new("run.json"), FIXTURE).expect("fixture parses"));

        std::fs::write(&path, FIXTURE).expect("write plain text under a .gz name");
        let err = read_runs(&path).expect_err("not gzip");
        assert!(matches!(err, ReportError::Read { .. }), "{err:?}");
        assert!(err.to_string().contains("run.json.gz"), "{err}");
    }

    #[test]
    fn malformed_json_names_the_file_line_and_column() {
        let err =
            parse_runs(Path::new("bad/run.json"), "{\n  \"schema_version\": 1,\n  \"tool\": \n}").expect_err("bad");
        let ReportError::Parse { line, column, .. } = &err else { panic!("wrong error: {err:?}") };
        assert_eq!((*line, *column), (4, 1));
        assert!(err.to_string().starts_with("failed to read run bad/run.json:4:1: "), "{err}");
        assert_eq!(err.exit_code(), crate::model::exit::EXIT_USAGE);
    }

    #[test]
    fn a_wrong_field_names_its_key_path() {
        let bad = FIXTURE.replacen("\"verdict\": \"ok\"", "\"verdict\": \"okay\"", 1);
        let err = parse_runs(Path::new("run.json"), &bad).expect_err("bad verdict");
        let msg = err.to_string();
        assert!(msg.contains("probes[") && msg.contains("].verdict: unknown variant `okay`"), "{msg}");
    }

    #[test]
    fn reads_the_runs_of_a_side_by_side_file_and_refuses_a_newer_run_inside() {
        let several =
            format!("{{\"schema_version\": 1, \"matrix\": {{\"columns\": []}}, \"runs\": [{FIXTURE},{FIXTURE}]}}");
        assert_eq!(parse_runs(Path::new("runs.json"), &several).expect("parses").len(), 2);
        let newer = FIXTURE.replacen("\"schema_version\": 1", "\"schema_version\": 7", 1);
        let several = format!("{{\"schema_version\": 1, \"runs\": [{FIXTURE},{newer}]}}");
        let err = parse_runs(Path::new("runs.json"), &several).expect_err("newer inside");
        assert!(matches!(err, ReportError::Schema { found: 7, .. }), "{err:?}");
        let bad = FIXTURE.replacen("\"verdict\": \"ok\"", "\"verdict\": \"okay\"", 1);
        let several = format!("{{\"schema_version\": 1, \"runs\": [{FIXTURE},{bad}]}}");
        let msg = parse_runs(Path::new("runs.json"), &several).expect_err("bad verdict").to_string();
        assert!(msg.contains(": runs[1].probes[") && msg.contains("].verdict: unknown variant `okay`"), "{msg}");
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let newer = FIXTURE.replacen("\"schema_version\": 1", "\"schema_version\": 99", 1);
        let err = parse_runs(Path::new("run.json"), &newer).expect_err("newer");
        assert!(matches!(err, ReportError::Schema { found: 99, .. }), "{err:?}");
    }
}

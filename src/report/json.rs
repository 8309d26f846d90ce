//! The JSON report: the run itself (with `schema_version`), pretty-printed; an array when there are several runs.

use std::io::Write;

use super::error::ReportError;
use super::model::RunReport;

/// Writes one run as an object, several as an array; `dockmatrix report` reads both back.
pub fn write(runs: &[RunReport], out: &mut dyn Write) -> Result<(), ReportError> {
    let result = match runs {
        [run] => serde_json::to_writer_pretty(&mut *out, run),
        runs => serde_json::to_writer_pretty(&mut *out, runs),
    };
    let io = |e| ReportError::write("json report", e);
    result.map_err(|e| io(std::io::Error::other(e)))?;
    writeln!(out).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::coverage::tests::fixture;

    #[test]
    fn snapshot_of_the_fixed_run_and_it_reads_back() {
        let run = fixture();
        let mut out = Vec::new();
        write(std::slice::from_ref(&run), &mut out).expect("write to vec");
        let text = String::from_utf8(out).expect("utf8");
        let back = crate::report::read::parse_runs(std::path::Path::new("report.json"), &text).expect("reads back");
        assert_eq!(back, [run]);
        insta::assert_snapshot!(text);
    }
}

//! What a run keeps of its probes: each outcome, its evidence with it, is a line of probes.jsonl as soon as it is
//! known, and only its slim form ([`ProbeOutcome::slim`]: verdict, status, reason, timing) stays in memory, with
//! where its line starts. Whatever needs the evidence at the end (run.json, the drift, the snapshots) reads the lines
//! back one at a time in run order ([`Lines`]), so a run's memory does not grow with the evidence of its probes.

use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::model::ProbeOutcome;
use crate::probe::ProbeError;

/// probes.jsonl, and the slim outcomes of its lines.
pub(super) struct Store {
    path: PathBuf,
    file: File,
    /// Bytes written so far: where the next line starts.
    end: u64,
    /// Every probe's outcome without its evidence, in the order they came (a second try in place of the first).
    probes: Vec<ProbeOutcome>,
    /// Where the line of each of `probes` starts in the file (a second try's line, which comes later).
    at: Vec<u64>,
    /// Whether the slim outcomes keep their `undocumented` findings (`--fail-on undocumented` lists them).
    undocumented: bool,
}

impl Store {
    /// Makes `out` and creates `out/probes.jsonl`, room made for `planned` probes (the slim outcomes are most of a
    /// large run's memory: a vector grown by doubling would hold twice as many for a moment).
    pub fn create(out: &Path, undocumented: bool, planned: usize) -> Result<Self, Error> {
        std::fs::create_dir_all(out).map_err(|source| ProbeError::Output { path: out.to_path_buf(), source })?;
        let path = out.join("probes.jsonl");
        let file = File::create(&path).map_err(|source| ProbeError::Output { path: path.clone(), source })?;
        let (probes, at) = (Vec::with_capacity(planned), Vec::with_capacity(planned));
        Ok(Store { path, file, end: 0, probes, at, undocumented })
    }

    /// Appends `outcome` to the file and keeps its slim form.
    pub fn add(&mut self, outcome: ProbeOutcome) -> Result<(), Error> {
        let at = self.append(&outcome)?;
        self.probes.push(outcome.slim(self.undocumented));
        self.at.push(at);
        Ok(())
    }

    /// Appends `outcome` to the file in place of the `i`th probe kept (its second try): run.json has the new one.
    pub fn replace(&mut self, i: usize, outcome: ProbeOutcome) -> Result<(), Error> {
        let at = self.append(&outcome)?;
        if let (Some(p), Some(a)) = (self.probes.get_mut(i), self.at.get_mut(i)) {
            *p = outcome.slim(self.undocumented);
            *a = at;
        }
        Ok(())
    }

    /// The slim outcomes so far, in the order they came.
    pub fn probes(&self) -> &[ProbeOutcome] {
        &self.probes
    }

    /// The slim outcomes in run order ([`ProbeOutcome::sort_key`], ties in the order they came, as
    /// [`crate::model::RunRecord::sort`] leaves them), and their lines in the same order.
    pub fn into_sorted(self) -> (Vec<ProbeOutcome>, Lines) {
        let Store { path, probes, at, .. } = self;
        let mut order: Vec<usize> = (0..probes.len()).collect();
        order.sort_by(|&a, &b| probes[a].sort_key().cmp(&probes[b].sort_key()));
        let lines = Lines { path, at: order.iter().map(|&i| at[i]).collect() };
        let mut slots: Vec<Option<ProbeOutcome>> = probes.into_iter().map(Some).collect();
        let sorted = order.iter().filter_map(|&i| slots[i].take()).collect();
        (sorted, lines)
    }

    /// Writes `outcome` as one line (a single write: a reader of the file sees whole lines) and returns where it
    /// starts.
    fn append(&mut self, outcome: &ProbeOutcome) -> Result<u64, Error> {
        let mut line = serde_json::to_vec(outcome).unwrap_or_default();
        line.push(b'\n');
        self.file.write_all(&line).map_err(|source| self.error(source))?;
        let at = self.end;
        self.end += line.len() as u64;
        Ok(at)
    }

    /// An error writing the file.
    pub fn error(&self, source: std::io::Error) -> Error {
        ProbeError::Output { path: self.path.clone(), source }.into()
    }
}

/// The lines of probes.jsonl that make a run's probes, in run order: read back one at a time.
#[derive(Debug, Clone)]
pub(crate) struct Lines {
    path: PathBuf,
    at: Vec<u64>,
}

impl Lines {
    /// probes.jsonl.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many probes.
    pub fn len(&self) -> usize {
        self.at.len()
    }

    /// Each probe, evidence and all, in run order.
    pub fn read(&self) -> std::io::Result<Reader<'_>> {
        Ok(Reader { file: BufReader::new(File::open(&self.path)?), at: self.at.iter(), pos: None, line: String::new() })
    }

    /// The probes of each endpoint in turn, evidence and all, in run order (sorted by endpoint, they come together).
    pub fn by_endpoint(&self) -> std::io::Result<ByEndpoint<'_>> {
        Ok(ByEndpoint { reader: self.read()?, next: None })
    }
}

/// The probes of [`Lines::read`].
pub(crate) struct Reader<'a> {
    file: BufReader<File>,
    at: std::slice::Iter<'a, u64>,
    /// Where the file is read from next, when known.
    pos: Option<u64>,
    line: String,
}

impl Iterator for Reader<'_> {
    type Item = std::io::Result<ProbeOutcome>;

    fn next(&mut self) -> Option<Self::Item> {
        let &at = self.at.next()?;
        Some(self.read_at(at))
    }
}

impl Reader<'_> {
    fn read_at(&mut self, at: u64) -> std::io::Result<ProbeOutcome> {
        if self.pos != Some(at) {
            self.file.seek(SeekFrom::Start(at))?;
        }
        self.line.clear();
        let n = self.file.read_line(&mut self.line)?;
        self.pos = Some(at + n as u64);
        serde_json::from_str(&self.line).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
    }
}

/// The groups of [`Lines::by_endpoint`]: an endpoint id and its probes.
pub(crate) struct ByEndpoint<'a> {
    reader: Reader<'a>,
    /// The first probe of the next group, read already.
    next: Option<ProbeOutcome>,
}

impl Iterator for ByEndpoint<'_> {
    type Item = std::io::Result<(String, Vec<ProbeOutcome>)>;

    fn next(&mut self) -> Option<Self::Item> {
        let first = match self.next.take() {
            Some(p) => p,
            None => match self.reader.next()? {
                Ok(p) => p,
                Err(e) => return Some(Err(e)),
            },
        };
        let mut group = vec![first];
        loop {
            match self.reader.next() {
                None => break,
                Some(Err(e)) => return Some(Err(e)),
                Some(Ok(p)) if p.endpoint == group[0].endpoint => group.push(p),
                Some(Ok(p)) => {
                    self.next = Some(p);
                    break;
                }
            }
        }
        Some(Ok((group[0].endpoint.clone(), group)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RunRecord;

    fn fixture() -> RunRecord {
        let text = include_str!("../../tests/fixtures/run-docker-20.10.json");
        crate::report::read::parse_runs(Path::new("run.json"), text).expect("fixture").remove(0)
    }

    #[test]
    fn each_outcome_is_a_line_on_disk_at_once_and_only_its_slim_form_stays_in_memory() {
        let dir = tempfile::tempdir().expect("tempdir");
        let run = fixture();
        let mut store = Store::create(dir.path(), false, 0).expect("store");
        let jsonl = dir.path().join("probes.jsonl");
        for (n, p) in run.probes.iter().rev().enumerate() {
            store.add(p.clone()).expect("add");
            let lines = std::fs::read_to_string(&jsonl).expect("jsonl").lines().count();
            assert_eq!(lines, n + 1, "on disk before the next one comes");
        }
        assert!(run.probes.iter().any(|p| p.evidence.body.is_some() && p.conformance.is_some()), "evidence to drop");
        assert!(store.probes().iter().all(|p| p.evidence.body.is_none() && p.evidence.headers.is_empty()));
        assert!(store.probes().iter().all(|p| p.conformance.is_none()));
        let (slim, lines) = store.into_sorted();
        assert_eq!(slim.len(), run.probes.len());
        assert_eq!(lines.len(), run.probes.len());
        // Read back in run order, evidence and all, as the run had them.
        let back: Vec<ProbeOutcome> = lines.read().expect("read").collect::<Result<_, _>>().expect("lines");
        assert_eq!(back, run.probes);
        let slims: Vec<ProbeOutcome> = run.probes.iter().map(|p| p.clone().slim(false)).collect();
        assert_eq!(slim, slims);
        let groups: Vec<(String, Vec<ProbeOutcome>)> =
            lines.by_endpoint().expect("read").collect::<Result<_, _>>().expect("groups");
        assert_eq!(groups.iter().map(|(_, g)| g.len()).sum::<usize>(), run.probes.len());
        assert!(groups.iter().all(|(e, g)| g.iter().all(|p| &p.endpoint == e)));
        assert!(groups.windows(2).all(|w| w[0].0 < w[1].0), "each endpoint once, in order");
    }

    #[test]
    fn a_second_try_takes_the_place_of_the_first_and_undocumented_findings_stay_when_asked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let run = fixture();
        let mut store = Store::create(dir.path(), true, 3).expect("store");
        for p in &run.probes[..3] {
            store.add(p.clone()).expect("add");
        }
        let mut again = run.probes[1].clone();
        again.retried = Some("timed out".into());
        store.replace(1, again.clone()).expect("replace");
        let (_, lines) = store.into_sorted();
        let back: Vec<ProbeOutcome> = lines.read().expect("read").collect::<Result<_, _>>().expect("lines");
        assert_eq!(back.len(), 3);
        assert!(back.contains(&again) && !back.contains(&run.probes[1]));
        let jsonl = std::fs::read_to_string(lines.path()).expect("jsonl");
        assert_eq!(jsonl.lines().count(), 4, "both tries are on disk");

        let kept = run.probes.iter().find(|p| {
            p.conformance.as_ref().is_some_and(|c| c.findings.iter().any(|f| f.kind != FindingKind::Undocumented))
        });
        if let Some(p) = kept {
            let slim = p.clone().slim(true);
            let c = slim.conformance.expect("kept");
            assert!(c.findings.iter().all(|f| f.kind == FindingKind::Undocumented));
        }
    }

    use crate::model::FindingKind;
}

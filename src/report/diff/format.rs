//! Changes in the format of the answers and in what the recipes observe: per endpoint, the API versions whose
//! answer's Content-Type changed (consecutive versions with the same change on one line: `container.logs
//! 1.24–1.41: application/vnd.docker.raw-stream → application/vnd.docker.multiplexed-stream`), and per observed
//! value the version ranges of each run (`image.list[shared-size] /*/SharedSize: -1 at every version → -1 at
//! 1.24–1.41 · >0 at 1.42–1.51`).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{ApiVersion, ProbeOutcome, RequestVersion, RunRecord, Verdict};
use crate::report::sections::gates::{Gates, key_text};

/// What an answer without the header is written as.
const NONE: &str = "none";
/// What a version one run did not answer (or did not probe) is written as.
const NOT_ANSWERED: &str = "not answered";

/// One header of the answers changed over a range of versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeaderChange {
    /// Endpoint (or probe) id.
    pub endpoint: String,
    /// The header, lower-case (`content-type`).
    pub header: String,
    /// First version of the range (`None`: the unversioned request).
    pub first: Option<ApiVersion>,
    /// Last version of the range.
    pub last: Option<ApiVersion>,
    /// Its value in run A.
    pub before: String,
    /// Its value in run B.
    pub after: String,
}

impl HeaderChange {
    /// `container.logs content-type 1.24–1.41: a → b`.
    pub fn line(&self) -> String {
        format!(
            "{} {} {}: {} → {}",
            self.endpoint,
            self.header,
            RequestVersion::span(self.first, self.last),
            self.before,
            self.after
        )
    }
}

/// An answer's headers, as its evidence keeps them.
type Headers = Vec<(String, String)>;

/// The headers compared: the format of the body.
const HEADERS: &[&str] = &["content-type"];

/// The header changes from run `a` to run `b`, over the versions both answered (an answer of the endpoint or a
/// version refusal; an unrouted path, an error or a skip has no format to compare).
pub fn header_changes(a: &RunRecord, b: &RunRecord) -> Vec<HeaderChange> {
    let answered = |p: &ProbeOutcome| p.status.is_some() && !matches!(p.verdict, Verdict::Error | Verdict::Skipped);
    let index = |run: &RunRecord| -> BTreeMap<(String, Option<ApiVersion>), Headers> {
        run.probes
            .iter()
            .filter(|p| answered(p))
            .map(|p| ((p.endpoint.clone(), p.api_version), p.evidence.headers.clone()))
            .collect()
    };
    let (ia, ib) = (index(a), index(b));
    let mut out: Vec<HeaderChange> = Vec::new();
    for header in HEADERS {
        // Whether the last change pushed is still open: the versions since it, of its endpoint, all changed alike.
        let mut open = false;
        for ((endpoint, v), ha) in &ia {
            let Some(hb) = ib.get(&(endpoint.clone(), *v)) else { continue };
            let value = |h: &[(String, String)]| {
                h.iter().find(|(k, _)| k == header).map_or_else(|| NONE.to_string(), |(_, v)| v.clone())
            };
            let (before, after) = (value(ha), value(hb));
            if before == after {
                open = false;
                continue;
            }
            match out.last_mut() {
                Some(c)
                    if open
                        && c.endpoint == *endpoint
                        && c.header == *header
                        && c.before == before
                        && c.after == after
                        && c.last.is_some()
                        && v.is_some() =>
                {
                    c.last = *v;
                }
                _ => out.push(HeaderChange {
                    endpoint: endpoint.clone(),
                    header: header.to_string(),
                    first: *v,
                    last: *v,
                    before,
                    after,
                }),
            }
            open = v.is_some();
        }
    }
    out
}

/// One observed value whose version ranges differ between the runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObservedChange {
    /// The probe id.
    pub probe: String,
    /// What was observed.
    pub key: String,
    /// What run A saw, by version (see [`crate::report::sections::gates::Gate::text`]).
    pub before: String,
    /// What run B saw.
    pub after: String,
}

impl ObservedChange {
    /// `image.list[shared-size] /*/SharedSize: -1 at every version → -1 at 1.24–1.41 · >0 at 1.42–1.51`.
    pub fn line(&self) -> String {
        format!("{} {}: {} → {}", self.probe, key_text(&self.key), self.before, self.after)
    }
}

/// The observed values whose ranges differ from run `a` to run `b`, in `b`'s order then `a`'s.
pub fn observed_changes(a: &RunRecord, b: &RunRecord) -> Vec<ObservedChange> {
    let (ga, gb) = (Gates::of(a), Gates::of(b));
    let text = |g: &Gates, probe: &str, key: &str| {
        g.rows.iter().find(|r| r.probe == probe && r.key == key).map_or_else(|| NOT_ANSWERED.to_string(), |r| r.text())
    };
    let mut keys: Vec<(&str, &str)> = gb.rows.iter().map(|r| (r.probe.as_str(), r.key.as_str())).collect();
    for r in &ga.rows {
        if !keys.contains(&(r.probe.as_str(), r.key.as_str())) {
            keys.push((&r.probe, &r.key));
        }
    }
    keys.into_iter()
        .filter_map(|(probe, key)| {
            let (before, after) = (text(&ga, probe, key), text(&gb, probe, key));
            (before != after).then(|| ObservedChange { probe: probe.into(), key: key.into(), before, after })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sections::gates::tests::gated;

    #[test]
    fn a_content_type_that_changes_over_versions_is_one_line_per_range() {
        let a = gated("docker-26.1");
        let mut b = gated("docker-28.5");
        for p in a.probes.iter().chain(&b.probes) {
            assert!(p.evidence.headers.is_empty(), "the fixture has no headers: {p:?}");
        }
        let mut a = a;
        for (run, new) in [(&mut a, "raw"), (&mut b, "multiplexed")] {
            for p in run.probes.iter_mut().filter(|p| p.endpoint == "container.logs") {
                let m = p.api_version.map_or(0, |v| v.minor);
                let value = if m >= 42 { new } else { "raw" };
                p.evidence.headers = vec![("content-type".into(), value.into())];
            }
        }
        let lines: Vec<String> = header_changes(&a, &b).iter().map(HeaderChange::line).collect();
        assert_eq!(lines, ["container.logs content-type 1.42–1.51: raw → multiplexed"]);
        assert!(header_changes(&a, &a).is_empty());
    }

    #[test]
    fn an_observed_value_with_other_ranges_is_a_change() {
        let a = gated("docker-26.1");
        let mut b = gated("docker-28.5");
        for p in b.probes.iter_mut().filter(|p| p.endpoint.starts_with("image.list")) {
            p.observed.insert("/*/SharedSize".into(), "-1".into());
        }
        let lines: Vec<String> = observed_changes(&a, &b).iter().map(ObservedChange::line).collect();
        assert_eq!(
            lines,
            [
                "image.list[shared-size] /*/SharedSize: -1 at 1.24–1.41 · >0 at 1.42–1.51, unversioned → -1 at every version"
            ]
        );
        assert!(observed_changes(&a, &a).is_empty());
    }
}

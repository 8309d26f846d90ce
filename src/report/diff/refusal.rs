//! Changes in how a daemon refuses malformed requests: per endpoint and kind, the API versions whose answer changed,
//! consecutive versions with the same change on one line (`container.list filters-not-json 1.24–1.41: 500 server
//! error → 400`).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{ApiVersion, RefusalKind, RefusalOutcome, RequestVersion, RunRecord};
use crate::report::sections::refusals::AnswerSpan;

/// One malformed request answered otherwise over a range of versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefusalChange {
    /// Endpoint id.
    pub endpoint: String,
    /// What is malformed.
    pub kind: RefusalKind,
    /// First version of the range.
    pub first: Option<ApiVersion>,
    /// Last version of the range.
    pub last: Option<ApiVersion>,
    /// The answer in run A (`500 server error`, `400†`, `not sent`).
    pub before: String,
    /// The answer in run B.
    pub after: String,
}

impl RefusalChange {
    /// `container.list filters-not-json 1.24–1.41: 500 server error → 400`.
    pub fn line(&self) -> String {
        format!(
            "{} {} {}: {} → {}",
            self.endpoint,
            self.kind,
            RequestVersion::span(self.first, self.last),
            self.before,
            self.after
        )
    }
}

/// The answer of one outcome as the report writes it.
fn answer(o: Option<&RefusalOutcome>) -> String {
    o.map_or_else(
        || "not sent".into(),
        |o| {
            AnswerSpan {
                first: o.api_version,
                last: o.api_version,
                verdict: o.verdict,
                status: o.status,
                listed: o.status_documented(),
                reason: String::new(),
            }
            .answer()
        },
    )
}

/// A run's refusals by endpoint, kind and version.
fn index(run: &RunRecord) -> BTreeMap<(&str, RefusalKind, Option<ApiVersion>), &RefusalOutcome> {
    run.refusals.iter().map(|o| ((o.endpoint.as_str(), o.kind, o.api_version), o)).collect()
}

/// Every change from `a` to `b`, sorted by endpoint, kind and version; nothing when neither sent any.
pub fn refusal_changes(a: &RunRecord, b: &RunRecord) -> Vec<RefusalChange> {
    let (ia, ib) = (index(a), index(b));
    let mut keys: Vec<_> = ia.keys().chain(ib.keys()).copied().collect();
    keys.sort();
    keys.dedup();
    let mut out: Vec<RefusalChange> = Vec::new();
    // Whether the last change may grow: the key before this one changed in the same way.
    let mut open = false;
    for key in keys {
        let (before, after) = (answer(ia.get(&key).copied()), answer(ib.get(&key).copied()));
        let (endpoint, kind, version) = key;
        if before == after {
            open = false;
            continue;
        }
        if let Some(last) = out.last_mut().filter(|_| open)
            && (last.endpoint.as_str(), last.kind, &last.before, &last.after) == (endpoint, kind, &before, &after)
        {
            last.last = version;
            continue;
        }
        out.push(RefusalChange { endpoint: endpoint.into(), kind, first: version, last: version, before, after });
        open = true;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RefusalKind::*;
    use crate::report::sections::refusals::tests::{refusal, two_runs};

    #[test]
    fn like_changes_of_consecutive_versions_share_a_line() {
        let [mut a, mut b] = two_runs();
        assert!(refusal_changes(&a, &a).is_empty());
        a.refusals = ["1.39", "1.40", "1.41", "1.42"]
            .map(|v| refusal("container.list", FiltersNotJson, v, Some(500), true))
            .to_vec();
        b.refusals = a.refusals.clone();
        b.refusals[0] = refusal("container.list", FiltersNotJson, "1.39", Some(400), true);
        b.refusals[1] = refusal("container.list", FiltersNotJson, "1.40", Some(400), true);
        b.refusals[3] = refusal("container.list", FiltersNotJson, "1.42", Some(400), false);
        b.refusals.push(refusal("image.list", FiltersUnknownKey, "1.41", Some(200), true));
        let lines: Vec<String> = refusal_changes(&a, &b).iter().map(RefusalChange::line).collect();
        assert_eq!(
            lines,
            [
                "container.list filters-not-json 1.39–1.40: 500 server error → 400",
                "container.list filters-not-json 1.42: 500 server error → 400†",
                "image.list filters-unknown-key 1.41: not sent → 200 accepted",
            ]
        );
    }
}

//! An answer's body judged against the spec of its API version: the `conformance` of a probe, and the
//! `nonconforming` verdict for a served body a typed client would trip on.

use super::case::ProbeCase;
use crate::client::Response;
use crate::conformance::{Answer, Checker};
use crate::model::{DaemonInfo, ProbeOutcome, Verdict};

/// Checks the answer `resp` of `case` and records what the spec says in `out`. Only answers that reached the
/// operation are checked (`ok`, `not-applicable`, `unenforced`); an `ok` or `not-applicable` one whose body breaks
/// the spec in a way a typed client trips on becomes `nonconforming`, with the first such finding as its reason.
pub fn conform(out: &mut ProbeOutcome, checker: &Checker, case: &ProbeCase, daemon: &DaemonInfo, resp: &Response) {
    if !matches!(out.verdict, Verdict::Ok | Verdict::NotApplicable | Verdict::Unenforced) {
        return;
    }
    let Some(spec) = checker.spec_for(case.api_version, daemon.served().1) else { return };
    let (method, path) = (case.endpoint.method, &case.endpoint.path);
    let content_type = resp.header("content-type");
    let answer = Answer { status: resp.status, content_type, body: &resp.body, complete: !resp.truncated };
    let Some(mut found) = checker.check_response(spec, method, path, answer) else {
        return;
    };
    checker.mark_errata(&case.endpoint.id, &mut found);
    if out.verdict != Verdict::Unenforced
        && let Some(first) = found.client_breaking().next()
    {
        let others = found.client_breaking().count() - 1;
        let more = if others > 0 { format!(" (and {others} more)") } else { String::new() };
        out.reason = format!("breaks spec v{}: {first}{more}", found.spec);
        out.verdict = Verdict::Nonconforming;
    }
    out.conformance = Some(found);
}

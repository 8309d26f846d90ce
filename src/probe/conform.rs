//! An answer's body judged against the spec of its API version: the `conformance` of a probe, and the
//! `nonconforming` verdict for a served body a typed client would trip on.

use super::case::ProbeCase;
use crate::client::Response;
use crate::conformance::{Answer, Checker};
use crate::model::{Conformance, DaemonInfo, ProbeOutcome, Verdict};

/// Checks the answer `resp` of `case` and records what the spec says in `out`. Only answers that reached the
/// operation are checked (`ok`, `not-applicable`, `unenforced`); an `ok` or `not-applicable` one whose body breaks
/// the spec in a way a typed client trips on becomes `nonconforming`, with the first such finding as its reason.
pub fn conform(out: &mut ProbeOutcome, checker: &Checker, case: &ProbeCase, daemon: &DaemonInfo, resp: &Response) {
    if !matches!(out.verdict, Verdict::Ok | Verdict::NotApplicable | Verdict::Unenforced) {
        return;
    }
    let Some(found) = check(checker, case, daemon, resp) else { return };
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

/// What the spec of `case`'s API version (else of the version the daemon serves) says of the answer `resp`, the
/// findings the errata explain marked; `None` when no spec has the operation or nothing was checked.
pub fn check(checker: &Checker, case: &ProbeCase, daemon: &DaemonInfo, resp: &Response) -> Option<Conformance> {
    let spec = checker.spec_for(case.api_version, daemon.served().1)?;
    let mut found = checker.check_response(spec, case.endpoint.method, &case.endpoint.path, Answer::of(resp))?;
    checker.mark_errata(case.endpoint.base_id(), &mut found);
    Some(found)
}

#[cfg(test)]
mod tests {
    use crate::conformance::Checker;
    use crate::fixture::ops::{ContainerSpec, body};
    use crate::matrix::load::MatrixSources;
    use crate::matrix::schemas::SchemaFile;
    use crate::model::ApiVersion;

    /// Every body the fixtures send (they go unversioned, so the daemon reads them at its own version: any spec
    /// version may apply) conforms to every spec that defines the endpoint.
    #[test]
    fn every_fixture_request_body_validates_at_every_spec_version() {
        let m = MatrixSources::built_in().load().expect("the built-in matrices load");
        let c = Checker::new(SchemaFile::built_in().expect("schemas")).with_errata(m.errata.clone());
        let tty = ContainerSpec { tty: true, open_stdin: true, ..ContainerSpec::sleeper("tty", "dockmatrix-r-tty") };
        let bodies = [
            ("container.create", body::container("r", "dockmatrix/busybox:local", &ContainerSpec::sleeper("s", "n"))),
            ("container.create", body::container("r", "dockmatrix/busybox:local", &tty)),
            ("exec.create", body::exec(&["sh", "-c", "sleep 3600"], true)),
            ("exec.start", body::exec_start(false)),
            ("volume.create", body::volume("r", "dockmatrix-r-volume", "shared")),
            ("network.create", body::network("r", "dockmatrix-r-network", "shared")),
        ];
        let mut bad = Vec::new();
        for (id, b) in &bodies {
            let e = m.endpoint(id).expect("a known endpoint");
            for v in ApiVersion::range_inclusive(ApiVersion::new(1, 25), ApiVersion::new(1, 56)) {
                if !e.defined_at(v) {
                    continue;
                }
                for f in c.check_request(id, v, e.method, &e.path, b).into_iter().filter(|f| f.erratum.is_none()) {
                    bad.push(format!("{id} at {v}: {f}"));
                }
            }
        }
        assert!(bad.is_empty(), "fixture bodies the spec refuses:\n{}", bad.join("\n"));
    }
}

//! The second try: what timed out among the sweep's requests in flight, asked again alone once the sweep is over.
//!
//! A daemon that queues requests under load answers past `--timeout` what it answers at once when it is quiet:
//! Podman 6.1 took 21 s for `/version` and more than 30 s for `/info` with 32 requests in flight, and answers both
//! in 0.3 s alone. Such a timeout says how the daemon bears load, not what it serves at that API version, so the
//! probe (or scenario) is sent again with nothing beside it; its outcome replaces the first and keeps in `retried`
//! what the first try came to. A second timeout stays an error.

use std::collections::HashMap;

use tokio::sync::{mpsc, watch};

use super::store::Store;
use crate::client::{Client, Request};
use crate::error::Error;
use crate::matrix::Matrices;
use crate::model::{ApiVersion, DaemonInfo, Method, ProbeOutcome, ScenarioOutcome, Verdict};
use crate::probe::case::ProbeCase;
use crate::probe::runner::{self, RunContext};
use crate::scenario::{self, ScenarioVars};

/// Whether `reason` is a request that got no answer within `--timeout`.
fn is_timeout(reason: &str) -> bool {
    reason.contains(" timed out after ")
}

/// Whether `probe` got no answer within `--timeout`.
pub(super) fn timed_out(probe: &ProbeOutcome) -> bool {
    probe.verdict == Verdict::Error && is_timeout(&probe.reason)
}

/// How many second tries were made, and how many of them answered this time.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Retried {
    /// Probes sent again.
    pub probes: usize,
    /// Of those, the ones that got an answer this time.
    pub probes_answered: usize,
    /// Scenario runs made again.
    pub scenarios: usize,
    /// Of those, the ones that got past their timed-out step this time.
    pub scenarios_answered: usize,
}

impl Retried {
    /// The line the run prints, or `None` when nothing was retried.
    pub fn line(&self, jobs: usize) -> Option<String> {
        if self.probes + self.scenarios == 0 {
            return None;
        }
        Some(format!(
            "retried alone: {} probes and {} scenario runs timed out with up to {jobs} requests in flight; alone, {} \
             and {} answered (the daemon queues requests under load: a lower --jobs avoids it)",
            self.probes, self.scenarios, self.probes_answered, self.scenarios_answered
        ))
    }
}

/// Sends again, one at a time, the cases of the probes in `store` that timed out, and runs again the scenario runs
/// that failed on a timed-out step; replaces their outcomes (the new probe outcomes appended to probes.jsonl). Stops
/// when `cancel` turns true (what was not retried keeps its first outcome).
#[allow(clippy::too_many_arguments)]
pub(super) async fn timeouts(
    client: &Client,
    ctx: &RunContext,
    daemon: &DaemonInfo,
    cases: &[ProbeCase],
    store: &mut Store,
    scenarios: &mut [ScenarioOutcome],
    (m, vars): (&Matrices, Option<&ScenarioVars>),
    jobs: usize,
    cancel: watch::Receiver<bool>,
) -> Result<Retried, Error> {
    let mut retried = Retried::default();
    // Endpoint and version → index in `probes` of each probe that timed out.
    let index: HashMap<(String, Option<ApiVersion>), usize> = store
        .probes()
        .iter()
        .enumerate()
        .filter(|(_, p)| timed_out(p))
        .map(|(i, p)| ((p.endpoint.clone(), p.api_version), i))
        .collect();
    let again: Vec<ProbeCase> = cases
        .iter()
        .filter(|c| c.skip.is_none() && index.contains_key(&(c.endpoint.id.clone(), c.api_version)))
        .cloned()
        .collect();
    if !again.is_empty() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let line = runner::Line { tx, cancel: cancel.clone() };
        runner::sweep(client, ctx, daemon, again, 1, line, |_| async {}).await;
        while let Ok(mut outcome) = rx.try_recv() {
            let Some(&i) = index.get(&(outcome.endpoint.clone(), outcome.api_version)) else { continue };
            retried.probes += 1;
            if !timed_out(&outcome) {
                retried.probes_answered += 1;
            }
            let first = store.probes().get(i).map_or("", |p| p.reason.as_str());
            outcome.retried = Some(format!("{first} with up to {jobs} in flight"));
            store.replace(i, outcome)?;
        }
    }
    let Some(vars) = vars else { return Ok(retried) };
    for outcome in scenarios.iter_mut() {
        if *cancel.borrow() {
            break;
        }
        let Some(step) = outcome.failed_at.and_then(|i| outcome.steps.get(i)) else { continue };
        if !is_timeout(&step.reason) {
            continue;
        }
        let Some(scenario) = m.scenario(&outcome.scenario) else { continue };
        let first = format!(
            "step {} ({}): {} with up to {jobs} in flight",
            outcome.failed_at.unwrap_or(0) + 1,
            step.endpoint,
            step.reason
        );
        // The first try's create may have landed after it timed out: its container, named for this run, goes first
        // (killed, then removed: Podman's forced removal of a running container waits its stop timeout).
        let name = vars.name_for(&outcome.scenario, outcome.api_version);
        for (method, path) in [
            (Method::Post, format!("/containers/{name}/kill")),
            (Method::Delete, format!("/containers/{name}?force=1")),
        ] {
            let _ = client.send(Request::new(method, path)).await;
        }
        let mut again = scenario::run_scenario(client, scenario, m, outcome.api_version, vars).await;
        retried.scenarios += 1;
        let timed_out_again = again.failed_at.and_then(|i| again.steps.get(i)).is_some_and(|s| is_timeout(&s.reason));
        if !timed_out_again {
            retried.scenarios_answered += 1;
        }
        again.retried = Some(first);
        *outcome = again;
    }
    Ok(retried)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_timeout_is_retried() {
        assert!(is_timeout("GET /v1.7/info timed out after 30.0 s"));
        assert!(!is_timeout("connection reset by peer"));
        assert!(!is_timeout("the daemon said: timed out"));
    }

    #[test]
    fn the_line_counts_what_was_retried_and_what_answered() {
        assert_eq!(Retried::default().line(32), None);
        let r = Retried { probes: 3, probes_answered: 3, scenarios: 1, scenarios_answered: 0 };
        assert_eq!(
            r.line(32).as_deref(),
            Some(
                "retried alone: 3 probes and 1 scenario runs timed out with up to 32 requests in flight; alone, 3 and \
                 0 answered (the daemon queues requests under load: a lower --jobs avoids it)"
            )
        );
    }
}

//! When a sweep stops early: the three rules that tell a daemon gone or broken from one that answers badly, as one
//! pure type fed each outcome in the order it arrives.
//!
//! - **Gone**: [`PING_EVERY`] failed requests in a row (and every [`PING_EVERY`] more: a daemon shutting down still
//!   answers pings for a while), and `/_ping` fails too.
//! - **Hangs**: a whole wave of requests in flight timed out in a row (`--jobs` of them, at least 4 and at most
//!   [`BROKEN_AFTER`]): the daemon hangs on everything but `/_ping`.
//! - **Broken**: [`BROKEN_AFTER`] requests in a row got no usable answer (bodies without end, connections reset
//!   mid-answer), the daemon answering pings or not.
//!
//! The rules are checked in that order after each outcome; the first that holds stops the sweep.

/// After this many failed requests in a row, and every this many more, the daemon is pinged.
pub const PING_EVERY: usize = 8;

/// After this many error verdicts in a row the sweep stops, the daemon answering pings or not.
pub const BROKEN_AFTER: usize = 32;

/// Why a sweep stopped early, with the counts that decided it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Requests in a row failed, and so did `/_ping`.
    Gone {
        /// Failed requests in a row.
        errors: usize,
    },
    /// Every request of a wave in flight timed out, while `/_ping` answers.
    Hangs {
        /// Timed-out requests in a row.
        timeouts: usize,
    },
    /// Requests in a row got no usable answer.
    Broken {
        /// Failed requests in a row.
        errors: usize,
    },
}

impl Stop {
    /// What the run says, ending with the reason of the `last` outcome.
    pub fn message(&self, last: &str) -> String {
        match self {
            Stop::Gone { errors } => format!(
                "the daemon stopped answering: {errors} requests in a row failed, and so did /_ping; the last one: \
                 {last}"
            ),
            Stop::Hangs { timeouts } => format!(
                "the daemon answers /_ping but hangs on the rest: {timeouts} requests in a row (every one in flight) \
                 timed out; the last one: {last}"
            ),
            Stop::Broken { errors } => format!(
                "the daemon answers /_ping but no probe usefully: {errors} requests in a row got no usable answer; \
                 the last one: {last}"
            ),
        }
    }
}

/// The counts the rules read, updated with each outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StopRules {
    errors_in_a_row: usize,
    timeouts_in_a_row: usize,
    hang_after: usize,
}

impl StopRules {
    /// The rules of a sweep with `jobs` requests in flight.
    pub fn new(jobs: usize) -> Self {
        StopRules { errors_in_a_row: 0, timeouts_in_a_row: 0, hang_after: jobs.clamp(4, BROKEN_AFTER) }
    }

    /// Counts one outcome: whether it is an error verdict, and whether that error is a timeout.
    pub fn observe(&mut self, error: bool, timed_out: bool) {
        self.errors_in_a_row = if error { self.errors_in_a_row + 1 } else { 0 };
        self.timeouts_in_a_row = if error && timed_out { self.timeouts_in_a_row + 1 } else { 0 };
    }

    /// Whether the daemon should be pinged now (the answer goes to [`StopRules::stop`]).
    pub fn wants_ping(&self) -> bool {
        self.errors_in_a_row >= PING_EVERY && self.errors_in_a_row.is_multiple_of(PING_EVERY)
    }

    /// The rule that holds now, if any; `ping_failed` when [`StopRules::wants_ping`] asked and `/_ping` failed.
    pub fn stop(&self, ping_failed: bool) -> Option<Stop> {
        if ping_failed && self.wants_ping() {
            Some(Stop::Gone { errors: self.errors_in_a_row })
        } else if self.timeouts_in_a_row >= self.hang_after {
            Some(Stop::Hangs { timeouts: self.timeouts_in_a_row })
        } else if self.errors_in_a_row >= BROKEN_AFTER {
            Some(Stop::Broken { errors: self.errors_in_a_row })
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An outcome as the rules see it.
    #[derive(Clone, Copy)]
    enum O {
        /// An answer (any verdict but error).
        Ok,
        /// An error that is not a timeout (refused, reset, garbage).
        Err,
        /// A timeout.
        Timeout,
    }

    /// Feeds `outcomes` with `/_ping` failing or not; the first stop and after how many outcomes, and how many pings
    /// were asked for.
    fn feed(jobs: usize, outcomes: &[O], ping_fails: bool) -> (Option<(Stop, usize)>, usize) {
        let mut rules = StopRules::new(jobs);
        let mut pings = 0;
        for (i, o) in outcomes.iter().enumerate() {
            rules.observe(!matches!(o, O::Ok), matches!(o, O::Timeout));
            let asked = rules.wants_ping();
            pings += usize::from(asked);
            if let Some(stop) = rules.stop(asked && ping_fails) {
                return (Some((stop, i + 1)), pings);
            }
        }
        (None, pings)
    }

    fn n(o: O, count: usize) -> Vec<O> {
        vec![o; count]
    }

    #[test]
    fn each_rule_stops_where_its_count_is_reached_and_not_before() {
        let then = |a: Vec<O>, b: Vec<O>| [a, b].concat();
        type Case = (&'static str, usize, Vec<O>, bool, Option<(Stop, usize)>, usize);
        #[rustfmt::skip]
        let cases: Vec<Case> = vec![
            // what, --jobs, the outcomes, /_ping fails: the stop and after how many outcomes, pings asked.
            ("answers never stop it", 12, n(O::Ok, 500), true, None, 0),
            ("7 errors do not ping", 12, n(O::Err, 7), true, None, 0),
            ("the 8th error pings; it fails: gone", 12, n(O::Err, 8), true, Some((Stop::Gone { errors: 8 }, 8)), 1),
            ("a ping that answers lets it go on to 31", 12, n(O::Err, 31), false, None, 3),
            ("32 errors in a row: broken", 12, n(O::Err, 40), false, Some((Stop::Broken { errors: 32 }, 32)), 4),
            ("an answer resets the count", 12, then(n(O::Err, 31), n(O::Ok, 1)).repeat(3), false, None, 9),
            ("a wave of --jobs timeouts: hangs", 12, n(O::Timeout, 12), false, Some((Stop::Hangs { timeouts: 12 }, 12)), 1),
            ("a wave is at least 4", 1, n(O::Timeout, 4), false, Some((Stop::Hangs { timeouts: 4 }, 4)), 0),
            ("and at most 32", 64, n(O::Timeout, 40), false, Some((Stop::Hangs { timeouts: 32 }, 32)), 4),
            ("an error that is no timeout breaks a wave", 12, then(n(O::Timeout, 11), n(O::Err, 1)).repeat(2), false, None, 3),
            ("gone wins over hangs at the 8th", 8, n(O::Timeout, 8), true, Some((Stop::Gone { errors: 8 }, 8)), 1),
        ];
        for (what, jobs, outcomes, ping_fails, stop, pings) in cases {
            assert_eq!(feed(jobs, &outcomes, ping_fails), (stop, pings), "{what}");
        }
    }

    #[test]
    fn each_stop_says_what_happened_and_the_last_reason() {
        assert_eq!(
            Stop::Gone { errors: 8 }.message("connection refused"),
            "the daemon stopped answering: 8 requests in a row failed, and so did /_ping; the last one: connection \
             refused"
        );
        assert!(Stop::Hangs { timeouts: 12 }.message("x").starts_with("the daemon answers /_ping but hangs"));
        assert!(Stop::Broken { errors: 32 }.message("x").contains("32 requests in a row got no usable answer"));
    }
}

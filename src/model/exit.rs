//! The exit codes of the binary, shared by every error type that maps to one.

/// Everything ran and matched what was asked.
pub const EXIT_OK: u8 = 0;
/// The run finished, and the policy (`--fail-on`) found compatibility failures; or `diff --fail-on-change`
/// found a change.
pub const EXIT_POLICY_FAILURE: u8 = 1;
/// A usage error or an invalid matrix (clap uses 2 too).
pub const EXIT_USAGE: u8 = 2;
/// The daemon could not be reached, the transport failed before a run could start, or the daemon broke mid-run
/// (the sweep stopped early).
pub const EXIT_UNREACHABLE: u8 = 3;
/// Reports or snapshots could not be written.
pub const EXIT_OUTPUT: u8 = 4;

/// The help text that documents the exit codes (shown by `--help`).
pub const EXIT_CODES_HELP: &str = "Exit codes:
  0  everything as expected
  1  policy failure (incompatible or error verdicts, or what --fail-on names); diff: a change
  2  usage error or invalid matrix
  3  daemon unreachable, transport failure, or the daemon broke mid-run (the sweep stopped early)
  4  reports or snapshots could not be written";

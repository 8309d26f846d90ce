//! The `dockmatrix` binary: parse, configure, execute, render the error, exit.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use dockmatrix::cli::Cli;
use dockmatrix::dispatch;

fn main() -> ExitCode {
    fix_mmap_threshold();
    let cli = Cli::parse();
    let result = cli.into_config().and_then(|config| {
        let stdout = std::io::stdout();
        // stderr stays unlocked: the progress bar's ticker thread writes to it while the command runs.
        dispatch::execute(config, &mut stdout.lock(), &mut std::io::stderr())
    });
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            let code = err.exit_code();
            let report = miette::Report::new(err);
            let _ = writeln!(std::io::stderr(), "{report:?}");
            ExitCode::from(code)
        }
    }
}

/// glibc raises its mmap threshold (up to 32 MiB) each time a large block is freed, so the bodies read after the
/// first big one come from arenas that never shrink: against a daemon answering without end, the peak RSS was twice
/// the heap. A fixed 128 KiB threshold gives every large body a mapping of its own, returned when it is freed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn fix_mmap_threshold() {
    // SAFETY: mallopt only sets an allocator parameter; it is called first thing, before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

/// Other allocators keep their own policy.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn fix_mmap_threshold() {}

//! The `dockmatrix` binary: parse, configure, execute, render the error, exit.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use dockmatrix::cli::Cli;
use dockmatrix::dispatch;

fn main() -> ExitCode {
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

//! The `concord` binary: parses the command line and runs it (see `concord::cli`).

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let cli = concord::cli::Cli::parse();
    match concord::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

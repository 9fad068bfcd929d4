//! The command line: `concord [serve|generate-config|check-config|register-user]`.
//!
//! `main` parses [`Cli`] and calls [`run`]; each subcommand lives in its own file.

mod check_config;
mod generate_config;
mod register_user;
mod serve;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::DEFAULT_CONFIG_PATH;

pub use check_config::CheckConfigArgs;
pub use generate_config::GenerateConfigArgs;
pub use register_user::RegisterUserArgs;

/// Concord, a Matrix homeserver. Without a subcommand, runs the server (`serve`).
#[derive(Debug, Parser)]
#[command(name = "concord", version, propagate_version = true)]
pub struct Cli {
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the homeserver until ctrl-c or SIGTERM. Creates the signing key and the SQLite
    /// database on first start.
    Serve(ServeArgs),
    /// Write a commented configuration file for a new server and a fresh signing key.
    GenerateConfig(GenerateConfigArgs),
    /// Check a configuration file: prints "config OK", or the problem and exits non-zero.
    CheckConfig(CheckConfigArgs),
    /// Create a local user account with a password (hashed with Argon2id).
    RegisterUser(RegisterUserArgs),
}

/// Options of `serve`.
#[derive(Debug, Default, Args)]
pub struct ServeArgs {
    /// The configuration file.
    #[arg(short, long, value_name = "PATH", default_value = DEFAULT_CONFIG_PATH)]
    pub config: PathBuf,
}

/// Runs the command line. The error is what to print before exiting non-zero.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        None => serve::run(&ServeArgs {
            config: PathBuf::from(DEFAULT_CONFIG_PATH),
        }),
        Some(Command::Serve(args)) => serve::run(&args),
        Some(Command::GenerateConfig(args)) => generate_config::run(&args),
        Some(Command::CheckConfig(args)) => check_config::run(&args),
        Some(Command::RegisterUser(args)) => register_user::run(&args),
    }
}

/// A multi-threaded tokio runtime for the commands that need one.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

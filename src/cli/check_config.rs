//! `concord check-config`: validate a configuration file.

use std::path::PathBuf;

use clap::Args;

use crate::config::{Config, DEFAULT_CONFIG_PATH};
use crate::signing_key;

/// Options of `check-config`.
#[derive(Debug, Args)]
pub struct CheckConfigArgs {
    /// The configuration file.
    #[arg(short, long, value_name = "PATH", default_value = DEFAULT_CONFIG_PATH)]
    pub config: PathBuf,
}

/// Loads and validates the config (with `CONCORD_DATABASE_URL` applied) and, if the signing
/// key file exists, reads it. Prints `config OK`.
pub(super) fn run(args: &CheckConfigArgs) -> anyhow::Result<()> {
    let config = Config::load(&args.config)?;
    if config.signing_key_path.exists() {
        signing_key::load(&config.signing_key_path)?;
    }
    println!("config OK");
    Ok(())
}

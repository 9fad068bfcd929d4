//! `concord generate-config`: write a commented config and a signing key for a new server.

use std::path::PathBuf;

use anyhow::{bail, Context as _};
use clap::Args;

use crate::config::{render_config, Config, DEFAULT_CONFIG_PATH};
use crate::signing_key;

/// Options of `generate-config`.
#[derive(Debug, Args)]
pub struct GenerateConfigArgs {
    /// The server name, e.g. `example.org` or `matrix.example.org:8448`. It becomes the domain
    /// of every user id and cannot be changed later.
    #[arg(long, value_name = "NAME")]
    pub server_name: String,
    /// Where to write the configuration.
    #[arg(short, long, value_name = "PATH", default_value = DEFAULT_CONFIG_PATH)]
    pub output: PathBuf,
    /// Overwrite an existing configuration file. An existing signing key is always kept.
    #[arg(long)]
    pub force: bool,
}

/// Writes the shipped `homeserver.yaml` with the server name substituted, then creates the
/// signing key it names unless that file exists already.
pub(super) fn run(args: &GenerateConfigArgs) -> anyhow::Result<()> {
    let text = render_config(&args.server_name)?;
    let output = &args.output;
    if output.exists() && !args.force {
        bail!(
            "{} already exists (use --force to overwrite it)",
            output.display()
        );
    }
    if let Some(parent) = output.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(output, text).with_context(|| format!("cannot write {}", output.display()))?;
    println!("wrote {}", output.display());

    // Load what we wrote, as `serve` will: this resolves the key path against its directory.
    let config = Config::load_with_env(output, |_| None)?;
    let key_path = &config.signing_key_path;
    if key_path.exists() {
        let key = signing_key::load(key_path)?;
        println!(
            "kept the existing signing key {} in {}",
            key.key_id(),
            key_path.display()
        );
    } else {
        let key = signing_key::generate();
        signing_key::write_new(key_path, &key)?;
        println!(
            "wrote signing key {} to {}",
            key.key_id(),
            key_path.display()
        );
    }
    Ok(())
}

//! `concord register-user`: create a local account from the command line.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context as _};
use clap::Args;
use state_res::ids::{
    check_localpart_for_registration, check_user_id_strict, localpart_of, server_name_of,
};

use super::runtime;
use crate::config::{Config, DEFAULT_CONFIG_PATH};
use crate::password::hash_password;
use crate::storage::{Database, NewUser, StorageError};

/// Options of `register-user`.
#[derive(Debug, Args)]
pub struct RegisterUserArgs {
    /// The user: a localpart (`alice`) or a full user id of this server (`@alice:example.org`).
    #[arg(short, long, value_name = "NAME")]
    pub user: String,
    /// The password. Without it, the password is asked for on the terminal (preferred: a
    /// password on the command line shows up in the process list and shell history).
    #[arg(short, long, value_name = "PASSWORD")]
    pub password: Option<String>,
    /// Make the user a server admin.
    #[arg(long)]
    pub admin: bool,
    /// The configuration file (for the server name and the database).
    #[arg(short, long, value_name = "PATH", default_value = DEFAULT_CONFIG_PATH)]
    pub config: PathBuf,
}

/// Validates the user id, hashes the password and stores the account.
pub(super) fn run(args: &RegisterUserArgs) -> anyhow::Result<()> {
    let config = Config::load(&args.config)?;
    let user_id = user_id(&args.user, &config.server_name)?;
    let password = match &args.password {
        Some(password) => password.clone(),
        None => prompt_password()?,
    };
    if password.is_empty() {
        bail!("the password must not be empty");
    }
    let password_hash = hash_password(&password)?;
    let creation_ts = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_millis()).ok())
        .unwrap_or_default();
    runtime()?.block_on(async {
        if let Some(parent) = config
            .database
            .sqlite_file()
            .as_deref()
            .and_then(|f| f.parent())
        {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let database = Database::connect(&config.database.url)
            .await
            .context("database")?;
        let created = database
            .create_user(&NewUser {
                user_id: &user_id,
                password_hash: Some(&password_hash),
                is_admin: args.admin,
                creation_ts,
            })
            .await;
        database.close().await;
        match created {
            Ok(()) => Ok(()),
            Err(StorageError::Conflict(_)) => bail!("user {user_id} already exists"),
            Err(e) => Err(e).context("database"),
        }
    })?;
    let role = if args.admin { "admin user" } else { "user" };
    println!("created {role} {user_id}");
    Ok(())
}

/// The full user id for `name` (a localpart or `@localpart:server_name`), validated with the
/// grammar for new user ids.
fn user_id(name: &str, server_name: &str) -> anyhow::Result<String> {
    let localpart = if name.starts_with('@') {
        match (localpart_of(name), server_name_of(name)) {
            (Some(localpart), Some(server)) if server == server_name => localpart,
            (Some(_), Some(server)) => {
                bail!("{name} belongs to {server}, not to this server ({server_name})")
            }
            _ => bail!("{name:?} is not a user id (expected @localpart:{server_name})"),
        }
    } else {
        name
    };
    // The spec has homeservers lowercase requested user names (`/register`); so do we.
    let localpart = localpart.to_lowercase();
    check_localpart_for_registration(&localpart)
        .with_context(|| format!("{localpart:?} cannot be used as a user name"))?;
    let user_id = format!("@{localpart}:{server_name}");
    check_user_id_strict(&user_id)
        .with_context(|| format!("{user_id:?} is not a valid user id"))?;
    Ok(user_id)
}

/// Asks for the password twice on the terminal.
fn prompt_password() -> anyhow::Result<String> {
    let first = rpassword::prompt_password("Password: ").context("cannot read the password")?;
    let second =
        rpassword::prompt_password("Confirm password: ").context("cannot read the password")?;
    if first != second {
        bail!("the passwords do not match");
    }
    Ok(first)
}

#[cfg(test)]
mod tests {
    use super::user_id;

    #[test]
    fn localparts_and_own_user_ids_are_accepted() {
        assert_eq!(
            user_id("Alice", "example.org").ok().as_deref(),
            Some("@alice:example.org")
        );
        assert_eq!(
            user_id("@bob:example.org:8448", "example.org:8448")
                .ok()
                .as_deref(),
            Some("@bob:example.org:8448")
        );
    }

    #[test]
    fn foreign_and_malformed_names_are_rejected() {
        assert!(user_id("@bob:other.org", "example.org").is_err());
        assert!(user_id("al!ce", "example.org").is_err());
        assert!(user_id("a b", "example.org").is_err());
        assert!(user_id("@", "example.org").is_err());
    }
}

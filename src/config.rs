//! The server's configuration: `homeserver.yaml`.
//!
//! Loading is three steps, each failing with one message that names the file, the key and the
//! problem:
//!
//! 1. **parse**: YAML into nested per-concern structs (one file per section), every struct
//!    `deny_unknown_fields`, so a typo is an error, not a silently ignored key;
//! 2. **overrides and paths**: `CONCORD_DATABASE_URL` replaces `database.url`; relative paths
//!    (SQLite file, signing key) are made relative to the config file's directory;
//! 3. **[`Config::validate`]**: values the types cannot check (server name grammar, URLs).
//!
//! Every key except `server_name` has a default equal to the value in the shipped
//! `homeserver.yaml` (a test keeps them equal).

mod database;
mod error;
mod federation;
mod listeners;
mod logging;
mod presence;
mod rate_limits;
mod registration;
mod template;
mod well_known;

use std::path::{Path, PathBuf};

use serde::Deserialize;
use state_res::ids::check_server_name;

pub use database::{DatabaseConfig, DATABASE_URL_ENV};
pub use error::{ConfigError, InvalidValue};
pub use federation::FederationConfig;
pub use listeners::{ListenerConfig, ListenerTlsConfig};
pub use logging::LoggingConfig;
pub use presence::PresenceConfig;
pub use rate_limits::{LoginRateLimits, RateLimit};
pub use registration::RegistrationConfig;
pub use template::{render_config, DEFAULT_CONFIG, DEFAULT_SERVER_NAME};
pub use well_known::WellKnownConfig;

/// The default config file, relative to the working directory.
pub const DEFAULT_CONFIG_PATH: &str = "homeserver.yaml";

/// The whole configuration.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The server name (spec appendices § "Server Name"): host, IPv4 or `[IPv6]`, optional port.
    pub server_name: String,
    /// The HTTP listeners.
    #[serde(default = "listeners::default_listeners")]
    pub listeners: Vec<ListenerConfig>,
    /// The database.
    #[serde(default)]
    pub database: DatabaseConfig,
    /// The signing key file (Synapse's format). Absolute after [`Config::load`].
    #[serde(default = "default_signing_key_path")]
    pub signing_key_path: PathBuf,
    /// Logging.
    #[serde(default)]
    pub logging: LoggingConfig,
    /// The `.well-known` discovery documents.
    #[serde(default)]
    pub well_known: WellKnownConfig,
    /// Account registration and token lifetimes.
    #[serde(default)]
    pub registration: RegistrationConfig,
    /// Events sent per user (Synapse's `rc_message`).
    #[serde(default = "rate_limits::default_message")]
    pub rc_message: RateLimit,
    /// Login attempts (Synapse's `rc_login`).
    #[serde(default)]
    pub rc_login: LoginRateLimits,
    /// Talking to other servers.
    #[serde(default)]
    pub federation: FederationConfig,
    /// Presence.
    #[serde(default)]
    pub presence: PresenceConfig,
}

fn default_signing_key_path() -> PathBuf {
    PathBuf::from("data/signing.key")
}

impl Config {
    /// Reads, parses, applies `CONCORD_DATABASE_URL`, resolves relative paths against the
    /// file's directory and validates.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        Self::load_with_env(path, |name| std::env::var(name).ok())
    }

    /// [`Config::load`] with the environment given as a lookup function (tests pass `|_| None`).
    pub fn load_with_env(
        path: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
            file: file.clone(),
            error,
        })?;
        let mut config = Self::parse(&text).map_err(|message| ConfigError::Parse {
            file: file.clone(),
            message,
        })?;
        if let Some(url) = env(DATABASE_URL_ENV) {
            config.database.url = url;
            config.database.from_env = true;
        }
        let base = config_dir(path);
        config.resolve_relative_paths(&base);
        config
            .validate()
            .map_err(|problem| ConfigError::Invalid { file, problem })?;
        Ok(config)
    }

    /// Parses YAML text, without overrides, path resolution or validation. The error is the
    /// decoder's message, which names the key and the position.
    pub fn parse(text: &str) -> Result<Self, String> {
        serde_norway::from_str(text).map_err(|e| e.to_string())
    }

    /// Makes the relative paths (SQLite file, signing key) relative to `base`.
    pub fn resolve_relative_paths(&mut self, base: &Path) {
        if self.signing_key_path.is_relative() {
            self.signing_key_path = base.join(&self.signing_key_path);
        }
        self.database.resolve_relative(base);
        for tls in self.listeners.iter_mut().filter_map(|l| l.tls.as_mut()) {
            tls.resolve_relative(base);
        }
        self.federation.resolve_relative(base);
    }

    /// Checks the values the types do not: the server name grammar, URLs, the log filter.
    pub fn validate(&self) -> Result<(), InvalidValue> {
        check_server_name(&self.server_name).map_err(|e| {
            InvalidValue::new(
                "server_name",
                format!(
                    "{:?} is not a valid server name ({e}); expected a host name, an IPv4 \
                     address or a bracketed IPv6 address, with an optional :port",
                    self.server_name
                ),
            )
        })?;
        listeners::validate(&self.listeners)?;
        self.database.validate()?;
        if self.signing_key_path.as_os_str().is_empty() {
            return Err(InvalidValue::new("signing_key_path", "must not be empty"));
        }
        self.logging.validate()?;
        self.well_known.validate()?;
        self.registration.validate()?;
        rate_limits::validate_message(&self.rc_message)?;
        self.rc_login.validate()?;
        self.federation.validate()?;
        Ok(())
    }
}

/// The directory holding the config file; the working directory for a bare file name.
fn config_dir(path: &Path) -> PathBuf {
    let parent = path.parent().unwrap_or(Path::new(""));
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    std::path::absolute(parent).unwrap_or_else(|_| parent.to_path_buf())
}

#[cfg(test)]
mod tests;

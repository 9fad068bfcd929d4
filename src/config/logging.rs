//! `logging`: what the server logs.

use serde::Deserialize;
use tracing_subscriber::EnvFilter;

use super::InvalidValue;

/// Log settings. The `RUST_LOG` environment variable, when set, replaces `level`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoggingConfig {
    /// A `tracing` filter: a level (`info`) or directives (`info,concord=debug`).
    #[serde(default = "default_level")]
    pub level: String,
}

impl Default for LoggingConfig {
    fn default() -> Self {
        Self {
            level: default_level(),
        }
    }
}

fn default_level() -> String {
    "info".to_owned()
}

impl LoggingConfig {
    pub(super) fn validate(&self) -> Result<(), InvalidValue> {
        EnvFilter::try_new(&self.level).map(|_| ()).map_err(|e| {
            InvalidValue::new(
                "logging.level",
                format!("{:?} is not a valid log filter: {e}", self.level),
            )
        })
    }
}

//! `federation`: how this server talks to other servers.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::InvalidValue;

/// Federation settings.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FederationConfig {
    /// PEM files of certificate authorities trusted for outgoing server-server requests, in
    /// addition to the public web roots (private federations, tests).
    #[serde(default)]
    pub extra_trusted_ca_paths: Vec<PathBuf>,
    /// Seconds an outgoing server-server request may take before it fails.
    #[serde(default = "default_request_timeout_secs")]
    pub request_timeout_secs: u64,
    /// Milliseconds before the first retry of a destination that failed; each further
    /// consecutive failure doubles the wait.
    #[serde(default = "default_retry_initial_ms")]
    pub retry_initial_ms: u64,
    /// The longest wait between retries of a failing (dead) destination, in milliseconds.
    #[serde(default = "default_retry_max_ms")]
    pub retry_max_ms: u64,
}

impl Default for FederationConfig {
    fn default() -> Self {
        Self {
            extra_trusted_ca_paths: Vec::new(),
            request_timeout_secs: default_request_timeout_secs(),
            retry_initial_ms: default_retry_initial_ms(),
            retry_max_ms: default_retry_max_ms(),
        }
    }
}

/// Synapse waits 60 s for a federation request; a peer that hangs should not hold ours longer.
fn default_request_timeout_secs() -> u64 {
    60
}

/// 5 s: a restarting peer is reached again quickly. (Synapse starts at 10 minutes, but it also
/// resets a backoff when the peer contacts it, as we do; 5 s, 10 s, 20 s… reaches an hour after
/// ten failures.)
fn default_retry_initial_ms() -> u64 {
    5_000
}

/// One day: a dead server costs one attempt a day.
fn default_retry_max_ms() -> u64 {
    24 * 60 * 60 * 1000
}

impl FederationConfig {
    pub(super) fn resolve_relative(&mut self, base: &Path) {
        for path in &mut self.extra_trusted_ca_paths {
            if path.is_relative() {
                *path = base.join(&*path);
            }
        }
    }

    pub(super) fn validate(&self) -> Result<(), InvalidValue> {
        if self.request_timeout_secs == 0 {
            return Err(InvalidValue::new(
                "federation.request_timeout_secs",
                "must be at least 1",
            ));
        }
        if self.retry_initial_ms == 0 {
            return Err(InvalidValue::new(
                "federation.retry_initial_ms",
                "must be at least 1",
            ));
        }
        if self.retry_max_ms < self.retry_initial_ms {
            return Err(InvalidValue::new(
                "federation.retry_max_ms",
                "must be at least federation.retry_initial_ms",
            ));
        }
        Ok(())
    }
}

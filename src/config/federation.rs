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
}

impl Default for FederationConfig {
    fn default() -> Self {
        Self {
            extra_trusted_ca_paths: Vec::new(),
            request_timeout_secs: default_request_timeout_secs(),
        }
    }
}

/// Synapse waits 60 s for a federation request; a peer that hangs should not hold ours longer.
fn default_request_timeout_secs() -> u64 {
    60
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
        Ok(())
    }
}

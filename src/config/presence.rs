//! `presence`: whether presence is tracked and sent (Synapse's `presence.enabled`).

use serde::Deserialize;

/// Presence settings.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresenceConfig {
    /// Off: the presence endpoints answer, but nothing is stored or sent in `/sync`.
    #[serde(default = "default_enabled")]
    pub enabled: bool,
}

impl Default for PresenceConfig {
    fn default() -> Self {
        Self {
            enabled: default_enabled(),
        }
    }
}

fn default_enabled() -> bool {
    true
}

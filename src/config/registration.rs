//! `registration`: who may create accounts, and how long refreshable access tokens live.

use serde::Deserialize;

use super::InvalidValue;

/// The longest registration token the spec allows (§ "Token-authenticated registration").
const MAX_REGISTRATION_TOKEN_CHARS: usize = 64;

/// Registration settings. Secure by default: nobody can register through the client API until
/// `enable_registration` is set, and shared-secret registration is off without a secret.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrationConfig {
    /// Whether `POST /register` creates accounts. With no `registration_tokens`, anyone can
    /// register (the `m.login.dummy` flow).
    #[serde(default)]
    pub enable_registration: bool,
    /// When non-empty, registration requires one of these tokens (the
    /// `m.login.registration_token` flow). Opaque ids of at most 64 characters from
    /// `[A-Za-z0-9._~-]`; reusable and without expiry.
    #[serde(default)]
    pub registration_tokens: Vec<String>,
    /// The secret of Synapse's shared-secret registration API (`/_synapse/admin/v1/register`,
    /// used by `register_new_matrix_user`); `None` turns that API off.
    #[serde(default)]
    pub registration_shared_secret: Option<String>,
    /// Lifetime in milliseconds of access tokens issued to clients that support refresh tokens
    /// (`refresh_token: true` at login or registration). Other access tokens do not expire.
    #[serde(default = "default_refreshable_access_token_lifetime_ms")]
    pub refreshable_access_token_lifetime_ms: u64,
}

impl Default for RegistrationConfig {
    fn default() -> Self {
        Self {
            enable_registration: false,
            registration_tokens: Vec::new(),
            registration_shared_secret: None,
            refreshable_access_token_lifetime_ms: default_refreshable_access_token_lifetime_ms(),
        }
    }
}

/// Five minutes, Synapse's `refreshable_access_token_lifetime`.
fn default_refreshable_access_token_lifetime_ms() -> u64 {
    5 * 60 * 1000
}

/// Secrets stay out of logs and panic messages.
impl std::fmt::Debug for RegistrationConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistrationConfig")
            .field("enable_registration", &self.enable_registration)
            .field("registration_tokens", &self.registration_tokens.len())
            .field(
                "registration_shared_secret",
                &self
                    .registration_shared_secret
                    .as_ref()
                    .map(|_| "<redacted>"),
            )
            .field(
                "refreshable_access_token_lifetime_ms",
                &self.refreshable_access_token_lifetime_ms,
            )
            .finish()
    }
}

impl RegistrationConfig {
    pub(super) fn validate(&self) -> Result<(), InvalidValue> {
        if !self.enable_registration && !self.registration_tokens.is_empty() {
            return Err(InvalidValue::new(
                "registration.registration_tokens",
                "tokens have no effect while registration.enable_registration is false",
            ));
        }
        for (i, token) in self.registration_tokens.iter().enumerate() {
            let valid_chars = token
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '~' | '-'));
            if token.is_empty()
                || token.chars().count() > MAX_REGISTRATION_TOKEN_CHARS
                || !valid_chars
            {
                return Err(InvalidValue::new(
                    format!("registration.registration_tokens[{i}]"),
                    "a registration token is 1 to 64 characters from [A-Za-z0-9._~-]",
                ));
            }
        }
        if self.registration_shared_secret.as_deref() == Some("") {
            return Err(InvalidValue::new(
                "registration.registration_shared_secret",
                "must not be empty (use null to turn shared-secret registration off)",
            ));
        }
        if self.refreshable_access_token_lifetime_ms == 0 {
            return Err(InvalidValue::new(
                "registration.refreshable_access_token_lifetime_ms",
                "must be positive",
            ));
        }
        Ok(())
    }
}

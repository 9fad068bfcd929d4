//! Access tokens and login sessions: authenticating requests, `POST /login`, `/refresh`,
//! `/logout`, `/logout/all`, and issuing the tokens registration hands out.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use client_api::session_management::{get_login_types, login, refresh};
use client_api::{AccessToken, ClientUser, MatrixError};
use serde_json::json;
use state_res::ids::check_device_id;
use tracing::instrument;

use super::credentials::{invalid_credentials, Credentials, PasswordCheck};
use super::rate_limit::RateLimiter;
use super::{internal, now_ms, secrets};
use crate::config::LoginRateLimits;
use crate::storage::{Database, NewSession, Refresh, StorageError, TokenHash};

/// How often a device's `last_seen_ts` is written at most.
const LAST_SEEN_INTERVAL_MS: i64 = 60_000;
/// The longest device display name kept (Synapse's limit); longer initial names are cut.
pub const MAX_DEVICE_DISPLAY_NAME_CHARS: usize = 100;

/// A device: (user id, device id).
type DeviceKey = (String, String);
/// When and from where a device's last use was written.
type LastSeen = (i64, Option<IpAddr>);

/// What a login or registration asks for.
#[derive(Clone, Debug)]
pub struct SessionRequest {
    /// The user; must exist.
    pub user_id: String,
    /// The device to use or create; generated if `None`.
    pub device_id: Option<String>,
    /// The name of a newly created device.
    pub initial_device_display_name: Option<String>,
    /// Whether to issue a refresh token (and an expiring access token).
    pub refreshable: bool,
}

/// The tokens handed to the client.
#[derive(Clone, Debug)]
pub struct IssuedSession {
    /// The access token.
    pub access_token: String,
    /// The device.
    pub device_id: String,
    /// The refresh token, if asked for.
    pub refresh_token: Option<String>,
    /// The access token's lifetime, if it expires.
    pub expires_in_ms: Option<u64>,
}

/// The session service.
#[derive(Debug)]
pub struct Sessions {
    database: Database,
    credentials: Arc<Credentials>,
    /// `m.homeserver.base_url` for the login response's `well_known`.
    client_base_url: Option<String>,
    refreshable_lifetime_ms: u64,
    /// When, and from where, each device's last use was last written.
    last_seen: Mutex<HashMap<DeviceKey, LastSeen>>,
    /// `rc_login`.
    login_limits: LoginLimiters,
}

/// The three login limits of `rc_login` (Synapse's semantics): every request per client
/// address, failed password checks per account (checked before the password is, so a locked
/// account costs no hashing), and successful logins per account.
#[derive(Debug)]
struct LoginLimiters {
    address: RateLimiter,
    account: RateLimiter,
    failed_attempts: RateLimiter,
}

impl LoginLimiters {
    fn new(limits: &LoginRateLimits) -> Self {
        Self {
            address: RateLimiter::new(limits.address),
            account: RateLimiter::new(limits.account),
            failed_attempts: RateLimiter::new(limits.failed_attempts),
        }
    }
}

impl Sessions {
    /// A session service.
    pub fn new(
        database: Database,
        credentials: Arc<Credentials>,
        client_base_url: Option<String>,
        refreshable_lifetime_ms: u64,
    ) -> Self {
        Self {
            database,
            credentials,
            client_base_url,
            refreshable_lifetime_ms,
            last_seen: Mutex::new(HashMap::new()),
            login_limits: LoginLimiters::new(&LoginRateLimits::default()),
        }
    }

    /// The service with `limits` on logins instead of the defaults.
    pub fn with_login_limits(mut self, limits: &LoginRateLimits) -> Self {
        self.login_limits = LoginLimiters::new(limits);
        self
    }

    /// The login types we accept.
    pub fn login_types(&self) -> Vec<get_login_types::LoginFlow> {
        vec![get_login_types::LoginFlow {
            kind: "m.login.password".to_owned(),
        }]
    }

    /// Resolves an access token (spec § "Using access tokens"). The first use of a token issued
    /// by `/refresh` retires the refresh token it replaced.
    pub async fn authenticate(
        &self,
        raw_token: &str,
        client_ip: Option<IpAddr>,
    ) -> Result<ClientUser, MatrixError> {
        let hash = TokenHash::of(raw_token);
        let token = self
            .database
            .find_access_token(&hash)
            .await
            .map_err(internal)?
            .ok_or_else(|| MatrixError::unknown_token("Invalid access token passed.", false))?;
        let now = now_ms();
        if !token.is_valid_at(now) {
            // A refreshable token: the client can refresh and carry on (soft logout).
            let soft_logout = token.refresh_token_hash.is_some();
            return Err(MatrixError::unknown_token(
                "Access token has expired",
                soft_logout,
            ));
        }
        if let (true, Some(refresh)) = (token.retire_previous, &token.refresh_token_hash) {
            self.database
                .retire_previous_refresh_token(&hash, refresh)
                .await
                .map_err(internal)?;
        }
        if let Some(device_id) = &token.device_id {
            self.record_last_seen(&token.user_id, device_id, now, client_ip)
                .await;
        }
        Ok(ClientUser {
            user_id: token.user_id,
            device_id: token.device_id,
            access_token: AccessToken(raw_token.to_owned()),
        })
    }

    /// Writes the device's `last_seen_ts`/`last_seen_ip` at most once a minute per device, or
    /// when the address changes (a write per request would make every read a write).
    async fn record_last_seen(
        &self,
        user_id: &str,
        device_id: &str,
        now: i64,
        client_ip: Option<IpAddr>,
    ) {
        let key = (user_id.to_owned(), device_id.to_owned());
        {
            let Ok(mut seen) = self.last_seen.lock() else {
                return;
            };
            let recent = seen
                .get(&key)
                .is_some_and(|&(at, ip)| now - at < LAST_SEEN_INTERVAL_MS && ip == client_ip);
            if recent {
                return;
            }
            seen.insert(key, (now, client_ip));
        }
        let ip = client_ip.map(|ip| ip.to_canonical().to_string());
        let touched = self
            .database
            .touch_device(user_id, device_id, now, ip.as_deref())
            .await;
        if let Err(error) = touched {
            tracing::warn!(%error, "cannot record the device's last use");
        }
    }

    /// `POST /login` with `m.login.password`.
    #[instrument(skip_all)]
    pub async fn login(
        &self,
        request: login::Request,
        client_ip: Option<IpAddr>,
    ) -> Result<login::Response, MatrixError> {
        if let Some(ip) = client_ip {
            self.login_limits.address.acquire(&ip.to_string())?;
        }
        if request.kind != "m.login.password" {
            return Err(MatrixError::bad_request(
                "M_UNKNOWN",
                format!("Unknown login type {}", request.kind),
            ));
        }
        if request.identifier.is_none() && request.user.is_none() && request.address.is_some() {
            return Err(invalid_credentials());
        }
        let password = request
            .password
            .as_deref()
            .ok_or_else(|| MatrixError::missing_param("Missing parameter: password"))?;
        let user_id = self
            .credentials
            .user_named(request.identifier.as_ref(), request.user.as_deref())?;
        self.login_limits.failed_attempts.would_allow(&user_id)?;
        let user_id = match self.credentials.check_password(&user_id, password).await? {
            PasswordCheck::Valid(user_id) => user_id,
            PasswordCheck::Invalid => {
                self.login_limits.failed_attempts.record(&user_id);
                return Err(invalid_credentials());
            }
            PasswordCheck::Deactivated => {
                return Err(MatrixError::new(
                    axum::http::StatusCode::FORBIDDEN,
                    "M_USER_DEACTIVATED",
                    "This account has been deactivated",
                ))
            }
        };
        self.login_limits.account.acquire(&user_id)?;
        let issued = self
            .issue(SessionRequest {
                user_id: user_id.clone(),
                device_id: request.device_id,
                initial_device_display_name: request.initial_device_display_name,
                refreshable: request.refresh_token,
            })
            .await?;
        Ok(login::Response {
            user_id,
            access_token: issued.access_token,
            device_id: issued.device_id,
            home_server: self.credentials.server_name().to_owned(),
            well_known: self
                .client_base_url
                .as_ref()
                .map(|base_url| json!({"m.homeserver": {"base_url": base_url}})),
            refresh_token: issued.refresh_token,
            expires_in_ms: issued.expires_in_ms,
        })
    }

    /// Creates (or reuses) the device and stores new tokens for it.
    pub async fn issue(&self, request: SessionRequest) -> Result<IssuedSession, MatrixError> {
        let device_id = match request.device_id {
            Some(device_id) => {
                check_device_id(&device_id)
                    .map_err(|e| MatrixError::invalid_param(format!("Invalid device_id: {e}")))?;
                device_id
            }
            None => secrets::device_id(),
        };
        let display_name = request.initial_device_display_name.map(|name| {
            name.chars()
                .take(MAX_DEVICE_DISPLAY_NAME_CHARS)
                .collect::<String>()
        });
        let access_token = secrets::access_token();
        let refresh_token = request.refreshable.then(secrets::refresh_token);
        let now = now_ms();
        let expires_in_ms = request.refreshable.then_some(self.refreshable_lifetime_ms);
        let refresh_hash = refresh_token.as_deref().map(TokenHash::of);
        self.database
            .create_session(&NewSession {
                user_id: &request.user_id,
                device_id: &device_id,
                initial_device_display_name: display_name.as_deref(),
                access_token_hash: &TokenHash::of(&access_token),
                access_token_expires_ts: expires_in_ms.map(|ms| now.saturating_add_unsigned(ms)),
                refresh_token_hash: refresh_hash.as_ref(),
                created_ts: now,
            })
            .await
            .map_err(internal)?;
        Ok(IssuedSession {
            access_token,
            device_id,
            refresh_token,
            expires_in_ms,
        })
    }

    /// `POST /refresh`: a new access token and refresh token for the refresh token's device.
    #[instrument(skip_all)]
    pub async fn refresh(&self, refresh_token: &str) -> Result<refresh::Response, MatrixError> {
        let access_token = secrets::access_token();
        let new_refresh_token = secrets::refresh_token();
        let now = now_ms();
        let refreshed = self
            .database
            .refresh_session(&Refresh {
                old_refresh_token_hash: &TokenHash::of(refresh_token),
                refresh_token_hash: &TokenHash::of(&new_refresh_token),
                access_token_hash: &TokenHash::of(&access_token),
                access_token_expires_ts: Some(
                    now.saturating_add_unsigned(self.refreshable_lifetime_ms),
                ),
                created_ts: now,
            })
            .await
            .map_err(internal)?;
        if refreshed.is_none() {
            return Err(MatrixError::unknown_token("Unknown refresh token", false));
        }
        Ok(refresh::Response {
            access_token,
            refresh_token: Some(new_refresh_token),
            expires_in_ms: Some(self.refreshable_lifetime_ms),
        })
    }

    /// `POST /logout`: the caller's device goes, with every token bound to it.
    #[instrument(skip_all)]
    pub async fn logout(&self, user: &ClientUser) -> Result<(), MatrixError> {
        let hash = TokenHash::of(&user.access_token.0);
        if let Some(device_id) = &user.device_id {
            match self.database.delete_device(&user.user_id, device_id).await {
                Ok(()) | Err(StorageError::NotFound(_)) => {}
                Err(error) => return Err(internal(error)),
            }
        }
        self.database
            .delete_access_token(&hash)
            .await
            .map_err(internal)?;
        Ok(())
    }

    /// `POST /logout/all`: every device and token of the caller goes.
    #[instrument(skip_all)]
    pub async fn logout_all(&self, user: &ClientUser) -> Result<(), MatrixError> {
        self.database
            .delete_other_sessions(&user.user_id, None, None)
            .await
            .map_err(internal)
    }
}

#[cfg(test)]
mod tests;

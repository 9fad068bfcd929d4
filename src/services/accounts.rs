//! Accounts: registration (`/register`, `/register/available`, registration tokens), password
//! change, deactivation, and Synapse's shared-secret registration (`shared_secret.rs`).

mod shared_secret;

use std::sync::Arc;

use axum::http::StatusCode;
use client_api::account_management::change_password;
use client_api::account_registration::register;
use client_api::uia::{self as uia_types, AuthData};
use client_api::{ClientUser, MatrixError, UiaError};
use state_res::ids::{check_localpart_for_registration, check_user_id_strict};
use tracing::instrument;

use super::sessions::{SessionRequest, Sessions};
use super::uia::{Uia, UiaRequest};
use super::{blocking, internal, now_ms, secrets};
use crate::config::RegistrationConfig;
use crate::password::hash_password;
use crate::storage::{Database, NewUser, StorageError, TokenHash};

pub use shared_secret::SharedSecretRegistration;

/// The longest password accepted (Synapse's limit).
const MAX_PASSWORD_CHARS: usize = 512;

/// The account service.
#[derive(Debug)]
pub struct Accounts {
    database: Database,
    server_name: String,
    registration: RegistrationConfig,
    sessions: Arc<Sessions>,
    uia: Arc<Uia>,
    shared_secret: SharedSecretRegistration,
}

impl Accounts {
    /// An account service for `server_name`.
    pub fn new(
        database: Database,
        server_name: String,
        registration: RegistrationConfig,
        sessions: Arc<Sessions>,
        uia: Arc<Uia>,
    ) -> Self {
        let shared_secret =
            SharedSecretRegistration::new(registration.registration_shared_secret.clone());
        Self {
            database,
            server_name,
            registration,
            sessions,
            uia,
            shared_secret,
        }
    }

    /// `POST /register`.
    #[instrument(skip_all)]
    pub async fn register(
        &self,
        kind: Option<String>,
        request: register::Request,
    ) -> Result<register::Response, UiaError> {
        match kind.as_deref() {
            None | Some("user") => {}
            Some("guest") => {
                return Err(MatrixError::new(
                    StatusCode::FORBIDDEN,
                    "M_GUEST_ACCESS_FORBIDDEN",
                    "Guest access is disabled",
                )
                .into())
            }
            Some(other) => {
                return Err(MatrixError::invalid_param(format!("Invalid kind: {other}")).into())
            }
        }
        if !self.registration.enable_registration {
            return Err(MatrixError::forbidden("Registration has been disabled").into());
        }
        if let Some(password) = &request.password {
            check_password_value(password)?;
        }
        // The spec wants these checks before user-interactive auth.
        let requested = match &request.username {
            Some(username) => Some(self.available_user_id(username).await?),
            None => None,
        };
        let flow = if self.registration.registration_tokens.is_empty() {
            uia_types::DUMMY
        } else {
            uia_types::REGISTRATION_TOKEN
        };
        self.uia
            .authenticate(UiaRequest {
                operation: "POST /register".to_owned(),
                user_id: None,
                flows: vec![vec![flow]],
                auth: request.auth.clone(),
            })
            .await?;
        let password = request
            .password
            .clone()
            .ok_or_else(|| MatrixError::missing_param("Missing password."))?;
        let user_id = match requested {
            Some(user_id) => user_id,
            None => self.generated_user_id().await?,
        };
        self.create_user(&user_id, password, false).await?;
        Ok(self.login_after_registration(user_id, &request).await?)
    }

    /// `GET /register/available`.
    pub async fn check_username_availability(&self, username: &str) -> Result<(), MatrixError> {
        if !self.registration.enable_registration {
            return Err(MatrixError::forbidden("Registration has been disabled"));
        }
        self.available_user_id(username).await.map(|_| ())
    }

    /// `GET /register/m.login.registration_token/validity`.
    pub fn registration_token_validity(&self, token: &str) -> Result<bool, MatrixError> {
        if self.registration.registration_tokens.is_empty() {
            return Err(MatrixError::forbidden(
                "Registration tokens are not enabled",
            ));
        }
        Ok(self
            .registration
            .registration_tokens
            .iter()
            .any(|t| t == token))
    }

    /// `POST /account/password`: the other devices are logged out unless `logout_devices` is
    /// false; the caller's own token and device stay.
    #[instrument(skip_all)]
    pub async fn change_password(
        &self,
        user: &ClientUser,
        request: change_password::Request,
    ) -> Result<(), UiaError> {
        check_password_value(&request.new_password)?;
        self.uia
            .authenticate(UiaRequest {
                operation: "POST /account/password".to_owned(),
                user_id: Some(&user.user_id),
                flows: vec![vec![uia_types::PASSWORD]],
                auth: request.auth,
            })
            .await?;
        let new_password = request.new_password;
        let hash = blocking(move || hash_password(&new_password))
            .await?
            .map_err(|error| {
                tracing::error!(%error, "password hashing failed");
                MatrixError::internal("Internal server error")
            })?;
        self.database
            .set_password_hash(&user.user_id, Some(&hash))
            .await
            .map_err(internal)?;
        if request.logout_devices {
            let keep_token = TokenHash::of(&user.access_token.0);
            self.database
                .delete_other_sessions(&user.user_id, user.device_id.as_deref(), Some(&keep_token))
                .await
                .map_err(internal)?;
        }
        Ok(())
    }

    /// `POST /account/deactivate`: the account stays (its id can never be registered again),
    /// its password, devices and tokens go.
    #[instrument(skip_all)]
    pub async fn deactivate_account(
        &self,
        user: &ClientUser,
        auth: Option<AuthData>,
    ) -> Result<(), UiaError> {
        self.uia
            .authenticate(UiaRequest {
                operation: "POST /account/deactivate".to_owned(),
                user_id: Some(&user.user_id),
                flows: vec![vec![uia_types::PASSWORD]],
                auth,
            })
            .await?;
        self.database
            .deactivate_user(&user.user_id)
            .await
            .map_err(internal)?;
        Ok(())
    }

    /// The user id for a requested user name, if it is valid and free: lowercased (the spec
    /// asks servers to map names onto the grammar), then checked as Synapse does.
    async fn available_user_id(&self, username: &str) -> Result<String, MatrixError> {
        let localpart = username.to_lowercase();
        let invalid = |message: &str| MatrixError::bad_request("M_INVALID_USERNAME", message);
        check_localpart_for_registration(&localpart)
            .map_err(|_| invalid("User ID can only contain characters a-z, 0-9, or '=_-./+'"))?;
        if localpart.starts_with('_') {
            return Err(invalid("User ID may not begin with _"));
        }
        if localpart.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid("Numeric user IDs are reserved for guest users."));
        }
        let user_id = format!("@{localpart}:{}", self.server_name);
        check_user_id_strict(&user_id).map_err(|_| invalid("User ID is too long"))?;
        if self
            .database
            .get_user(&user_id)
            .await
            .map_err(internal)?
            .is_some()
        {
            return Err(MatrixError::bad_request(
                "M_USER_IN_USE",
                "User ID already taken.",
            ));
        }
        Ok(user_id)
    }

    /// A free random user id for a registration without `username`.
    async fn generated_user_id(&self) -> Result<String, MatrixError> {
        loop {
            let localpart = secrets::random_string(b"abcdefghijklmnopqrstuvwxyz0123456789", 12);
            if let Ok(user_id) = self.available_user_id(&localpart).await {
                return Ok(user_id);
            }
        }
    }

    /// Hashes the password and stores the user; `M_USER_IN_USE` if the id was taken meanwhile.
    async fn create_user(
        &self,
        user_id: &str,
        password: String,
        is_admin: bool,
    ) -> Result<(), MatrixError> {
        let hash = blocking(move || hash_password(&password))
            .await?
            .map_err(|error| MatrixError::invalid_param(format!("Invalid password: {error}")))?;
        let created = self
            .database
            .create_user(&NewUser {
                user_id,
                password_hash: Some(&hash),
                is_admin,
                creation_ts: now_ms(),
            })
            .await;
        match created {
            Ok(()) => Ok(()),
            Err(StorageError::Conflict(_)) => Err(MatrixError::bad_request(
                "M_USER_IN_USE",
                "User ID already taken.",
            )),
            Err(error) => Err(internal(error)),
        }
    }

    /// The registration response, logging in unless `inhibit_login`.
    async fn login_after_registration(
        &self,
        user_id: String,
        request: &register::Request,
    ) -> Result<register::Response, MatrixError> {
        let mut response = register::Response {
            user_id: user_id.clone(),
            home_server: self.server_name.clone(),
            access_token: None,
            device_id: None,
            refresh_token: None,
            expires_in_ms: None,
        };
        if request.inhibit_login {
            return Ok(response);
        }
        let issued = self
            .sessions
            .issue(SessionRequest {
                user_id,
                device_id: request.device_id.clone(),
                initial_device_display_name: request.initial_device_display_name.clone(),
                refreshable: request.refresh_token,
            })
            .await?;
        response.access_token = Some(issued.access_token);
        response.device_id = Some(issued.device_id);
        response.refresh_token = issued.refresh_token;
        response.expires_in_ms = issued.expires_in_ms;
        Ok(response)
    }
}

/// A password we accept: 1 to 512 characters, no NUL.
fn check_password_value(password: &str) -> Result<(), MatrixError> {
    if password.is_empty() {
        return Err(MatrixError::bad_request(
            "M_WEAK_PASSWORD",
            "The password must not be empty",
        ));
    }
    if password.chars().count() > MAX_PASSWORD_CHARS || password.contains('\0') {
        return Err(MatrixError::invalid_param("Invalid password"));
    }
    Ok(())
}

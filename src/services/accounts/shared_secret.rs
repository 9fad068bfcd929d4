//! Synapse's shared-secret registration (`/_synapse/admin/v1/register`), so that Synapse's
//! `register_new_matrix_user` script works: `GET` hands out a nonce valid for a minute, `POST`
//! registers if `mac` is the hex HMAC-SHA1, keyed with `registration_shared_secret`, of
//! `nonce NUL username NUL password NUL ("admin" | "notadmin") [NUL user_type]`.
//!
//! Nonces live in memory: they are single use and expire within a minute, so a restart only
//! costs a client one retry.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use client_api::account_registration::register;
use client_api::synapse_admin::register_with_shared_secret::Request;
use client_api::MatrixError;
use hmac::{Hmac, Mac};
use sha1::Sha1;

use super::Accounts;
use crate::services::{internal, secrets};

/// How long a nonce is accepted (Synapse: 60 s).
const NONCE_LIFETIME: Duration = Duration::from_secs(60);
/// Synapse's user types.
const USER_TYPES: &[&str] = &["support", "bot"];

/// The shared secret and the nonces handed out.
pub struct SharedSecretRegistration {
    secret: Option<String>,
    nonces: Mutex<HashMap<String, Instant>>,
}

impl std::fmt::Debug for SharedSecretRegistration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedSecretRegistration")
            .field("enabled", &self.secret.is_some())
            .finish_non_exhaustive()
    }
}

fn disabled() -> MatrixError {
    MatrixError::bad_request("M_UNKNOWN", "Shared secret registration is not enabled")
}

impl SharedSecretRegistration {
    /// Enabled when `secret` is set.
    pub fn new(secret: Option<String>) -> Self {
        Self {
            secret,
            nonces: Mutex::new(HashMap::new()),
        }
    }

    /// A fresh nonce.
    pub fn nonce(&self) -> Result<String, MatrixError> {
        if self.secret.is_none() {
            return Err(disabled());
        }
        let nonce = secrets::hex(64);
        let mut nonces = self.lock()?;
        let now = Instant::now();
        nonces.retain(|_, issued| now.duration_since(*issued) < NONCE_LIFETIME);
        nonces.insert(nonce.clone(), now);
        Ok(nonce)
    }

    /// Checks the request: nonce (spent even if the rest is wrong), fields, MAC.
    fn verify(&self, request: &Request) -> Result<(), MatrixError> {
        let secret = self.secret.as_deref().ok_or_else(disabled)?;
        let issued = self.lock()?.remove(&request.nonce);
        if issued.is_none_or(|at| at.elapsed() >= NONCE_LIFETIME) {
            return Err(MatrixError::bad_request("M_UNKNOWN", "unrecognised nonce"));
        }
        for (name, value) in [
            ("username", &request.username),
            ("password", &request.password),
        ] {
            if value.chars().count() > 512 || value.contains('\0') {
                return Err(MatrixError::bad_request(
                    "M_UNKNOWN",
                    format!("Invalid {name}"),
                ));
            }
        }
        if let Some(user_type) = &request.user_type {
            if !USER_TYPES.contains(&user_type.as_str()) {
                return Err(MatrixError::bad_request("M_UNKNOWN", "Invalid user type"));
            }
        }
        if !mac_matches(secret, request) {
            return Err(MatrixError::forbidden("HMAC incorrect"));
        }
        Ok(())
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, HashMap<String, Instant>>, MatrixError> {
        self.nonces
            .lock()
            .map_err(|_| MatrixError::internal("Internal server error"))
    }
}

/// Whether `request.mac` is the expected HMAC (compared in constant time).
fn mac_matches(secret: &str, request: &Request) -> bool {
    let Some(given) = decode_hex(&request.mac) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(request.nonce.as_bytes());
    mac.update(b"\0");
    mac.update(request.username.as_bytes());
    mac.update(b"\0");
    mac.update(request.password.as_bytes());
    mac.update(b"\0");
    mac.update(if request.admin { b"admin" } else { b"notadmin" });
    if let Some(user_type) = &request.user_type {
        mac.update(b"\0");
        mac.update(user_type.as_bytes());
    }
    mac.verify_slice(&given).is_ok()
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

impl Accounts {
    /// `GET /_synapse/admin/v1/register`.
    pub fn shared_secret_nonce(&self) -> Result<String, MatrixError> {
        self.shared_secret.nonce()
    }

    /// `POST /_synapse/admin/v1/register`: creates the user (lowercased, checked like
    /// `/register`) and logs them in on a new device.
    pub async fn register_with_shared_secret(
        &self,
        request: Request,
    ) -> Result<register::Response, MatrixError> {
        self.shared_secret.verify(&request)?;
        let user_id = self.available_user_id(&request.username).await?;
        self.create_user(&user_id, request.password, request.admin)
            .await?;
        if let Some(displayname) = request.displayname.as_deref().filter(|d| !d.is_empty()) {
            self.database
                .set_displayname(&user_id, Some(displayname))
                .await
                .map_err(internal)?;
        }
        self.login_after_registration(user_id, &register::Request::default())
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(mac: &str) -> Request {
        Request {
            nonce: "abcd".to_owned(),
            username: "alice".to_owned(),
            password: "pw".to_owned(),
            admin: false,
            user_type: None,
            displayname: None,
            mac: mac.to_owned(),
        }
    }

    #[test]
    fn the_mac_is_synapses_hmac_sha1() {
        // python3: hmac.new(b"secret", b"abcd\0alice\0pw\0notadmin", hashlib.sha1).hexdigest()
        let expected = "34581d633f71742cfa36177f121f09973c7948c6";
        assert!(mac_matches("secret", &request(expected)));
        assert!(!mac_matches("other", &request(expected)));
        assert!(!mac_matches("secret", &request("zz")));
        let admin = Request {
            admin: true,
            ..request(expected)
        };
        assert!(!mac_matches("secret", &admin));
    }

    #[test]
    fn nonces_are_single_use() {
        let registration = SharedSecretRegistration::new(Some("secret".to_owned()));
        let nonce = registration.nonce().unwrap_or_default();
        let mut bad = request("00");
        bad.nonce = nonce.clone();
        assert_eq!(
            registration.verify(&bad).map_err(|e| e.error),
            Err("HMAC incorrect".to_owned())
        );
        assert_eq!(
            registration.verify(&bad).map_err(|e| e.error),
            Err("unrecognised nonce".to_owned())
        );
        assert!(SharedSecretRegistration::new(None).nonce().is_err());
    }
}

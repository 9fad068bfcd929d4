//! Spec § "Account management" (legacy API), § "Current account information", and the
//! registration operations: what the engine implements for accounts.

pub mod change_password;
pub mod deactivate_account;
pub mod whoami;

use std::future::Future;

use crate::account_registration::register;
use crate::auth::ClientUser;
use crate::uia::{AuthData, UiaError};
use crate::MatrixError;

/// What the account handlers (registration, password, deactivation, shared-secret
/// registration) need from the engine.
pub trait AccountsPort: Send + Sync + 'static {
    /// Registers an account of `kind` (`user` or `guest`) behind user-interactive auth.
    fn register(
        &self,
        kind: Option<String>,
        request: register::Request,
    ) -> impl Future<Output = Result<register::Response, UiaError>> + Send;

    /// `Ok` if `username` is valid and free; `M_INVALID_USERNAME` or `M_USER_IN_USE` if not.
    fn check_username_availability(
        &self,
        username: &str,
    ) -> impl Future<Output = Result<(), MatrixError>> + Send;

    /// Whether a registration token is currently valid.
    fn registration_token_validity(
        &self,
        token: &str,
    ) -> impl Future<Output = Result<bool, MatrixError>> + Send;

    /// Changes the caller's password behind user-interactive auth.
    fn change_password(
        &self,
        user: &ClientUser,
        request: change_password::Request,
    ) -> impl Future<Output = Result<(), UiaError>> + Send;

    /// Deactivates the caller's account behind user-interactive auth.
    fn deactivate_account(
        &self,
        user: &ClientUser,
        auth: Option<AuthData>,
    ) -> impl Future<Output = Result<(), UiaError>> + Send;

    /// A fresh nonce for shared-secret registration.
    fn shared_secret_nonce(&self) -> impl Future<Output = Result<String, MatrixError>> + Send;

    /// Registers an account authenticated by the shared secret's HMAC.
    fn register_with_shared_secret(
        &self,
        request: crate::synapse_admin::register_with_shared_secret::Request,
    ) -> impl Future<Output = Result<register::Response, MatrixError>> + Send;
}

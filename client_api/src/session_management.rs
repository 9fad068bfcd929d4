//! Spec § "Login" (legacy API), § "Refreshing access tokens": logging in and out.

pub mod get_login_types;
pub mod login;
pub mod logout;
pub mod logout_all;
pub mod refresh;

use std::future::Future;
use std::net::IpAddr;

use crate::auth::{AccessTokenPort, ClientUser};
use crate::MatrixError;

/// What the session handlers need from the engine.
pub trait SessionPort: AccessTokenPort {
    /// The login types `POST /login` accepts.
    fn login_types(&self) -> Vec<get_login_types::LoginFlow>;

    /// Checks the credentials and issues an access token for a (new or reused) device.
    fn login(
        &self,
        request: login::Request,
        client_ip: Option<IpAddr>,
    ) -> impl Future<Output = Result<login::Response, MatrixError>> + Send;

    /// Exchanges a refresh token for a new access token and refresh token.
    fn refresh(
        &self,
        refresh_token: String,
    ) -> impl Future<Output = Result<refresh::Response, MatrixError>> + Send;

    /// Invalidates the caller's access token and deletes its device.
    fn logout(&self, user: &ClientUser) -> impl Future<Output = Result<(), MatrixError>> + Send;

    /// Invalidates every access token of the caller and deletes all their devices.
    fn logout_all(&self, user: &ClientUser)
        -> impl Future<Output = Result<(), MatrixError>> + Send;
}

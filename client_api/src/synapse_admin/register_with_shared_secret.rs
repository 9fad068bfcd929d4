//! `POST /_synapse/admin/v1/register`: register with an HMAC-SHA1 of the shared secret over
//! `nonce NUL username NUL password NUL admin|notadmin [NUL user_type]`.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::MethodFilter;
use axum::Json;
use serde::Deserialize;

use crate::account_management::AccountsPort;
use crate::account_registration::register::Response;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::JsonBody;
use crate::MatrixError;

/// Method and path.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::POST,
    paths: &["/_synapse/admin/v1/register"],
    auth: Auth::None,
};

/// The request body.
#[derive(Clone, Debug, Deserialize)]
pub struct Request {
    /// A nonce from `GET`.
    pub nonce: String,
    /// The localpart (lowercased).
    pub username: String,
    /// The password.
    pub password: String,
    /// Whether the user is a server admin.
    #[serde(default)]
    pub admin: bool,
    /// Synapse's user type (`support`, `bot`); covered by the MAC, not stored.
    pub user_type: Option<String>,
    /// A display name; profiles are not stored yet, so it is ignored.
    pub displayname: Option<String>,
    /// The lowercase hex HMAC-SHA1.
    pub mac: String,
}

/// Registers and logs in.
pub async fn handler<P: AccountsPort>(
    State(port): State<Arc<P>>,
    JsonBody(request): JsonBody<Request>,
) -> Result<Json<Response>, MatrixError> {
    port.register_with_shared_secret(request).await.map(Json)
}

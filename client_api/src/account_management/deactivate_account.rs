//! `POST /_matrix/client/v3/account/deactivate`: deactivate the account (behind UIA).

use std::sync::Arc;

use axum::extract::State;
use axum::routing::MethodFilter;
use axum::Json;
use serde::{Deserialize, Serialize};

use super::AccountsPort;
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::JsonBodyOrEmpty;
use crate::uia::{AuthData, UiaError};

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::POST,
    paths: &[
        "/_matrix/client/r0/account/deactivate",
        "/_matrix/client/v3/account/deactivate",
    ],
    auth: Auth::AccessToken,
};

/// The request body. `erase` and `id_server` are accepted; this server holds no third-party
/// identifiers and no content to erase yet.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Request {
    /// The UIA auth dict.
    pub auth: Option<AuthData>,
    /// Whether to erase the user's content.
    #[serde(default)]
    pub erase: bool,
    /// The identity server to unbind third-party ids from.
    pub id_server: Option<String>,
}

/// The response body.
#[derive(Debug, Serialize)]
pub struct Response {
    /// `success`: there are no third-party ids to unbind.
    pub id_server_unbind_result: &'static str,
}

/// Deactivates.
pub async fn handler<P: AccountsPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    JsonBodyOrEmpty(request): JsonBodyOrEmpty<Request>,
) -> Result<Json<Response>, UiaError> {
    port.deactivate_account(&user, request.auth).await?;
    Ok(Json(Response {
        id_server_unbind_result: "success",
    }))
}

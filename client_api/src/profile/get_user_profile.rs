//! `GET /_matrix/client/v3/profile/{userId}`: a user's display name and avatar URL. No access
//! token is needed (Synapse's default `require_auth_for_profile_requests: false`).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;

use super::{ProfilePort, UserProfile};
use crate::endpoint::{Auth, Endpoint};
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &[
        "/_matrix/client/r0/profile/{user_id}",
        "/_matrix/client/v3/profile/{user_id}",
    ],
    auth: Auth::None,
};

/// Answers the profile.
pub async fn handler<P: ProfilePort>(
    State(port): State<Arc<P>>,
    Path(user_id): Path<String>,
) -> Result<Json<UserProfile>, MatrixError> {
    Ok(Json(port.user_profile(&user_id).await?))
}

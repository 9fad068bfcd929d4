//! `GET /_matrix/client/v3/sync`: the client's view of everything since its last sync,
//! long-polling up to `timeout` ms when there is nothing new.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::MethodFilter;
use axum::Json;

use super::{Request, Response, SyncPort};
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::QueryParams;
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &["/_matrix/client/r0/sync", "/_matrix/client/v3/sync"],
    auth: Auth::AccessToken,
};

/// Answers the sync response.
pub async fn handler<P: SyncPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    QueryParams(request): QueryParams<Request>,
) -> Result<Json<Response>, MatrixError> {
    port.sync(&user, request).await.map(Json)
}

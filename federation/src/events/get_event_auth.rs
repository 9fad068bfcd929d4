//! `GET /_matrix/federation/v1/event_auth/{roomId}/{eventId}`: the full auth chain of an event
//! (its auth events, theirs, and so on; not the event itself).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde_json::{json, Value};

use super::EventsPort;
use crate::auth::Origin;
use crate::endpoint::{Auth, Endpoint};
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &["/_matrix/federation/v1/event_auth/{room_id}/{event_id}"],
    auth: Auth::XMatrix,
};

/// `{auth_chain}`.
pub async fn handler<P: EventsPort>(
    State(port): State<Arc<P>>,
    Origin(origin): Origin,
    Path((room_id, event_id)): Path<(String, String)>,
) -> Result<Json<Value>, MatrixError> {
    let auth_chain = port.event_auth_chain(&origin, &room_id, &event_id).await?;
    Ok(Json(json!({ "auth_chain": auth_chain })))
}

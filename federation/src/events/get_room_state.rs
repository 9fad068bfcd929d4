//! `GET /_matrix/federation/v1/state/{roomId}?event_id=…`: the room's state before the event
//! and its auth chain, as PDUs (the same events `/state_ids` names).

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde_json::{json, Value};

use super::get_room_state_ids::AtEvent;
use super::EventsPort;
use crate::auth::Origin;
use crate::endpoint::{Auth, Endpoint};
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &["/_matrix/federation/v1/state/{room_id}"],
    auth: Auth::XMatrix,
};

/// `{pdus, auth_chain}`.
pub async fn handler<P: EventsPort>(
    State(port): State<Arc<P>>,
    Origin(origin): Origin,
    Path(room_id): Path<String>,
    Query(at): Query<AtEvent>,
) -> Result<Json<Value>, MatrixError> {
    let event_id = at.required()?;
    let state = port.state_at(&origin, &room_id, &event_id).await?;
    Ok(Json(json!({
        "pdus": state.pdus,
        "auth_chain": state.auth_chain,
    })))
}

//! `GET /_matrix/federation/v1/state_ids/{roomId}?event_id=…`: the ids of the room's state
//! before the event ("prior to considering any state changes induced by the requested event")
//! and of their auth chain.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{missing_param, EventsPort};
use crate::auth::Origin;
use crate::endpoint::{Auth, Endpoint};
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &["/_matrix/federation/v1/state_ids/{room_id}"],
    auth: Auth::XMatrix,
};

/// The query string of `/state_ids` and `/state`.
#[derive(Debug, Deserialize)]
pub struct AtEvent {
    /// The event the state is asked before.
    pub event_id: Option<String>,
}

impl AtEvent {
    /// The event id, or 400 `M_MISSING_PARAM`.
    pub fn required(self) -> Result<String, MatrixError> {
        self.event_id.ok_or_else(|| missing_param("event_id"))
    }
}

/// `{pdu_ids, auth_chain_ids}`.
pub async fn handler<P: EventsPort>(
    State(port): State<Arc<P>>,
    Origin(origin): Origin,
    Path(room_id): Path<String>,
    Query(at): Query<AtEvent>,
) -> Result<Json<Value>, MatrixError> {
    let event_id = at.required()?;
    let state = port.state_ids_at(&origin, &room_id, &event_id).await?;
    Ok(Json(json!({
        "pdu_ids": state.pdu_ids,
        "auth_chain_ids": state.auth_chain_ids,
    })))
}

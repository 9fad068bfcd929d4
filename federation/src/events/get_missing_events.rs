//! `POST /_matrix/federation/v1/get_missing_events/{roomId}`: the events between what the
//! requester has (`earliest_events`) and what it saw (`latest_events`), walking `prev_events`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde_json::{json, Value};

use super::{EventsPort, MissingEventsRequest};
use crate::auth::Origin;
use crate::endpoint::{Auth, Endpoint};
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::POST,
    paths: &["/_matrix/federation/v1/get_missing_events/{room_id}"],
    auth: Auth::XMatrix,
};

/// `{events}`, oldest first.
pub async fn handler<P: EventsPort>(
    State(port): State<Arc<P>>,
    Origin(origin): Origin,
    Path(room_id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, MatrixError> {
    // The body was checked to be JSON by the authentication; its shape is checked here.
    let request: MissingEventsRequest = serde_json::from_slice(&body).map_err(|e| {
        MatrixError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "M_BAD_JSON",
            format!("Invalid body: {e}"),
        )
    })?;
    let events = port.missing_events(&origin, &room_id, &request).await?;
    Ok(Json(json!({ "events": events })))
}

//! `GET /_matrix/federation/v1/event/{eventId}`: one event, as a transaction of one PDU.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde_json::Value;

use super::{transaction, EventsPort};
use crate::auth::Origin;
use crate::endpoint::{Auth, Endpoint};
use crate::{MatrixError, ServerKeysPort};

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &["/_matrix/federation/v1/event/{event_id}"],
    auth: Auth::XMatrix,
};

/// `{origin, origin_server_ts, pdus: [pdu]}`.
pub async fn handler<P: EventsPort + ServerKeysPort>(
    State(port): State<Arc<P>>,
    Origin(origin): Origin,
    Path(event_id): Path<String>,
) -> Result<Json<Value>, MatrixError> {
    let pdu = port.event_pdu(&origin, &event_id).await?;
    Ok(Json(transaction(port.server_name(), vec![pdu])))
}

//! `GET /_matrix/client/v3/sync`: the client's view of everything since its last sync,
//! long-polling up to `timeout` ms when there is nothing new.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response as HttpResponse};
use axum::routing::MethodFilter;
use axum::Json;
use serde_json::Value;

use super::{Request, SyncPort};
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::QueryParams;
use crate::filtering::event_fields::only_fields;
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
) -> Result<HttpResponse, MatrixError> {
    let mut response = port.sync(&user, request).await?;
    let Some(fields) = response.event_fields.take() else {
        return Ok(Json(response).into_response());
    };
    let mut body = serde_json::to_value(&response)
        .map_err(|e| MatrixError::internal(format!("Could not encode the response: {e}")))?;
    cut_room_events(&mut body, &fields);
    Ok(Json(body).into_response())
}

/// Applies `event_fields` to the timeline and state events of joined and left rooms (as
/// Synapse does; stripped state, ephemeral and account data events are left whole).
fn cut_room_events(body: &mut Value, fields: &[String]) {
    for membership in ["join", "leave"] {
        let Some(Value::Object(rooms)) = body.pointer_mut(&format!("/rooms/{membership}")) else {
            continue;
        };
        for room in rooms.values_mut() {
            for section in ["/timeline/events", "/state/events"] {
                if let Some(Value::Array(events)) = room.pointer_mut(section) {
                    for event in events.iter_mut() {
                        *event = only_fields(event, fields);
                    }
                }
            }
        }
    }
}

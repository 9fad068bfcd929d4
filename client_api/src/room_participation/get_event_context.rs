//! `GET /_matrix/client/v3/rooms/{roomId}/context/{eventId}`: an event with the events before
//! and after it, the room state at the last of them, and tokens to paginate on with
//! `/messages`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde::{Deserialize, Serialize};

use super::event_filter::{parse_limit, RoomEventFilter};
use super::RoomParticipationPort;
use crate::auth::ClientUser;
use crate::client_event::ClientEvent;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::QueryParams;
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &[
        "/_matrix/client/r0/rooms/{room_id}/context/{event_id}",
        "/_matrix/client/v3/rooms/{room_id}/context/{event_id}",
    ],
    auth: Auth::AccessToken,
};

/// The query string, as given.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Query {
    limit: Option<String>,
    filter: Option<String>,
}

/// A validated `/context` request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// How many events around the event, before and after together.
    pub limit: Option<u32>,
    /// Which of them to return.
    pub filter: RoomEventFilter,
}

/// The response body.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Response {
    /// The event asked for.
    pub event: ClientEvent,
    /// Events before it, newest first.
    pub events_before: Vec<ClientEvent>,
    /// Events after it, oldest first.
    pub events_after: Vec<ClientEvent>,
    /// A token for `/messages?dir=b` from before `events_before`.
    pub start: String,
    /// A token for `/messages?dir=f` from after `events_after`.
    pub end: String,
    /// The room state at the last event returned.
    pub state: Vec<ClientEvent>,
}

/// Answers the context, or 404 for an event the caller may not see.
pub async fn handler<P: RoomParticipationPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    Path((room_id, event_id)): Path<(String, String)>,
    QueryParams(query): QueryParams<Query>,
) -> Result<Json<Response>, MatrixError> {
    let request = Request {
        limit: parse_limit(query.limit.as_deref())?,
        filter: RoomEventFilter::from_query(query.filter.as_deref())?,
    };
    port.event_context(&user, &room_id, &event_id, request)
        .await
        .map(Json)
}

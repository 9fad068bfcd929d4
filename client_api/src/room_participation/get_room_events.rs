//! `GET /_matrix/client/v3/rooms/{roomId}/messages`: a page of the room's timeline, backwards
//! or forwards from a pagination token.

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
        "/_matrix/client/r0/rooms/{room_id}/messages",
        "/_matrix/client/v3/rooms/{room_id}/messages",
    ],
    auth: Auth::AccessToken,
};

/// The query string, as given.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Query {
    from: Option<String>,
    to: Option<String>,
    dir: Option<String>,
    limit: Option<String>,
    filter: Option<String>,
}

/// Which way to paginate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    /// `b`: newest first, towards the start of the room.
    Backward,
    /// `f`: oldest first, towards the present.
    Forward,
}

/// A validated `/messages` request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The token to start from; `None`: the end of the timeline for `b`, its start for `f`.
    pub from: Option<String>,
    /// The token to stop at.
    pub to: Option<String>,
    /// The direction.
    pub dir: Dir,
    /// The maximum number of events asked for (`None`: the server's default).
    pub limit: Option<u32>,
    /// Which events to return.
    pub filter: RoomEventFilter,
}

/// The response body.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Response {
    /// The events, in pagination order.
    pub chunk: Vec<ClientEvent>,
    /// The token the page started at.
    pub start: String,
    /// The token to continue from; absent when there is nothing further.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    /// Member events of the chunk's senders (with `lazy_load_members`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub state: Vec<ClientEvent>,
}

impl TryFrom<Query> for Request {
    type Error = MatrixError;

    fn try_from(query: Query) -> Result<Self, MatrixError> {
        let dir = match query.dir.as_deref() {
            Some("b") => Dir::Backward,
            Some("f") => Dir::Forward,
            Some(other) => {
                return Err(MatrixError::invalid_param(format!(
                    "dir must be 'b' or 'f', not {other:?}"
                )))
            }
            None => return Err(MatrixError::missing_param("Missing dir parameter")),
        };
        Ok(Request {
            from: query.from.filter(|from| !from.is_empty()),
            to: query.to.filter(|to| !to.is_empty()),
            dir,
            limit: parse_limit(query.limit.as_deref())?,
            filter: RoomEventFilter::from_query(query.filter.as_deref())?,
        })
    }
}

/// Answers the page.
pub async fn handler<P: RoomParticipationPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    Path(room_id): Path<String>,
    QueryParams(query): QueryParams<Query>,
) -> Result<Json<Response>, MatrixError> {
    let request = Request::try_from(query)?;
    port.room_messages(&user, &room_id, request).await.map(Json)
}

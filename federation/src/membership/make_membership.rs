//! `GET /_matrix/federation/v1/make_join/{roomId}/{userId}?ver=…`, `…/make_leave/…` and
//! `…/make_knock/…`: a template membership event.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde_json::Value;

use super::{Handshake, MembershipPort};
use crate::auth::Origin;
use crate::endpoint::{Auth, Endpoint};
use crate::MatrixError;

/// `make_join`.
pub const JOIN: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &["/_matrix/federation/v1/make_join/{room_id}/{user_id}"],
    auth: Auth::XMatrix,
};

/// `make_leave`.
pub const LEAVE: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &["/_matrix/federation/v1/make_leave/{room_id}/{user_id}"],
    auth: Auth::XMatrix,
};

/// `make_knock`.
pub const KNOCK: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &["/_matrix/federation/v1/make_knock/{room_id}/{user_id}"],
    auth: Auth::XMatrix,
};

/// The room versions in a query string's repeated `ver` parameters. Without any, the remote
/// server is taken to support versions 1 and 2 only (spec: "defaults to […] 1").
fn versions(query: Option<&str>) -> Vec<String> {
    let found: Vec<String> = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .filter(|(key, _)| key == "ver")
        .map(|(_, value)| value.into_owned())
        .collect();
    if found.is_empty() {
        vec!["1".to_owned()]
    } else {
        found
    }
}

async fn handle<P: MembershipPort>(
    port: Arc<P>,
    origin: Origin,
    kind: Handshake,
    room_id: String,
    user_id: String,
    query: Option<String>,
) -> Result<Json<Value>, MatrixError> {
    let versions = versions(query.as_deref());
    port.make_membership(&origin.0, kind, &room_id, &user_id, &versions)
        .await
        .map(Json)
}

/// `make_join`.
pub async fn join<P: MembershipPort>(
    State(port): State<Arc<P>>,
    origin: Origin,
    Path((room_id, user_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, MatrixError> {
    handle(port, origin, Handshake::Join, room_id, user_id, query).await
}

/// `make_leave` (any version will do: the room exists for the leaving server already).
pub async fn leave<P: MembershipPort>(
    State(port): State<Arc<P>>,
    origin: Origin,
    Path((room_id, user_id)): Path<(String, String)>,
) -> Result<Json<Value>, MatrixError> {
    let all = Some(ALL_VERSIONS.to_owned());
    handle(port, origin, Handshake::Leave, room_id, user_id, all).await
}

/// `make_knock`.
pub async fn knock<P: MembershipPort>(
    State(port): State<Arc<P>>,
    origin: Origin,
    Path((room_id, user_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, MatrixError> {
    handle(port, origin, Handshake::Knock, room_id, user_id, query).await
}

/// Every room version, as a query string: a leaving server already has the room.
const ALL_VERSIONS: &str =
    "ver=1&ver=2&ver=3&ver=4&ver=5&ver=6&ver=7&ver=8&ver=9&ver=10&ver=11&ver=12";

//! Spec server-server § "Retrieving events", § "Retrieving event authorisation information" and
//! § "Backfilling and retrieving missing events": how another server reads a room's events, its
//! state at an event and auth chains. Every operation is X-Matrix authenticated; the engine
//! decides what the origin may read (see [`EventsPort`]).

pub mod backfill_room;
pub mod get_event;
pub mod get_event_auth;
pub mod get_missing_events;
pub mod get_room_state;
pub mod get_room_state_ids;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::endpoint::mount;
use crate::server_keys::now_plus;
use crate::{MatrixError, ServerAuthPort, ServerKeysPort};

/// The state of a room before an event, as event ids (`/state_ids`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StateIds {
    /// The state events' ids.
    pub pdu_ids: Vec<String>,
    /// The ids of the state events' auth chain.
    pub auth_chain_ids: Vec<String>,
}

/// The state of a room before an event, as PDUs (`/state`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StatePdus {
    /// The state events.
    pub pdus: Vec<Value>,
    /// The state events' auth chain.
    pub auth_chain: Vec<Value>,
}

/// The body of `POST /get_missing_events/{roomId}`.
#[derive(Clone, Debug, Deserialize)]
pub struct MissingEventsRequest {
    /// Events the requester has: the walk stops there.
    pub earliest_events: Vec<String>,
    /// Events whose ancestors the requester misses.
    pub latest_events: Vec<String>,
    /// At most this many events (default 10).
    #[serde(default = "default_missing_limit")]
    pub limit: u64,
    /// Events below this depth are not returned (default 0).
    #[serde(default)]
    pub min_depth: i64,
}

fn default_missing_limit() -> u64 {
    10
}

/// What the event-reading handlers need from the engine. `origin` is the authenticated
/// requesting server; the engine answers 403 `M_FORBIDDEN` when it may not read the room and
/// 404 `M_NOT_FOUND` for unknown rooms and events (and events of another room than the path's).
/// PDUs are in the federation format of the room's version, redacted where redacted.
pub trait EventsPort: Send + Sync + 'static {
    /// One event.
    fn event_pdu(
        &self,
        origin: &str,
        event_id: &str,
    ) -> impl Future<Output = Result<Value, MatrixError>> + Send;
    /// The state of the room before `event_id`, as ids, with its auth chain.
    fn state_ids_at(
        &self,
        origin: &str,
        room_id: &str,
        event_id: &str,
    ) -> impl Future<Output = Result<StateIds, MatrixError>> + Send;
    /// The state of the room before `event_id`, as PDUs, with its auth chain.
    fn state_at(
        &self,
        origin: &str,
        room_id: &str,
        event_id: &str,
    ) -> impl Future<Output = Result<StatePdus, MatrixError>> + Send;
    /// The full auth chain of an event of the room.
    fn event_auth_chain(
        &self,
        origin: &str,
        room_id: &str,
        event_id: &str,
    ) -> impl Future<Output = Result<Vec<Value>, MatrixError>> + Send;
    /// Up to `limit` events preceding (and including) `from`, newest first.
    fn backfill(
        &self,
        origin: &str,
        room_id: &str,
        from: &[String],
        limit: u64,
    ) -> impl Future<Output = Result<Vec<Value>, MatrixError>> + Send;
    /// The events between `earliest_events` and `latest_events`, oldest first.
    fn missing_events(
        &self,
        origin: &str,
        room_id: &str,
        request: &MissingEventsRequest,
    ) -> impl Future<Output = Result<Vec<Value>, MatrixError>> + Send;
}

/// Registers every operation of this section on `router`.
pub fn mount_all<P>(router: Router<Arc<P>>) -> Router<Arc<P>>
where
    P: EventsPort + ServerKeysPort + ServerAuthPort,
{
    let router = mount(router, &get_event::ENDPOINT, get_event::handler::<P>);
    let router = mount(
        router,
        &get_room_state_ids::ENDPOINT,
        get_room_state_ids::handler::<P>,
    );
    let router = mount(
        router,
        &get_room_state::ENDPOINT,
        get_room_state::handler::<P>,
    );
    let router = mount(
        router,
        &get_event_auth::ENDPOINT,
        get_event_auth::handler::<P>,
    );
    let router = mount(
        router,
        &backfill_room::ENDPOINT,
        backfill_room::handler::<P>,
    );
    mount(
        router,
        &get_missing_events::ENDPOINT,
        get_missing_events::handler::<P>,
    )
}

/// A transaction-shaped answer (`/event`, `/backfill`): `{origin, origin_server_ts, pdus}`,
/// from this server now.
pub fn transaction(origin: &str, pdus: Vec<Value>) -> Value {
    let origin_server_ts = now_plus(Duration::ZERO);
    json!({ "origin": origin, "origin_server_ts": origin_server_ts, "pdus": pdus })
}

/// 400 `M_MISSING_PARAM`.
pub(crate) fn missing_param(name: &str) -> MatrixError {
    MatrixError::new(
        StatusCode::BAD_REQUEST,
        "M_MISSING_PARAM",
        format!("Missing parameter: {name}"),
    )
}

/// 400 `M_INVALID_PARAM`.
pub(crate) fn invalid_param(message: impl Into<String>) -> MatrixError {
    MatrixError::new(StatusCode::BAD_REQUEST, "M_INVALID_PARAM", message)
}

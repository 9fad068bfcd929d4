//! What the room engine asks of other servers while it checks a received event: events it is
//! missing. Implemented over federation (`crate::federation::remote`); every event handed back
//! has passed the format, signature and hash checks (spec `server-server-api.md` § "Checks
//! performed on receipt of a PDU", steps 1–3).

use std::future::Future;

use state_res::pdu::Pdu;
use state_res::room_version::RoomVersion;

/// A server's answers about a room's events.
pub trait RemoteEvents: Sync {
    /// The full auth chain of `event_id` (`/event_auth`); empty if it cannot be had.
    fn auth_chain(
        &self,
        server: &str,
        version: &RoomVersion,
        room_id: &str,
        event_id: &str,
    ) -> impl Future<Output = Vec<Pdu>> + Send;

    /// Events between `earliest` and `latest` (`/get_missing_events`), at most `limit`.
    fn missing_events(
        &self,
        server: &str,
        version: &RoomVersion,
        room_id: &str,
        earliest: &[String],
        latest: &[String],
        limit: u32,
    ) -> impl Future<Output = Vec<Pdu>> + Send;

    /// Events before `from` (`/backfill`), at most `limit`.
    fn backfill(
        &self,
        server: &str,
        version: &RoomVersion,
        room_id: &str,
        from: &[String],
        limit: u32,
    ) -> impl Future<Output = Vec<Pdu>> + Send;

    /// The room's state before `event_id` and the auth chain of that state (`/state_ids`, then
    /// the events not yet known by `/event`); `None` if it cannot be had.
    fn state_before(
        &self,
        server: &str,
        version: &RoomVersion,
        room_id: &str,
        event_id: &str,
    ) -> impl Future<Output = Option<(Vec<Pdu>, Vec<Pdu>)>> + Send;
}

/// For events that need nothing from anyone (checks of events whose dependencies are all
/// stored): every question gets an empty answer.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoRemote;

impl RemoteEvents for NoRemote {
    async fn auth_chain(&self, _: &str, _: &RoomVersion, _: &str, _: &str) -> Vec<Pdu> {
        Vec::new()
    }

    async fn missing_events(
        &self,
        _: &str,
        _: &RoomVersion,
        _: &str,
        _: &[String],
        _: &[String],
        _: u32,
    ) -> Vec<Pdu> {
        Vec::new()
    }

    async fn backfill(&self, _: &str, _: &RoomVersion, _: &str, _: &[String], _: u32) -> Vec<Pdu> {
        Vec::new()
    }

    async fn state_before(
        &self,
        _: &str,
        _: &RoomVersion,
        _: &str,
        _: &str,
    ) -> Option<(Vec<Pdu>, Vec<Pdu>)> {
        None
    }
}

//! Spec § "Joining Rooms", "Leaving Rooms (Rejecting Invites)" and "Knocking upon a room": the
//! resident server's side of the membership handshakes. `make_*` hands the remote server an
//! unsigned template event built on the room's tip; `send_*` takes the signed event back, checks
//! it like any received PDU and adds it to the room.

pub mod invite;
pub mod make_membership;
pub mod send_join;
pub mod send_leave;

use serde_json::Value;

use crate::MatrixError;

/// A membership handshake kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handshake {
    /// `make_join` / `send_join`.
    Join,
    /// `make_leave` / `send_leave`.
    Leave,
    /// `make_knock` / `send_knock`.
    Knock,
}

impl Handshake {
    /// The `membership` of the event.
    pub fn membership(self) -> &'static str {
        match self {
            Handshake::Join => "join",
            Handshake::Leave => "leave",
            Handshake::Knock => "knock",
        }
    }
}

/// The engine's side of the membership handshakes.
pub trait MembershipPort: Send + Sync + 'static {
    /// A template `m.room.member` event of `user_id` with `kind`'s membership, for `origin`
    /// (which must be the user's server): `{"event": …, "room_version": …}`. `versions` are the
    /// room versions the remote server supports (`ver`); 400 `M_INCOMPATIBLE_ROOM_VERSION` if
    /// the room's is not among them.
    fn make_membership(
        &self,
        origin: &str,
        kind: Handshake,
        room_id: &str,
        user_id: &str,
        versions: &[String],
    ) -> impl std::future::Future<Output = Result<Value, MatrixError>> + Send;

    /// Takes in the signed membership event `pdu` named `event_id` from `origin`; for a join,
    /// the v2 `send_join` response (state and auth chain before the event), else `{}`.
    fn send_membership(
        &self,
        origin: &str,
        kind: Handshake,
        room_id: &str,
        event_id: &str,
        pdu: Value,
    ) -> impl std::future::Future<Output = Result<Value, MatrixError>> + Send;

    /// A user of this server is invited by `origin` with `event` (room version
    /// `room_version`; `invite_room_state` is what the invitee may see of the room); the event
    /// with this server's signature added.
    fn receive_invite(
        &self,
        origin: &str,
        room_id: &str,
        event_id: &str,
        room_version: &str,
        event: Value,
        invite_room_state: Vec<Value>,
    ) -> impl std::future::Future<Output = Result<Value, MatrixError>> + Send;
}

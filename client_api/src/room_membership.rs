//! Spec module "Room membership": joining, leaving, inviting, kicking, banning and unbanning,
//! knocking, forgetting rooms, and the list of joined rooms.

pub mod ban;
pub mod forget_room;
pub mod get_joined_rooms;
pub mod invite_user;
pub mod join_room;
pub mod join_room_by_id;
pub mod kick;
pub mod knock_room;
pub mod leave_room;
pub mod unban;

use std::future::Future;

use serde::Deserialize;

use crate::auth::ClientUser;
use crate::MatrixError;

/// A membership change the caller makes to another user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MembershipAction {
    /// `invite`.
    Invite,
    /// `leave` of a joined, invited or knocking user.
    Kick,
    /// `ban`.
    Ban,
    /// `leave` of a banned user.
    Unban,
}

/// The body of `/invite`, `/kick`, `/ban` and `/unban`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct TargetRequest {
    /// The user whose membership changes.
    pub user_id: String,
    /// Why, shown to the user and the room.
    pub reason: Option<String>,
}

/// The body of `/join` and `/leave` (both may be empty).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct ReasonRequest {
    /// Why, shown to the room.
    pub reason: Option<String>,
}

/// What the membership handlers need from the engine.
pub trait RoomMembershipPort: Send + Sync + 'static {
    /// Joins the caller to a room (by id or alias) and returns its id; `via` names servers to
    /// join through when this server is not in the room.
    fn join_room(
        &self,
        user: &ClientUser,
        room_id_or_alias: &str,
        reason: Option<String>,
        via: &[String],
    ) -> impl Future<Output = Result<String, MatrixError>> + Send;

    /// The caller knocks on a room (by id or alias) and returns its id.
    fn knock_room(
        &self,
        user: &ClientUser,
        room_id_or_alias: &str,
        reason: Option<String>,
    ) -> impl Future<Output = Result<String, MatrixError>> + Send;

    /// The caller leaves the room (or rejects an invite, or retracts a knock).
    fn leave_room(
        &self,
        user: &ClientUser,
        room_id: &str,
        reason: Option<String>,
    ) -> impl Future<Output = Result<(), MatrixError>> + Send;

    /// The caller changes another user's membership.
    fn change_membership(
        &self,
        user: &ClientUser,
        room_id: &str,
        action: MembershipAction,
        request: TargetRequest,
    ) -> impl Future<Output = Result<(), MatrixError>> + Send;

    /// The rooms the caller is joined to.
    fn joined_rooms(
        &self,
        user: &ClientUser,
    ) -> impl Future<Output = Result<Vec<String>, MatrixError>> + Send;

    /// The caller forgets a room they left: 400 `M_UNKNOWN` while joined.
    fn forget_room(
        &self,
        user: &ClientUser,
        room_id: &str,
    ) -> impl Future<Output = Result<(), MatrixError>> + Send;
}

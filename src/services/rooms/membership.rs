//! Membership changes: join, leave, invite, kick, ban, unban. Each is one `m.room.member`
//! event the auth rules decide on, after the checks Synapse makes first: joining a room one is
//! already in changes nothing; only joined, invited or knocking users can be kicked and only
//! banned users unbanned; invitees must be local users that exist (federation is not there
//! yet).

use client_api::room_membership::{MembershipAction, TargetRequest};
use client_api::{ClientUser, MatrixError};
use serde_json::{json, Value};
use state_res::canonical_json::Object;
use state_res::ids::{check_user_id, server_name_of};
use tracing::instrument;

use super::builder::EventTemplate;
use super::errors::unknown_room;
use super::head::RoomHead;
use super::{valid_room_id, Rooms};
use crate::services::internal;

const MEMBER: &str = "m.room.member";

impl Rooms {
    /// `POST /join/{roomIdOrAlias}`, `POST /rooms/{roomId}/join`.
    #[instrument(skip_all, fields(user = %user.user_id, room = room_id_or_alias))]
    pub async fn join_room(
        &self,
        user: &ClientUser,
        room_id_or_alias: &str,
        reason: Option<String>,
    ) -> Result<String, MatrixError> {
        let room_id = self.resolve_room(room_id_or_alias).await?;
        let room_id = room_id.as_str();
        let _lock = self.locks.lock(room_id).await;
        let mut head = self.room_head(room_id).await?;
        if membership_of(&mut head, self, &user.user_id)
            .await?
            .as_deref()
            == Some("join")
        {
            return Ok(room_id.to_owned());
        }
        let mut template = member_event(&user.user_id, "join", reason);
        template
            .content
            .extend(self.member_profile(&user.user_id).await?);
        if let Some(authoriser) = self.join_authoriser(&mut head, &user.user_id).await? {
            template.content.insert(
                "join_authorised_via_users_server".to_owned(),
                serde_json::Value::String(authoriser),
            );
        }
        self.append(&mut head, &user.user_id, template, None)
            .await?;
        Ok(room_id.to_owned())
    }

    /// `POST /knock/{roomIdOrAlias}`: asks to join a room whose join rule is `knock` (or
    /// `knock_restricted`); the auth rules decide. Room versions before 7 have no knocking:
    /// 403 `M_FORBIDDEN`, Synapse's answer (`on_make_knock_request`).
    #[instrument(skip_all, fields(user = %user.user_id, room = room_id_or_alias))]
    pub async fn knock_room(
        &self,
        user: &ClientUser,
        room_id_or_alias: &str,
        reason: Option<String>,
    ) -> Result<String, MatrixError> {
        let room_id = self.resolve_room(room_id_or_alias).await?;
        let _lock = self.locks.lock(&room_id).await;
        let mut head = self.room_head(&room_id).await?;
        if !head.version.knocking {
            return Err(MatrixError::forbidden(format!(
                "Room version {} does not support knocking",
                head.version.id
            )));
        }
        let mut template = member_event(&user.user_id, "knock", reason);
        template
            .content
            .extend(self.member_profile(&user.user_id).await?);
        self.append(&mut head, &user.user_id, template, None)
            .await?;
        Ok(room_id)
    }

    /// `POST /rooms/{roomId}/leave`.
    #[instrument(skip_all, fields(user = %user.user_id, room = room_id))]
    pub async fn leave_room(
        &self,
        user: &ClientUser,
        room_id: &str,
        reason: Option<String>,
    ) -> Result<(), MatrixError> {
        let template = member_event(&user.user_id, "leave", reason);
        self.update_membership(&user.user_id, room_id, template, None)
            .await
    }

    /// `POST /rooms/{roomId}/invite`, `/kick`, `/ban`, `/unban`.
    #[instrument(skip_all, fields(user = %user.user_id, room = room_id, ?action))]
    pub async fn change_membership(
        &self,
        user: &ClientUser,
        room_id: &str,
        action: MembershipAction,
        request: TargetRequest,
    ) -> Result<(), MatrixError> {
        let target = request.user_id;
        check_user_id(&target)
            .map_err(|e| MatrixError::invalid_param(format!("Invalid user_id: {e}")))?;
        let (membership, required): (&str, Option<(&[&str], &str)>) = match action {
            MembershipAction::Invite => {
                self.check_invitee(&target).await?;
                ("invite", None)
            }
            MembershipAction::Kick => (
                "leave",
                Some((
                    &["join", "invite", "knock"],
                    "The target user is not in the room",
                )),
            ),
            MembershipAction::Ban => ("ban", None),
            MembershipAction::Unban => ("leave", Some((&["ban"], "The target user is not banned"))),
        };
        let mut template = member_event(&target, membership, request.reason);
        if action == MembershipAction::Invite {
            // As Synapse: a local invitee's profile, so clients can show who was invited.
            template.content.extend(self.member_profile(&target).await?);
        }
        self.update_membership(&user.user_id, room_id, template, required)
            .await
    }

    /// `GET /joined_rooms`.
    pub async fn joined_rooms(&self, user: &ClientUser) -> Result<Vec<String>, MatrixError> {
        self.database
            .rooms_with_membership(&user.user_id, "join")
            .await
            .map_err(internal)
    }

    /// 403 for invitees on other servers, 404 for local users that do not exist.
    pub(super) async fn check_invitee(&self, user_id: &str) -> Result<(), MatrixError> {
        if server_name_of(user_id) != Some(self.server_name.as_str()) {
            return Err(MatrixError::forbidden(format!(
                "Cannot invite {user_id}: inviting users on other servers is not supported yet"
            )));
        }
        match self.database.get_user(user_id).await.map_err(internal)? {
            Some(_) => Ok(()),
            None => Err(MatrixError::not_found(format!("Unknown user {user_id}"))),
        }
    }

    /// Sends a member event after checking the target's current membership is one of
    /// `required.0` (else 403 with `required.1`).
    async fn update_membership(
        &self,
        sender: &str,
        room_id: &str,
        template: EventTemplate,
        required: Option<(&[&str], &str)>,
    ) -> Result<(), MatrixError> {
        valid_room_id(room_id)?;
        let _lock = self.locks.lock(room_id).await;
        let mut head = self.room_head(room_id).await?;
        if let (Some((allowed, message)), Some(target)) = (required, &template.state_key) {
            let current = membership_of(&mut head, self, target).await?;
            if !current.is_some_and(|m| allowed.contains(&m.as_str())) {
                return Err(MatrixError::forbidden(message));
            }
        }
        self.append(&mut head, sender, template, None).await?;
        Ok(())
    }

    /// The room's tip, or 404 for a room this server does not know.
    pub(super) async fn room_head(&self, room_id: &str) -> Result<RoomHead, MatrixError> {
        if let Some(cached) = self.heads.take(room_id) {
            if cached.is_current(&self.database, room_id).await? {
                return Ok(cached);
            }
        }
        RoomHead::load(&self.database, room_id)
            .await?
            .ok_or_else(unknown_room)
    }
}

/// `user_id`'s membership in the current state.
pub(super) async fn membership_of(
    head: &mut RoomHead,
    rooms: &Rooms,
    user_id: &str,
) -> Result<Option<String>, MatrixError> {
    let key = (MEMBER.to_owned(), user_id.to_owned());
    head.load_events(&rooms.database, std::slice::from_ref(&key))
        .await?;
    Ok(head
        .get(MEMBER, user_id)
        .and_then(|event| event.content().get("membership"))
        .and_then(Value::as_str)
        .map(str::to_owned))
}

/// An `m.room.member` event for `target` (its `reason`, if any).
pub(super) fn member_event(
    target: &str,
    membership: &str,
    reason: Option<String>,
) -> EventTemplate {
    let mut content = Object::new();
    content.insert("membership".to_owned(), json!(membership));
    if let Some(reason) = reason {
        content.insert("reason".to_owned(), json!(reason));
    }
    EventTemplate::state(MEMBER, target, content)
}

//! `POST /createRoom`: the planned events (see `presets`) appended one by one as the creator.
//! An event the auth rules reject is the client's doing here (its initial state or power level
//! override), so it is 400 `M_INVALID_ROOM_STATE`; the events before it stay in the room.
//!
//! A `room_alias_name` alias is checked before anything is created (taken: 400
//! `M_ROOM_IN_USE`, as Synapse), stored right after the create event names the room, and made
//! the canonical alias; `visibility: public` publishes the room in the directory at the end.

use client_api::room_creation::create_room::{Request, Visibility};
use client_api::{ClientUser, MatrixError};
use state_res::room_version::RoomVersion;
use tracing::instrument;

use super::builder::{new_room_id, EventTemplate};
use super::errors::{invalid_room_state, AppendError};
use super::head::RoomHead;
use super::presets::{plan, CreationPlan};
use super::Rooms;
use crate::services::internal;

fn alias_in_use() -> MatrixError {
    MatrixError::bad_request("M_ROOM_IN_USE", "Room alias already taken")
}

impl Rooms {
    /// Creates a room and returns its id.
    #[instrument(skip_all, fields(user = %user.user_id))]
    pub async fn create_room(
        &self,
        user: &ClientUser,
        request: Request,
    ) -> Result<String, MatrixError> {
        let version = match &request.room_version {
            None => self.default_version,
            Some(id) => RoomVersion::from_id(id).ok_or_else(|| {
                MatrixError::bad_request(
                    "M_UNSUPPORTED_ROOM_VERSION",
                    format!("This server does not support room version {id}"),
                )
            })?,
        };
        let alias = match &request.room_alias_name {
            Some(name) => Some(self.free_alias(name).await?),
            None => None,
        };
        let mut plan = plan(&request, &user.user_id, &version, alias.as_deref())?;
        for invitee in &plan.invitees {
            self.check_invitee(invitee).await?;
        }
        self.add_member_profiles(&mut plan.events).await?;
        let room_id = self
            .create_planned(&user.user_id, version, plan, alias.as_deref())
            .await?;
        if request.visibility == Some(Visibility::Public) {
            self.publish(&room_id, true).await?;
        }
        Ok(room_id)
    }

    /// Appends a planned room's events as `sender`, storing `alias` for the room once the
    /// create event names it; returns the room id.
    pub(super) async fn create_planned(
        &self,
        sender: &str,
        version: RoomVersion,
        plan: CreationPlan,
        alias: Option<&str>,
    ) -> Result<String, MatrixError> {
        let room_id = (!version.room_id_is_create_hash).then(|| new_room_id(&self.server_name));
        let mut head = RoomHead::new_room(room_id, version);
        let create = EventTemplate::state("m.room.create", "", plan.create_content);
        let create = self
            .append(&mut head, sender, create, None)
            .await
            .map_err(creation_error)?;
        let room_id = create.room_id().to_owned();
        // Nobody knows the room yet; the lock keeps it that way for requests that guess.
        let _lock = self.locks.lock(&room_id).await;
        if let Some(alias) = alias {
            if !self.create_alias(alias, &room_id, sender).await? {
                return Err(alias_in_use());
            }
        }
        for template in plan.events {
            self.append(&mut head, sender, template, None)
                .await
                .map_err(creation_error)?;
        }
        tracing::info!(%room_id, version = version.id, "created room");
        Ok(room_id)
    }

    /// `#room_alias_name:server`, checked (400 `M_INVALID_PARAM`) and free (400
    /// `M_ROOM_IN_USE`).
    async fn free_alias(&self, name: &str) -> Result<String, MatrixError> {
        let alias = format!("#{name}:{}", self.server_name);
        if name.contains(':') {
            return Err(MatrixError::invalid_param(
                "room_alias_name: invalid character ':' in the alias localpart",
            ));
        }
        self.check_local_alias(&alias)?;
        let taken = self
            .database
            .get_room_alias(&alias)
            .await
            .map_err(internal)?;
        match taken {
            Some(_) => Err(alias_in_use()),
            None => Ok(alias),
        }
    }

    /// Adds the target's profile (display name, avatar) to the planned join and invite events.
    pub(super) async fn add_member_profiles(
        &self,
        events: &mut [EventTemplate],
    ) -> Result<(), MatrixError> {
        for template in events.iter_mut() {
            let membership = template.content.get("membership").and_then(|m| m.as_str());
            if template.event_type != "m.room.member"
                || !matches!(membership, Some("join" | "invite"))
            {
                continue;
            }
            if let Some(target) = template.state_key.clone() {
                for (key, value) in self.member_profile(&target).await? {
                    template.content.entry(key).or_insert(value);
                }
            }
        }
        Ok(())
    }
}

fn creation_error(error: AppendError) -> MatrixError {
    match error {
        AppendError::Forbidden(error) => invalid_room_state(&error),
        AppendError::Client(error) => error,
    }
}

//! Restricted joins (client-server API § "Restricted rooms", server-server API § "Restricted
//! rooms"; room versions 8+): a user who is neither invited nor joined may join a room whose
//! join rule is `restricted` (or `knock_restricted`) when they are joined to one of the rooms
//! its `allow` list names. The resident server vouches for it by naming one of its own users
//! who may invite in `join_authorised_via_users_server`, which the auth rules then check.

use axum::http::StatusCode;
use client_api::MatrixError;
use serde_json::Value;
use state_res::auth::PowerLevels;
use state_res::ids::server_name_of;

use super::head::RoomHead;
use super::membership::membership_of;
use super::Rooms;
use crate::services::internal;

const JOIN_RULES: &str = "m.room.join_rules";

impl Rooms {
    /// The local user to name in `join_authorised_via_users_server` for `user_id`'s join, if
    /// the join needs one. 403 if the user meets no condition, 400 `M_UNABLE_TO_AUTHORISE_JOIN`
    /// if this server cannot tell (it is in none of the allowed rooms), 400
    /// `M_UNABLE_TO_GRANT_JOIN` if none of its users may invite.
    pub(super) async fn join_authoriser(
        &self,
        head: &mut RoomHead,
        user_id: &str,
    ) -> Result<Option<String>, MatrixError> {
        if !head.version.restricted_joins {
            return Ok(None);
        }
        let keys = [
            (JOIN_RULES.to_owned(), String::new()),
            ("m.room.create".to_owned(), String::new()),
            ("m.room.power_levels".to_owned(), String::new()),
        ];
        head.load_events(&self.database, &keys).await?;
        let Some(rules) = head.get(JOIN_RULES, "").map(|e| e.content().clone()) else {
            return Ok(None);
        };
        let rule = rules.get("join_rule").and_then(Value::as_str);
        let restricted = matches!(rule, Some("restricted"))
            || (matches!(rule, Some("knock_restricted")) && head.version.knock_restricted);
        if !restricted {
            return Ok(None);
        }
        let current = membership_of(head, self, user_id).await?;
        if matches!(current.as_deref(), Some("join" | "invite")) {
            return Ok(None);
        }
        let allowed: Vec<&str> = rules
            .get("allow")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|entry| entry.get("type").and_then(Value::as_str) == Some("m.room_membership"))
            .filter_map(|entry| entry.get("room_id").and_then(Value::as_str))
            .collect();
        let mut known_any = false;
        let mut met = false;
        for room in &allowed {
            known_any |= self.is_resident(room).await?;
            met |= self
                .database
                .is_joined(room, user_id)
                .await
                .map_err(internal)?;
        }
        if !met {
            return Err(if known_any || allowed.is_empty() {
                MatrixError::forbidden("You do not meet the room's join conditions")
            } else {
                MatrixError::new(
                    StatusCode::BAD_REQUEST,
                    "M_UNABLE_TO_AUTHORISE_JOIN",
                    "This server is in none of the rooms the join rule allows",
                )
            });
        }
        let levels = PowerLevels::from_state(
            &head.version,
            head.get("m.room.create", ""),
            head.get("m.room.power_levels", ""),
        );
        let room_id = head.room_id.clone().unwrap_or_default();
        let joined = self
            .database
            .members_with_membership(&room_id, "join")
            .await
            .map_err(internal)?;
        let authoriser = joined
            .into_iter()
            .map(|member| member.user_id)
            .filter(|user| server_name_of(user) == Some(self.server_name.as_str()))
            .find(|user| levels.user_level(user) >= levels.invite_level());
        match authoriser {
            Some(user) => Ok(Some(user)),
            None => Err(MatrixError::new(
                StatusCode::BAD_REQUEST,
                "M_UNABLE_TO_GRANT_JOIN",
                "No user of this server may invite to the room",
            )),
        }
    }
}

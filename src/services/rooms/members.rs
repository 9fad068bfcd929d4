//! `GET /rooms/{roomId}/members`: the member events of the room's state now, or at a
//! pagination token (`at`), filtered by `membership` / `not_membership`. Who may ask is decided
//! as for `/messages` (`history`): joined users see the current members, users who left the
//! members as of their leave (an `at` token cannot reach past it), anyone those of a
//! `world_readable` room; everyone else gets 403.

use client_api::room_participation::get_members_by_room::Request;
use client_api::{ClientEvent, ClientUser, MatrixError};
use tracing::instrument;

use super::tokens::parse_token;
use super::{valid_room_id, Rooms};
use crate::services::internal;

const MEMBER: &str = "m.room.member";

impl Rooms {
    /// `GET /rooms/{roomId}/members`.
    #[instrument(skip_all, fields(user = %user.user_id, room = room_id))]
    pub async fn room_members(
        &self,
        user: &ClientUser,
        room_id: &str,
        request: Request,
    ) -> Result<Vec<ClientEvent>, MatrixError> {
        valid_room_id(room_id)?;
        let db = &self.database;
        let access = self.history_access(&user.user_id, room_id).await?;
        let at = request.at.as_deref().map(parse_token).transpose()?;
        let group = match (at, access.until) {
            (None, None) => db.room_current_state_group(room_id).await,
            (None, Some(_)) => Ok(access.left_state),
            (Some(at), until) => {
                let position = until.map_or(at, |until| at.min(until));
                db.room_event_at(room_id, position)
                    .await
                    .map(|event| event.and_then(|event| event.state_group))
            }
        }
        .map_err(internal)?;
        let Some(group) = group else {
            return Ok(Vec::new());
        };
        let state = db.load_state(group).await.map_err(internal)?;
        let ids: Vec<&str> = state
            .iter()
            .filter(|((kind, _), _)| kind == MEMBER)
            .map(|(_, id)| id.as_str())
            .collect();
        let events = db.events_by_ids(&ids).await.map_err(internal)?;
        let wanted: Vec<_> = events
            .into_iter()
            .filter(|event| {
                let content = event.content();
                let membership = content.get("membership").and_then(|m| m.as_str());
                request
                    .membership
                    .as_deref()
                    .is_none_or(|wanted| membership == Some(wanted))
                    && request
                        .not_membership
                        .as_deref()
                        .is_none_or(|unwanted| membership != Some(unwanted))
            })
            .collect();
        self.serve(user, &wanted).await
    }
}

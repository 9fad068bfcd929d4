//! Backfilling a room's history from the other servers in it, for `/messages` (see
//! `services::rooms::backfill`).

use client_api::MatrixError;
use state_res::ids::server_name_of;

use crate::app::AppState;
use crate::services::rooms::RemoteEvents;

/// Events asked for at least, whatever page size the client wants.
pub(super) const BACKFILL_MINIMUM: u32 = 50;
/// The most asked for at once (Synapse serves at most 100).
const BACKFILL_MAXIMUM: u32 = 100;

impl AppState {
    /// Fetches up to `limit` events before the oldest one this server has in `room_id` from the
    /// first other server in the room that answers; how many were new.
    pub(super) async fn backfill(&self, room_id: &str, limit: u32) -> Result<usize, MatrixError> {
        let Some(from) = self.rooms.backfill_point(room_id).await? else {
            return Ok(0);
        };
        let version = self.rooms.known_version(room_id).await?;
        let own = self.config.server_name.as_str();
        let mut servers: Vec<String> = self
            .database
            .members_with_membership(room_id, "join")
            .await
            .map_err(crate::services::internal)?
            .iter()
            .filter_map(|member| server_name_of(&member.user_id))
            .filter(|server| *server != own)
            .map(str::to_owned)
            .collect();
        servers.dedup();
        let remote = self.remote();
        for server in &servers {
            let events = remote
                .backfill(
                    server,
                    &version,
                    room_id,
                    std::slice::from_ref(&from),
                    limit.min(BACKFILL_MAXIMUM),
                )
                .await;
            if events.is_empty() {
                continue;
            }
            return self
                .rooms
                .store_backfilled(server, room_id, &events, &remote)
                .await;
        }
        Ok(0)
    }
}

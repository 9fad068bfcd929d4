//! Backfill (server-server API § "Backfilling and retrieving missing events"): when `/messages`
//! runs out of history in a room this server joined over federation, the events before the
//! oldest one it has are asked for (`/backfill`, by the caller) and stored below every live
//! position (`storage::backfill`), after the checks on receipt up to the event's own auth
//! events (step 4). The state before them is not known here: they get the room's backfill
//! anchor, the state before this server's join, for visibility and lazy-loaded members.

use client_api::MatrixError;
use state_res::pdu::Pdu;

use super::receive::{new_event, pdu_text};
use super::remote::RemoteEvents;
use super::Rooms;
use crate::services::internal;
use crate::storage::StorageError;

impl Rooms {
    /// The event to backfill from (the oldest one this server has), if history before it is
    /// missing: the room was joined over federation and that event's prev events are unknown.
    pub async fn backfill_point(&self, room_id: &str) -> Result<Option<String>, MatrixError> {
        if self
            .database
            .backfill_anchor(room_id)
            .await
            .map_err(internal)?
            .is_none()
        {
            return Ok(None);
        }
        let Some(oldest) = self
            .database
            .oldest_timeline_event(room_id)
            .await
            .map_err(internal)?
        else {
            return Ok(None);
        };
        let version = self.known_version(room_id).await?;
        let pdu = super::head::parse_stored(&oldest, &version)?;
        for prev in pdu.prev_events() {
            if self
                .database
                .get_event(prev)
                .await
                .map_err(internal)?
                .is_none()
            {
                return Ok(Some(oldest.event_id));
            }
        }
        Ok(None)
    }

    /// Stores backfilled `events` from `origin` (checked for format, signatures and hashes):
    /// each not yet in the timeline, against its own auth events. How many were new.
    pub async fn store_backfilled(
        &self,
        origin: &str,
        room_id: &str,
        events: &[Pdu],
        remote: &impl RemoteEvents,
    ) -> Result<usize, MatrixError> {
        let version = self.known_version(room_id).await?;
        let Some(anchor) = self
            .database
            .backfill_anchor(room_id)
            .await
            .map_err(internal)?
        else {
            return Ok(0);
        };
        // Newest first: each takes the next lower position, so older history sorts lower.
        let mut sorted: Vec<&Pdu> = events.iter().filter(|e| e.room_id() == room_id).collect();
        sorted.sort_by_key(|pdu| std::cmp::Reverse(pdu.depth()));
        let mut stored = 0;
        for pdu in sorted {
            if self.in_dag(pdu.event_id()).await? {
                continue;
            }
            let rejection = self
                .check_against_auth_events(origin, pdu, &version, remote)
                .await?;
            let json = pdu_text(pdu)?;
            let event = new_event(pdu, &json, rejection.as_deref(), false);
            match self.database.persist_backfilled(&event, anchor).await {
                Ok(()) => stored += 1,
                Err(StorageError::Conflict(_)) => {}
                Err(error) => return Err(internal(error)),
            }
        }
        Ok(stored)
    }
}

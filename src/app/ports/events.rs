//! The federation port for reading a room's events (`federation::EventsPort`), answered by
//! the room engine (`services/rooms/federation_reads.rs`).

use federation::events::{MissingEventsRequest, StateIds, StatePdus};
use federation::{EventsPort, MatrixError};
use serde_json::Value;

use super::server_server::from_client;
use crate::app::AppState;
use crate::services::rooms::federation_reads::MissingEvents;

impl EventsPort for AppState {
    async fn event_pdu(&self, origin: &str, event_id: &str) -> Result<Value, MatrixError> {
        self.rooms
            .federation_event(origin, event_id)
            .await
            .map_err(from_client)
    }

    async fn state_ids_at(
        &self,
        origin: &str,
        room_id: &str,
        event_id: &str,
    ) -> Result<StateIds, MatrixError> {
        let at = self
            .rooms
            .federation_state(origin, room_id, event_id)
            .await
            .map_err(from_client)?;
        Ok(StateIds {
            pdu_ids: at.state.into_iter().map(|e| e.event_id).collect(),
            auth_chain_ids: at.auth_chain.into_iter().map(|e| e.event_id).collect(),
        })
    }

    async fn state_at(
        &self,
        origin: &str,
        room_id: &str,
        event_id: &str,
    ) -> Result<StatePdus, MatrixError> {
        let at = self
            .rooms
            .federation_state(origin, room_id, event_id)
            .await
            .map_err(from_client)?;
        let none = Default::default();
        let (pdus, auth_chain) = tokio::try_join!(
            self.rooms.serve_pdus(&at.state, &none),
            self.rooms.serve_pdus(&at.auth_chain, &none),
        )
        .map_err(from_client)?;
        Ok(StatePdus { pdus, auth_chain })
    }

    async fn event_auth_chain(
        &self,
        origin: &str,
        room_id: &str,
        event_id: &str,
    ) -> Result<Vec<Value>, MatrixError> {
        self.rooms
            .federation_event_auth(origin, room_id, event_id)
            .await
            .map_err(from_client)
    }

    async fn backfill(
        &self,
        origin: &str,
        room_id: &str,
        from: &[String],
        limit: u64,
    ) -> Result<Vec<Value>, MatrixError> {
        self.rooms
            .federation_backfill(origin, room_id, from, limit)
            .await
            .map_err(from_client)
    }

    async fn missing_events(
        &self,
        origin: &str,
        room_id: &str,
        request: &MissingEventsRequest,
    ) -> Result<Vec<Value>, MatrixError> {
        let request = MissingEvents {
            earliest: &request.earliest_events,
            latest: &request.latest_events,
            limit: request.limit,
            min_depth: request.min_depth,
        };
        self.rooms
            .federation_missing_events(origin, room_id, &request)
            .await
            .map_err(from_client)
    }
}

//! The typing, receipts, read markers and presence ports, answered by `services::ephemeral`.
//! Receipts and read markers first ask the room engine whether the event exists in the room
//! and is visible to the user (`Rooms::room_event`: 404 otherwise).

use client_api::read_markers::set_read_marker;
use client_api::{
    ClientUser, MatrixError, PresencePort, ReadMarkersPort, ReceiptsPort, TypingPort,
};
use serde_json::{Map, Value};

use crate::app::AppState;
use crate::services::ephemeral::receipts::Receipts;

impl TypingPort for AppState {
    async fn set_typing(
        &self,
        user: &ClientUser,
        room_id: &str,
        user_id: &str,
        typing: bool,
        timeout_ms: Option<u64>,
    ) -> Result<(), MatrixError> {
        self.typing
            .set_typing(user, room_id, user_id, typing, timeout_ms)
            .await
    }
}

impl ReceiptsPort for AppState {
    async fn post_receipt(
        &self,
        user: &ClientUser,
        room_id: &str,
        receipt_type: &str,
        event_id: &str,
        thread_id: Option<&str>,
    ) -> Result<(), MatrixError> {
        Receipts::check_request(receipt_type, thread_id)?;
        self.rooms.room_event(user, room_id, event_id).await?;
        self.receipts
            .receipt(user, room_id, receipt_type, event_id, thread_id)
            .await
    }
}

impl ReadMarkersPort for AppState {
    async fn set_read_markers(
        &self,
        user: &ClientUser,
        room_id: &str,
        markers: set_read_marker::Request,
    ) -> Result<(), MatrixError> {
        let events = [&markers.fully_read, &markers.read, &markers.read_private];
        for event_id in events.into_iter().flatten() {
            self.rooms.room_event(user, room_id, event_id).await?;
        }
        self.receipts
            .read_markers(
                user,
                room_id,
                markers.fully_read.as_deref(),
                markers.read.as_deref(),
                markers.read_private.as_deref(),
            )
            .await
    }
}

impl PresencePort for AppState {
    async fn set_presence(
        &self,
        user: &ClientUser,
        user_id: &str,
        presence: &str,
        status_msg: Option<String>,
    ) -> Result<(), MatrixError> {
        self.presence
            .set_status(user, user_id, presence, status_msg)
            .await
    }

    async fn get_presence(
        &self,
        user: &ClientUser,
        user_id: &str,
    ) -> Result<Map<String, Value>, MatrixError> {
        self.presence.get_status(user, user_id).await
    }
}

//! The send-to-device port, answered by `services::to_device`.

use client_api::to_device::Messages;
use client_api::{ClientUser, MatrixError, ToDevicePort};

use crate::app::AppState;

impl ToDevicePort for AppState {
    async fn send_to_device(
        &self,
        user: &ClientUser,
        event_type: &str,
        txn_id: &str,
        messages: Messages,
    ) -> Result<(), MatrixError> {
        self.to_device
            .send(user, event_type, txn_id, messages)
            .await
    }
}

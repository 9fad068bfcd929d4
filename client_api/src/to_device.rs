//! Spec module "Send-to-Device messaging": `PUT /sendToDevice/{eventType}/{txnId}`.

pub mod send_to_device;

use std::collections::BTreeMap;
use std::future::Future;

use serde_json::{Map, Value};

use crate::auth::ClientUser;
use crate::MatrixError;

/// Recipient user id → device id (or `*`: all their devices) → the message's content.
pub type Messages = BTreeMap<String, BTreeMap<String, Map<String, Value>>>;

/// What the send-to-device handler needs from the engine.
pub trait ToDevicePort: Send + Sync + 'static {
    /// Sends `messages` of type `event_type`, once per (access token's device, `txn_id`):
    /// stored for local devices, passed on to other servers for theirs. Unknown users and
    /// devices are ignored.
    fn send_to_device(
        &self,
        user: &ClientUser,
        event_type: &str,
        txn_id: &str,
        messages: Messages,
    ) -> impl Future<Output = Result<(), MatrixError>> + Send;
}

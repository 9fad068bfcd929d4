//! Spec module "Presence": `PUT/GET /presence/{userId}/status`.

pub mod get_presence;
pub mod set_presence;

use std::future::Future;

use serde_json::{Map, Value};

use crate::auth::ClientUser;
use crate::MatrixError;

/// What the presence handlers need from the engine.
pub trait PresencePort: Send + Sync + 'static {
    /// Sets one's own presence (403 for others; 400 for an unknown state).
    fn set_presence(
        &self,
        user: &ClientUser,
        user_id: &str,
        presence: &str,
        status_msg: Option<String>,
    ) -> impl Future<Output = Result<(), MatrixError>> + Send;

    /// A user's presence (`presence`, `last_active_ago`, `currently_active`, `status_msg`):
    /// one's own or a user sharing a room (403 otherwise).
    fn get_presence(
        &self,
        user: &ClientUser,
        user_id: &str,
    ) -> impl Future<Output = Result<Map<String, Value>, MatrixError>> + Send;
}

//! Spec module "Client config": account data, global and per room.

pub mod get_account_data;
pub mod get_room_account_data;
pub mod set_account_data;
pub mod set_room_account_data;

use std::future::Future;

use serde_json::{Map, Value};

use crate::auth::ClientUser;
use crate::MatrixError;

/// What the account data handlers need from the engine. `room_id` `None` is global account
/// data. Another user's account data is 403; `m.fully_read` and `m.push_rules` cannot be set
/// here (400/405 as in Synapse).
pub trait ClientConfigPort: Send + Sync + 'static {
    /// Sets an account data entry.
    fn set_account_data(
        &self,
        user: &ClientUser,
        user_id: &str,
        room_id: Option<&str>,
        data_type: &str,
        content: Map<String, Value>,
    ) -> impl Future<Output = Result<(), MatrixError>> + Send;

    /// An account data entry's content, or 404 `M_NOT_FOUND`.
    fn get_account_data(
        &self,
        user: &ClientUser,
        user_id: &str,
        room_id: Option<&str>,
        data_type: &str,
    ) -> impl Future<Output = Result<Map<String, Value>, MatrixError>> + Send;
}

//! Spec server-server § "Querying for information": profiles and room aliases of this server's
//! users and rooms, asked by other servers.

pub mod get_directory;
pub mod get_profile;

use std::future::Future;

use serde_json::{Map, Value};

use crate::MatrixError;

/// What the query handlers need from the engine.
pub trait QueryPort: Send + Sync + 'static {
    /// A local user's profile (`displayname`, `avatar_url`), 404 `M_NOT_FOUND` for users this
    /// server does not host or know.
    fn local_profile(
        &self,
        user_id: &str,
    ) -> impl Future<Output = Result<Map<String, Value>, MatrixError>> + Send;
    /// A local alias's room id and the servers in the room; 404 `M_NOT_FOUND` if unknown.
    fn local_alias(
        &self,
        room_alias: &str,
    ) -> impl Future<Output = Result<(String, Vec<String>), MatrixError>> + Send;
}

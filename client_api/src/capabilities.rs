//! Spec § "Capabilities negotiation".

pub mod get_capabilities;

use std::future::Future;

use serde_json::{Map, Value};

use crate::auth::ClientUser;
use crate::MatrixError;

/// What the capabilities handler needs from the engine.
pub trait CapabilitiesPort: Send + Sync + 'static {
    /// The capabilities for this user, keyed by capability name (`m.change_password`…).
    fn capabilities(
        &self,
        user: &ClientUser,
    ) -> impl Future<Output = Result<Map<String, Value>, MatrixError>> + Send;
}

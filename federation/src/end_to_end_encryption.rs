//! Spec server-server § "End-to-End Encryption" (querying and claiming the keys of this
//! server's users) and § "Device Management" (a user's device list, in
//! [`crate::device_management`]), behind one port.

pub mod claim_keys;
pub mod query_keys;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use axum::http::StatusCode;
use axum::Router;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::endpoint::mount;
use crate::{MatrixError, ServerAuthPort};

/// `{user_id: {device_id: value}}`.
pub type PerDevice<T> = BTreeMap<String, BTreeMap<String, T>>;

/// What the key handlers need from the engine; users of other servers are left out of every
/// answer.
pub trait DeviceKeysPort: Send + Sync + 'static {
    /// The keys of local users (every device for an empty list): the answer's body,
    /// `{device_keys, master_keys?, self_signing_keys?}`, each device with
    /// `unsigned.device_display_name`.
    fn local_device_keys(
        &self,
        request: BTreeMap<String, Vec<String>>,
    ) -> impl Future<Output = Result<Map<String, Value>, MatrixError>> + Send;

    /// Claims a key per requested local device and algorithm.
    fn claim_local_keys(
        &self,
        request: PerDevice<String>,
    ) -> impl Future<Output = Result<PerDevice<Map<String, Value>>, MatrixError>> + Send;

    /// A local user's device list: `{user_id, stream_id, devices: [{device_id, keys?,
    /// device_display_name?}]}`.
    fn user_devices(
        &self,
        user_id: &str,
    ) -> impl Future<Output = Result<Value, MatrixError>> + Send;
}

/// Registers the operations of this section and of "Device Management" on `router`.
pub fn mount_all<P>(router: Router<Arc<P>>) -> Router<Arc<P>>
where
    P: DeviceKeysPort + ServerAuthPort,
{
    use crate::device_management::get_devices;
    let router = mount(router, &query_keys::ENDPOINT, query_keys::handler::<P>);
    let router = mount(router, &claim_keys::ENDPOINT, claim_keys::handler::<P>);
    mount(router, &get_devices::ENDPOINT, get_devices::handler::<P>)
}

/// Parses a signed body (already checked to be JSON) into `T`: 400 `M_BAD_JSON` otherwise.
pub(crate) fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, MatrixError> {
    serde_json::from_slice(body).map_err(|e| {
        MatrixError::new(
            StatusCode::BAD_REQUEST,
            "M_BAD_JSON",
            format!("Invalid body: {e}"),
        )
    })
}

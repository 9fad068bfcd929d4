//! Spec module "Device Management": listing, renaming and deleting devices.

pub mod delete_device;
pub mod delete_devices;
pub mod get_device;
pub mod get_devices;
pub mod update_device;

use std::future::Future;

use serde::Serialize;

use crate::auth::ClientUser;
use crate::uia::{AuthData, UiaError};
use crate::MatrixError;

/// A device as clients see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Device {
    /// The device id.
    pub device_id: String,
    /// Its name, absent if none was set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The address of its last request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen_ip: Option<String>,
    /// When it last made a request (ms since the epoch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen_ts: Option<i64>,
}

/// What the device handlers need from the engine.
pub trait DevicesPort: Send + Sync + 'static {
    /// The caller's devices.
    fn devices(
        &self,
        user: &ClientUser,
    ) -> impl Future<Output = Result<Vec<Device>, MatrixError>> + Send;

    /// One of the caller's devices, or 404 `M_NOT_FOUND`.
    fn device(
        &self,
        user: &ClientUser,
        device_id: &str,
    ) -> impl Future<Output = Result<Device, MatrixError>> + Send;

    /// Renames one of the caller's devices (`None`: unchanged), or 404 `M_NOT_FOUND`.
    fn update_device(
        &self,
        user: &ClientUser,
        device_id: &str,
        display_name: Option<String>,
    ) -> impl Future<Output = Result<(), MatrixError>> + Send;

    /// Deletes devices of the caller behind user-interactive auth. `operation` names the
    /// request (method and path) the UIA session is bound to.
    fn delete_devices(
        &self,
        user: &ClientUser,
        device_ids: Vec<String>,
        auth: Option<AuthData>,
        operation: String,
    ) -> impl Future<Output = Result<(), UiaError>> + Send;
}

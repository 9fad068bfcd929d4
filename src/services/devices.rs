//! Device management: listing, renaming, and deleting devices behind user-interactive auth.

use std::sync::Arc;

use client_api::device_management::Device;
use client_api::uia::{self as uia_types, AuthData};
use client_api::{ClientUser, MatrixError, UiaError};
use tracing::instrument;

use super::internal;
use super::sessions::MAX_DEVICE_DISPLAY_NAME_CHARS;
use super::uia::{Uia, UiaRequest};
use crate::storage::{self, Database, StorageError};

/// The device service.
#[derive(Debug)]
pub struct Devices {
    database: Database,
    uia: Arc<Uia>,
}

fn to_api(device: storage::Device) -> Device {
    Device {
        device_id: device.device_id,
        display_name: device.display_name,
        last_seen_ip: device.last_seen_ip,
        last_seen_ts: device.last_seen_ts,
    }
}

fn unknown_device() -> MatrixError {
    MatrixError::not_found("Device not found")
}

impl Devices {
    /// A device service.
    pub fn new(database: Database, uia: Arc<Uia>) -> Self {
        Self { database, uia }
    }

    /// `GET /devices`.
    pub async fn devices(&self, user: &ClientUser) -> Result<Vec<Device>, MatrixError> {
        let devices = self
            .database
            .list_devices(&user.user_id)
            .await
            .map_err(internal)?;
        Ok(devices.into_iter().map(to_api).collect())
    }

    /// `GET /devices/{deviceId}`.
    pub async fn device(&self, user: &ClientUser, device_id: &str) -> Result<Device, MatrixError> {
        self.database
            .get_device(&user.user_id, device_id)
            .await
            .map_err(internal)?
            .map(to_api)
            .ok_or_else(unknown_device)
    }

    /// `PUT /devices/{deviceId}`.
    pub async fn update_device(
        &self,
        user: &ClientUser,
        device_id: &str,
        display_name: Option<String>,
    ) -> Result<(), MatrixError> {
        let Some(name) = display_name else {
            return self.device(user, device_id).await.map(|_| ());
        };
        if name.chars().count() > MAX_DEVICE_DISPLAY_NAME_CHARS {
            return Err(MatrixError::bad_request(
                "M_TOO_LARGE",
                format!("Device display name is too long (max {MAX_DEVICE_DISPLAY_NAME_CHARS})"),
            ));
        }
        match self
            .database
            .set_device_display_name(&user.user_id, device_id, Some(&name))
            .await
        {
            Ok(()) => Ok(()),
            Err(StorageError::NotFound(_)) => Err(unknown_device()),
            Err(error) => Err(internal(error)),
        }
    }

    /// `DELETE /devices/{deviceId}` and `POST /delete_devices`: unknown devices count as
    /// deleted.
    #[instrument(skip_all, fields(count = device_ids.len()))]
    pub async fn delete_devices(
        &self,
        user: &ClientUser,
        device_ids: Vec<String>,
        auth: Option<AuthData>,
        operation: String,
    ) -> Result<(), UiaError> {
        self.uia
            .authenticate(UiaRequest {
                operation,
                user_id: Some(&user.user_id),
                flows: vec![vec![uia_types::PASSWORD]],
                auth,
            })
            .await?;
        self.database
            .delete_devices(&user.user_id, &device_ids)
            .await
            .map_err(internal)?;
        Ok(())
    }
}

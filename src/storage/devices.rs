//! The `devices` table: a user's logged-in devices.

use super::read::Columns;

use super::sessions::delete_device_rows;
use super::users::found;
use super::{Database, StorageError};

const DEVICE_COLUMNS: &str =
    "user_id, device_id, display_name, created_ts, last_seen_ts, last_seen_ip";

/// A stored device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Device {
    /// The owner.
    pub user_id: String,
    /// The device id, unique per user.
    pub device_id: String,
    /// The human-readable name, if set.
    pub display_name: Option<String>,
    /// Creation time, milliseconds since the Unix epoch.
    pub created_ts: i64,
    /// When the device last made a request, if recorded.
    pub last_seen_ts: Option<i64>,
    /// The IP address of that request, if recorded.
    pub last_seen_ip: Option<String>,
}

impl Device {
    fn from_row(row: &impl Columns) -> Result<Self, StorageError> {
        Ok(Device {
            user_id: row.column("user_id")?,
            device_id: row.column("device_id")?,
            display_name: row.column("display_name")?,
            created_ts: row.column("created_ts")?,
            last_seen_ts: row.column("last_seen_ts")?,
            last_seen_ip: row.column("last_seen_ip")?,
        })
    }
}

impl Database {
    /// Creates a device. [`StorageError::Conflict`] if the user already has this device id;
    /// the user must exist.
    pub async fn create_device(
        &self,
        user_id: &str,
        device_id: &str,
        display_name: Option<&str>,
        created_ts: i64,
    ) -> Result<(), StorageError> {
        self.write_query(
            "INSERT INTO devices (user_id, device_id, display_name, created_ts) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(user_id)
        .bind(device_id)
        .bind(display_name)
        .bind(created_ts)
        .execute()
        .await?;
        Ok(())
    }

    /// One device of a user, if it exists.
    pub async fn get_device(
        &self,
        user_id: &str,
        device_id: &str,
    ) -> Result<Option<Device>, StorageError> {
        let row = self
            .read_query(&format!(
                "SELECT {DEVICE_COLUMNS} FROM devices WHERE user_id = $1 AND device_id = $2"
            ))
            .bind(user_id)
            .bind(device_id)
            .fetch_optional()
            .await?;
        row.as_ref().map(Device::from_row).transpose()
    }

    /// All devices of a user, ordered by device id.
    pub async fn list_devices(&self, user_id: &str) -> Result<Vec<Device>, StorageError> {
        let rows = self
            .read_query(&format!(
                "SELECT {DEVICE_COLUMNS} FROM devices WHERE user_id = $1 ORDER BY device_id"
            ))
            .bind(user_id)
            .fetch_all()
            .await?;
        rows.iter().map(Device::from_row).collect()
    }

    /// Renames a device (`None` clears the name).
    pub async fn set_device_display_name(
        &self,
        user_id: &str,
        device_id: &str,
        display_name: Option<&str>,
    ) -> Result<(), StorageError> {
        let result = self
            .write_query(
                "UPDATE devices SET display_name = $1 WHERE user_id = $2 AND device_id = $3",
            )
            .bind(display_name)
            .bind(user_id)
            .bind(device_id)
            .execute()
            .await?;
        found(result, device_id)
    }

    /// Records that the device made a request at `ts` from `ip`.
    pub async fn touch_device(
        &self,
        user_id: &str,
        device_id: &str,
        ts: i64,
        ip: Option<&str>,
    ) -> Result<(), StorageError> {
        let result = self
            .write_query(
                "UPDATE devices SET last_seen_ts = $1, last_seen_ip = $2 \
             WHERE user_id = $3 AND device_id = $4",
            )
            .bind(ts)
            .bind(ip)
            .bind(user_id)
            .bind(device_id)
            .execute()
            .await?;
        found(result, device_id)
    }

    /// Deletes a device and, in the same transaction, its access and refresh tokens.
    /// [`StorageError::NotFound`] if the user has no such device.
    pub async fn delete_device(&self, user_id: &str, device_id: &str) -> Result<(), StorageError> {
        let mut tx = self.begin_write().await?;
        let deleted = delete_device_rows(&mut tx, user_id, device_id).await?;
        found(u64::from(deleted), device_id)?;
        tx.commit().await?;
        Ok(())
    }
}

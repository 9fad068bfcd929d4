//! End-to-end encryption keys of local devices (client-server API § "Key management API"):
//! signed device keys, one-time keys (deleted when claimed) and fallback keys (marked used
//! when claimed, kept until replaced). Keys of a device that no longer exists are never read:
//! every read joins `devices`, and [`Database::delete_orphan_keys`] removes them.

use std::collections::BTreeMap;

use super::read::Columns;

use super::{Database, StorageError};

/// One uploaded key: `algorithm:key_id` split, with the key as JSON text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewKey {
    /// The algorithm, e.g. `signed_curve25519`.
    pub algorithm: String,
    /// The key id.
    pub key_id: String,
    /// The key (a string or a signed object) as JSON text.
    pub json: String,
}

/// A device's identity keys as served by `/keys/query`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceKeysRow {
    /// The device.
    pub device_id: String,
    /// Its device display name, if set.
    pub display_name: Option<String>,
    /// The signed device keys as uploaded (`None`: the device has uploaded none).
    pub key_json: Option<String>,
}

/// A claimed key: `algorithm:key_id` and the key as JSON text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimedKey {
    /// `algorithm:key_id`.
    pub key_name: String,
    /// The key.
    pub json: String,
}

impl Database {
    /// Stores a device's signed device keys; `true` if they differ from the stored ones.
    pub async fn store_device_keys(
        &self,
        user_id: &str,
        device_id: &str,
        key_json: &str,
    ) -> Result<bool, StorageError> {
        let mut tx = self.begin_write().await?;
        let old: Option<String> = tx
            .query("SELECT key_json FROM e2e_device_keys WHERE user_id = $1 AND device_id = $2")
            .bind(user_id)
            .bind(device_id)
            .fetch_scalar()
            .await?;
        if old.as_deref() == Some(key_json) {
            return Ok(false);
        }
        tx.query(
            "INSERT INTO e2e_device_keys (user_id, device_id, key_json) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, device_id) DO UPDATE SET key_json = excluded.key_json",
        )
        .bind(user_id)
        .bind(device_id)
        .bind(key_json)
        .execute()
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Adds one-time keys. A key id already stored with the same key is skipped; with another
    /// key it is [`StorageError::Conflict`] and nothing is stored.
    pub async fn add_one_time_keys(
        &self,
        user_id: &str,
        device_id: &str,
        keys: &[NewKey],
    ) -> Result<(), StorageError> {
        let mut tx = self.begin_write().await?;
        for key in keys {
            let old: Option<String> = tx
                .query(
                    "SELECT key_json FROM e2e_one_time_keys \
                 WHERE user_id = $1 AND device_id = $2 AND algorithm = $3 AND key_id = $4",
                )
                .bind(user_id)
                .bind(device_id)
                .bind(&key.algorithm)
                .bind(&key.key_id)
                .fetch_scalar()
                .await?;
            match old {
                Some(old) if old == key.json => continue,
                Some(_) => {
                    return Err(StorageError::Conflict(format!(
                        "One time key {}:{} already exists",
                        key.algorithm, key.key_id
                    )))
                }
                None => {}
            }
            tx.query(
                "INSERT INTO e2e_one_time_keys (user_id, device_id, algorithm, key_id, key_json) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(user_id)
            .bind(device_id)
            .bind(&key.algorithm)
            .bind(&key.key_id)
            .bind(&key.json)
            .execute()
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Sets a device's fallback key for its algorithm. Re-uploading the stored key keeps its
    /// `used` flag; a new key replaces it, unused.
    pub async fn set_fallback_key(
        &self,
        user_id: &str,
        device_id: &str,
        key: &NewKey,
    ) -> Result<(), StorageError> {
        self.write_query(
            "INSERT INTO e2e_fallback_keys (user_id, device_id, algorithm, key_id, key_json, used) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (user_id, device_id, algorithm) \
             DO UPDATE SET key_id = excluded.key_id, key_json = excluded.key_json, \
               used = excluded.used \
             WHERE e2e_fallback_keys.key_id <> excluded.key_id \
                OR e2e_fallback_keys.key_json <> excluded.key_json",
        )
        .bind(user_id)
        .bind(device_id)
        .bind(&key.algorithm)
        .bind(&key.key_id)
        .bind(&key.json)
        .bind(false)
        .execute()
        .await?;
        Ok(())
    }

    /// How many unclaimed one-time keys the device has, per algorithm.
    pub async fn one_time_key_counts(
        &self,
        user_id: &str,
        device_id: &str,
    ) -> Result<BTreeMap<String, u64>, StorageError> {
        let rows = self
            .read_query(
                "SELECT algorithm, COUNT(*) AS n FROM e2e_one_time_keys \
             WHERE user_id = $1 AND device_id = $2 GROUP BY algorithm",
            )
            .bind(user_id)
            .bind(device_id)
            .fetch_all()
            .await?;
        rows.iter()
            .map(|row| {
                let count: i64 = row.column("n")?;
                Ok((
                    row.column("algorithm")?,
                    u64::try_from(count).unwrap_or_default(),
                ))
            })
            .collect()
    }

    /// The device's one-time key counts by algorithm and the algorithms of its fallback keys
    /// not claimed yet (sorted), in one read (every `/sync` of the device reports both).
    pub async fn device_key_status(
        &self,
        user_id: &str,
        device_id: &str,
    ) -> Result<(BTreeMap<String, u64>, Vec<String>), StorageError> {
        let rows = self
            .read_query(
                "SELECT 'one_time' AS kind, algorithm, COUNT(*) AS n FROM e2e_one_time_keys \
             WHERE user_id = $1 AND device_id = $2 GROUP BY algorithm \
             UNION ALL \
             SELECT 'fallback', algorithm, 0 FROM e2e_fallback_keys \
             WHERE user_id = $1 AND device_id = $2 AND used = $3",
            )
            .bind(user_id)
            .bind(device_id)
            .bind(false)
            .fetch_all()
            .await?;
        let mut counts = BTreeMap::new();
        let mut fallback = Vec::new();
        for row in &rows {
            let kind: String = row.column("kind")?;
            let algorithm: String = row.column("algorithm")?;
            match kind.as_str() {
                "one_time" => {
                    let n: i64 = row.column("n")?;
                    counts.insert(algorithm, u64::try_from(n).unwrap_or_default());
                }
                _ => fallback.push(algorithm),
            }
        }
        fallback.sort_unstable();
        Ok((counts, fallback))
    }

    /// Claims a key of the device for `algorithm`: a one-time key (deleted), else the fallback
    /// key (marked used, kept); `None` if the device has neither.
    pub async fn claim_key(
        &self,
        user_id: &str,
        device_id: &str,
        algorithm: &str,
    ) -> Result<Option<ClaimedKey>, StorageError> {
        let mut tx = self.begin_write().await?;
        // On PostgreSQL two concurrent claims can pick the same lowest key; the one that loses
        // deletes nothing and tries the next key instead of falling back early.
        let mut one_time = None;
        for _ in 0..3 {
            one_time = tx
                .query(
                    "DELETE FROM e2e_one_time_keys WHERE user_id = $1 AND device_id = $2 \
                   AND algorithm = $3 AND key_id = (SELECT MIN(key_id) FROM e2e_one_time_keys \
                     WHERE user_id = $1 AND device_id = $2 AND algorithm = $3) \
                   AND EXISTS (SELECT 1 FROM devices WHERE user_id = $1 AND device_id = $2) \
                 RETURNING key_id, key_json",
                )
                .bind(user_id)
                .bind(device_id)
                .bind(algorithm)
                .fetch_optional()
                .await?;
            if one_time.is_some() {
                break;
            }
            let left: i64 = tx
                .query(
                    "SELECT COUNT(*) FROM e2e_one_time_keys \
                 WHERE user_id = $1 AND device_id = $2 AND algorithm = $3",
                )
                .bind(user_id)
                .bind(device_id)
                .bind(algorithm)
                .fetch_scalar_one()
                .await?;
            if left == 0 {
                break;
            }
        }
        let row = match one_time {
            Some(row) => Some(row),
            None => {
                tx.query(
                    "UPDATE e2e_fallback_keys SET used = $4 \
                     WHERE user_id = $1 AND device_id = $2 AND algorithm = $3 \
                       AND EXISTS (SELECT 1 FROM devices WHERE user_id = $1 AND device_id = $2) \
                     RETURNING key_id, key_json",
                )
                .bind(user_id)
                .bind(device_id)
                .bind(algorithm)
                .bind(true)
                .fetch_optional()
                .await?
            }
        };
        tx.commit().await?;
        row.map(|row| {
            let key_id: String = row.column("key_id")?;
            Ok(ClaimedKey {
                key_name: format!("{algorithm}:{key_id}"),
                json: row.column("key_json")?,
            })
        })
        .transpose()
    }

    /// The user's devices with their names and device keys (if uploaded), by device id.
    pub async fn devices_with_keys(
        &self,
        user_id: &str,
    ) -> Result<Vec<DeviceKeysRow>, StorageError> {
        let rows = self
            .read_query(
                "SELECT d.device_id, d.display_name, k.key_json FROM devices d \
             LEFT JOIN e2e_device_keys k \
               ON k.user_id = d.user_id AND k.device_id = d.device_id \
             WHERE d.user_id = $1 ORDER BY d.device_id",
            )
            .bind(user_id)
            .fetch_all()
            .await?;
        rows.iter()
            .map(|row| {
                Ok(DeviceKeysRow {
                    device_id: row.column("device_id")?,
                    display_name: row.column("display_name")?,
                    key_json: row.column("key_json")?,
                })
            })
            .collect()
    }

    /// Deletes the keys of the user's devices that no longer exist.
    pub async fn delete_orphan_keys(&self, user_id: &str) -> Result<(), StorageError> {
        let mut tx = self.begin_write().await?;
        for table in ["e2e_device_keys", "e2e_one_time_keys", "e2e_fallback_keys"] {
            tx.query(&format!(
                "DELETE FROM {table} WHERE user_id = $1 AND device_id NOT IN \
                 (SELECT device_id FROM devices WHERE user_id = $1)"
            ))
            .bind(user_id)
            .execute()
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

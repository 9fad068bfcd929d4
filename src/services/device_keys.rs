//! End-to-end encryption key management for local devices (client-server API
//! § "End-to-End Encryption" → "Key management API"; server-server § "End-to-End Encryption"):
//! uploading, serving and claiming keys. Device list changes (the `device_lists` stream, the
//! `m.device_list_update` EDUs, `/sync`'s `device_lists`) are in [`device_lists`].
//!
//! Remote users' keys are never cached: the ports ask their server every time
//! (`crate::federation::user_keys`), so there is nothing to invalidate when their device list
//! changes.

pub mod cross_signing;
pub mod device_lists;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::sync::Arc;

use client_api::end_to_end_encryption::{query_keys, upload_keys, PerDevice};

use self::cross_signing::{MASTER, SELF_SIGNING, USER_SIGNING};
use client_api::{ClientUser, MatrixError};
use serde_json::{json, Map, Value};
use state_res::ids::server_name_of;

use super::internal;
use super::notifier::Notifier;
use super::uia::Uia;
use crate::federation::FederationSender;
use crate::storage::{Database, DeviceKeysRow, NewKey, StorageError};

/// The algorithm clients look for in `one_time_key_counts`: always reported, 0 when none
/// (as Synapse, so clients know the server counts keys).
const SIGNED_CURVE25519: &str = "signed_curve25519";

/// The key service.
#[derive(Debug)]
pub struct DeviceKeys {
    database: Database,
    server_name: String,
    notifier: Arc<Notifier>,
    /// Where `m.device_list_update` EDUs are queued (none in unit tests).
    sender: Option<Arc<FederationSender>>,
    /// User-interactive auth for replacing cross-signing keys.
    uia: Option<Arc<Uia>>,
}

impl DeviceKeys {
    /// A key service for `server_name`'s users, waking `/sync` through `notifier`.
    pub fn new(database: Database, server_name: String, notifier: Arc<Notifier>) -> Self {
        Self {
            database,
            server_name,
            notifier,
            sender: None,
            uia: None,
        }
    }

    /// Guards cross-signing key replacement with `uia`.
    pub fn with_uia(mut self, uia: Arc<Uia>) -> Self {
        self.uia = Some(uia);
        self
    }

    /// Sends device list updates to other servers through `sender`.
    pub fn with_federation_sender(mut self, sender: Arc<FederationSender>) -> Self {
        self.sender = Some(sender);
        self
    }

    /// Whether `user_id` is one of ours.
    pub fn is_local(&self, user_id: &str) -> bool {
        server_name_of(user_id) == Some(self.server_name.as_str())
    }

    /// `POST /keys/upload` for the caller's device; answers the one-time key counts.
    pub async fn upload(
        &self,
        user: &ClientUser,
        request: upload_keys::Request,
    ) -> Result<BTreeMap<String, u64>, MatrixError> {
        let device_id = user
            .device_id
            .as_deref()
            .ok_or_else(|| MatrixError::bad_json("This access token has no device"))?;
        let one_time = parse_keys(request.one_time_keys.as_ref())?;
        let fallback = parse_keys(request.fallback_keys.as_ref())?;
        let device_keys = request
            .device_keys
            .map(|keys| checked_device_keys(keys, &user.user_id, device_id))
            .transpose()?;
        if let Some(keys) = device_keys {
            let changed = self
                .database
                .store_device_keys(&user.user_id, device_id, &keys)
                .await
                .map_err(internal)?;
            if changed {
                self.devices_changed(&user.user_id, &[device_id.to_owned()])
                    .await;
            }
        }
        if !one_time.is_empty() {
            match self
                .database
                .add_one_time_keys(&user.user_id, device_id, &one_time)
                .await
            {
                Ok(()) => {}
                // Synapse: 400 when a key id is reused for another key.
                Err(StorageError::Conflict(message)) => {
                    return Err(MatrixError::bad_request("M_INVALID_PARAM", message))
                }
                Err(error) => return Err(internal(error)),
            }
        }
        for key in &fallback {
            self.database
                .set_fallback_key(&user.user_id, device_id, key)
                .await
                .map_err(internal)?;
        }
        self.one_time_key_counts(&user.user_id, device_id).await
    }

    /// The device's unclaimed one-time keys per algorithm (`signed_curve25519` always).
    pub async fn one_time_key_counts(
        &self,
        user_id: &str,
        device_id: &str,
    ) -> Result<BTreeMap<String, u64>, MatrixError> {
        let mut counts = self
            .database
            .one_time_key_counts(user_id, device_id)
            .await
            .map_err(internal)?;
        counts.entry(SIGNED_CURVE25519.to_owned()).or_insert(0);
        Ok(counts)
    }

    /// The device's one-time key counts (with `signed_curve25519`, 0 when none) and the
    /// algorithms of its unused fallback keys.
    pub async fn key_status(
        &self,
        user_id: &str,
        device_id: &str,
    ) -> Result<(BTreeMap<String, u64>, Vec<String>), MatrixError> {
        let (mut counts, fallback) = self
            .database
            .device_key_status(user_id, device_id)
            .await
            .map_err(internal)?;
        counts.entry(SIGNED_CURVE25519.to_owned()).or_insert(0);
        Ok((counts, fallback))
    }

    /// The keys of the local users of `request` (others are left out), as `viewer` (the
    /// querying user; `None` for another server) sees them: device keys (every device with
    /// keys for an empty list, else the listed ones that have keys; every requested local user
    /// has an entry, empty when they have none), master and self-signing keys, and the
    /// viewer's own user-signing key. Uploaded signatures by the owner, or by the viewer, are
    /// merged in.
    pub async fn local_device_keys(
        &self,
        request: &BTreeMap<String, Vec<String>>,
        viewer: Option<&str>,
    ) -> Result<query_keys::Response, MatrixError> {
        let mut answer = query_keys::Response::default();
        for (user_id, wanted) in request.iter().filter(|(user, _)| self.is_local(user)) {
            let (devices, signatures) = tokio::try_join!(
                self.database.devices_with_keys(user_id),
                self.database.key_signatures(user_id, viewer),
            )
            .map_err(internal)?;
            let entry = answer.device_keys.entry(user_id.clone()).or_default();
            for device in devices {
                if !wanted.is_empty() && !wanted.contains(&device.device_id) {
                    continue;
                }
                if let Some(mut keys) = served_keys(&device) {
                    for signature in signatures
                        .iter()
                        .filter(|s| s.target_key_id == device.device_id)
                    {
                        cross_signing::add_signature(&mut keys, signature);
                    }
                    entry.insert(device.device_id, keys);
                }
            }
            if let Some(mut master) = self.served_cross_signing_key(user_id, MASTER).await? {
                let target = cross_signing::master_public(&master);
                for signature in signatures
                    .iter()
                    .filter(|s| Some(&s.target_key_id) == target.as_ref())
                {
                    cross_signing::add_signature(&mut master, signature);
                }
                answer.master_keys.insert(user_id.clone(), master);
            }
            if let Some(key) = self.served_cross_signing_key(user_id, SELF_SIGNING).await? {
                answer.self_signing_keys.insert(user_id.clone(), key);
            }
            if viewer == Some(user_id.as_str()) {
                if let Some(key) = self.served_cross_signing_key(user_id, USER_SIGNING).await? {
                    answer.user_signing_keys.insert(user_id.clone(), key);
                }
            }
        }
        Ok(answer)
    }

    /// Claims one key per requested local device and algorithm (others are left out): a
    /// one-time key, else the fallback key (spec § "Claiming one-time keys").
    pub async fn claim_local_keys(
        &self,
        request: &PerDevice<String>,
    ) -> Result<PerDevice<Map<String, Value>>, MatrixError> {
        let mut answer = PerDevice::new();
        for (user_id, devices) in request.iter().filter(|(user, _)| self.is_local(user)) {
            for (device_id, algorithm) in devices {
                let claimed = self
                    .database
                    .claim_key(user_id, device_id, algorithm)
                    .await
                    .map_err(internal)?;
                let Some(claimed) = claimed else { continue };
                let key = serde_json::from_str(&claimed.json).unwrap_or(Value::Null);
                answer
                    .entry(user_id.clone())
                    .or_default()
                    .insert(device_id.clone(), Map::from_iter([(claimed.key_name, key)]));
            }
        }
        Ok(answer)
    }

    /// A local user's device list for another server (`GET /user/devices/{userId}`).
    pub async fn user_devices(&self, user_id: &str) -> Result<Value, MatrixError> {
        if !self.is_local(user_id) {
            return Err(MatrixError::invalid_param(
                "User is not hosted on this homeserver",
            ));
        }
        let (devices, stream_id) = tokio::try_join!(
            self.database.devices_with_keys(user_id),
            self.database.device_list_position(user_id),
        )
        .map_err(internal)?;
        let devices: Vec<Value> = devices.iter().map(federation_device).collect();
        Ok(json!({"user_id": user_id, "stream_id": stream_id, "devices": devices}))
    }
}

/// Checks the uploaded `device_keys` belong to the caller's device (spec: "`user_id` and
/// `device_id` … must match"; Synapse answers 400 `M_BAD_JSON`) and returns them as JSON text.
fn checked_device_keys(
    keys: Map<String, Value>,
    user_id: &str,
    device_id: &str,
) -> Result<String, MatrixError> {
    let field = |name: &str| keys.get(name).and_then(Value::as_str);
    if field("user_id") != Some(user_id) || field("device_id") != Some(device_id) {
        return Err(MatrixError::bad_json(
            "Provided `user_id` and `device_id` fields in `device_keys` do not match that of \
             the requesting user",
        ));
    }
    if !keys.get("keys").is_some_and(Value::is_object) {
        return Err(MatrixError::bad_json(
            "`device_keys.keys` must be an object",
        ));
    }
    Ok(Value::Object(keys).to_string())
}

/// `{"algorithm:key_id": key}` split into keys; a name without `:` is 400 `M_INVALID_PARAM`.
fn parse_keys(keys: Option<&Map<String, Value>>) -> Result<Vec<NewKey>, MatrixError> {
    let Some(keys) = keys else {
        return Ok(Vec::new());
    };
    keys.iter()
        .map(|(name, key)| {
            let (algorithm, key_id) = name
                .split_once(':')
                .filter(|(algorithm, key_id)| !algorithm.is_empty() && !key_id.is_empty())
                .ok_or_else(|| {
                    MatrixError::invalid_param(format!(
                        "Key name {name:?} is not of the form algorithm:key_id"
                    ))
                })?;
            Ok(NewKey {
                algorithm: algorithm.to_owned(),
                key_id: key_id.to_owned(),
                json: key.to_string(),
            })
        })
        .collect()
}

/// A device's stored keys as `/keys/query` serves them: with `unsigned.device_display_name`.
fn served_keys(device: &DeviceKeysRow) -> Option<Value> {
    let mut keys: Value = serde_json::from_str(device.key_json.as_deref()?).ok()?;
    if let (Some(name), Some(object)) = (&device.display_name, keys.as_object_mut()) {
        let unsigned = object
            .entry("unsigned")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(unsigned) = unsigned.as_object_mut() {
            unsigned.insert("device_display_name".to_owned(), json!(name));
        }
    }
    Some(keys)
}

/// A device in a `/user/devices` answer: `device_id`, and `keys` and `device_display_name`
/// when known.
fn federation_device(device: &DeviceKeysRow) -> Value {
    let mut entry = json!({ "device_id": device.device_id });
    if let Some(keys) = device
        .key_json
        .as_deref()
        .and_then(|text| serde_json::from_str::<Value>(text).ok())
    {
        entry["keys"] = keys;
    }
    if let Some(name) = &device.display_name {
        entry["device_display_name"] = json!(name);
    }
    entry
}

//! Device list tracking (client-server § "Tracking the device list for a user", server-server
//! § "Device Management"):
//!
//! - a local user's device added (login, registration), renamed or deleted, or device keys
//!   uploaded: [`DeviceKeys::devices_changed`] takes a `device_lists` position per device,
//!   wakes the local users sharing a room, and queues an `m.device_list_update` EDU per device
//!   for every other server sharing a room with the user;
//! - an incoming `m.device_list_update`: [`DeviceKeys::remote_device_list_update`] records the
//!   remote user as changed and wakes the local users sharing a room (no remote keys are
//!   cached, so nothing to invalidate);
//! - `/sync` and `/keys/changes`: [`DeviceKeys::changes`] — `changed`: users sharing a room
//!   whose list changed since the token, the user themself, and users who newly share a room
//!   (they joined one of the user's rooms, or the user joined theirs); `left`: users whose
//!   membership changed since the token and who share no room any more.

use std::collections::{BTreeSet, HashSet};

use client_api::sync::{DeviceLists, Response};
use client_api::{ClientUser, MatrixError};
use serde_json::{json, Value};
use state_res::ids::server_name_of;

use super::{internal, DeviceKeys};
use crate::services::sync::token::StreamToken;
use crate::storage::{StorageError, StreamPosition};

impl DeviceKeys {
    /// Records that these devices of a local user were added, renamed, re-keyed or deleted
    /// (a device that no longer exists counts as deleted, and its keys are dropped), wakes
    /// whom it concerns and tells the other servers. Failures are logged: the change itself
    /// already happened.
    pub async fn devices_changed(&self, user_id: &str, device_ids: &[String]) {
        if let Err(error) = self.try_devices_changed(user_id, device_ids).await {
            tracing::error!(%error, user_id, "recording a device list change");
        }
    }

    async fn try_devices_changed(
        &self,
        user_id: &str,
        device_ids: &[String],
    ) -> Result<(), StorageError> {
        if device_ids.is_empty() {
            return Ok(());
        }
        let devices = self.database.devices_with_keys(user_id).await?;
        let mut edus = Vec::with_capacity(device_ids.len());
        let mut any_deleted = false;
        for device_id in device_ids {
            let change = self.database.record_device_list_change(user_id).await?;
            let device = devices.iter().find(|d| d.device_id == *device_id);
            any_deleted |= device.is_none();
            // Server-server § "Device Management": stream_id, prev_id (the user's previous
            // update, empty for the first), deleted, device_display_name, keys.
            let mut content = json!({
                "user_id": user_id,
                "device_id": device_id,
                "stream_id": change.stream_id,
                "prev_id": change.prev_id.into_iter().collect::<Vec<_>>(),
                "deleted": device.is_none(),
            });
            if let Some(device) = device {
                if let Some(name) = &device.display_name {
                    content["device_display_name"] = json!(name);
                }
                if let Some(keys) = device
                    .key_json
                    .as_deref()
                    .and_then(|text| serde_json::from_str::<Value>(text).ok())
                {
                    content["keys"] = keys;
                }
            }
            edus.push(json!({"edu_type": "m.device_list_update", "content": content}));
        }
        if any_deleted {
            self.database.delete_orphan_keys(user_id).await?;
        }
        let mut users = self.database.users_sharing_rooms(user_id).await?;
        users.push(user_id.to_owned());
        self.notifier.notify_users(&users);
        let Some(sender) = &self.sender else {
            return Ok(());
        };
        let servers = self.database.servers_sharing_rooms(user_id).await?;
        for server in servers.iter().filter(|s| **s != self.server_name) {
            for edu in &edus {
                sender.enqueue_edu(server, edu).await;
            }
        }
        Ok(())
    }

    /// An `m.device_list_update` EDU from `origin`: applied when the user belongs to `origin`
    /// and shares a room with one of our users; ignored otherwise.
    pub async fn remote_device_list_update(
        &self,
        origin: &str,
        content: &Value,
    ) -> Result<(), StorageError> {
        let user_id = content.get("user_id").and_then(Value::as_str);
        let Some(user_id) = user_id.filter(|user| server_name_of(user) == Some(origin)) else {
            tracing::debug!(
                origin,
                ?user_id,
                "m.device_list_update of another server's user"
            );
            return Ok(());
        };
        let sharing = self.database.users_sharing_rooms(user_id).await?;
        let local: Vec<&String> = sharing.iter().filter(|u| self.is_local(u)).collect();
        if local.is_empty() {
            tracing::debug!(
                origin,
                user_id,
                "device list update of a user sharing no room"
            );
            return Ok(());
        }
        self.database.record_device_list_change(user_id).await?;
        self.notifier.notify_users(&local);
        Ok(())
    }

    /// `device_lists` between two tokens for `user_id` (`/sync`, `/keys/changes`): changes
    /// after `since`; with `upto` (a sync's own positions), the streams that did not move past
    /// `since` are not read.
    pub async fn changes(
        &self,
        user_id: &str,
        since: &StreamToken,
        upto: Option<&StreamToken>,
    ) -> Result<DeviceLists, MatrixError> {
        let keys_moved = upto.is_none_or(|upto| upto.device_lists > since.device_lists);
        let events_moved = upto.is_none_or(|upto| upto.events_position() > since.events_position());
        let (keys_changed, members) = tokio::try_join!(
            async {
                match keys_moved {
                    true => {
                        let since = StreamPosition(since.device_lists);
                        self.database
                            .device_lists_changed_since(user_id, since)
                            .await
                    }
                    false => Ok(Vec::new()),
                }
            },
            async {
                match events_moved {
                    true => {
                        let since = since.events_position();
                        self.database.member_changes_since(user_id, since).await
                    }
                    false => Ok(Vec::new()),
                }
            },
        )
        .map_err(internal)?;
        let sharing = match members.is_empty() {
            true => Vec::new(),
            false => self
                .database
                .users_sharing_rooms(user_id)
                .await
                .map_err(internal)?,
        };
        let sharing: HashSet<String> = sharing.into_iter().collect();
        let mut changed: BTreeSet<String> = keys_changed.into_iter().collect();
        let mut left = BTreeSet::new();
        for (member, joined) in members {
            if sharing.contains(&member) {
                if joined {
                    changed.insert(member);
                }
            } else if member != user_id {
                left.insert(member);
            }
        }
        changed.retain(|user| !left.contains(user));
        Ok(DeviceLists {
            changed: changed.into_iter().collect(),
            left: left.into_iter().collect(),
        })
    }
}

impl DeviceKeys {
    /// `/sync`'s `device_lists` (incremental syncs only) and the syncing device's
    /// `device_one_time_keys_count` and `device_unused_fallback_key_types`.
    pub async fn fill_sync(
        &self,
        user: &ClientUser,
        since: Option<StreamToken>,
        now: StreamToken,
        response: &mut Response,
    ) -> Result<(), MatrixError> {
        if let Some(since) = since {
            response.device_lists = self.changes(&user.user_id, &since, Some(&now)).await?;
        }
        if let Some(device_id) = &user.device_id {
            let (counts, fallback) = self.key_status(&user.user_id, device_id).await?;
            response.device_one_time_keys_count = counts;
            response.device_unused_fallback_key_types = fallback;
        }
        Ok(())
    }
}

//! Cross-signing (client-server § "Cross-signing"): the user's master, self-signing and
//! user-signing keys (`/keys/device_signing/upload`) and signatures made with them or with a
//! device key (`/keys/signatures/upload`). Every signature is verified before it is stored;
//! stored signatures are merged into the keys they sign when those are served.

use client_api::end_to_end_encryption::upload_cross_signing_keys;
use client_api::uia as uia_types;
use client_api::{ClientUser, MatrixError, UiaError};
use serde_json::{json, Map, Value};
use state_res::signing::{decode_public_key, verify_json};

use super::{internal, DeviceKeys};
use crate::services::uia::UiaRequest;
use crate::storage::KeySignature;

/// The cross-signing key types, as stored.
pub const MASTER: &str = "master";
/// The self-signing key (signs the user's devices).
pub const SELF_SIGNING: &str = "self_signing";
/// The user-signing key (signs other users' master keys).
pub const USER_SIGNING: &str = "user_signing";

/// A checked cross-signing key: its object, `ed25519:<public>` and the public key.
struct CrossSigningKey {
    object: Map<String, Value>,
    key_id: String,
    public: String,
}

impl CrossSigningKey {
    /// What signatures on it name as their target: the key id without `ed25519:`.
    fn target(&self) -> &str {
        self.key_id.trim_start_matches("ed25519:")
    }
}

impl DeviceKeys {
    /// `POST /keys/device_signing/upload`. Replacing an existing master key needs
    /// user-interactive auth; the first upload does not (spec v1.11, MSC3967).
    pub async fn upload_cross_signing(
        &self,
        user: &ClientUser,
        request: upload_cross_signing_keys::Request,
        operation: String,
    ) -> Result<(), UiaError> {
        let user_id = user.user_id.as_str();
        let existing = self.cross_signing_key(user_id, MASTER).await?;
        if existing.is_some() {
            let uia = self
                .uia
                .as_ref()
                .ok_or_else(|| MatrixError::internal("Internal server error"))?;
            uia.authenticate(UiaRequest {
                operation,
                user_id: Some(user_id),
                flows: vec![vec![uia_types::PASSWORD]],
                auth: request.auth.clone(),
            })
            .await?;
        }
        let master = request
            .master_key
            .map(|key| check_key(key, user_id, MASTER))
            .transpose()?;
        let signer = master
            .as_ref()
            .map(|m| (m.key_id.clone(), m.public.clone()));
        let signer = signer.or_else(|| existing.map(|m| (m.key_id, m.public)));
        let mut keys = Vec::new();
        for (key, usage) in [
            (request.self_signing_key, SELF_SIGNING),
            (request.user_signing_key, USER_SIGNING),
        ] {
            let Some(key) = key else { continue };
            let key = check_key(key, user_id, usage)?;
            let (master_id, master_public) = signer.as_ref().ok_or_else(|| {
                MatrixError::bad_request("M_MISSING_PARAM", "No master key available")
            })?;
            verify(&key.object, user_id, master_id, master_public).map_err(|_| {
                MatrixError::bad_request(
                    "M_INVALID_SIGNATURE",
                    format!("The {usage} key is not signed by the master key"),
                )
            })?;
            keys.push((usage, key));
        }
        if let Some(master) = master {
            keys.insert(0, (MASTER, master));
        }
        if keys.is_empty() {
            return Ok(());
        }
        for (usage, key) in &keys {
            let text = Value::Object(key.object.clone()).to_string();
            self.database
                .store_cross_signing_key(user_id, usage, &text)
                .await
                .map_err(internal)?;
        }
        // Server-server § "Cross-signing": other servers hear of new master and self-signing
        // keys through `m.signing_key_update`.
        let mut content = json!({ "user_id": user_id });
        for (usage, key) in &keys {
            if *usage != USER_SIGNING {
                content[format!("{usage}_key")] = Value::Object(key.object.clone());
            }
        }
        let edu = json!({"edu_type": "m.signing_key_update", "content": content});
        self.keys_changed(user_id, Some(&edu)).await;
        Ok(())
    }

    /// `POST /keys/signatures/upload`: stores the signatures that verify; the others are
    /// `failures[user][key_id] = {errcode, error}`.
    pub async fn upload_signatures(
        &self,
        user: &ClientUser,
        request: Map<String, Value>,
    ) -> Result<Map<String, Value>, MatrixError> {
        let me = user.user_id.as_str();
        let mut failures = Map::new();
        let mut valid = Vec::new();
        for (target, keys) in &request {
            let Some(keys) = keys.as_object() else {
                continue;
            };
            for (key_id, signed) in keys {
                let result = match signed.as_object() {
                    None => Err(MatrixError::bad_json("A signed key must be an object")),
                    Some(signed) if target == me => self.own_signature(me, key_id, signed).await,
                    Some(signed) => self.other_signature(me, target, key_id, signed).await,
                };
                match result {
                    Ok(mut signatures) => valid.append(&mut signatures),
                    Err(error) => {
                        let entry = failures
                            .entry(target.clone())
                            .or_insert_with(|| Value::Object(Map::new()));
                        entry[key_id] = json!({"errcode": error.errcode, "error": error.error});
                    }
                }
            }
        }
        if !valid.is_empty() {
            self.database
                .store_key_signatures(&valid)
                .await
                .map_err(internal)?;
            self.keys_changed(me, None).await;
        }
        Ok(failures)
    }

    /// One of the user's cross-signing keys, checked as uploaded.
    async fn cross_signing_key(
        &self,
        user_id: &str,
        usage: &str,
    ) -> Result<Option<CrossSigningKey>, MatrixError> {
        let text = self
            .database
            .cross_signing_key(user_id, usage)
            .await
            .map_err(internal)?;
        let Some(Value::Object(object)) = text.and_then(|t| serde_json::from_str(&t).ok()) else {
            return Ok(None);
        };
        check_key(object, user_id, usage).map(Some)
    }

    /// A user's cross-signing key of `usage` as stored, for `/keys/query`.
    pub(super) async fn served_cross_signing_key(
        &self,
        user_id: &str,
        usage: &str,
    ) -> Result<Option<Value>, MatrixError> {
        let text = self
            .database
            .cross_signing_key(user_id, usage)
            .await
            .map_err(internal)?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    }

    /// Signatures of `me` on their own master key (by a device) or on a device (by the
    /// self-signing key).
    async fn own_signature(
        &self,
        me: &str,
        key_id: &str,
        signed: &Map<String, Value>,
    ) -> Result<Vec<KeySignature>, MatrixError> {
        let master = self.cross_signing_key(me, MASTER).await?;
        if let Some(master) = master.filter(|m| m.target() == key_id) {
            same_key(signed, &master.object)?;
            let devices = self
                .database
                .devices_with_keys(me)
                .await
                .map_err(internal)?;
            let mut found = Vec::new();
            for (signer_key_id, signature) in signatures_by(signed, me) {
                if signer_key_id == master.key_id {
                    continue;
                }
                let device_id = signer_key_id.strip_prefix("ed25519:").unwrap_or_default();
                let device_key = devices
                    .iter()
                    .find(|d| d.device_id == device_id)
                    .and_then(|d| d.key_json.as_deref())
                    .and_then(|t| serde_json::from_str::<Value>(t).ok())
                    .and_then(|keys| keys["keys"][&signer_key_id].as_str().map(str::to_owned));
                let Some(device_key) = device_key else {
                    continue;
                };
                if verify(signed, me, &signer_key_id, &device_key).is_ok() {
                    found.push(signature_row(me, key_id, me, &signer_key_id, &signature));
                }
            }
            return non_empty(found);
        }
        let devices = self
            .database
            .devices_with_keys(me)
            .await
            .map_err(internal)?;
        let stored = devices
            .iter()
            .find(|d| d.device_id == key_id)
            .and_then(|d| d.key_json.as_deref())
            .and_then(|t| serde_json::from_str::<Value>(t).ok());
        let Some(Value::Object(stored)) = stored else {
            return Err(MatrixError::not_found(format!(
                "Unknown device or key {key_id}"
            )));
        };
        same_key(signed, &stored)?;
        let self_signing = self
            .cross_signing_key(me, SELF_SIGNING)
            .await?
            .ok_or_else(|| MatrixError::not_found("No self-signing key"))?;
        self.signature_by(signed, me, key_id, me, &self_signing)
    }

    /// A signature of `me`'s user-signing key on another local user's master key.
    async fn other_signature(
        &self,
        me: &str,
        target: &str,
        key_id: &str,
        signed: &Map<String, Value>,
    ) -> Result<Vec<KeySignature>, MatrixError> {
        if !self.is_local(target) {
            return Err(MatrixError::bad_request(
                "M_UNRECOGNIZED",
                "Signing other servers' users' keys is not supported yet",
            ));
        }
        let master = self
            .cross_signing_key(target, MASTER)
            .await?
            .filter(|m| m.target() == key_id)
            .ok_or_else(|| MatrixError::not_found(format!("Unknown master key {key_id}")))?;
        same_key(signed, &master.object)?;
        let user_signing = self
            .cross_signing_key(me, USER_SIGNING)
            .await?
            .ok_or_else(|| MatrixError::not_found("No user-signing key"))?;
        self.signature_by(signed, target, key_id, me, &user_signing)
    }

    /// `signer`'s signature with `key` on `signed`, verified.
    fn signature_by(
        &self,
        signed: &Map<String, Value>,
        target: &str,
        key_id: &str,
        signer: &str,
        key: &CrossSigningKey,
    ) -> Result<Vec<KeySignature>, MatrixError> {
        let signature = signatures_by(signed, signer)
            .into_iter()
            .find(|(id, _)| *id == key.key_id)
            .map(|(_, signature)| signature)
            .ok_or_else(|| invalid_signature("Missing signature"))?;
        verify(signed, signer, &key.key_id, &key.public)
            .map_err(|_| invalid_signature("Invalid signature"))?;
        Ok(vec![signature_row(
            target,
            key_id,
            signer,
            &key.key_id,
            &signature,
        )])
    }

    /// The user's keys changed without a device change: a new `device_lists` position, the
    /// local users sharing a room woken, and `edu` (if any) queued for the other servers.
    async fn keys_changed(&self, user_id: &str, edu: Option<&Value>) {
        let result = async {
            self.database.record_device_list_change(user_id).await?;
            let mut users = self.database.users_sharing_rooms(user_id).await?;
            users.push(user_id.to_owned());
            self.notifier.notify_users(&users);
            if let (Some(edu), Some(sender)) = (edu, &self.sender) {
                let servers = self.database.servers_sharing_rooms(user_id).await?;
                for server in servers.iter().filter(|s| **s != self.server_name) {
                    sender.enqueue_edu(server, edu).await;
                }
            }
            Ok::<(), crate::storage::StorageError>(())
        };
        if let Err(error) = result.await {
            tracing::error!(%error, user_id, "recording a cross-signing change");
        }
    }
}

/// Merges stored signatures into a served key object.
pub(super) fn add_signature(object: &mut Value, signature: &KeySignature) {
    let Some(object) = object.as_object_mut() else {
        return;
    };
    let signatures = object
        .entry("signatures")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(signatures) = signatures.as_object_mut() {
        let by_signer = signatures
            .entry(signature.signer_user_id.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(by_signer) = by_signer.as_object_mut() {
            by_signer.insert(signature.signer_key_id.clone(), json!(signature.signature));
        }
    }
}

/// The public key (without `ed25519:`) of a served master key, its signature target id.
pub(super) fn master_public(key: &Value) -> Option<String> {
    let keys = key.get("keys")?.as_object()?;
    let (id, _) = keys.iter().next()?;
    id.strip_prefix("ed25519:").map(str::to_owned)
}

/// Checks an uploaded cross-signing key (Synapse's `_check_cross_signing_key`): the caller's,
/// with `usage`, exactly one ed25519 key.
fn check_key(
    object: Map<String, Value>,
    user_id: &str,
    usage: &str,
) -> Result<CrossSigningKey, MatrixError> {
    let invalid = |why: &str| MatrixError::invalid_param(format!("Invalid {usage} key: {why}"));
    if object.get("user_id").and_then(Value::as_str) != Some(user_id) {
        return Err(invalid("user_id does not match"));
    }
    let usages = object.get("usage").and_then(Value::as_array);
    if !usages.is_some_and(|list| list.iter().any(|u| u == usage)) {
        return Err(invalid("usage does not include it"));
    }
    let keys = object.get("keys").and_then(Value::as_object);
    let Some((key_id, public)) = keys.filter(|k| k.len() == 1).and_then(|k| k.iter().next()) else {
        return Err(invalid("keys must hold exactly one key"));
    };
    let public = public
        .as_str()
        .ok_or_else(|| invalid("the key is not a string"))?;
    if !key_id.starts_with("ed25519:") || decode_public_key(public).is_err() {
        return Err(invalid("not an ed25519 key"));
    }
    Ok(CrossSigningKey {
        key_id: key_id.clone(),
        public: public.to_owned(),
        object,
    })
}

/// Verifies `entity`'s signature with `key_id` and the Base64 `public` key.
fn verify(object: &Map<String, Value>, entity: &str, key_id: &str, public: &str) -> Result<(), ()> {
    let key = decode_public_key(public).map_err(|_| ())?;
    verify_json(object, entity, key_id, &key).map_err(|_| ())
}

/// `signatures[entity]` as (key id, signature) pairs.
fn signatures_by(object: &Map<String, Value>, entity: &str) -> Vec<(String, String)> {
    object
        .get("signatures")
        .and_then(|s| s.get(entity))
        .and_then(Value::as_object)
        .map(|map| {
            map.iter()
                .filter_map(|(id, sig)| Some((id.clone(), sig.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// The signed object must be the stored key (ignoring `signatures` and `unsigned`).
fn same_key(signed: &Map<String, Value>, stored: &Map<String, Value>) -> Result<(), MatrixError> {
    let strip = |object: &Map<String, Value>| {
        let mut object = object.clone();
        object.remove("signatures");
        object.remove("unsigned");
        object
    };
    if strip(signed) == strip(stored) {
        Ok(())
    } else {
        Err(MatrixError::invalid_param(
            "The signed key differs from the stored key",
        ))
    }
}

fn non_empty(found: Vec<KeySignature>) -> Result<Vec<KeySignature>, MatrixError> {
    if found.is_empty() {
        Err(invalid_signature(
            "No valid signature by a device of the user",
        ))
    } else {
        Ok(found)
    }
}

fn invalid_signature(message: &str) -> MatrixError {
    MatrixError::bad_request("M_INVALID_SIGNATURE", message)
}

fn signature_row(
    target: &str,
    key_id: &str,
    signer: &str,
    signer_key_id: &str,
    signature: &str,
) -> KeySignature {
    KeySignature {
        target_user_id: target.to_owned(),
        target_key_id: key_id.to_owned(),
        signer_user_id: signer.to_owned(),
        signer_key_id: signer_key_id.to_owned(),
        signature: signature.to_owned(),
    }
}

//! Signing and verifying JSON objects (spec `appendices.md` § "Signing JSON", "Checking for a
//! Signature"). Only `ed25519` is defined by the spec.

use crate::base64;
use crate::canonical_json::{
    canonical_object, canonical_object_excluding, CanonicalJsonError, Object,
};
/// An ed25519 public key, as [`decode_public_key`] returns it.
pub use ed25519_dalek::VerifyingKey;
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _};
use serde_json::Value;

/// The one signing algorithm the spec defines.
pub const ED25519: &str = "ed25519";

/// Why signing or verification failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigningError {
    #[error(transparent)]
    Json(#[from] CanonicalJsonError),
    #[error("key id {0:?} is not of the form `ed25519:<version>`")]
    BadKeyId(String),
    #[error("invalid public key: {0}")]
    BadPublicKey(String),
    #[error("invalid signature encoding: {0}")]
    BadSignatureEncoding(String),
    #[error("no signature from {entity} with key {key_id}")]
    MissingSignature { entity: String, key_id: String },
    #[error("signature from {entity} with key {key_id} does not verify")]
    InvalidSignature { entity: String, key_id: String },
    #[error("`signatures` is not an object of objects of strings")]
    MalformedSignatures,
}

/// A server's (or user's) ed25519 signing key with its key id, e.g. `ed25519:a_xyz`.
#[derive(Clone)]
pub struct KeyPair {
    key_id: String,
    key: SigningKey,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl KeyPair {
    /// Builds a key pair from a 32-byte seed. `key_id` must be `ed25519:<version>`.
    pub fn from_seed(key_id: &str, seed: [u8; 32]) -> Result<Self, SigningError> {
        check_key_id(key_id)?;
        Ok(Self {
            key_id: key_id.to_owned(),
            key: SigningKey::from_bytes(&seed),
        })
    }

    /// Generates a fresh key from the operating system's random source.
    pub fn generate(
        key_id: &str,
        rng: &mut impl rand_core::CryptoRngCore,
    ) -> Result<Self, SigningError> {
        check_key_id(key_id)?;
        Ok(Self {
            key_id: key_id.to_owned(),
            key: SigningKey::generate(rng),
        })
    }

    /// The key id, e.g. `ed25519:a_xyz`.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The part of the key id after `ed25519:` (Synapse calls it the key "version").
    pub fn version(&self) -> &str {
        self.key_id.split_once(':').map_or("", |(_, v)| v)
    }

    /// The 32-byte seed, for writing the key file.
    pub fn seed(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// The public key in unpadded Base64, as published in `verify_keys`.
    pub fn public_key_base64(&self) -> String {
        base64::encode(self.key.verifying_key().as_bytes())
    }

    /// The public key.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// Signs raw bytes, returning the unpadded Base64 signature.
    pub fn sign_bytes(&self, message: &[u8]) -> String {
        base64::encode(self.key.sign(message).to_bytes())
    }

    /// Signs `object` as `entity` (spec "Signing Details"): the canonical JSON of the object
    /// without `signatures` and `unsigned` is signed and the signature added under
    /// `signatures[entity][key_id]`, keeping any signatures already there.
    pub fn sign_json(&self, entity: &str, object: &mut Object) -> Result<(), SigningError> {
        let signatures = object.remove("signatures");
        let unsigned = object.remove("unsigned");
        let encoded = canonical_object(object);
        let mut signatures = match signatures {
            Some(Value::Object(map)) => map,
            _ => Object::new(),
        };
        if let Some(unsigned) = unsigned {
            object.insert("unsigned".to_owned(), unsigned);
        }
        let signature = self.sign_bytes(encoded?.as_bytes());
        let by_entity = signatures
            .entry(entity.to_owned())
            .or_insert_with(|| Value::Object(Object::new()));
        if !by_entity.is_object() {
            *by_entity = Value::Object(Object::new());
        }
        if let Value::Object(keys) = by_entity {
            keys.insert(self.key_id.clone(), Value::String(signature));
        }
        object.insert("signatures".to_owned(), Value::Object(signatures));
        Ok(())
    }
}

fn check_key_id(key_id: &str) -> Result<(), SigningError> {
    match key_id.split_once(':') {
        Some((ED25519, version))
            if !version.is_empty()
                && version
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_') =>
        {
            Ok(())
        }
        _ => Err(SigningError::BadKeyId(key_id.to_owned())),
    }
}

/// Decodes an unpadded Base64 ed25519 public key.
pub fn decode_public_key(base64_key: &str) -> Result<VerifyingKey, SigningError> {
    let bytes =
        base64::decode(base64_key).map_err(|e| SigningError::BadPublicKey(e.to_string()))?;
    let array: [u8; 32] = bytes
        .try_into()
        .map_err(|_| SigningError::BadPublicKey("not 32 bytes".to_owned()))?;
    VerifyingKey::from_bytes(&array).map_err(|e| SigningError::BadPublicKey(e.to_string()))
}

/// The signature `signatures[entity][key_id]` of `object`, if present.
pub fn signature_of<'a>(object: &'a Object, entity: &str, key_id: &str) -> Option<&'a str> {
    object.get("signatures")?.get(entity)?.get(key_id)?.as_str()
}

/// The ed25519 key ids `entity` signed `object` with (spec "Checking for a Signature", steps 1–2).
pub fn signing_key_ids(object: &Object, entity: &str) -> Result<Vec<String>, SigningError> {
    let Some(signatures) = object.get("signatures") else {
        return Ok(Vec::new());
    };
    let signatures = signatures
        .as_object()
        .ok_or(SigningError::MalformedSignatures)?;
    let Some(by_entity) = signatures.get(entity) else {
        return Ok(Vec::new());
    };
    let by_entity = by_entity
        .as_object()
        .ok_or(SigningError::MalformedSignatures)?;
    Ok(by_entity
        .keys()
        .filter(|id| id.split_once(':').is_some_and(|(alg, _)| alg == ED25519))
        .cloned()
        .collect())
}

/// Verifies `entity`'s signature with `key_id` on `object` (spec "Checking for a Signature",
/// steps 4–7).
pub fn verify_json(
    object: &Object,
    entity: &str,
    key_id: &str,
    key: &VerifyingKey,
) -> Result<(), SigningError> {
    let missing = || SigningError::MissingSignature {
        entity: entity.to_owned(),
        key_id: key_id.to_owned(),
    };
    let encoded_signature = signature_of(object, entity, key_id).ok_or_else(missing)?;
    let message = canonical_object_excluding(object, &["signatures", "unsigned"])?;
    verify_bytes(message.as_bytes(), encoded_signature, entity, key_id, key)
}

/// Verifies an unpadded Base64 signature over raw bytes.
pub fn verify_bytes(
    message: &[u8],
    encoded_signature: &str,
    entity: &str,
    key_id: &str,
    key: &VerifyingKey,
) -> Result<(), SigningError> {
    let bytes = base64::decode(encoded_signature)
        .map_err(|e| SigningError::BadSignatureEncoding(e.to_string()))?;
    let signature = Signature::from_slice(&bytes)
        .map_err(|e| SigningError::BadSignatureEncoding(e.to_string()))?;
    key.verify(message, &signature)
        .map_err(|_| SigningError::InvalidSignature {
            entity: entity.to_owned(),
            key_id: key_id.to_owned(),
        })
}

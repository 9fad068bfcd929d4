//! Cross-signing keys (client-server § "Cross-signing") and the signatures uploaded through
//! `/keys/signatures/upload`, kept apart from the keys they sign and merged when served.

use super::read::Columns;

use super::{Database, StorageError};

/// An uploaded signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeySignature {
    /// Whose key is signed.
    pub target_user_id: String,
    /// The signed key: a device id or a master key's public key.
    pub target_key_id: String,
    /// Who signed.
    pub signer_user_id: String,
    /// With which key (`ed25519:…`).
    pub signer_key_id: String,
    /// The unpadded Base64 signature.
    pub signature: String,
}

impl Database {
    /// Stores (replaces) one of the user's cross-signing keys (`master`, `self_signing`,
    /// `user_signing`).
    pub async fn store_cross_signing_key(
        &self,
        user_id: &str,
        key_type: &str,
        key_json: &str,
    ) -> Result<(), StorageError> {
        self.write_query(
            "INSERT INTO e2e_cross_signing_keys (user_id, key_type, key_json) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, key_type) DO UPDATE SET key_json = excluded.key_json",
        )
        .bind(user_id)
        .bind(key_type)
        .bind(key_json)
        .execute()
        .await?;
        Ok(())
    }

    /// One of the user's cross-signing keys, as JSON text.
    pub async fn cross_signing_key(
        &self,
        user_id: &str,
        key_type: &str,
    ) -> Result<Option<String>, StorageError> {
        self.read_query(
            "SELECT key_json FROM e2e_cross_signing_keys WHERE user_id = $1 AND key_type = $2",
        )
        .bind(user_id)
        .bind(key_type)
        .fetch_scalar()
        .await
    }

    /// Stores signatures (a repeated one replaces the old).
    pub async fn store_key_signatures(
        &self,
        signatures: &[KeySignature],
    ) -> Result<(), StorageError> {
        let mut tx = self.begin_write().await?;
        for signature in signatures {
            tx.query(
                "INSERT INTO e2e_key_signatures (target_user_id, target_key_id, signer_user_id, \
                   signer_key_id, signature) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (target_user_id, target_key_id, signer_user_id, signer_key_id) \
                 DO UPDATE SET signature = excluded.signature",
            )
            .bind(&signature.target_user_id)
            .bind(&signature.target_key_id)
            .bind(&signature.signer_user_id)
            .bind(&signature.signer_key_id)
            .bind(&signature.signature)
            .execute()
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The signatures on `target_user_id`'s keys made by themself or by `viewer`.
    pub async fn key_signatures(
        &self,
        target_user_id: &str,
        viewer: Option<&str>,
    ) -> Result<Vec<KeySignature>, StorageError> {
        let rows = self
            .read_query(
                "SELECT target_key_id, signer_user_id, signer_key_id, signature \
             FROM e2e_key_signatures WHERE target_user_id = $1 \
               AND (signer_user_id = $1 OR signer_user_id = $2)",
            )
            .bind(target_user_id)
            .bind(viewer.unwrap_or(target_user_id))
            .fetch_all()
            .await?;
        rows.iter()
            .map(|row| {
                Ok(KeySignature {
                    target_user_id: target_user_id.to_owned(),
                    target_key_id: row.column("target_key_id")?,
                    signer_user_id: row.column("signer_user_id")?,
                    signer_key_id: row.column("signer_key_id")?,
                    signature: row.column("signature")?,
                })
            })
            .collect()
    }
}

//! Signing keys: the public halves of our own keys (`own_verify_keys`) and the cache of other
//! servers' keys (`remote_server_keys`). Neither table forgets a key when it expires, so events
//! signed with an old key stay verifiable.

use super::read::Columns;

use super::users::found;
use super::{Database, StorageError};

/// One of our verify keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnVerifyKey {
    /// `ed25519:…`.
    pub key_id: String,
    /// The public key, unpadded base64.
    pub public_key: String,
    /// When the key was created, milliseconds since the Unix epoch.
    pub created_ts: i64,
    /// When the key stopped being used for signing, if it has.
    pub expired_ts: Option<i64>,
}

/// A verify key of another server, as fetched from it or from a notary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteServerKey {
    /// The server's name.
    pub server_name: String,
    /// `ed25519:…`.
    pub key_id: String,
    /// The public key, unpadded base64.
    pub public_key: String,
    /// `valid_until_ts` of the key response, milliseconds since the Unix epoch.
    pub valid_until_ts: i64,
    /// When we fetched it.
    pub fetched_ts: i64,
    /// For `old_verify_keys`: when the server stopped using the key.
    pub expired_ts: Option<i64>,
}

impl RemoteServerKey {
    fn from_row(row: &impl Columns) -> Result<Self, StorageError> {
        Ok(RemoteServerKey {
            server_name: row.column("server_name")?,
            key_id: row.column("key_id")?,
            public_key: row.column("public_key")?,
            valid_until_ts: row.column("valid_until_ts")?,
            fetched_ts: row.column("fetched_ts")?,
            expired_ts: row.column("expired_ts")?,
        })
    }
}

const REMOTE_KEY_COLUMNS: &str =
    "server_name, key_id, public_key, valid_until_ts, fetched_ts, expired_ts";

impl Database {
    /// Records one of our verify keys. [`StorageError::Conflict`] if the key id is known.
    pub async fn record_own_verify_key(
        &self,
        key_id: &str,
        public_key: &str,
        created_ts: i64,
    ) -> Result<(), StorageError> {
        self.write_query(
            "INSERT INTO own_verify_keys (key_id, public_key, created_ts) VALUES ($1, $2, $3)",
        )
        .bind(key_id)
        .bind(public_key)
        .bind(created_ts)
        .execute()
        .await?;
        Ok(())
    }

    /// Marks one of our keys as no longer used for signing (it stays listed).
    pub async fn expire_own_verify_key(
        &self,
        key_id: &str,
        expired_ts: i64,
    ) -> Result<(), StorageError> {
        let result = self
            .write_query("UPDATE own_verify_keys SET expired_ts = $1 WHERE key_id = $2")
            .bind(expired_ts)
            .bind(key_id)
            .execute()
            .await?;
        found(result, key_id)
    }

    /// All our verify keys, current and expired, oldest first.
    pub async fn own_verify_keys(&self) -> Result<Vec<OwnVerifyKey>, StorageError> {
        let rows = self
            .read_query(
                "SELECT key_id, public_key, created_ts, expired_ts FROM own_verify_keys \
             ORDER BY created_ts, key_id",
            )
            .fetch_all()
            .await?;
        rows.iter()
            .map(|row| {
                Ok(OwnVerifyKey {
                    key_id: row.column("key_id")?,
                    public_key: row.column("public_key")?,
                    created_ts: row.column("created_ts")?,
                    expired_ts: row.column("expired_ts")?,
                })
            })
            .collect()
    }

    /// Inserts or refreshes a remote key. On refresh the public key and `fetched_ts` are
    /// replaced, `valid_until_ts` never decreases (a stale notary answer cannot shorten it), and
    /// a known `expired_ts` is kept if the new answer has none. Other keys of the server are
    /// untouched: old keys are never dropped.
    pub async fn upsert_remote_server_key(
        &self,
        key: &RemoteServerKey,
    ) -> Result<(), StorageError> {
        let valid_until = self.dialect.greatest(
            "remote_server_keys.valid_until_ts",
            "excluded.valid_until_ts",
        );
        self.write_query(&format!(
            "INSERT INTO remote_server_keys ({REMOTE_KEY_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (server_name, key_id) DO UPDATE SET \
                public_key = excluded.public_key, \
                valid_until_ts = {valid_until}, \
                fetched_ts = excluded.fetched_ts, \
                expired_ts = COALESCE(excluded.expired_ts, remote_server_keys.expired_ts)"
        ))
        .bind(&key.server_name)
        .bind(&key.key_id)
        .bind(&key.public_key)
        .bind(key.valid_until_ts)
        .bind(key.fetched_ts)
        .bind(key.expired_ts)
        .execute()
        .await?;
        Ok(())
    }

    /// Every cached key of a server, current and old, ordered by key id.
    pub async fn remote_server_keys(
        &self,
        server_name: &str,
    ) -> Result<Vec<RemoteServerKey>, StorageError> {
        let rows = self
            .read_query(&format!(
                "SELECT {REMOTE_KEY_COLUMNS} FROM remote_server_keys \
             WHERE server_name = $1 ORDER BY key_id"
            ))
            .bind(server_name)
            .fetch_all()
            .await?;
        rows.iter().map(RemoteServerKey::from_row).collect()
    }

    /// One cached key of a server, if known.
    pub async fn remote_server_key(
        &self,
        server_name: &str,
        key_id: &str,
    ) -> Result<Option<RemoteServerKey>, StorageError> {
        let row = self
            .read_query(&format!(
                "SELECT {REMOTE_KEY_COLUMNS} FROM remote_server_keys \
             WHERE server_name = $1 AND key_id = $2"
            ))
            .bind(server_name)
            .bind(key_id)
            .fetch_optional()
            .await?;
        row.as_ref().map(RemoteServerKey::from_row).transpose()
    }
}

//! The latest signed key response of each remote server (for the notary API).

use super::read::Columns;

use super::{Database, StorageError};

/// A server's key response as it signed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerKeyResponse {
    /// The server.
    pub server_name: String,
    /// The response's `valid_until_ts`.
    pub valid_until_ts: i64,
    /// When we fetched it.
    pub fetched_ts: i64,
    /// The response JSON.
    pub response_json: String,
}

impl Database {
    /// Keeps `response` as the server's latest, unless a stored one is valid for longer.
    pub async fn store_server_key_response(
        &self,
        response: &ServerKeyResponse,
    ) -> Result<(), StorageError> {
        self.write_query(
            "INSERT INTO server_key_responses \
             (server_name, valid_until_ts, fetched_ts, response_json) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (server_name) DO UPDATE SET \
                valid_until_ts = excluded.valid_until_ts, fetched_ts = excluded.fetched_ts, \
                response_json = excluded.response_json \
             WHERE excluded.valid_until_ts >= server_key_responses.valid_until_ts",
        )
        .bind(&response.server_name)
        .bind(response.valid_until_ts)
        .bind(response.fetched_ts)
        .bind(&response.response_json)
        .execute()
        .await?;
        Ok(())
    }

    /// The server's stored key response, if any.
    pub async fn server_key_response(
        &self,
        server_name: &str,
    ) -> Result<Option<ServerKeyResponse>, StorageError> {
        let row = self
            .read_query(
                "SELECT server_name, valid_until_ts, fetched_ts, response_json \
             FROM server_key_responses WHERE server_name = $1",
            )
            .bind(server_name)
            .fetch_optional()
            .await?;
        row.map(|row| {
            Ok(ServerKeyResponse {
                server_name: row.column("server_name")?,
                valid_until_ts: row.column("valid_until_ts")?,
                fetched_ts: row.column("fetched_ts")?,
                response_json: row.column("response_json")?,
            })
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::testing::each_backend;

    fn response(valid_until_ts: i64, json: &str) -> ServerKeyResponse {
        ServerKeyResponse {
            server_name: "remote.example".to_owned(),
            valid_until_ts,
            fetched_ts: 1,
            response_json: json.to_owned(),
        }
    }

    #[tokio::test]
    async fn the_longest_valid_response_is_kept() {
        each_backend(|db| async move {
            assert_eq!(
                db.server_key_response("remote.example").await.unwrap(),
                None
            );
            db.store_server_key_response(&response(100, "{\"a\":1}"))
                .await
                .unwrap();
            db.store_server_key_response(&response(50, "{\"stale\":1}"))
                .await
                .unwrap();
            let stored = db.server_key_response("remote.example").await.unwrap();
            assert_eq!(stored, Some(response(100, "{\"a\":1}")));
            db.store_server_key_response(&response(200, "{\"b\":1}"))
                .await
                .unwrap();
            let stored = db.server_key_response("remote.example").await.unwrap();
            assert_eq!(stored.map(|r| r.valid_until_ts), Some(200));
        })
        .await;
    }
}

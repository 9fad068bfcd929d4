//! Spec server-server § "Retrieving server keys": publishing this server's signing keys.

pub mod get_server_key;
pub mod query_keys;
pub mod query_server_keys;

use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};
use state_res::signing::{KeyPair, SigningError};

/// How long a published key response stays valid: one day, Synapse's default
/// (`key_refresh_interval`). The spec asks for no less than an hour; room versions 5+ cap
/// validity at 7 days anyway. Each request is answered with a fresh `valid_until_ts`.
pub const KEY_RESPONSE_VALIDITY: Duration = Duration::from_secs(24 * 60 * 60);

/// What the key handlers need from the engine.
pub trait ServerKeysPort: Send + Sync + 'static {
    /// Our server name, exactly as configured (port included).
    fn server_name(&self) -> &str;
    /// The key we sign with now.
    fn signing_key(&self) -> &KeyPair;
}

/// What the notary handlers need from the engine.
pub trait NotaryPort: ServerKeysPort {
    /// `server_name`'s key response as that server signed it, valid until at least
    /// `minimum_valid_until_ts` if a fresh one could be fetched, else the latest cached one;
    /// `None` if there is none.
    fn remote_key_response(
        &self,
        server_name: &str,
        minimum_valid_until_ts: u64,
    ) -> impl Future<Output = Option<Value>> + Send;
}

/// The most servers one notary query may name.
pub const MAX_NOTARY_SERVERS: usize = 100;

/// Answers a notary query (spec § "Querying Keys Through Another Server"): for each server,
/// its key response (ours freshly signed; others' as fetched or cached), each also signed by
/// us. Servers with no response are left out.
pub async fn notary_answer<P: NotaryPort>(
    port: &P,
    queries: &[(String, u64)],
) -> Result<Value, crate::MatrixError> {
    if queries.len() > MAX_NOTARY_SERVERS {
        return Err(crate::MatrixError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "M_LIMIT_EXCEEDED",
            format!("At most {MAX_NOTARY_SERVERS} servers per query"),
        ));
    }
    let mut answers = Vec::new();
    for (server, minimum_valid_until_ts) in queries {
        let response = if server == port.server_name() {
            let valid_until_ts = now_plus(KEY_RESPONSE_VALIDITY);
            server_keys_document(server, port.signing_key(), valid_until_ts).ok()
        } else {
            port.remote_key_response(server, *minimum_valid_until_ts)
                .await
        };
        let Some(Value::Object(mut response)) = response else {
            continue;
        };
        if port
            .signing_key()
            .sign_json(port.server_name(), &mut response)
            .is_ok()
        {
            answers.push(Value::Object(response));
        }
    }
    Ok(json!({ "server_keys": answers }))
}

/// Milliseconds since the Unix epoch, `later` from now.
pub fn now_plus(later: Duration) -> u64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    u64::try_from((now + later).as_millis()).unwrap_or(u64::MAX)
}

/// The signed key document: `server_name`, `verify_keys` (our current key), `old_verify_keys`
/// (none yet), `valid_until_ts`, self-signed with `key` as `server_name`.
pub fn server_keys_document(
    server_name: &str,
    key: &KeyPair,
    valid_until_ts: u64,
) -> Result<Value, SigningError> {
    let mut verify_keys = Map::new();
    verify_keys.insert(
        key.key_id().to_owned(),
        json!({ "key": key.public_key_base64() }),
    );
    let mut document = Map::new();
    document.insert("server_name".to_owned(), json!(server_name));
    document.insert("verify_keys".to_owned(), Value::Object(verify_keys));
    document.insert("old_verify_keys".to_owned(), Value::Object(Map::new()));
    document.insert("valid_until_ts".to_owned(), json!(valid_until_ts));
    key.sign_json(server_name, &mut document)?;
    Ok(Value::Object(document))
}

#[cfg(test)]
mod tests {
    use super::*;
    use state_res::signing::verify_json;

    #[test]
    fn the_document_is_self_signed_with_the_published_key() {
        let key = KeyPair::from_seed("ed25519:a_test", [7; 32]);
        let Ok(key) = key else { panic!("key") };
        let document = server_keys_document("example.org:8448", &key, 1_000);
        let Ok(Value::Object(document)) = document else {
            panic!("document")
        };
        let published = document["verify_keys"]["ed25519:a_test"]["key"].as_str();
        assert_eq!(published, Some(key.public_key_base64().as_str()));
        assert_eq!(document["valid_until_ts"], 1_000);
        let verified = verify_json(
            &document,
            "example.org:8448",
            "ed25519:a_test",
            &key.verifying_key(),
        );
        assert_eq!(verified, Ok(()));
    }
}

use std::collections::HashMap;

use serde_json::json;
use state_res::signing::KeyPair;

use super::*;

/// A port knowing some origins' keys.
struct Keys {
    own: KeyPair,
    known: HashMap<(String, String), VerifyingKey>,
}

impl ServerKeysPort for Keys {
    fn server_name(&self) -> &str {
        "destination.example"
    }

    fn signing_key(&self) -> &KeyPair {
        &self.own
    }
}

impl ServerAuthPort for Keys {
    async fn origin_key(&self, origin: &str, key_id: &str) -> Result<VerifyingKey, MatrixError> {
        self.known
            .get(&(origin.to_owned(), key_id.to_owned()))
            .copied()
            .ok_or_else(|| unauthorized("unknown key"))
    }
}

fn key(seed: u8) -> KeyPair {
    KeyPair::from_seed("ed25519:k", [seed; 32]).unwrap_or_else(|e| panic!("{e}"))
}

fn port() -> Keys {
    let origin_key = key(1);
    Keys {
        own: key(9),
        known: HashMap::from([(
            ("origin.example".to_owned(), "ed25519:k".to_owned()),
            origin_key.verifying_key(),
        )]),
    }
}

fn header(destination: &str, uri: &str, content: Option<&Value>) -> String {
    let request = SignedRequest {
        method: "PUT",
        uri,
        origin: "origin.example",
        destination,
        content,
    };
    XMatrix::sign(&key(1), &request)
        .unwrap_or_else(|e| panic!("{e}"))
        .to_header()
}

const URI: &str = "/_matrix/federation/v1/send/1";

#[tokio::test]
async fn a_correctly_signed_request_names_its_origin() {
    let body = json!({"pdus": []});
    let header = header("destination.example", URI, Some(&body));
    let origin = authenticate(&port(), Some(&header), "PUT", URI, Some(&body)).await;
    assert_eq!(origin, Ok(Origin("origin.example".to_owned())));
}

#[tokio::test]
async fn every_failure_is_401_m_unauthorized() {
    let body = json!({"pdus": []});
    let good = header("destination.example", URI, Some(&body));
    let for_elsewhere = header("elsewhere.example", URI, Some(&body));
    let other_body = json!({"pdus": [1]});
    let unknown_key = good.replace("key=\"ed25519:k\"", "key=\"ed25519:other\"");
    let bad_origin = good.replace("origin=\"origin.example\"", "origin=\"bad origin\"");
    let cases: [(Option<&str>, &str, Option<&Value>); 7] = [
        (None, URI, Some(&body)),
        (Some("Bearer token"), URI, Some(&body)),
        (Some(&for_elsewhere), URI, Some(&body)),
        (Some(&good), "/_matrix/federation/v1/send/2", Some(&body)),
        (Some(&good), URI, Some(&other_body)),
        (Some(&unknown_key), URI, Some(&body)),
        (Some(&bad_origin), URI, Some(&body)),
    ];
    for (header, uri, content) in cases {
        let error = authenticate(&port(), header, "PUT", uri, content)
            .await
            .expect_err("refused");
        assert_eq!(
            (error.status, error.errcode),
            (StatusCode::UNAUTHORIZED, "M_UNAUTHORIZED"),
            "{header:?} {uri}"
        );
    }
}

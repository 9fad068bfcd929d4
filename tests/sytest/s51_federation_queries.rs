//! Profile and alias queries across two Concord servers over HTTPS (test CA): a client of one
//! server reads a user's profile and resolves an alias hosted on the other, through
//! X-Matrix-signed `/query/profile` and `/query/directory`; unsigned or forged requests are 401.

use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::rooms::{call, create_room, encode};
use crate::harness::{client, federating, register};

#[tokio::test]
async fn profiles_and_aliases_of_another_server_are_queried_over_federation() {
    let home = federating().await;
    let remote = federating().await;
    let carol = register(&home, "carol", "secret-carol").await;
    let alice = register(&remote, "alice", "secret-alice").await;
    let alice_id = format!("@alice:{}", remote.server_name);
    let path = format!(
        "/_matrix/client/v3/profile/{}/displayname",
        encode(&alice_id)
    );
    let (status, body) = call(
        &remote,
        &alice,
        Method::PUT,
        &path,
        Some(&json!({"displayname": "Alice Ü"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let room_id = create_room(&remote, &alice, json!({"room_alias_name": "lobby"})).await;

    let path = format!("/_matrix/client/v3/profile/{}", encode(&alice_id));
    let (status, profile) = call(&home, &carol, Method::GET, &path, None).await;
    assert_eq!(status, 200, "{profile}");
    assert_eq!(profile["displayname"], "Alice Ü", "{profile}");

    let alias = format!("#lobby:{}", remote.server_name);
    let path = format!("/_matrix/client/v3/directory/room/{}", encode(&alias));
    let (status, resolved) = call(&home, &carol, Method::GET, &path, None).await;
    assert_eq!(status, 200, "{resolved}");
    assert_eq!(resolved["room_id"], json!(room_id));
    assert_eq!(resolved["servers"], json!([remote.server_name]));

    // Unknown remote user and alias: the remote's 404 comes through.
    let nobody = format!("@nobody:{}", remote.server_name);
    let path = format!("/_matrix/client/v3/profile/{}", encode(&nobody));
    let (status, body) = call(&home, &carol, Method::GET, &path, None).await;
    assert_eq!(
        (status, &body["errcode"]),
        (404, &json!("M_NOT_FOUND")),
        "{body}"
    );
    let missing = format!("#missing:{}", remote.server_name);
    let path = format!("/_matrix/client/v3/directory/room/{}", encode(&missing));
    let (status, body) = call(&home, &carol, Method::GET, &path, None).await;
    assert_eq!(
        (status, &body["errcode"]),
        (404, &json!("M_NOT_FOUND")),
        "{body}"
    );
}

#[tokio::test]
async fn unsigned_and_forged_federation_requests_are_unauthorized() {
    let remote = federating().await;
    register(&remote, "alice", "secret-alice").await;
    let url = remote.url(&format!(
        "/_matrix/federation/v1/query/profile?user_id={}",
        encode(&format!("@alice:{}", remote.server_name))
    ));
    let headers = [
        None,
        Some("Bearer abc".to_owned()),
        Some(format!(
            "X-Matrix origin=\"127.0.0.1:1\",destination=\"{}\",key=\"ed25519:x\",sig=\"abc\"",
            remote.server_name
        )),
        Some(
            "X-Matrix origin=\"127.0.0.1:1\",destination=\"elsewhere\",key=\"ed25519:x\",sig=\"abc\""
                .to_owned(),
        ),
    ];
    for header in headers {
        let mut request = client().get(&url);
        if let Some(header) = &header {
            request = request.header("Authorization", header);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert_eq!(
            (status, &body["errcode"]),
            (401, &json!("M_UNAUTHORIZED")),
            "{header:?}: {body}"
        );
    }
}

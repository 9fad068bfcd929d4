//! The UIA service on a real database (both backends).

use std::sync::Arc;

use client_api::uia::{self as types, AuthData};
use client_api::UiaError;
use serde_json::{json, Value};

use super::{Uia, UiaRequest};
use crate::password::hash_password;
use crate::services::credentials::Credentials;
use crate::storage::testing::each_backend;
use crate::storage::{Database, NewUser};

const ALICE: &str = "@alice:example.org";

async fn uia(db: &Database) -> Uia {
    let hash = hash_password("pw").unwrap_or_default();
    db.create_user(&NewUser {
        user_id: ALICE,
        password_hash: Some(&hash),
        is_admin: false,
        creation_ts: 0,
    })
    .await
    .expect("user");
    let credentials = Arc::new(Credentials::new(db.clone(), "example.org".to_owned()));
    Uia::new(db.clone(), credentials, vec!["tok".to_owned()])
}

fn request(
    operation: &str,
    flows: Vec<Vec<&'static str>>,
    auth: Option<Value>,
) -> UiaRequest<'static> {
    UiaRequest {
        operation: operation.to_owned(),
        user_id: Some(ALICE),
        flows,
        auth: auth.map(|auth| serde_json::from_value::<AuthData>(auth).expect("auth dict")),
    }
}

/// The challenge of a 401, or a panic.
fn challenge(result: Result<(), UiaError>) -> Value {
    match result {
        Err(UiaError::Challenge(challenge)) => serde_json::to_value(*challenge).expect("JSON"),
        other => panic!("expected a challenge, got {other:?}"),
    }
}

fn error(result: Result<(), UiaError>) -> (u16, &'static str) {
    match result {
        Err(UiaError::Error(error)) => (error.status.as_u16(), error.errcode),
        other => panic!("expected an error, got {other:?}"),
    }
}

#[tokio::test]
async fn uia_walks_a_two_stage_flow_in_order_and_spends_the_session() {
    each_backend(|db| async move {
        let uia = uia(&db).await;
        let flows = || vec![vec![types::REGISTRATION_TOKEN, types::PASSWORD], vec![types::DUMMY]];
        let first = challenge(uia.authenticate(request("op", flows(), None)).await);
        let session = first["session"].as_str().expect("session").to_owned();
        assert!(first.get("completed").is_none());
        let password = json!({"type": "m.login.password", "session": session, "user": "alice", "password": "pw"});
        let out_of_order = challenge(uia.authenticate(request("op", flows(), Some(password.clone()))).await);
        assert_eq!(out_of_order["errcode"], "M_FORBIDDEN");
        let token = json!({"type": "m.login.registration_token", "session": session, "token": "tok"});
        let after_token = challenge(uia.authenticate(request("op", flows(), Some(token.clone()))).await);
        assert_eq!(after_token["completed"], json!(["m.login.registration_token"]));
        assert!(after_token.get("errcode").is_none());
        // Retrying a completed stage is answered with the same progress.
        let retried = challenge(uia.authenticate(request("op", flows(), Some(token))).await);
        assert_eq!(retried["completed"], json!(["m.login.registration_token"]));
        let wrong = json!({"type": "m.login.password", "session": session, "user": "alice", "password": "no"});
        let failed = challenge(uia.authenticate(request("op", flows(), Some(wrong))).await);
        assert_eq!((failed["errcode"].as_str(), failed["session"].as_str()), (Some("M_FORBIDDEN"), Some(session.as_str())));
        assert!(uia.authenticate(request("op", flows(), Some(password.clone()))).await.is_ok());
        // Spent: the same session is now unknown.
        assert_eq!(error(uia.authenticate(request("op", flows(), Some(password))).await), (400, "M_UNKNOWN"));
    })
    .await;
}

#[tokio::test]
async fn uia_sessions_are_bound_to_their_operation_and_user() {
    each_backend(|db| async move {
        let uia = uia(&db).await;
        let flows = || vec![vec![types::DUMMY]];
        let first = challenge(uia.authenticate(request("op-a", flows(), None)).await);
        let auth = json!({"type": "m.login.dummy", "session": first["session"]});
        assert_eq!(
            error(
                uia.authenticate(request("op-b", flows(), Some(auth.clone())))
                    .await
            ),
            (403, "M_FORBIDDEN")
        );
        let as_bob = UiaRequest {
            user_id: Some("@bob:example.org"),
            ..request("op-a", flows(), Some(auth.clone()))
        };
        assert_eq!(error(uia.authenticate(as_bob).await), (403, "M_FORBIDDEN"));
        assert!(uia
            .authenticate(request("op-a", flows(), Some(auth)))
            .await
            .is_ok());
        // Without a session id, an attempt opens and completes a session at once.
        let direct = json!({"type": "m.login.dummy"});
        assert!(uia
            .authenticate(request("op-c", flows(), Some(direct)))
            .await
            .is_ok());
        let third_party = json!({
            "type": "m.login.password",
            "password": "pw",
            "identifier": {"type": "m.id.thirdparty", "medium": "email", "address": "a@b.c"},
        });
        let password_flow = || vec![vec![types::PASSWORD]];
        assert_eq!(
            error(
                uia.authenticate(request("op-d", password_flow(), Some(third_party)))
                    .await
            ),
            (403, "M_FORBIDDEN")
        );
        let unknown = json!({"type": "m.login.unknown"});
        let failed = challenge(
            uia.authenticate(request(
                "op-c",
                vec![vec!["m.login.unknown"]],
                Some(unknown),
            ))
            .await,
        );
        assert_eq!(failed["errcode"], "M_UNRECOGNIZED");
    })
    .await;
}

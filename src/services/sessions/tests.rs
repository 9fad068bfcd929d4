//! Token handling on a real database (both backends).

use std::sync::Arc;

use super::{SessionRequest, Sessions};
use crate::services::credentials::Credentials;
use crate::storage::testing::each_backend;
use crate::storage::{Database, NewUser, TokenHash};

const ALICE: &str = "@alice:example.org";

async fn sessions(db: &Database, lifetime_ms: u64) -> Sessions {
    db.create_user(&NewUser {
        user_id: ALICE,
        password_hash: None,
        is_admin: false,
        creation_ts: 0,
    })
    .await
    .expect("user");
    let credentials = Arc::new(Credentials::new(db.clone(), "example.org".to_owned()));
    Sessions::new(db.clone(), credentials, None, lifetime_ms)
}

fn request(refreshable: bool) -> SessionRequest {
    SessionRequest {
        user_id: ALICE.to_owned(),
        device_id: None,
        initial_device_display_name: Some("x".repeat(300)),
        refreshable,
    }
}

#[tokio::test]
async fn issued_tokens_are_stored_hashed_and_authenticate_their_device() {
    each_backend(|db| async move {
        let sessions = sessions(&db, 60_000).await;
        let issued = sessions.issue(request(false)).await.expect("issue");
        assert_eq!(issued.expires_in_ms, None);
        let stored = db
            .find_access_token(&TokenHash::of(&issued.access_token))
            .await
            .expect("find")
            .expect("stored by hash");
        assert_eq!(stored.expires_ts, None);
        let user = sessions
            .authenticate(&issued.access_token, None)
            .await
            .expect("valid");
        assert_eq!(
            (user.user_id.as_str(), user.device_id.as_deref()),
            (ALICE, Some(issued.device_id.as_str()))
        );
        let device = db
            .get_device(ALICE, &issued.device_id)
            .await
            .expect("get")
            .expect("device");
        assert_eq!(
            device.display_name.map(|n| n.chars().count()),
            Some(100),
            "long names are cut"
        );
        assert!(device.last_seen_ts.is_some(), "the first use is recorded");
        let unknown = sessions
            .authenticate("cat_unknown", None)
            .await
            .expect_err("unknown");
        assert_eq!(
            (unknown.errcode, unknown.extra.get("soft_logout")),
            ("M_UNKNOWN_TOKEN", Some(&false.into()))
        );
    })
    .await;
}

#[tokio::test]
async fn an_expired_refreshable_token_is_a_soft_logout() {
    each_backend(|db| async move {
        let sessions = sessions(&db, 1).await;
        let issued = sessions.issue(request(true)).await.expect("issue");
        assert_eq!(issued.expires_in_ms, Some(1));
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let expired = sessions
            .authenticate(&issued.access_token, None)
            .await
            .expect_err("expired");
        assert_eq!(
            (expired.errcode, expired.extra.get("soft_logout")),
            ("M_UNKNOWN_TOKEN", Some(&true.into()))
        );
        let refresh_token = issued.refresh_token.expect("refresh token");
        let refreshed = sessions.refresh(&refresh_token).await.expect("refresh");
        assert_ne!(refreshed.access_token, issued.access_token);
        assert!(sessions.refresh("crt_unknown").await.is_err());
    })
    .await;
}

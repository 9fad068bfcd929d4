use crate::storage::testing::each_backend;
use crate::storage::{Database, NewSession, NewUser, Refresh, TokenHash, UiaSession};

const ALICE: &str = "@alice:example.org";

async fn alice(db: &Database) {
    db.create_user(&NewUser {
        user_id: ALICE,
        password_hash: None,
        is_admin: false,
        creation_ts: 1,
    })
    .await
    .expect("create user");
}

async fn login(db: &Database, device: &str, access: &TokenHash, refresh: Option<&TokenHash>) {
    db.create_session(&NewSession {
        user_id: ALICE,
        device_id: device,
        initial_device_display_name: Some("Phone"),
        access_token_hash: access,
        access_token_expires_ts: refresh.map(|_| 500),
        refresh_token_hash: refresh,
        created_ts: 2,
    })
    .await
    .expect("create session");
}

#[tokio::test]
async fn storage_sessions_create_the_device_once_and_bind_tokens_to_it() {
    each_backend(|db| async move {
        alice(&db).await;
        let (a1, a2) = (TokenHash::of("a1"), TokenHash::of("a2"));
        login(&db, "D", &a1, None).await;
        db.set_device_display_name(ALICE, "D", Some("Renamed"))
            .await
            .expect("rename");
        login(&db, "D", &a2, None).await;
        let devices = db.list_devices(ALICE).await.expect("list");
        assert_eq!(devices.len(), 1);
        assert_eq!(devices[0].display_name.as_deref(), Some("Renamed"));
        for hash in [&a1, &a2] {
            let token = db
                .find_access_token(hash)
                .await
                .expect("find")
                .expect("token");
            assert_eq!(token.device_id.as_deref(), Some("D"));
        }
        db.delete_devices(ALICE, &["D".to_owned(), "NOPE".to_owned()])
            .await
            .expect("delete");
        assert_eq!(db.find_access_token(&a1).await.expect("find"), None);
        assert!(db.list_devices(ALICE).await.expect("list").is_empty());
    })
    .await;
}

#[tokio::test]
async fn storage_refresh_rotates_and_retires_the_old_pair_on_first_use() {
    each_backend(|db| async move {
        alice(&db).await;
        let (a0, r0) = (TokenHash::of("a0"), TokenHash::of("r0"));
        login(&db, "D", &a0, Some(&r0)).await;
        let (a1, r1) = (TokenHash::of("a1"), TokenHash::of("r1"));
        let refresh = |old, access, new| Refresh {
            old_refresh_token_hash: old,
            refresh_token_hash: new,
            access_token_hash: access,
            access_token_expires_ts: Some(900),
            created_ts: 3,
        };
        let old = db
            .refresh_session(&refresh(&r0, &a1, &r1))
            .await
            .expect("refresh");
        assert_eq!(old.map(|t| t.device_id), Some("D".to_owned()));
        // The client did not get the answer and refreshes again with r0: a1/r1 are replaced.
        let (a2, r2) = (TokenHash::of("a2"), TokenHash::of("r2"));
        assert!(db
            .refresh_session(&refresh(&r0, &a2, &r2))
            .await
            .expect("again")
            .is_some());
        assert_eq!(db.find_access_token(&a1).await.expect("find"), None);
        assert_eq!(db.find_refresh_token(&r1).await.expect("find"), None);
        // r0 and a0 stay until a2 is used.
        assert!(db.find_refresh_token(&r0).await.expect("find").is_some());
        let new = db.find_access_token(&a2).await.expect("find").expect("a2");
        assert!(new.retire_previous);
        assert_eq!(new.refresh_token_hash.as_ref(), Some(&r2));
        db.retire_previous_refresh_token(&a2, &r2)
            .await
            .expect("retire");
        assert_eq!(db.find_refresh_token(&r0).await.expect("find"), None);
        assert_eq!(db.find_access_token(&a0).await.expect("find"), None);
        let new = db.find_access_token(&a2).await.expect("find").expect("a2");
        assert!(!new.retire_previous);
        // Unknown tokens refresh nothing.
        let (a3, r3) = (TokenHash::of("a3"), TokenHash::of("r3"));
        assert_eq!(
            db.refresh_session(&refresh(&r0, &a3, &r3))
                .await
                .expect("r0"),
            None
        );
        assert_eq!(db.find_access_token(&a3).await.expect("find"), None);
    })
    .await;
}

#[tokio::test]
async fn storage_logging_out_other_sessions_keeps_the_current_one() {
    each_backend(|db| async move {
        alice(&db).await;
        let tokens: Vec<TokenHash> = (0..3).map(|i| TokenHash::of(&format!("t{i}"))).collect();
        let refresh: Vec<TokenHash> = (0..3).map(|i| TokenHash::of(&format!("r{i}"))).collect();
        for (i, (access, refresh)) in tokens.iter().zip(&refresh).enumerate() {
            login(&db, &format!("D{i}"), access, Some(refresh)).await;
        }
        db.delete_other_sessions(ALICE, Some("D0"), Some(&tokens[0]))
            .await
            .expect("logout others");
        let devices = db.list_devices(ALICE).await.expect("list");
        assert_eq!(
            devices
                .iter()
                .map(|d| d.device_id.as_str())
                .collect::<Vec<_>>(),
            ["D0"]
        );
        assert!(db
            .find_access_token(&tokens[0])
            .await
            .expect("find")
            .is_some());
        assert!(db
            .find_refresh_token(&refresh[0])
            .await
            .expect("find")
            .is_some());
        assert_eq!(db.find_access_token(&tokens[1]).await.expect("find"), None);
        assert_eq!(
            db.find_refresh_token(&refresh[2]).await.expect("find"),
            None
        );
        db.delete_other_sessions(ALICE, None, None)
            .await
            .expect("logout all");
        assert!(db.list_devices(ALICE).await.expect("list").is_empty());
        assert_eq!(db.find_access_token(&tokens[0]).await.expect("find"), None);
        assert_eq!(
            db.find_refresh_token(&refresh[0]).await.expect("find"),
            None
        );
    })
    .await;
}

#[tokio::test]
async fn storage_uia_sessions_round_trip_and_expire() {
    each_backend(|db| async move {
        let session = UiaSession {
            session_id: "abc".to_owned(),
            operation: "POST /account/password".to_owned(),
            user_id: Some(ALICE.to_owned()),
            completed: Vec::new(),
            created_ts: 100,
        };
        db.create_uia_session(&session).await.expect("create");
        assert_eq!(
            db.get_uia_session("abc").await.expect("get"),
            Some(session.clone())
        );
        db.set_uia_completed("abc", &["m.login.password".to_owned()])
            .await
            .expect("complete");
        let stored = db
            .get_uia_session("abc")
            .await
            .expect("get")
            .expect("session");
        assert_eq!(stored.completed, ["m.login.password"]);
        assert!(db.set_uia_completed("nope", &[]).await.is_err());
        assert_eq!(
            db.delete_expired_uia_sessions(100).await.expect("expire"),
            0
        );
        assert_eq!(
            db.delete_expired_uia_sessions(101).await.expect("expire"),
            1
        );
        assert_eq!(db.get_uia_session("abc").await.expect("get"), None);
        db.create_uia_session(&session).await.expect("create");
        assert!(db.delete_uia_session("abc").await.expect("delete"));
        assert!(!db.delete_uia_session("abc").await.expect("delete again"));
    })
    .await;
}

use crate::storage::testing::each_backend;
use crate::storage::{Database, NewAccessToken, NewUser, StorageError, TokenHash};

const ALICE: &str = "@alice:example.org";
const BOB: &str = "@bob:example.org";

async fn create(db: &Database, user_id: &str) {
    db.create_user(&NewUser {
        user_id,
        password_hash: Some("$argon2id$hash"),
        is_admin: false,
        creation_ts: 1_700_000_000_000,
    })
    .await
    .expect("create user");
}

fn token<'a>(hash: &'a TokenHash, user_id: &'a str, device: Option<&'a str>) -> NewAccessToken<'a> {
    NewAccessToken {
        token_hash: hash,
        user_id,
        device_id: device,
        created_ts: 10,
        expires_ts: None,
        refresh_token_hash: None,
        retire_previous: false,
    }
}

#[tokio::test]
async fn storage_users_create_get_update_and_conflict() {
    each_backend(|db| async move {
        assert_eq!(db.get_user(ALICE).await.expect("get"), None);
        create(&db, ALICE).await;
        let alice = db.get_user(ALICE).await.expect("get").expect("alice");
        assert_eq!(alice.password_hash.as_deref(), Some("$argon2id$hash"));
        assert!(!alice.is_admin && !alice.deactivated);
        assert_eq!(alice.creation_ts, 1_700_000_000_000);

        let duplicate = db
            .create_user(&NewUser {
                user_id: ALICE,
                password_hash: None,
                is_admin: true,
                creation_ts: 0,
            })
            .await;
        assert!(
            matches!(duplicate, Err(StorageError::Conflict(_))),
            "{duplicate:?}"
        );

        db.set_password_hash(ALICE, Some("new"))
            .await
            .expect("set hash");
        db.set_admin(ALICE, true).await.expect("set admin");
        let alice = db.get_user(ALICE).await.expect("get").expect("alice");
        assert_eq!(alice.password_hash.as_deref(), Some("new"));
        assert!(alice.is_admin);

        let missing = db.set_password_hash(BOB, None).await;
        assert!(
            matches!(missing, Err(StorageError::NotFound(_))),
            "{missing:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn storage_devices_crud_and_conflict() {
    each_backend(|db| async move {
        create(&db, ALICE).await;
        db.create_device(ALICE, "PHONE", Some("Phone"), 5)
            .await
            .expect("create");
        db.create_device(ALICE, "LAPTOP", None, 6)
            .await
            .expect("create");
        let duplicate = db.create_device(ALICE, "PHONE", None, 7).await;
        assert!(
            matches!(duplicate, Err(StorageError::Conflict(_))),
            "{duplicate:?}"
        );
        let unknown_user = db.create_device(BOB, "PHONE", None, 7).await;
        assert!(unknown_user.is_err(), "devices need an existing user");

        let ids: Vec<String> = db
            .list_devices(ALICE)
            .await
            .expect("list")
            .into_iter()
            .map(|d| d.device_id)
            .collect();
        assert_eq!(ids, ["LAPTOP", "PHONE"]);

        db.set_device_display_name(ALICE, "LAPTOP", Some("Work"))
            .await
            .expect("rename");
        db.touch_device(ALICE, "LAPTOP", 99, Some("192.0.2.1"))
            .await
            .expect("touch");
        let laptop = db
            .get_device(ALICE, "LAPTOP")
            .await
            .expect("get")
            .expect("laptop");
        assert_eq!(laptop.display_name.as_deref(), Some("Work"));
        assert_eq!(laptop.last_seen_ts, Some(99));
        assert_eq!(laptop.last_seen_ip.as_deref(), Some("192.0.2.1"));
        assert_eq!(laptop.created_ts, 6);

        let hash = TokenHash::of("syt_phone_token");
        db.add_access_token(&token(&hash, ALICE, Some("PHONE")))
            .await
            .expect("token");
        db.delete_device(ALICE, "PHONE").await.expect("delete");
        assert_eq!(db.get_device(ALICE, "PHONE").await.expect("get"), None);
        assert_eq!(
            db.find_access_token(&hash).await.expect("find"),
            None,
            "token went too"
        );
        let again = db.delete_device(ALICE, "PHONE").await;
        assert!(matches!(again, Err(StorageError::NotFound(_))), "{again:?}");
    })
    .await;
}

#[test]
fn storage_token_hash_is_hex_sha256() {
    assert_eq!(
        TokenHash::of("abc").as_str(),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert!(!format!("{:?}", TokenHash::of("abc")).contains("b00361a3"));
}

#[tokio::test]
async fn storage_access_tokens_are_stored_hashed() {
    each_backend(|db| async move {
        create(&db, ALICE).await;
        db.create_device(ALICE, "D1", None, 1)
            .await
            .expect("device");
        let raw = "syt_YWxpY2U_secretsecret_123";
        let hash = TokenHash::of(raw);
        db.add_access_token(&NewAccessToken {
            expires_ts: Some(1_000),
            ..token(&hash, ALICE, Some("D1"))
        })
        .await
        .expect("add");
        let duplicate = db.add_access_token(&token(&hash, ALICE, None)).await;
        assert!(
            matches!(duplicate, Err(StorageError::Conflict(_))),
            "{duplicate:?}"
        );

        let found = db
            .find_access_token(&hash)
            .await
            .expect("find")
            .expect("token");
        assert_eq!(found.user_id, ALICE);
        assert_eq!(found.device_id.as_deref(), Some("D1"));
        assert!(found.is_valid_at(999) && !found.is_valid_at(1_000));

        let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM access_tokens")
            .fetch_all(&db.read)
            .await
            .expect("raw rows");
        assert_eq!(stored, [hash.as_str().to_owned()]);
        assert!(stored.iter().all(|h| h.len() == 64 && !h.contains(raw)));

        assert!(db.delete_access_token(&hash).await.expect("delete"));
        assert!(!db.delete_access_token(&hash).await.expect("delete again"));
        assert_eq!(db.find_access_token(&hash).await.expect("find"), None);
    })
    .await;
}

#[tokio::test]
async fn storage_logout_all_and_deactivation() {
    each_backend(|db| async move {
        create(&db, ALICE).await;
        create(&db, BOB).await;
        db.create_device(ALICE, "D1", None, 1)
            .await
            .expect("device");
        let hashes: Vec<TokenHash> = (0..3).map(|i| TokenHash::of(&format!("t{i}"))).collect();
        for hash in &hashes {
            db.add_access_token(&token(hash, ALICE, Some("D1")))
                .await
                .expect("add");
        }
        let bob_hash = TokenHash::of("bob");
        db.add_access_token(&token(&bob_hash, BOB, None))
            .await
            .expect("add");

        let deleted = db
            .delete_access_tokens_for_user(ALICE, Some(&hashes[0]))
            .await
            .expect("logout others");
        assert_eq!(deleted, 2);
        assert!(db
            .find_access_token(&hashes[0])
            .await
            .expect("find")
            .is_some());

        db.deactivate_user(ALICE).await.expect("deactivate");
        let alice = db.get_user(ALICE).await.expect("get").expect("alice stays");
        assert!(alice.deactivated);
        assert_eq!(alice.password_hash, None);
        assert!(db.list_devices(ALICE).await.expect("list").is_empty());
        assert_eq!(db.find_access_token(&hashes[0]).await.expect("find"), None);
        assert!(db
            .find_access_token(&bob_hash)
            .await
            .expect("find")
            .is_some());
        let taken = db
            .create_user(&NewUser {
                user_id: ALICE,
                password_hash: None,
                is_admin: false,
                creation_ts: 0,
            })
            .await;
        assert!(matches!(taken, Err(StorageError::Conflict(_))));
    })
    .await;
}

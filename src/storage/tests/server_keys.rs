use crate::storage::testing::each_backend;
use crate::storage::{RemoteServerKey, StorageError};

fn remote(key_id: &str, public_key: &str, valid_until_ts: i64, fetched_ts: i64) -> RemoteServerKey {
    RemoteServerKey {
        server_name: "remote.example".to_owned(),
        key_id: key_id.to_owned(),
        public_key: public_key.to_owned(),
        valid_until_ts,
        fetched_ts,
        expired_ts: None,
    }
}

#[tokio::test]
async fn storage_own_verify_keys_stay_after_expiry() {
    each_backend(|db| async move {
        db.record_own_verify_key("ed25519:a", "AAAA", 100)
            .await
            .expect("record");
        let duplicate = db.record_own_verify_key("ed25519:a", "BBBB", 101).await;
        assert!(
            matches!(duplicate, Err(StorageError::Conflict(_))),
            "{duplicate:?}"
        );
        db.expire_own_verify_key("ed25519:a", 500)
            .await
            .expect("expire");
        db.record_own_verify_key("ed25519:b", "CCCC", 500)
            .await
            .expect("record");
        let keys = db.own_verify_keys().await.expect("keys");
        assert_eq!(keys.len(), 2);
        assert_eq!(
            (keys[0].key_id.as_str(), keys[0].expired_ts),
            ("ed25519:a", Some(500))
        );
        assert_eq!(
            (keys[1].key_id.as_str(), keys[1].expired_ts),
            ("ed25519:b", None)
        );
        assert_eq!(keys[1].public_key, "CCCC");
        let missing = db.expire_own_verify_key("ed25519:zzz", 1).await;
        assert!(matches!(missing, Err(StorageError::NotFound(_))));
    })
    .await;
}

#[tokio::test]
async fn storage_remote_keys_upsert_and_keep_old_keys() {
    each_backend(|db| async move {
        db.upsert_remote_server_key(&remote("ed25519:old", "OLD", 1_000, 10))
            .await
            .expect("insert");
        // The server rotates: a new key, and the old one listed in old_verify_keys.
        db.upsert_remote_server_key(&remote("ed25519:new", "NEW", 5_000, 20))
            .await
            .expect("insert");
        db.upsert_remote_server_key(&RemoteServerKey {
            expired_ts: Some(900),
            ..remote("ed25519:old", "OLD", 1_000, 20)
        })
        .await
        .expect("mark old");
        // A stale answer does not shorten validity or forget the expiry.
        db.upsert_remote_server_key(&remote("ed25519:new", "NEW", 4_000, 30))
            .await
            .expect("refresh");
        db.upsert_remote_server_key(&remote("ed25519:old", "OLD", 1_000, 40))
            .await
            .expect("refresh");
        let mut other = remote("ed25519:new", "OTHER", 1, 1);
        other.server_name = "other.example".to_owned();
        db.upsert_remote_server_key(&other)
            .await
            .expect("other server");

        let keys = db.remote_server_keys("remote.example").await.expect("keys");
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[0].key_id, "ed25519:new");
        assert_eq!(keys[0].valid_until_ts, 5_000);
        assert_eq!(keys[0].fetched_ts, 30);
        assert_eq!(keys[0].expired_ts, None);
        assert_eq!(keys[1].key_id, "ed25519:old");
        assert_eq!(keys[1].expired_ts, Some(900));
        assert_eq!(keys[1].fetched_ts, 40);

        let one = db
            .remote_server_key("other.example", "ed25519:new")
            .await
            .expect("one")
            .expect("stored");
        assert_eq!(one.public_key, "OTHER");
        assert_eq!(
            db.remote_server_key("other.example", "ed25519:x")
                .await
                .expect("one"),
            None
        );
    })
    .await;
}

use crate::storage::testing::each_backend;
use crate::storage::{Database, Dialect, NewUser, Profile, StorageError};

const ALICE: &str = "@alice:example.org";

async fn create(db: &Database, user_id: &str) {
    db.create_user(&NewUser {
        user_id,
        password_hash: None,
        is_admin: false,
        creation_ts: 1,
    })
    .await
    .expect("create user");
}

/// The migration statement that gives users created before 0009 their default profile.
fn backfill(dialect: Dialect) -> &'static str {
    let migration = match dialect {
        Dialect::Sqlite => include_str!("../../../migrations/sqlite/0009_directory.sql"),
        Dialect::Postgres => include_str!("../../../migrations/postgres/0009_directory.sql"),
    };
    migration
        .split(';')
        .find(|statement| statement.contains("INSERT INTO profiles"))
        .expect("backfill statement")
}

#[tokio::test]
async fn storage_users_get_a_profile_with_their_localpart() {
    each_backend(|db| async move {
        create(&db, ALICE).await;
        let profile = db.get_profile(ALICE).await.expect("get").expect("profile");
        assert_eq!(profile.displayname.as_deref(), Some("alice"));
        db.set_avatar_url(ALICE, Some("mxc://x/y"))
            .await
            .expect("avatar");
        db.set_displayname(ALICE, None).await.expect("name");
        assert_eq!(
            db.get_profile(ALICE).await.expect("get"),
            Some(Profile {
                displayname: None,
                avatar_url: Some("mxc://x/y".to_owned())
            })
        );
        let missing = db.set_displayname("@nobody:example.org", Some("x")).await;
        assert!(matches!(missing, Err(StorageError::NotFound(_))));

        // The migration's backfill computes the same default.
        sqlx::query("DELETE FROM profiles")
            .execute(&db.write)
            .await
            .expect("delete");
        sqlx::query(backfill(db.dialect))
            .execute(&db.write)
            .await
            .expect("backfill");
        let profile = db.get_profile(ALICE).await.expect("get").expect("profile");
        assert_eq!(profile.displayname.as_deref(), Some("alice"));
    })
    .await;
}

#[tokio::test]
async fn storage_aliases_and_published_rooms() {
    each_backend(|db| async move {
        db.create_room_alias("#a:x", "!r:x", ALICE, 1)
            .await
            .expect("a");
        db.create_room_alias("#b:x", "!r:x", ALICE, 1)
            .await
            .expect("b");
        let taken = db.create_room_alias("#a:x", "!s:x", ALICE, 1).await;
        assert!(matches!(taken, Err(StorageError::Conflict(_))));
        assert_eq!(
            db.room_aliases("!r:x").await.expect("list"),
            ["#a:x", "#b:x"]
        );
        let moved = db.move_room_aliases("!r:x", "!s:x").await.expect("move");
        assert_eq!(moved, ["#a:x", "#b:x"]);
        let alias = db
            .get_room_alias("#b:x")
            .await
            .expect("get")
            .expect("alias");
        assert_eq!(
            (alias.room_id.as_str(), alias.creator.as_str()),
            ("!s:x", ALICE)
        );
        assert!(db.delete_room_alias("#b:x").await.expect("delete"));
        assert!(!db.delete_room_alias("#b:x").await.expect("delete again"));

        for room in ["!r:x", "!s:x"] {
            db.set_room_published(room, true, 1).await.expect("publish");
        }
        db.set_room_published("!s:x", true, 2).await.expect("again");
        assert!(db.is_room_published("!s:x").await.expect("published"));
        // No members anywhere: both count 0, ordered by room id.
        assert_eq!(
            db.published_rooms().await.expect("list"),
            [("!r:x".to_owned(), 0), ("!s:x".to_owned(), 0)]
        );
        db.set_room_published("!r:x", false, 3)
            .await
            .expect("withdraw");
        assert!(!db.is_room_published("!r:x").await.expect("withdrawn"));
    })
    .await;
}

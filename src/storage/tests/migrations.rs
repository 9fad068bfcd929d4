use std::path::Path;

use crate::storage::pool::{POSTGRES_MIGRATOR, SQLITE_MIGRATOR};
use crate::storage::testing::each_backend;
use crate::storage::{Database, Dialect, NewUser, StorageError};

fn migration_files(backend: &str) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("migrations directory")
        .map(|entry| {
            entry
                .expect("directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

#[test]
fn storage_migration_file_lists_are_equal() {
    let sqlite = migration_files("sqlite");
    let postgres = migration_files("postgres");
    assert!(!sqlite.is_empty());
    assert_eq!(
        sqlite, postgres,
        "migrations/sqlite and migrations/postgres differ"
    );

    let embedded = |migrator: &sqlx::migrate::Migrator| -> Vec<(i64, String)> {
        migrator
            .iter()
            .map(|m| (m.version, m.description.to_string()))
            .collect()
    };
    assert_eq!(embedded(&SQLITE_MIGRATOR), embedded(&POSTGRES_MIGRATOR));
    assert_eq!(embedded(&SQLITE_MIGRATOR).len(), sqlite.len());
}

#[tokio::test]
async fn storage_migrations_apply_on_every_backend() {
    each_backend(|db| async move {
        let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
            .fetch_one(&db.read)
            .await
            .expect("count migrations");
        assert_eq!(applied as usize, SQLITE_MIGRATOR.iter().count());
        for table in [
            "users",
            "devices",
            "access_tokens",
            "streams",
            "events",
            "event_nids",
            "state_keys",
            "state_groups",
            "state_group_entries",
            "room_current_state",
            "event_state_groups",
            "own_verify_keys",
            "remote_server_keys",
        ] {
            let rows: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(&db.read)
                .await
                .unwrap_or_else(|e| panic!("table {table}: {e}"));
            assert!(rows >= 0);
        }
        // Applying again is a no-op.
        db.migrate().await.expect("migrate twice");
    })
    .await;
}

#[tokio::test]
async fn storage_sqlite_uses_wal_and_one_writer() {
    each_backend(|db| async move {
        if db.dialect() != Dialect::Sqlite {
            return;
        }
        let mode: String = db
            .read_query("PRAGMA journal_mode")
            .fetch_scalar_one()
            .await
            .expect("journal_mode");
        assert_eq!(mode.to_lowercase(), "wal");
        // The connection write transactions run on (`write.rs`).
        let mut tx = db.begin_write().await.expect("begin");
        let synchronous: i64 = tx
            .query("PRAGMA synchronous")
            .fetch_scalar_one()
            .await
            .expect("synchronous");
        assert_eq!(synchronous, 1, "synchronous = NORMAL");
        tx.commit().await.expect("commit");
        // The write lock: sqlx's pool of one connection.
        assert_eq!(db.write.options().get_max_connections(), 1);
        let write_through_reader = db.read_query("DELETE FROM users").fetch_all().await;
        assert!(write_through_reader.is_err(), "readers are query_only");
    })
    .await;
}

#[tokio::test]
async fn storage_concurrent_writes_never_report_locked() {
    each_backend(|db| async move {
        let mut tasks = Vec::new();
        for i in 0..40 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                let user_id = format!("@user{i}:example.org");
                db.create_user(&NewUser {
                    user_id: &user_id,
                    password_hash: None,
                    is_admin: false,
                    creation_ts: i,
                })
                .await?;
                db.create_device(&user_id, "DEV", None, i).await?;
                db.list_devices(&user_id).await.map(|_| ())
            }));
        }
        for task in tasks {
            let result: Result<(), StorageError> = task.await.expect("task");
            result.expect("concurrent write");
        }
        let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&db.read)
            .await
            .expect("count");
        assert_eq!(users, 40);
    })
    .await;
}

#[tokio::test]
async fn storage_in_memory_sqlite_works() {
    let db = Database::connect("sqlite::memory:").await.expect("connect");
    db.create_user(&NewUser {
        user_id: "@a:example.org",
        password_hash: None,
        is_admin: false,
        creation_ts: 1,
    })
    .await
    .expect("create");
    assert!(db.get_user("@a:example.org").await.expect("get").is_some());
}

#[tokio::test]
async fn storage_unsupported_url_is_rejected() {
    let result = Database::connect("mysql://root:secret@localhost/db").await;
    match result {
        Err(StorageError::UnsupportedUrl(message)) => assert!(!message.contains("secret")),
        other => panic!("expected UnsupportedUrl, got {other:?}"),
    }
}

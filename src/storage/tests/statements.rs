//! The statement layer itself (`statement.rs`, `read.rs`, `write.rs`): transactions end as
//! they should, and both kinds of rows decode the same.

use crate::storage::read::Columns;
use crate::storage::testing::each_backend;
use crate::storage::StorageError;

const INSERT: &str = "INSERT INTO users (user_id, password_hash, is_admin, creation_ts) \
                      VALUES ($1, $2, $3, $4)";

#[tokio::test]
async fn storage_a_dropped_write_transaction_rolls_back_and_frees_the_writer() {
    each_backend(|db| async move {
        {
            let mut tx = db.begin_write().await.expect("begin");
            tx.query(INSERT)
                .bind("@dropped:x")
                .bind(None::<&str>)
                .bind(false)
                .bind(1_i64)
                .execute()
                .await
                .expect("insert");
        }
        assert_eq!(db.get_user("@dropped:x").await.expect("read"), None);
        // The next writer gets its turn, and a committed write is read back.
        let mut tx = db.begin_write().await.expect("begin again");
        let changed = tx
            .query(INSERT)
            .bind("@kept:x")
            .bind(Some("hash"))
            .bind(true)
            .bind(2_i64)
            .execute()
            .await
            .expect("insert");
        assert_eq!(changed, 1);
        tx.commit().await.expect("commit");
        let user = db.get_user("@kept:x").await.expect("read").expect("stored");
        assert!(user.is_admin);
    })
    .await;
}

#[tokio::test]
async fn storage_statements_bind_by_number_and_decode_by_name() {
    each_backend(|db| async move {
        db.write_query(INSERT)
            .bind("@a:x")
            .bind(None::<&str>)
            .bind(false)
            .bind(7_i64)
            .execute()
            .await
            .expect("insert");
        // `$2` before `$1`, `$1` twice.
        let row = db
            .read_query(
                "SELECT user_id, password_hash, is_admin, creation_ts FROM users \
                 WHERE creation_ts = $2 AND (user_id = $1 OR user_id = $1)",
            )
            .bind("@a:x")
            .bind(7_i64)
            .fetch_optional()
            .await
            .expect("select")
            .expect("a row");
        assert_eq!(row.column::<String>("user_id").expect("id"), "@a:x");
        assert_eq!(
            row.column::<Option<String>>("password_hash").expect("hash"),
            None
        );
        assert!(!row.column::<bool>("is_admin").expect("flag"));
        assert!(row.column::<i64>("no_such_column").is_err());
        // A unique violation is a conflict on every backend and path.
        let again = db
            .write_query(INSERT)
            .bind("@a:x")
            .bind(None::<&str>)
            .bind(false)
            .bind(8_i64)
            .execute()
            .await;
        assert!(matches!(again, Err(StorageError::Conflict(_))), "{again:?}");
        // Reads cannot write.
        assert!(db.read_query("DELETE FROM users").execute().await.is_err());
    })
    .await;
}

#[tokio::test]
async fn storage_sqlite_checkpoints_the_wal_in_the_background() {
    each_backend(|db| async move {
        let Some(readers) = db.direct.clone() else {
            return;
        };
        let file_size = || std::fs::metadata(readers.path()).map_or(0, |m| m.len());
        let before = file_size();
        // Enough commits for a checkpoint (`checkpoint.rs`); with automatic checkpoints off,
        // only it copies the new pages into the database file.
        for n in 0..250_i64 {
            let mut tx = db.begin_write().await.expect("begin");
            tx.query(INSERT)
                .bind(format!("@user{n}:x"))
                .bind(Some("x".repeat(500)))
                .bind(false)
                .bind(n)
                .execute()
                .await
                .expect("insert");
            tx.commit().await.expect("commit");
        }
        let mut grew = false;
        for _ in 0..100 {
            if file_size() > before {
                grew = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(grew, "the database file still has {before} bytes");
    })
    .await;
}

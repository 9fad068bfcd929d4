//! Test support: run one test body on every backend.
//!
//! SQLite always runs, on a fresh file in a temporary directory. PostgreSQL runs when
//! `CONCORD_TEST_POSTGRES_URL` is set (e.g. `postgres://postgres@127.0.0.1:5432/test`), each run
//! in a fresh random schema that is dropped afterwards. With `CONCORD_REQUIRE_POSTGRES=1` and no
//! URL the test fails instead of skipping PostgreSQL.

use std::future::Future;

use sqlx::{Connection, Executor, PgConnection};

use super::Database;

/// The PostgreSQL server for tests (trust auth; the database must exist).
pub(crate) const POSTGRES_URL_VAR: &str = "CONCORD_TEST_POSTGRES_URL";
/// Set to `1` to make a missing [`POSTGRES_URL_VAR`] a test failure.
pub(crate) const REQUIRE_POSTGRES_VAR: &str = "CONCORD_REQUIRE_POSTGRES";

/// Runs `body` once per available backend, each time on a fresh, migrated database.
pub(crate) async fn each_backend<F, Fut>(body: F)
where
    F: Fn(Database) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}", dir.path().join("concord.db").display());
    let db = Database::connect(&url).await.expect("connect to SQLite");
    let result = run_body(body(db.clone())).await;
    db.close().await;
    if let Err(panic) = result {
        panic_with("SQLite", panic);
    }

    match postgres_url() {
        Some(url) => {
            let schema = PostgresSchema::create(&url).await;
            let db = Database::connect(&schema.url)
                .await
                .expect("connect to PostgreSQL");
            let result = run_body(body(db.clone())).await;
            db.close().await;
            schema.drop().await;
            if let Err(panic) = result {
                panic_with("PostgreSQL", panic);
            }
        }
        None if std::env::var(REQUIRE_POSTGRES_VAR).as_deref() == Ok("1") => {
            panic!("{REQUIRE_POSTGRES_VAR}=1 but {POSTGRES_URL_VAR} is not set");
        }
        None => eprintln!("{POSTGRES_URL_VAR} not set: PostgreSQL half of the test skipped"),
    }
}

/// The PostgreSQL test URL, if configured.
pub(crate) fn postgres_url() -> Option<String> {
    std::env::var(POSTGRES_URL_VAR)
        .ok()
        .filter(|url| !url.is_empty())
}

/// Runs the body on its own task so that a panic is caught and the schema still dropped.
async fn run_body(
    body: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Box<dyn std::any::Any + Send>> {
    tokio::spawn(body)
        .await
        .map_err(|error| match error.try_into_panic() {
            Ok(panic) => panic,
            Err(error) => Box::new(error.to_string()),
        })
}

fn panic_with(backend: &str, panic: Box<dyn std::any::Any + Send>) -> ! {
    eprintln!("test body failed on {backend}");
    std::panic::resume_unwind(panic);
}

/// A random schema, and a URL whose connections use it as `search_path`.
struct PostgresSchema {
    admin_url: String,
    name: String,
    url: String,
}

impl PostgresSchema {
    async fn create(admin_url: &str) -> Self {
        let name = format!("concord_test_{:016x}", rand::random::<u64>());
        let mut admin = PgConnection::connect(admin_url)
            .await
            .expect("connect to PostgreSQL");
        admin
            .execute(format!("CREATE SCHEMA {name}").as_str())
            .await
            .expect("create test schema");
        admin.close().await.ok();
        let separator = if admin_url.contains('?') { '&' } else { '?' };
        let url = format!("{admin_url}{separator}options=-c%20search_path%3D{name}");
        PostgresSchema {
            admin_url: admin_url.to_owned(),
            name,
            url,
        }
    }

    async fn drop(self) {
        let mut admin = PgConnection::connect(&self.admin_url)
            .await
            .expect("connect to PostgreSQL");
        admin
            .execute(format!("DROP SCHEMA {} CASCADE", self.name).as_str())
            .await
            .expect("drop test schema");
        admin.close().await.ok();
    }
}

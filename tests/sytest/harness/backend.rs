//! The database a test server runs on: a temporary SQLite file always, and PostgreSQL when
//! `CONCORD_TEST_POSTGRES_URL` is set, each server in a fresh schema dropped after the test
//! (the way `src/storage/testing.rs` does it for storage tests). With
//! `CONCORD_REQUIRE_POSTGRES=1` and no URL, [`each_backend`] fails instead of skipping.

use std::future::Future;
use std::sync::{Arc, Mutex};

use sqlx::{Connection, Executor, PgConnection};

/// The PostgreSQL server for tests (trust auth; the database must exist).
pub const POSTGRES_URL_VAR: &str = "CONCORD_TEST_POSTGRES_URL";
/// Set to `1` to make a missing [`POSTGRES_URL_VAR`] a test failure.
pub const REQUIRE_POSTGRES_VAR: &str = "CONCORD_REQUIRE_POSTGRES";

/// Where a test server keeps its data.
#[derive(Clone, Debug, Default)]
pub enum Backend {
    /// `data/concord.db` in the server's temporary directory.
    #[default]
    Sqlite,
    /// A fresh schema per server on the test PostgreSQL server.
    Postgres(PostgresSchemas),
}

/// The test PostgreSQL server and the schemas made on it, dropped by [`each_backend`].
#[derive(Clone, Debug)]
pub struct PostgresSchemas {
    admin_url: String,
    created: Arc<Mutex<Vec<String>>>,
}

impl PostgresSchemas {
    /// Creates a schema and returns a URL whose connections use it.
    pub async fn create(&self) -> String {
        let name = format!("concord_sytest_{:016x}", rand::random::<u64>());
        let mut admin = PgConnection::connect(&self.admin_url)
            .await
            .expect("connect to PostgreSQL");
        admin
            .execute(format!("CREATE SCHEMA {name}").as_str())
            .await
            .expect("create test schema");
        admin.close().await.ok();
        self.created.lock().expect("schema list").push(name.clone());
        let separator = if self.admin_url.contains('?') {
            '&'
        } else {
            '?'
        };
        format!(
            "{}{separator}options=-c%20search_path%3D{name}",
            self.admin_url
        )
    }

    async fn drop_all(&self) {
        let names = std::mem::take(&mut *self.created.lock().expect("schema list"));
        if names.is_empty() {
            return;
        }
        let mut admin = PgConnection::connect(&self.admin_url)
            .await
            .expect("connect to PostgreSQL");
        for name in names {
            admin
                .execute(format!("DROP SCHEMA {name} CASCADE").as_str())
                .await
                .expect("drop test schema");
        }
        admin.close().await.ok();
    }
}

/// Runs `body` once on SQLite and, when configured, once on PostgreSQL; the body starts its
/// servers with `Options { backend, .. }`.
pub async fn each_backend<F, Fut>(body: F)
where
    F: Fn(Backend) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    if let Err(panic) = tokio::spawn(body(Backend::Sqlite)).await {
        eprintln!("test body failed on SQLite");
        std::panic::resume_unwind(panic.into_panic());
    }
    let url = std::env::var(POSTGRES_URL_VAR)
        .ok()
        .filter(|url| !url.is_empty());
    let Some(admin_url) = url else {
        if std::env::var(REQUIRE_POSTGRES_VAR).as_deref() == Ok("1") {
            panic!("{REQUIRE_POSTGRES_VAR}=1 but {POSTGRES_URL_VAR} is not set");
        }
        eprintln!("{POSTGRES_URL_VAR} not set: PostgreSQL half of the test skipped");
        return;
    };
    let schemas = PostgresSchemas {
        admin_url,
        created: Arc::new(Mutex::new(Vec::new())),
    };
    let result = tokio::spawn(body(Backend::Postgres(schemas.clone()))).await;
    // Give stopped servers a moment to close their connections.
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    schemas.drop_all().await;
    if let Err(panic) = result {
        eprintln!("test body failed on PostgreSQL");
        std::panic::resume_unwind(panic.into_panic());
    }
}

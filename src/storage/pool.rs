//! Connecting: the writer model, the SQLite pragmas and the embedded migrations.
//!
//! The repository code is written once for both backends, as statements of `statement.rs`:
//! on PostgreSQL they run through `sqlx::Any`; on a SQLite file they run on the calling thread
//! through connections of our own (`read.rs`, `write.rs`), on `:memory:` through sqlx again.
//!
//! Writer model:
//! - SQLite: a dedicated sqlx **write pool of exactly one connection**; taking it is the write
//!   lock (`write.rs` runs its transaction on its own connection while holding it), so writers
//!   queue in the pool (in process, FIFO) instead of fighting over the file lock: "database is
//!   locked" cannot happen between our own connections. Reads run on `query_only` connections
//!   (`read.rs`); WAL lets them run while the writer writes.
//! - PostgreSQL: one pool, used for reads and writes; the database serialises what must be
//!   serialised (row locks, see `events.rs` for the stream position).

use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{install_default_drivers, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};

use super::read::Readers;
use super::write::Writer;
use super::{Database, Dialect, StorageError};

/// The SQLite schema, embedded at compile time.
pub(crate) static SQLITE_MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");
/// The PostgreSQL schema, embedded at compile time; same versions as [`SQLITE_MIGRATOR`].
pub(crate) static POSTGRES_MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// Connections for PostgreSQL (reads and writes share them).
const POSTGRES_CONNECTIONS: u32 = 10;
/// How long a queued writer waits for the single SQLite write connection.
const SQLITE_WRITE_QUEUE_TIMEOUT: Duration = Duration::from_secs(60);

/// Pragmas of the SQLite writer connection.
///
/// - `journal_mode = WAL` (persistent, set once per file): readers never block the writer and the
///   writer never blocks readers.
/// - `synchronous = NORMAL`: with WAL, a commit survives an application crash; after a power loss
///   or OS crash the last few commits may be lost, but the database is never corrupted. We take
///   that trade (it is SQLite's recommended setting for WAL) for much cheaper commits; `FULL`
///   would fsync the WAL on every commit.
/// - `busy_timeout = 5000`: a checkpoint or an external process holding the lock is waited for
///   instead of failing at once.
/// - `foreign_keys = ON`: the schema's foreign keys are enforced as on PostgreSQL.
const SQLITE_WRITER_PRAGMAS: &[&str] = &[
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA busy_timeout = 5000",
    "PRAGMA foreign_keys = ON",
];

impl Database {
    /// Connects to `url` (`sqlite:path`, `sqlite://path`, `sqlite::memory:`, or
    /// `postgres://…`) and applies the embedded migrations. A SQLite file is created if missing.
    pub async fn connect(url: &str) -> Result<Self, StorageError> {
        install_default_drivers();
        let dialect = Dialect::from_url(url)?;
        let database = match dialect {
            Dialect::Sqlite => connect_sqlite(url).await?,
            Dialect::Postgres => connect_postgres(url).await?,
        };
        database.migrate().await?;
        Ok(database)
    }

    /// Which backend this database uses.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Closes every connection; later calls fail.
    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }

    pub(crate) async fn migrate(&self) -> Result<(), StorageError> {
        let migrator = match self.dialect {
            Dialect::Sqlite => &SQLITE_MIGRATOR,
            Dialect::Postgres => &POSTGRES_MIGRATOR,
        };
        migrator.run(&self.write).await?;
        Ok(())
    }
}

async fn connect_sqlite(url: &str) -> Result<Database, StorageError> {
    let url = sqlite_url(url);
    let writer = with_pragmas(AnyPoolOptions::new(), SQLITE_WRITER_PRAGMAS)
        .max_connections(1)
        .min_connections(1)
        // Taking the writer is the write lock (`write.rs`): no round trip to check it first.
        .test_before_acquire(false)
        .acquire_timeout(SQLITE_WRITE_QUEUE_TIMEOUT);
    if is_memory(&url) {
        // Every connection to `:memory:` is a database of its own: keep exactly one, forever,
        // and read through it too.
        let write = writer
            .idle_timeout(None)
            .max_lifetime(None)
            .connect(&url)
            .await?;
        return Ok(Database {
            dialect: Dialect::Sqlite,
            read: write.clone(),
            write,
            state_cache: Default::default(),
            direct: None,
            writer: None,
        });
    }
    // The writer connects first so that WAL mode is on before any reader opens the file.
    let write = writer.connect(&url).await?;
    let direct = Readers::for_url(&url);
    let writer = match &direct {
        Some(readers) => Some(Arc::new(Writer::open(readers.path())?)),
        None => None,
    };
    Ok(Database {
        dialect: Dialect::Sqlite,
        // Reads and write transactions of a file run on the connections of `read.rs` and
        // `write.rs`; sqlx's writer is the write lock and runs the migrations.
        read: write.clone(),
        write,
        state_cache: Default::default(),
        direct: direct.map(Arc::new),
        writer,
    })
}

async fn connect_postgres(url: &str) -> Result<Database, StorageError> {
    let pool: AnyPool = AnyPoolOptions::new()
        .max_connections(POSTGRES_CONNECTIONS)
        .connect(url)
        .await?;
    Ok(Database {
        dialect: Dialect::Postgres,
        read: pool.clone(),
        write: pool,
        state_cache: Default::default(),
        direct: None,
        writer: None,
    })
}

fn with_pragmas(options: AnyPoolOptions, pragmas: &'static [&'static str]) -> AnyPoolOptions {
    options.after_connect(move |conn, _meta| {
        Box::pin(async move {
            for pragma in pragmas {
                conn.execute(*pragma).await?;
            }
            Ok(())
        })
    })
}

/// Adds `mode=rwc` (create the file if missing) unless the URL already says how to open it.
fn sqlite_url(url: &str) -> String {
    if url.contains("mode=") || is_memory(url) {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

pub(super) fn is_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

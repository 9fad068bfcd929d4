//! Write transactions of the event-persistence paths ([`Tx`]): on a SQLite file they run on the
//! calling thread through a connection of our own (see `read.rs` for why), elsewhere they are
//! sqlx transactions.
//!
//! One writer at a time, as `pool.rs` promises: a direct transaction first takes the sqlx
//! writer pool's only connection and keeps it until it ends, so it queues behind (and ahead of)
//! the writes that still go through sqlx, in the same FIFO queue, and never meets another writer
//! at SQLite's file lock. `BEGIN IMMEDIATE` takes the write lock at once. A [`Tx`] dropped
//! without [`Tx::commit`] (an error, or a cancelled request) is rolled back.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OpenFlags};
use sqlx::pool::PoolConnection;
use sqlx::Any;

use super::checkpoint::Checkpoints;
use super::read::{self, backend, Param};
use super::{Database, StorageError};

/// Pragmas of the direct writer: as sqlx's writer (`pool.rs`, which sets WAL for the file).
/// Automatic checkpoints off: `checkpoint.rs` runs them on a blocking thread.
const WRITER_PRAGMAS: &str = "PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; \
     PRAGMA foreign_keys = ON; PRAGMA wal_autocheckpoint = 0;";
/// Prepared statements kept by the writer.
const STATEMENT_CACHE: usize = 128;

/// The direct write connection to a SQLite file.
#[derive(Debug)]
pub(crate) struct Writer {
    conn: Mutex<Connection>,
    checkpoints: Checkpoints,
}

impl Writer {
    /// Opens the writer of the SQLite file at `path` (after sqlx's writer made it WAL).
    pub(crate) fn open(path: &Path) -> Result<Writer, StorageError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(backend)?;
        conn.execute_batch(WRITER_PRAGMAS).map_err(backend)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(Writer {
            conn: Mutex::new(conn),
            checkpoints: Checkpoints::new(path.to_owned()),
        })
    }

    fn with<R>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<R>,
    ) -> Result<R, StorageError> {
        let conn = self
            .conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&conn).map_err(backend)
    }
}

/// A write transaction.
pub(crate) struct Tx<'a> {
    inner: Inner<'a>,
}

enum Inner<'a> {
    Sqlx(sqlx::Transaction<'static, Any>),
    Direct {
        writer: &'a Writer,
        /// The sqlx writer connection, held as the write lock.
        _turn: PoolConnection<Any>,
    },
    /// Taken by `commit` (which consumes the `Tx`), so that dropping it does nothing more.
    Done,
}

impl Database {
    /// Starts a write transaction.
    pub(crate) async fn begin_write(&self) -> Result<Tx<'_>, StorageError> {
        let inner = match &self.writer {
            Some(writer) => {
                let turn = self.write.acquire().await?;
                writer.with(|conn| conn.execute_batch("BEGIN IMMEDIATE"))?;
                Inner::Direct {
                    writer,
                    _turn: turn,
                }
            }
            None => Inner::Sqlx(self.write.begin().await?),
        };
        Ok(Tx { inner })
    }
}

impl Tx<'_> {
    /// Commits the transaction.
    pub(crate) async fn commit(mut self) -> Result<(), StorageError> {
        match std::mem::replace(&mut self.inner, Inner::Done) {
            // The write lock (`_turn`) is given back when this arm ends.
            Inner::Direct { writer, .. } => {
                if let Err(error) = writer.with(|conn| conn.execute_batch("COMMIT")) {
                    let _ = writer.with(|conn| conn.execute_batch("ROLLBACK"));
                    return Err(error);
                }
                writer.checkpoints.committed();
                Ok(())
            }
            Inner::Sqlx(tx) => Ok(tx.commit().await?),
            Inner::Done => Ok(()),
        }
    }

    /// Runs `sql` and returns its rows.
    pub(super) async fn rows(
        &mut self,
        sql: &str,
        params: Vec<Param>,
    ) -> Result<Vec<read::Row>, StorageError> {
        match &mut self.inner {
            Inner::Direct { writer, .. } => {
                let rows = writer.with(|conn| read::query(conn, sql, &params))?;
                Ok(rows.into_iter().map(read::Row::Direct).collect())
            }
            Inner::Sqlx(tx) => {
                let rows = read::sqlx_query(sql, params).fetch_all(&mut **tx).await?;
                Ok(rows.into_iter().map(read::Row::Any).collect())
            }
            Inner::Done => Err(finished()),
        }
    }

    /// Runs `sql`, which returns no rows; how many rows it changed.
    pub(super) async fn run(&mut self, sql: &str, params: Vec<Param>) -> Result<u64, StorageError> {
        match &mut self.inner {
            Inner::Direct { writer, .. } => writer.with(|conn| read::execute(conn, sql, &params)),
            Inner::Sqlx(tx) => Ok(read::sqlx_query(sql, params)
                .execute(&mut **tx)
                .await?
                .rows_affected()),
            Inner::Done => Err(finished()),
        }
    }
}

fn finished() -> StorageError {
    StorageError::Invalid("write transaction already finished".to_owned())
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if let Inner::Direct { writer, .. } = &self.inner {
            let _ = writer.with(|conn| conn.execute_batch("ROLLBACK"));
        }
    }
}

//! One statement being built, for a read of the database or inside a write transaction:
//! `db.read_query(sql).bind(a).fetch_all().await`, `tx.query(sql).bind(a).execute().await`.
//! Parameters are `$1`, `$2`, … in the order of the `bind` calls, on both backends.

use super::read::{Column, Param, Row};
use super::write::Tx;
use super::{Database, StorageError};

/// A statement and its parameters.
pub(crate) struct Statement<'q, 't> {
    target: Target<'q, 't>,
    sql: &'q str,
    params: Vec<Param>,
}

enum Target<'q, 't> {
    Read(&'q Database),
    Write(&'q mut Tx<'t>),
    /// A write of one statement, in a transaction of its own.
    Single(&'q Database),
}

impl Database {
    /// A read (see `read.rs`: on a SQLite file it runs on the calling thread).
    pub(crate) fn read_query<'q>(&'q self, sql: &'q str) -> Statement<'q, 'q> {
        Statement {
            target: Target::Read(self),
            sql,
            params: Vec::new(),
        }
    }
}

impl Database {
    /// A write of one statement (a transaction of its own).
    pub(crate) fn write_query<'q>(&'q self, sql: &'q str) -> Statement<'q, 'q> {
        Statement {
            target: Target::Single(self),
            sql,
            params: Vec::new(),
        }
    }
}

impl<'t> Tx<'t> {
    /// A statement inside this transaction.
    pub(crate) fn query<'q>(&'q mut self, sql: &'q str) -> Statement<'q, 't> {
        Statement {
            target: Target::Write(self),
            sql,
            params: Vec::new(),
        }
    }
}

impl Statement<'_, '_> {
    /// Binds the next parameter.
    pub(crate) fn bind(mut self, param: impl Into<Param>) -> Self {
        self.params.push(param.into());
        self
    }

    /// Runs a statement that returns no rows; how many rows it changed.
    pub(crate) async fn execute(self) -> Result<u64, StorageError> {
        match self.target {
            Target::Write(tx) => tx.run(self.sql, self.params).await,
            Target::Single(db) => alone(db, async |tx| tx.run(self.sql, self.params).await).await,
            Target::Read(_) => Err(StorageError::Invalid(
                "a read cannot execute a statement".to_owned(),
            )),
        }
    }

    /// Every row.
    pub(crate) async fn fetch_all(self) -> Result<Vec<Row>, StorageError> {
        match self.target {
            Target::Write(tx) => tx.rows(self.sql, self.params).await,
            Target::Single(db) => alone(db, async |tx| tx.rows(self.sql, self.params).await).await,
            Target::Read(db) => db.read_rows(self.sql, self.params).await,
        }
    }

    /// The first row, if any (the statement should say `LIMIT 1` where more could match).
    pub(crate) async fn fetch_optional(self) -> Result<Option<Row>, StorageError> {
        Ok(self.fetch_all().await?.into_iter().next())
    }

    /// The first column of the first row, if any.
    pub(crate) async fn fetch_scalar<T: Column>(self) -> Result<Option<T>, StorageError> {
        self.fetch_optional()
            .await?
            .map(|row| row.try_get_index(0))
            .transpose()
    }

    /// The first column of the first row; [`StorageError::NotFound`] without rows.
    pub(crate) async fn fetch_scalar_one<T: Column>(self) -> Result<T, StorageError> {
        self.fetch_scalar().await?.ok_or_else(no_row)
    }

    /// The first column of every row.
    pub(crate) async fn fetch_column<T: Column>(self) -> Result<Vec<T>, StorageError> {
        self.fetch_all()
            .await?
            .iter()
            .map(|row| row.try_get_index(0))
            .collect()
    }
}

/// Runs `statement` in a write transaction of its own, committed if it succeeds.
async fn alone<T>(
    db: &Database,
    statement: impl AsyncFnOnce(&mut Tx<'_>) -> Result<T, StorageError>,
) -> Result<T, StorageError> {
    let mut tx = db.begin_write().await?;
    let value = statement(&mut tx).await?;
    tx.commit().await?;
    Ok(value)
}

fn no_row() -> StorageError {
    StorageError::NotFound("row".to_owned())
}

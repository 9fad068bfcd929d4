//! Reads of the hot paths (`/sync`, `/messages`, the send path's checks) that, on a SQLite file,
//! run on the calling thread instead of a driver thread.
//!
//! sqlx runs every SQLite connection on a thread of its own: each statement is a message to that
//! thread and each answer a wake-up of the waiting task, two thread hand-offs per statement at
//! least. Profiles of the fan-out scenario spent 45 % of their samples switching threads
//! (docs/performance.md). A read here takes an idle connection of [`Readers`], runs the
//! statement and decodes its rows without leaving the thread; it holds no lock while waiting,
//! since it never waits. A statement of these paths reads a few rows through an index (tens of
//! microseconds), short enough to run on an async worker.
//!
//! PostgreSQL, and the SQLite `:memory:` databases (one connection for everything), go through
//! sqlx as before: [`Read`] has one API for both, and [`Row::try_get`] decodes either row.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use rusqlite::{CachedStatement, Connection, OpenFlags, ToSql};
use sqlx::any::AnyRow;
use sqlx::Row as _;

use super::{Database, StorageError};

/// Pragmas of the direct read connections: as sqlx's readers (`pool.rs`), `query_only`.
const READER_PRAGMAS: &str =
    "PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; PRAGMA query_only = ON;";
/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 128;
/// Idle connections kept; more are opened while more threads read at once, then closed.
const IDLE_READERS: usize = 8;

/// Read connections to one SQLite file, used on the calling thread.
#[derive(Debug)]
pub(crate) struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl Readers {
    /// Readers of the SQLite file of `url` (`sqlite:path` or `sqlite://path`, with or without
    /// `?…` options); `None` for an in-memory database.
    pub(crate) fn for_url(url: &str) -> Option<Readers> {
        let rest = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))?;
        let path = rest.split('?').next().unwrap_or(rest);
        if path.is_empty() || super::pool::is_memory(url) {
            return None;
        }
        Some(Readers {
            path: PathBuf::from(path),
            idle: Mutex::new(Vec::new()),
        })
    }

    /// The SQLite file.
    pub(crate) fn path(&self) -> &std::path::Path {
        &self.path
    }

    fn open(&self) -> Result<Connection, StorageError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&self.path, flags).map_err(backend)?;
        conn.execute_batch(READER_PRAGMAS).map_err(backend)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(conn)
    }

    /// Runs `sql` with `params` on an idle connection and returns its rows.
    pub(super) fn run(&self, sql: &str, params: &[Param]) -> Result<Vec<DirectRow>, StorageError> {
        let taken = self.idle.lock().expect("readers lock").pop();
        let conn = match taken {
            Some(conn) => conn,
            None => self.open()?,
        };
        let rows = query(&conn, sql, params).map_err(backend);
        let mut idle = self.idle.lock().expect("readers lock");
        if idle.len() < IDLE_READERS {
            idle.push(conn);
        }
        rows
    }
}

/// Our error for a SQLite one: a unique or primary key violation is a
/// [`StorageError::Conflict`], as `From<sqlx::Error>` makes it.
pub(super) fn backend(error: rusqlite::Error) -> StorageError {
    match &error {
        rusqlite::Error::SqliteFailure(failure, message)
            if failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                || failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
        {
            StorageError::Conflict(message.clone().unwrap_or_else(|| error.to_string()))
        }
        _ => StorageError::Backend(error.to_string()),
    }
}

/// Prepares (or takes from the cache) `sql`, binds `params` and reads every row.
pub(super) fn query(
    conn: &Connection,
    sql: &str,
    params: &[Param],
) -> rusqlite::Result<Vec<DirectRow>> {
    let mut statement = conn.prepare_cached(&numbered(sql))?;
    bind(&mut statement, params)?;
    let columns: Arc<[Box<str>]> = statement
        .column_names()
        .into_iter()
        .map(Into::into)
        .collect();
    let width = columns.len();
    let mut rows = statement.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let values = (0..width)
            .map(|i| row.get::<_, Value>(i))
            .collect::<rusqlite::Result<Vec<_>>>()?;
        out.push(DirectRow {
            columns: columns.clone(),
            values,
        });
    }
    Ok(out)
}

/// Runs a statement that returns no rows; how many rows it changed.
pub(super) fn execute(conn: &Connection, sql: &str, params: &[Param]) -> rusqlite::Result<u64> {
    let mut statement = conn.prepare_cached(&numbered(sql))?;
    bind(&mut statement, params)?;
    Ok(statement.raw_execute()? as u64)
}

/// `sql` with its `$N` placeholders written `?N`. Both are the N-th parameter, but SQLite gives a
/// `?N` the index N itself, where a `$N` is a *name*, numbered in order of appearance, that
/// binding would have to look up (`sqlite3_bind_parameter_name` walks a list: quadratic in an
/// `IN` list of a hundred ids). No statement of ours has a `$` inside a string literal.
fn numbered(sql: &str) -> Cow<'_, str> {
    if !sql.contains('$') {
        return Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('?');
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Binds `params[N - 1]` to `?N` (see [`numbered`]); an index no placeholder uses takes its
/// parameter harmlessly.
fn bind(statement: &mut CachedStatement<'_>, params: &[Param]) -> rusqlite::Result<()> {
    let count = statement.parameter_count();
    if count > params.len() {
        return Err(rusqlite::Error::InvalidParameterCount(count, params.len()));
    }
    for (index, param) in params.iter().enumerate().take(count) {
        statement.raw_bind_parameter(index + 1, param)?;
    }
    Ok(())
}

/// A bound parameter.
#[derive(Clone, Debug)]
pub(crate) enum Param {
    Int(i64),
    Text(String),
    /// `BOOLEAN` in PostgreSQL, `INTEGER` 0/1 in SQLite.
    Bool(bool),
    /// `NULL` of a text column (PostgreSQL types its parameters).
    NullText,
    /// `NULL` of an integer column.
    NullInt,
}

impl ToSql for Param {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Param::Int(value) => ToSqlOutput::Borrowed(ValueRef::Integer(*value)),
            Param::Text(value) => ToSqlOutput::Borrowed(ValueRef::Text(value.as_bytes())),
            Param::Bool(value) => ToSqlOutput::Owned(Value::Integer(i64::from(*value))),
            Param::NullText | Param::NullInt => ToSqlOutput::Borrowed(ValueRef::Null),
        })
    }
}

impl From<i64> for Param {
    fn from(value: i64) -> Self {
        Param::Int(value)
    }
}

impl From<bool> for Param {
    fn from(value: bool) -> Self {
        Param::Bool(value)
    }
}

impl From<&str> for Param {
    fn from(value: &str) -> Self {
        Param::Text(value.to_owned())
    }
}

impl From<String> for Param {
    fn from(value: String) -> Self {
        Param::Text(value)
    }
}

impl From<&i64> for Param {
    fn from(value: &i64) -> Self {
        Param::Int(*value)
    }
}

impl From<Option<i64>> for Param {
    fn from(value: Option<i64>) -> Self {
        value.map_or(Param::NullInt, Param::Int)
    }
}

impl From<Option<&str>> for Param {
    fn from(value: Option<&str>) -> Self {
        value.map_or(Param::NullText, Param::from)
    }
}

impl From<Option<String>> for Param {
    fn from(value: Option<String>) -> Self {
        value.map_or(Param::NullText, Param::Text)
    }
}

impl From<&String> for Param {
    fn from(value: &String) -> Self {
        Param::Text(value.clone())
    }
}

impl Database {
    /// Runs a read: directly on a SQLite file, through sqlx's read pool otherwise.
    pub(super) async fn read_rows(
        &self,
        sql: &str,
        params: Vec<Param>,
    ) -> Result<Vec<Row>, StorageError> {
        if let Some(readers) = &self.direct {
            let rows = readers.run(sql, &params)?;
            return Ok(rows.into_iter().map(Row::Direct).collect());
        }
        let rows = sqlx_query(sql, params).fetch_all(&self.read).await?;
        Ok(rows.into_iter().map(Row::Any).collect())
    }
}

/// The sqlx statement of `sql` with `params` bound.
pub(super) fn sqlx_query(
    sql: &str,
    params: Vec<Param>,
) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments<'_>> {
    let mut query = sqlx::query(sql);
    for param in params {
        query = match param {
            Param::Int(value) => query.bind(value),
            Param::Text(value) => query.bind(value),
            Param::Bool(value) => query.bind(value),
            Param::NullText => query.bind(None::<String>),
            Param::NullInt => query.bind(None::<i64>),
        };
    }
    query
}

/// A row read directly: the statement's column names and the row's values.
#[derive(Debug)]
pub(crate) struct DirectRow {
    columns: Arc<[Box<str>]>,
    values: Vec<Value>,
}

/// A row of either kind of read.
pub(crate) enum Row {
    Any(AnyRow),
    Direct(DirectRow),
}

/// Reading a named column, from a sqlx row or a [`Row`].
pub(crate) trait Columns {
    /// The named column's value.
    fn column<T: Column>(&self, column: &str) -> Result<T, StorageError>;
}

impl Columns for AnyRow {
    fn column<T: Column>(&self, column: &str) -> Result<T, StorageError> {
        T::from_any(self, column)
    }
}

impl Columns for Row {
    fn column<T: Column>(&self, column: &str) -> Result<T, StorageError> {
        match self {
            Row::Any(row) => T::from_any(row, column),
            Row::Direct(row) => {
                let index = row
                    .columns
                    .iter()
                    .position(|name| &**name == column)
                    .ok_or_else(|| StorageError::Backend(format!("no column {column}")))?;
                T::from_value(&row.values[index])
            }
        }
    }
}

impl Row {
    pub(super) fn try_get_index<T: Column>(&self, index: usize) -> Result<T, StorageError> {
        match self {
            Row::Any(row) => T::from_any_index(row, index),
            Row::Direct(row) => match row.values.get(index) {
                Some(value) => T::from_value(value),
                None => Err(StorageError::Backend(format!("no column {index}"))),
            },
        }
    }
}

/// A column type both kinds of rows decode.
pub(crate) trait Column: Sized {
    fn from_any(row: &AnyRow, column: &str) -> Result<Self, StorageError>;
    fn from_any_index(row: &AnyRow, index: usize) -> Result<Self, StorageError>;
    fn from_value(value: &Value) -> Result<Self, StorageError>;
}

fn mismatch(value: &Value, wanted: &str) -> StorageError {
    StorageError::Backend(format!(
        "column holds {:?}, wanted {wanted}",
        value.data_type()
    ))
}

macro_rules! sqlx_column {
    () => {
        fn from_any(row: &AnyRow, column: &str) -> Result<Self, StorageError> {
            Ok(row.try_get(column)?)
        }
        fn from_any_index(row: &AnyRow, index: usize) -> Result<Self, StorageError> {
            Ok(row.try_get(index)?)
        }
    };
}

impl Column for i64 {
    sqlx_column!();
    fn from_value(value: &Value) -> Result<Self, StorageError> {
        match value {
            Value::Integer(value) => Ok(*value),
            other => Err(mismatch(other, "integer")),
        }
    }
}

impl Column for String {
    sqlx_column!();
    fn from_value(value: &Value) -> Result<Self, StorageError> {
        match value {
            Value::Text(value) => Ok(value.clone()),
            other => Err(mismatch(other, "text")),
        }
    }
}

impl<T> Column for Option<T>
where
    T: Column + for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    sqlx_column!();
    fn from_value(value: &Value) -> Result<Self, StorageError> {
        match value {
            Value::Null => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}

/// A flag: `BOOLEAN` in PostgreSQL, `INTEGER` 0/1 in SQLite (the Any driver cannot decode
/// SQLite columns declared `BOOLEAN`, so the SQLite schema avoids that type).
impl Column for bool {
    fn from_any(row: &AnyRow, column: &str) -> Result<Self, StorageError> {
        match row.try_get::<bool, _>(column) {
            Ok(value) => Ok(value),
            Err(_) => Ok(row.try_get::<i64, _>(column)? != 0),
        }
    }
    fn from_any_index(row: &AnyRow, index: usize) -> Result<Self, StorageError> {
        match row.try_get::<bool, _>(index) {
            Ok(value) => Ok(value),
            Err(_) => Ok(row.try_get::<i64, _>(index)? != 0),
        }
    }
    fn from_value(value: &Value) -> Result<Self, StorageError> {
        Ok(i64::from_value(value)? != 0)
    }
}

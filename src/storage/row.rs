//! Decoding helpers for `sqlx::Any` rows.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::StorageError;

/// Reads a flag column: `BOOLEAN` in PostgreSQL, `INTEGER` 0/1 in SQLite (the Any driver cannot
/// decode SQLite columns declared `BOOLEAN`, so the SQLite schema avoids that type).
pub(crate) fn flag(row: &AnyRow, column: &str) -> Result<bool, StorageError> {
    match row.try_get::<bool, _>(column) {
        Ok(value) => Ok(value),
        Err(_) => Ok(row.try_get::<i64, _>(column)? != 0),
    }
}

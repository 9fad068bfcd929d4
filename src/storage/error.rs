//! The storage layer's error type. Callers match on the variant; the backend's own error types
//! never leave `src/storage/`.

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The row the operation needs (a user, a device, a state group…) does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// A unique key is already taken (a user id, a device id, an event id…).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The arguments or the stored data break an invariant of the storage layer.
    #[error("invalid: {0}")]
    Invalid(String),
    /// The database URL names no supported backend.
    #[error("unsupported database url (expected sqlite: or postgres:): {0}")]
    UnsupportedUrl(String),
    /// Applying the embedded migrations failed.
    #[error("migration failed: {0}")]
    Migration(String),
    /// Any other failure reported by the database or its driver.
    #[error("database error: {0}")]
    Backend(String),
}

impl From<sqlx::Error> for StorageError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StorageError::Conflict(db.message().to_owned())
            }
            sqlx::Error::RowNotFound => StorageError::NotFound("row".to_owned()),
            _ => StorageError::Backend(error.to_string()),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StorageError {
    fn from(error: sqlx::migrate::MigrateError) -> Self {
        StorageError::Migration(error.to_string())
    }
}

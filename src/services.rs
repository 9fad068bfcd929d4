//! The engine's services: what the client-server ports do, built on [`crate::storage`].
//! Each service gets its collaborators through its constructor; `app.rs` wires them.
//!
//! - [`credentials`]: resolving user identifiers and checking passwords (shared by login and
//!   the `m.login.password` UIA stage);
//! - [`secrets`]: random access tokens, refresh tokens, device ids and session ids;
//! - [`sessions`]: access tokens, login, refresh, logout;
//! - [`uia`]: user-interactive authentication, one module for every endpoint behind it;
//! - [`accounts`]: registration, password change, deactivation, shared-secret registration;
//! - [`devices`]: device management;
//! - [`rate_limit`]: Synapse-style rate limiters (`rc_message`, `rc_login`);
//! - [`rooms`]: the room engine (building, authorising and persisting events) and the room
//!   endpoints built on it.
//! - [`notifier`]: wakes waiting `/sync` requests; [`sync`]: `/sync`; [`account_data`]:
//!   account data, room tags and filters; [`ephemeral`]: typing, receipts, read markers,
//!   presence and unread counts.
//!
//! Services answer with the client API's `MatrixError`/`UiaError`: they implement client-server
//! semantics, and the error codes are part of them.

pub mod account_data;
pub mod accounts;
pub mod credentials;
pub mod devices;
pub mod ephemeral;
pub mod notifier;
pub mod rate_limit;
pub mod rooms;
pub mod secrets;
pub mod sessions;
pub mod sync;
pub mod uia;

use std::time::{SystemTime, UNIX_EPOCH};

use client_api::MatrixError;

use crate::storage::StorageError;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_millis()).ok())
        .unwrap_or_default()
}

/// A storage failure as the client sees it: 500 `M_UNKNOWN`, logged here once with its cause.
pub(crate) fn internal(error: StorageError) -> MatrixError {
    tracing::error!(%error, "storage error");
    MatrixError::internal("Internal server error")
}

/// Runs CPU-heavy work (password hashing) off the async workers.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, MatrixError> {
    tokio::task::spawn_blocking(work).await.map_err(|error| {
        tracing::error!(%error, "blocking task failed");
        MatrixError::internal("Internal server error")
    })
}

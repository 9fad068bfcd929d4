//! The `ui_auth_sessions` table: user-interactive authentication sessions (client-server API
//! § "User-Interactive Authentication API"), kept in the database so they survive a restart and
//! work across instances.

use super::read::Columns;

use super::users::found;
use super::{Database, StorageError};

/// A stored UIA session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UiaSession {
    /// The session id given to the client.
    pub session_id: String,
    /// What the session authorises (e.g. `POST /account/password`).
    pub operation: String,
    /// The authenticated requester, if the endpoint had one.
    pub user_id: Option<String>,
    /// The stage types completed so far, in order.
    pub completed: Vec<String>,
    /// Creation time, ms since the epoch.
    pub created_ts: i64,
}

impl UiaSession {
    fn from_row(row: &impl Columns) -> Result<Self, StorageError> {
        let completed: String = row.column("completed")?;
        Ok(UiaSession {
            session_id: row.column("session_id")?,
            operation: row.column("operation")?,
            user_id: row.column("user_id")?,
            completed: serde_json::from_str(&completed)
                .map_err(|e| StorageError::Invalid(format!("ui_auth_sessions.completed: {e}")))?,
            created_ts: row.column("created_ts")?,
        })
    }
}

fn encode_completed(completed: &[String]) -> Result<String, StorageError> {
    serde_json::to_string(completed).map_err(|e| StorageError::Invalid(e.to_string()))
}

impl Database {
    /// Stores a new session. [`StorageError::Conflict`] if the id is taken.
    pub async fn create_uia_session(&self, session: &UiaSession) -> Result<(), StorageError> {
        self.write_query(
            "INSERT INTO ui_auth_sessions (session_id, operation, user_id, completed, created_ts) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&session.session_id)
        .bind(&session.operation)
        .bind(session.user_id.as_deref())
        .bind(encode_completed(&session.completed)?)
        .bind(session.created_ts)
        .execute()
        .await?;
        Ok(())
    }

    /// The session with this id, if any.
    pub async fn get_uia_session(
        &self,
        session_id: &str,
    ) -> Result<Option<UiaSession>, StorageError> {
        let row = self
            .read_query(
                "SELECT session_id, operation, user_id, completed, created_ts \
             FROM ui_auth_sessions WHERE session_id = $1",
            )
            .bind(session_id)
            .fetch_optional()
            .await?;
        row.as_ref().map(UiaSession::from_row).transpose()
    }

    /// Records the completed stages of a session.
    pub async fn set_uia_completed(
        &self,
        session_id: &str,
        completed: &[String],
    ) -> Result<(), StorageError> {
        let result = self
            .write_query("UPDATE ui_auth_sessions SET completed = $1 WHERE session_id = $2")
            .bind(encode_completed(completed)?)
            .bind(session_id)
            .execute()
            .await?;
        found(result, session_id)
    }

    /// Deletes a session; `false` if it was not stored (already used by a concurrent request).
    pub async fn delete_uia_session(&self, session_id: &str) -> Result<bool, StorageError> {
        let result = self
            .write_query("DELETE FROM ui_auth_sessions WHERE session_id = $1")
            .bind(session_id)
            .execute()
            .await?;
        Ok(result > 0)
    }

    /// Deletes the sessions created before `created_before_ts`; returns how many.
    pub async fn delete_expired_uia_sessions(
        &self,
        created_before_ts: i64,
    ) -> Result<u64, StorageError> {
        let result = self
            .write_query("DELETE FROM ui_auth_sessions WHERE created_ts < $1")
            .bind(created_before_ts)
            .execute()
            .await?;
        Ok(result)
    }
}

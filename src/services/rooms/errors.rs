//! How room engine failures reach the client: the auth rules' rejections are 403
//! `M_FORBIDDEN` naming the rule (or 400 `M_INVALID_ROOM_STATE` during room creation), format
//! failures of the event a client asked for are 400 (413 when too large), and broken stored data
//! is logged once and answered with 500 `M_UNKNOWN`.

use axum::http::StatusCode;
use client_api::MatrixError;
use state_res::auth::AuthError;
use state_res::pdu::PduError;

/// Why appending an event failed.
#[derive(Debug)]
pub(super) enum AppendError {
    /// The authorization rules rejected the event.
    Forbidden(AuthError),
    /// Anything else, already in the client's terms.
    Client(MatrixError),
}

impl From<MatrixError> for AppendError {
    fn from(error: MatrixError) -> Self {
        AppendError::Client(error)
    }
}

impl From<AppendError> for MatrixError {
    fn from(error: AppendError) -> Self {
        match error {
            AppendError::Forbidden(error) => forbidden(&error),
            AppendError::Client(error) => error,
        }
    }
}

/// 403 `M_FORBIDDEN` for an event the authorization rules reject.
pub(super) fn forbidden(error: &AuthError) -> MatrixError {
    MatrixError::forbidden(format!("The event is not allowed in this room: {error}"))
}

/// 400 `M_INVALID_ROOM_STATE`: `/createRoom` asked for state the auth rules reject.
pub(super) fn invalid_room_state(error: &AuthError) -> MatrixError {
    MatrixError::bad_request(
        "M_INVALID_ROOM_STATE",
        format!("The requested initial state is not allowed: {error}"),
    )
}

/// A client-built event that fails the PDU format checks.
pub(super) fn bad_event(error: PduError) -> MatrixError {
    match error {
        PduError::TooLarge(size) => MatrixError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "M_TOO_LARGE",
            format!("The event is {size} bytes, over the 65536-byte limit"),
        ),
        error => MatrixError::bad_json(format!("Invalid event: {error}")),
    }
}

/// Stored data the engine cannot read (a stored event that no longer parses, a room without
/// state): logged here once, 500 to the client.
pub(super) fn corrupt(what: impl std::fmt::Display) -> MatrixError {
    tracing::error!(%what, "room data is inconsistent");
    MatrixError::internal("Internal server error")
}

/// 404 `M_NOT_FOUND` for a room this server does not know.
pub(super) fn unknown_room() -> MatrixError {
    MatrixError::not_found("Unknown room")
}

//! User-interactive authentication (spec § "User-Interactive Authentication API"): the `auth`
//! dict clients send, the 401 body that asks for (more) stages, and identifier objects.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::MatrixError;

/// `m.login.password`.
pub const PASSWORD: &str = "m.login.password";
/// `m.login.dummy`.
pub const DUMMY: &str = "m.login.dummy";
/// `m.login.registration_token`.
pub const REGISTRATION_TOKEN: &str = "m.login.registration_token";

/// The `auth` dict of a request: the stage being attempted and its fields.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct AuthData {
    /// The stage type; may be omitted when only `session` is given.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The session id from the server's 401 response.
    pub session: Option<String>,
    /// The stage's own fields (`identifier`, `password`, `token`…).
    #[serde(flatten)]
    pub fields: Map<String, Value>,
}

/// A user identifier object (spec § "Identifier types").
#[derive(Clone, Debug, Deserialize)]
pub struct UserIdentifier {
    /// `m.id.user`, `m.id.thirdparty` or `m.id.phone`.
    #[serde(rename = "type")]
    pub kind: String,
    /// For `m.id.user`: a user id or a localpart.
    pub user: Option<String>,
}

/// One flow: stages to complete in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuthFlow {
    /// The stage types.
    pub stages: Vec<String>,
}

/// The 401 response asking for authentication: the flows, the session, the stages done so far,
/// and, after a failed attempt, the error of that attempt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UiaChallenge {
    /// The flows the client may follow.
    pub flows: Vec<AuthFlow>,
    /// Parameters per stage type.
    pub params: Map<String, Value>,
    /// The session id the client passes back.
    pub session: String,
    /// Stages completed in this session.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub completed: Vec<String>,
    /// The error code of a failed attempt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errcode: Option<&'static str>,
    /// The message of a failed attempt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What an endpoint behind UIA fails with: a 401 challenge, or an ordinary Matrix error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UiaError {
    /// More authentication is needed (401 with flows).
    Challenge(Box<UiaChallenge>),
    /// Any other failure.
    Error(MatrixError),
}

impl From<MatrixError> for UiaError {
    fn from(error: MatrixError) -> Self {
        UiaError::Error(error)
    }
}

impl From<UiaChallenge> for UiaError {
    fn from(challenge: UiaChallenge) -> Self {
        UiaError::Challenge(Box::new(challenge))
    }
}

impl IntoResponse for UiaError {
    fn into_response(self) -> Response {
        match self {
            UiaError::Challenge(challenge) => {
                (StatusCode::UNAUTHORIZED, Json(*challenge)).into_response()
            }
            UiaError::Error(error) => error.into_response(),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_first_challenge_has_no_completed_stages_and_no_error() {
        let challenge = UiaChallenge {
            flows: vec![AuthFlow {
                stages: vec![PASSWORD.to_owned()],
            }],
            params: Map::new(),
            session: "s".to_owned(),
            completed: Vec::new(),
            errcode: None,
            error: None,
        };
        assert_eq!(
            serde_json::to_value(&challenge).ok(),
            Some(
                json!({"flows": [{"stages": ["m.login.password"]}], "params": {}, "session": "s"})
            )
        );
    }

    #[test]
    fn an_auth_dict_keeps_its_stage_fields() {
        let auth: AuthData =
            serde_json::from_value(json!({"type": "m.login.dummy", "session": "s", "token": "t"}))
                .unwrap_or_default();
        assert_eq!(auth.kind.as_deref(), Some(DUMMY));
        assert_eq!(auth.session.as_deref(), Some("s"));
        assert_eq!(auth.fields.get("token"), Some(&json!("t")));
    }
}

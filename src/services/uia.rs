//! User-interactive authentication (spec § "User-Interactive Authentication API"), one module
//! for every endpoint behind it (`/register`, `/account/password`, `/account/deactivate`,
//! `DELETE /devices/{id}`, `/delete_devices`).
//!
//! Sessions live in the database (`ui_auth_sessions`), bound to the operation (method and path)
//! and to the authenticated requester, so a session opened for one request cannot authorise
//! another. A session expires after [`SESSION_LIFETIME_MS`] and is deleted as soon as a flow
//! completes, so it cannot be replayed. A failed stage answers 401 with the flows and the
//! stage's `errcode`/`error`, as Synapse does; requests that are wrong for other reasons (an
//! unknown session, a changed operation, another user's password) get an ordinary error.

mod flows;

use std::sync::Arc;

use axum::http::StatusCode;
use client_api::uia::{self, AuthData, AuthFlow, UiaChallenge, UserIdentifier};
use client_api::{MatrixError, UiaError};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::credentials::{Credentials, PasswordCheck};
use super::{internal, now_ms, secrets};
use crate::storage::{Database, UiaSession};

/// How long a session stays usable: Synapse's 48 hours.
pub const SESSION_LIFETIME_MS: i64 = 48 * 60 * 60 * 1000;

/// One request that needs user-interactive authentication.
#[derive(Clone, Debug)]
pub struct UiaRequest<'a> {
    /// What the request does, e.g. `POST /account/password`; a session is bound to it.
    pub operation: String,
    /// The authenticated requester, if the endpoint has one; the password stage must be theirs.
    pub user_id: Option<&'a str>,
    /// The flows on offer.
    pub flows: Vec<Vec<&'static str>>,
    /// The `auth` dict of the request.
    pub auth: Option<AuthData>,
}

/// Why a stage attempt failed.
enum StageFailure {
    /// The client may try again: 401 with the flows and this error.
    Retry(MatrixError),
    /// The request is wrong: this error alone.
    Fatal(MatrixError),
}

/// The fields of an `m.login.password` stage.
#[derive(Deserialize)]
struct PasswordStage {
    identifier: Option<UserIdentifier>,
    user: Option<String>,
    password: Option<String>,
}

/// The UIA service.
#[derive(Debug)]
pub struct Uia {
    database: Database,
    credentials: Arc<Credentials>,
    registration_tokens: Vec<String>,
}

impl Uia {
    /// A UIA service checking passwords with `credentials` and registration tokens against
    /// `registration_tokens`.
    pub fn new(
        database: Database,
        credentials: Arc<Credentials>,
        registration_tokens: Vec<String>,
    ) -> Self {
        Self {
            database,
            credentials,
            registration_tokens,
        }
    }

    /// `Ok` once the request's `auth` completes a flow (the session is then spent); otherwise
    /// the 401 challenge or an error.
    pub async fn authenticate(&self, request: UiaRequest<'_>) -> Result<(), UiaError> {
        let Some(auth) = &request.auth else {
            let session = self.new_session(&request).await?;
            return Err(challenge(&request, &session, None).into());
        };
        let mut session = match &auth.session {
            Some(id) => self.existing_session(&request, id).await?,
            None => self.new_session(&request).await?,
        };
        if let Some(stage) = auth.kind.as_deref() {
            if !session.completed.iter().any(|done| done == stage) {
                if !flows::may_attempt(&request.flows, &session.completed, stage) {
                    let error = MatrixError::forbidden(format!(
                        "Stage {stage} is not the next stage of any flow"
                    ));
                    return Err(challenge(&request, &session, Some(error)).into());
                }
                match self.check_stage(&request, stage, auth).await {
                    Ok(()) => {}
                    Err(StageFailure::Retry(error)) => {
                        return Err(challenge(&request, &session, Some(error)).into())
                    }
                    Err(StageFailure::Fatal(error)) => return Err(error.into()),
                }
                session.completed.push(stage.to_owned());
            }
        }
        if flows::is_complete(&request.flows, &session.completed) {
            // Spend the session; if a concurrent request already did, this one lost the race.
            let spent = self
                .database
                .delete_uia_session(&session.session_id)
                .await
                .map_err(internal)?;
            return if spent {
                Ok(())
            } else {
                Err(unknown_session(&session.session_id).into())
            };
        }
        self.database
            .set_uia_completed(&session.session_id, &session.completed)
            .await
            .map_err(internal)?;
        Err(challenge(&request, &session, None).into())
    }

    async fn new_session(&self, request: &UiaRequest<'_>) -> Result<UiaSession, MatrixError> {
        let now = now_ms();
        self.database
            .delete_expired_uia_sessions(now - SESSION_LIFETIME_MS)
            .await
            .map_err(internal)?;
        let session = UiaSession {
            session_id: secrets::session_id(),
            operation: request.operation.clone(),
            user_id: request.user_id.map(str::to_owned),
            completed: Vec::new(),
            created_ts: now,
        };
        self.database
            .create_uia_session(&session)
            .await
            .map_err(internal)?;
        Ok(session)
    }

    async fn existing_session(
        &self,
        request: &UiaRequest<'_>,
        session_id: &str,
    ) -> Result<UiaSession, MatrixError> {
        let session = self
            .database
            .get_uia_session(session_id)
            .await
            .map_err(internal)?
            .filter(|s| now_ms() - s.created_ts < SESSION_LIFETIME_MS)
            .ok_or_else(|| unknown_session(session_id))?;
        if session.operation != request.operation || session.user_id.as_deref() != request.user_id {
            return Err(MatrixError::forbidden(
                "Requested operation has changed during the UI authentication session.",
            ));
        }
        Ok(session)
    }

    async fn check_stage(
        &self,
        request: &UiaRequest<'_>,
        stage: &str,
        auth: &AuthData,
    ) -> Result<(), StageFailure> {
        match stage {
            uia::DUMMY => Ok(()),
            uia::PASSWORD => self.check_password_stage(request, auth).await,
            uia::REGISTRATION_TOKEN => {
                let token = auth
                    .fields
                    .get("token")
                    .and_then(Value::as_str)
                    .ok_or_else(|| {
                        StageFailure::Retry(MatrixError::missing_param(
                            "Missing registration token",
                        ))
                    })?;
                if self.registration_tokens.iter().any(|known| known == token) {
                    Ok(())
                } else {
                    Err(StageFailure::Retry(MatrixError::new(
                        StatusCode::UNAUTHORIZED,
                        "M_UNAUTHORIZED",
                        "Invalid registration token",
                    )))
                }
            }
            _ => Err(StageFailure::Retry(MatrixError::bad_request(
                "M_UNRECOGNIZED",
                format!("Unrecognised login type {stage}"),
            ))),
        }
    }

    async fn check_password_stage(
        &self,
        request: &UiaRequest<'_>,
        auth: &AuthData,
    ) -> Result<(), StageFailure> {
        let fields: PasswordStage = serde_json::from_value(Value::Object(auth.fields.clone()))
            .map_err(|e| StageFailure::Retry(MatrixError::bad_json(e.to_string())))?;
        let password = fields.password.as_deref().ok_or_else(|| {
            StageFailure::Retry(MatrixError::missing_param("Missing parameter: password"))
        })?;
        // An unknown third-party id is a plain 403 (spec § "Password-based").
        let named = self
            .credentials
            .user_named(fields.identifier.as_ref(), fields.user.as_deref())
            .map_err(|error| match error.status {
                StatusCode::FORBIDDEN => StageFailure::Fatal(error),
                _ => StageFailure::Retry(error),
            })?;
        let check = self
            .credentials
            .check_password(&named, password)
            .await
            .map_err(StageFailure::Fatal)?;
        match check {
            PasswordCheck::Valid(user_id) => match request.user_id {
                Some(requester) if requester != user_id => Err(StageFailure::Fatal(
                    MatrixError::forbidden("Invalid auth: the password is not the requester's"),
                )),
                _ => Ok(()),
            },
            PasswordCheck::Invalid => Err(StageFailure::Retry(MatrixError::forbidden(
                "Invalid password",
            ))),
            PasswordCheck::Deactivated => Err(StageFailure::Fatal(MatrixError::forbidden(
                "This account has been deactivated",
            ))),
        }
    }
}

fn unknown_session(session_id: &str) -> MatrixError {
    MatrixError::bad_request("M_UNKNOWN", format!("Unknown session ID: {session_id}"))
}

/// The 401 body for `session`, with the error of a failed attempt if any.
fn challenge(
    request: &UiaRequest<'_>,
    session: &UiaSession,
    error: Option<MatrixError>,
) -> UiaChallenge {
    UiaChallenge {
        flows: request
            .flows
            .iter()
            .map(|stages| AuthFlow {
                stages: stages.iter().map(|s| (*s).to_owned()).collect(),
            })
            .collect(),
        params: Map::new(),
        session: session.session_id.clone(),
        completed: session.completed.clone(),
        errcode: error.as_ref().map(|e| e.errcode),
        error: error.map(|e| e.error),
    }
}

#[cfg(test)]
mod tests;

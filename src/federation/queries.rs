//! Asking other servers about their users and aliases (spec server-server § "Querying for
//! information"), for the client API's `/profile` and `/directory/room` of remote ids.

use axum::http::StatusCode;
use client_api::MatrixError;
use reqwest::Method;
use serde_json::Value;

use super::client::{FederationClient, FederationError};

/// A remote user's display name and avatar URL.
pub async fn remote_profile(
    client: &FederationClient,
    server: &str,
    user_id: &str,
) -> Result<(Option<String>, Option<String>), MatrixError> {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("user_id", user_id)
        .finish();
    let path = format!("/_matrix/federation/v1/query/profile?{query}");
    let answer = client
        .request(Method::GET, server, &path, None)
        .await
        .map_err(|e| as_client_error(e, "Profile was not found"))?;
    let text = |key: &str| answer.get(key).and_then(Value::as_str).map(str::to_owned);
    Ok((text("displayname"), text("avatar_url")))
}

/// A remote alias's room and the servers to join it through.
pub async fn remote_alias(
    client: &FederationClient,
    server: &str,
    alias: &str,
) -> Result<(String, Vec<String>), MatrixError> {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("room_alias", alias)
        .finish();
    let path = format!("/_matrix/federation/v1/query/directory?{query}");
    let answer = client
        .request(Method::GET, server, &path, None)
        .await
        .map_err(|e| as_client_error(e, "Room alias not found"))?;
    let room_id = answer
        .get("room_id")
        .and_then(Value::as_str)
        .filter(|id| state_res::ids::check_room_id(id).is_ok())
        .ok_or_else(|| bad_gateway(server))?
        .to_owned();
    let servers = answer
        .get("servers")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .filter(|s| state_res::ids::check_server_name(s).is_ok())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    Ok((room_id, servers))
}

/// The remote's 404 is the client's 404; anything else (unreachable, refused, malformed) is
/// 502, as Synapse answers for a failed remote query.
fn as_client_error(error: FederationError, not_found: &str) -> MatrixError {
    match error {
        FederationError::Status { status, .. } if status == StatusCode::NOT_FOUND => {
            MatrixError::not_found(not_found)
        }
        other => {
            tracing::info!(error = %other, "remote query failed");
            MatrixError::new(StatusCode::BAD_GATEWAY, "M_UNKNOWN", other.to_string())
        }
    }
}

fn bad_gateway(server: &str) -> MatrixError {
    MatrixError::new(
        StatusCode::BAD_GATEWAY,
        "M_UNKNOWN",
        format!("{server} answered the query with an invalid body"),
    )
}

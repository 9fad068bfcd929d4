//! `GET /_matrix/federation/v1/backfill/{roomId}?v=…&limit=…`: the events preceding the `v`
//! events (repeated parameter), the `v` events included, up to `limit`.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde_json::Value;

use super::{invalid_param, missing_param, transaction, EventsPort};
use crate::auth::Origin;
use crate::endpoint::{Auth, Endpoint};
use crate::{MatrixError, ServerKeysPort};

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &["/_matrix/federation/v1/backfill/{room_id}"],
    auth: Auth::XMatrix,
};

/// `{origin, origin_server_ts, pdus}`, newest first.
pub async fn handler<P: EventsPort + ServerKeysPort>(
    State(port): State<Arc<P>>,
    Origin(origin): Origin,
    Path(room_id): Path<String>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Json<Value>, MatrixError> {
    let (from, limit) = parse(pairs)?;
    let pdus = port.backfill(&origin, &room_id, &from, limit).await?;
    Ok(Json(transaction(port.server_name(), pdus)))
}

/// The `v` values (at least one) and `limit` (required, a non-negative integer).
fn parse(pairs: Vec<(String, String)>) -> Result<(Vec<String>, u64), MatrixError> {
    let mut from = Vec::new();
    let mut limit = None;
    for (key, value) in pairs {
        match key.as_str() {
            "v" => from.push(value),
            "limit" => {
                let parsed = value
                    .parse::<u64>()
                    .map_err(|_| invalid_param(format!("limit must be an integer: {value:?}")))?;
                limit = Some(parsed);
            }
            _ => {}
        }
    }
    if from.is_empty() {
        return Err(missing_param("v"));
    }
    Ok((from, limit.ok_or_else(|| missing_param("limit"))?))
}

#[cfg(test)]
mod tests {
    use super::parse;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn v_is_repeated_and_limit_required() {
        let (from, limit) = parse(pairs(&[("v", "$a"), ("limit", "5"), ("v", "$b")])).unwrap();
        assert_eq!((from, limit), (vec!["$a".to_owned(), "$b".to_owned()], 5));
        assert_eq!(
            parse(pairs(&[("limit", "5")])).unwrap_err().errcode,
            "M_MISSING_PARAM"
        );
        assert_eq!(
            parse(pairs(&[("v", "$a")])).unwrap_err().errcode,
            "M_MISSING_PARAM"
        );
        assert_eq!(
            parse(pairs(&[("v", "$a"), ("limit", "x")]))
                .unwrap_err()
                .errcode,
            "M_INVALID_PARAM"
        );
    }
}

//! `PUT /_matrix/federation/v1/send/{txnId}`: a transaction of PDUs and EDUs from another
//! server.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::MethodFilter;
use axum::Json;
use serde_json::Value;

use super::{Transaction, TransactionsPort};
use crate::auth::Origin;
use crate::endpoint::{Auth, Endpoint};
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::PUT,
    paths: &["/_matrix/federation/v1/send/{txn_id}"],
    auth: Auth::XMatrix,
};

/// The most PDUs a transaction may carry (spec § "Transactions").
pub const MAX_PDUS: usize = 50;
/// The most EDUs a transaction may carry (spec § "Transactions").
pub const MAX_EDUS: usize = 100;

/// Checks the body and hands the transaction to the engine.
pub async fn handler<P: TransactionsPort>(
    State(port): State<Arc<P>>,
    Origin(origin): Origin,
    Path(txn_id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, MatrixError> {
    let body: Value = serde_json::from_slice(&body).map_err(|e| {
        MatrixError::new(
            StatusCode::BAD_REQUEST,
            "M_NOT_JSON",
            format!("Content not JSON: {e}"),
        )
    })?;
    let transaction = parse(&origin, body)?;
    Ok(Json(
        port.receive_transaction(&origin, &txn_id, transaction)
            .await?,
    ))
}

/// The transaction in `body`: an object with a `pdus` array of at most [`MAX_PDUS`] and an
/// optional `edus` array of at most [`MAX_EDUS`] (else 400 `M_BAD_JSON`), whose `origin`, if
/// given, is the server that signed the request (else 403 `M_FORBIDDEN`).
pub fn parse(origin: &str, body: Value) -> Result<Transaction, MatrixError> {
    let bad_json = |error: &str| MatrixError::new(StatusCode::BAD_REQUEST, "M_BAD_JSON", error);
    let Value::Object(mut body) = body else {
        return Err(bad_json("The transaction is not a JSON object"));
    };
    match body.get("origin") {
        None => {}
        Some(Value::String(claimed)) if claimed == origin => {}
        Some(_) => {
            return Err(MatrixError::new(
                StatusCode::FORBIDDEN,
                "M_FORBIDDEN",
                "The transaction's origin is not the server that signed the request",
            ))
        }
    }
    let pdus = match body.remove("pdus") {
        Some(Value::Array(pdus)) => pdus,
        _ => return Err(bad_json("The transaction needs a `pdus` array")),
    };
    let edus = match body.remove("edus") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(edus)) => edus,
        Some(_) => return Err(bad_json("`edus` must be an array")),
    };
    if pdus.len() > MAX_PDUS {
        return Err(bad_json("A transaction carries at most 50 PDUs"));
    }
    if edus.len() > MAX_EDUS {
        return Err(bad_json("A transaction carries at most 100 EDUs"));
    }
    Ok(Transaction { pdus, edus })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn transactions_are_checked_for_shape_size_and_origin() {
        let ok = parse(
            "a.example",
            json!({"origin": "a.example", "pdus": [{}], "edus": []}),
        );
        assert_eq!(ok.map(|t| t.pdus.len()), Ok(1));
        let no_edus = parse("a.example", json!({"pdus": []})).expect("valid");
        assert!(no_edus.edus.is_empty());
        let code = |body: Value| parse("a.example", body).map(|_| ()).unwrap_err().errcode;
        assert_eq!(code(json!([])), "M_BAD_JSON");
        assert_eq!(code(json!({"edus": []})), "M_BAD_JSON");
        assert_eq!(code(json!({"pdus": {}})), "M_BAD_JSON");
        assert_eq!(code(json!({"pdus": [], "edus": 1})), "M_BAD_JSON");
        assert_eq!(code(json!({"pdus": vec![json!({}); 51]})), "M_BAD_JSON");
        assert_eq!(
            code(json!({"pdus": [], "edus": vec![json!({}); 101]})),
            "M_BAD_JSON"
        );
        assert_eq!(
            code(json!({"origin": "b.example", "pdus": []})),
            "M_FORBIDDEN"
        );
    }
}

//! Server-server requests as a test: `federation_request` signs a request with one running
//! server's key (X-Matrix) and sends it to another over TLS, so the receiver authenticates it
//! for real by fetching the sender's key from the running sender.

use federation::x_matrix::{SignedRequest, XMatrix};
use reqwest::Method;
use serde_json::Value;

use super::{client, TestServer};

/// Sends `method path` with `body` from `from` to `to`, signed as `from`; the status and the
/// JSON body (`Null` if none).
pub async fn federation_request(
    from: &TestServer,
    to: &TestServer,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let key = concord::signing_key::load(&from.signing_key_path()).expect("signing key");
    let header = XMatrix::sign(
        &key,
        &SignedRequest {
            method: method.as_str(),
            uri: path,
            origin: &from.server_name,
            destination: &to.server_name,
            content: body,
        },
    )
    .expect("sign")
    .to_header();
    let mut request = client()
        .request(method, to.url(path))
        .header("Authorization", header);
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.expect("federation request");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

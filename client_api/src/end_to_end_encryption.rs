//! Spec module "End-to-End Encryption", § "Key management API": uploading, querying and
//! claiming device keys, and the users whose device lists changed between two sync tokens.

pub mod claim_keys;
pub mod get_key_changes;
pub mod query_keys;
pub mod upload_cross_signing_keys;
pub mod upload_keys;
pub mod upload_signatures;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use axum::Router;
use serde_json::{Map, Value};

use crate::auth::ClientUser;
use crate::endpoint::mount;
use crate::uia::UiaError;
use crate::MatrixError;

/// `{user_id: {device_id: value}}`.
pub type PerDevice<T> = BTreeMap<String, BTreeMap<String, T>>;

/// What the key handlers need from the engine.
pub trait KeysPort: Send + Sync + 'static {
    /// `POST /keys/upload`: the caller's device's unclaimed one-time key counts afterwards.
    fn upload_keys(
        &self,
        user: &ClientUser,
        request: upload_keys::Request,
    ) -> impl Future<Output = Result<BTreeMap<String, u64>, MatrixError>> + Send;

    /// `POST /keys/query`: the device keys of local and remote users.
    fn query_keys(
        &self,
        user: &ClientUser,
        request: query_keys::Request,
    ) -> impl Future<Output = Result<query_keys::Response, MatrixError>> + Send;

    /// `POST /keys/claim`: one key per requested device and algorithm.
    fn claim_keys(
        &self,
        user: &ClientUser,
        request: claim_keys::Request,
    ) -> impl Future<Output = Result<claim_keys::Response, MatrixError>> + Send;

    /// `POST /keys/device_signing/upload`; `operation` names the request the UIA session is
    /// bound to.
    fn upload_cross_signing_keys(
        &self,
        user: &ClientUser,
        request: upload_cross_signing_keys::Request,
        operation: String,
    ) -> impl Future<Output = Result<(), UiaError>> + Send;

    /// `POST /keys/signatures/upload`: the signatures that could not be stored, with why.
    fn upload_signatures(
        &self,
        user: &ClientUser,
        request: Map<String, Value>,
    ) -> impl Future<Output = Result<Map<String, Value>, MatrixError>> + Send;

    /// `GET /keys/changes`: the users whose device lists changed between two sync tokens.
    fn key_changes(
        &self,
        user: &ClientUser,
        from: &str,
        to: &str,
    ) -> impl Future<Output = Result<KeyChanges, MatrixError>> + Send;
}

/// Users whose device lists changed, and users no longer sharing a room (`/keys/changes`, as
/// `device_lists` in `/sync`).
pub type KeyChanges = crate::sync::DeviceLists;

/// Why a remote server's keys are missing: `failures` of `/keys/query` and `/keys/claim`.
pub type Failures = Map<String, Value>;

/// Registers every operation of this section on `router`.
pub fn mount_all<P: KeysPort + crate::AccessTokenPort>(router: Router<Arc<P>>) -> Router<Arc<P>> {
    let router = mount(router, &upload_keys::ENDPOINT, upload_keys::handler::<P>);
    let router = mount(router, &query_keys::ENDPOINT, query_keys::handler::<P>);
    let router = mount(router, &claim_keys::ENDPOINT, claim_keys::handler::<P>);
    let router = mount(
        router,
        &upload_cross_signing_keys::ENDPOINT,
        upload_cross_signing_keys::handler::<P>,
    );
    let router = mount(
        router,
        &upload_signatures::ENDPOINT,
        upload_signatures::handler::<P>,
    );
    mount(
        router,
        &get_key_changes::ENDPOINT,
        get_key_changes::handler::<P>,
    )
}

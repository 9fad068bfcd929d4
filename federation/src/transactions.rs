//! Spec server-server § "Transactions": other servers push PDUs and EDUs to us in
//! transactions (`PUT /_matrix/federation/v1/send/{txnId}`).

pub mod send_transaction;

use std::future::Future;

use serde_json::Value;

use crate::MatrixError;

/// A transaction's payload, checked for shape and size.
#[derive(Clone, Debug, PartialEq)]
pub struct Transaction {
    /// The PDUs (at most 50), as sent.
    pub pdus: Vec<Value>,
    /// The EDUs (at most 100), as sent.
    pub edus: Vec<Value>,
}

/// What the transaction handler needs from the engine.
pub trait TransactionsPort: Send + Sync + 'static {
    /// Processes `origin`'s transaction `txn_id` once: the response body
    /// (`{"pdus": {event_id: {} | {"error": …}}}`); a transaction id seen before from the same
    /// origin gets the stored response without being processed again.
    fn receive_transaction(
        &self,
        origin: &str,
        txn_id: &str,
        transaction: Transaction,
    ) -> impl Future<Output = Result<Value, MatrixError>> + Send;
}

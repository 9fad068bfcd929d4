//! One destination's worker: waits out the destination's backoff, sends its queued items a
//! transaction at a time (`PUT /_matrix/federation/v1/send/{txnId}`), and leaves when its
//! queue is empty.

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::sync::{watch, Notify};

use super::{Inner, MAX_EDUS_PER_TRANSACTION, MAX_PDUS_PER_TRANSACTION};
use crate::federation::FederationError;
use crate::services::now_ms;
use crate::storage::{OutgoingTransaction, StorageError};

/// Runs until the destination's queue is empty or the sender shuts down.
pub(super) async fn run(inner: Arc<Inner>, destination: String, wake: Arc<Notify>) {
    let mut shutdown = inner.shutdown.subscribe();
    loop {
        if *shutdown.borrow() {
            return;
        }
        match step(&inner, &destination, &wake, &mut shutdown).await {
            Ok(Step::Continue) => {}
            Ok(Step::Idle) => {
                inner.retire(&destination, &wake);
                // An item queued after the last look but before `retire` woke this worker,
                // which is leaving: look once more, now that a new enqueue starts a new one.
                if inner
                    .database
                    .has_outgoing(&destination)
                    .await
                    .unwrap_or(true)
                {
                    inner.wake(&destination);
                }
                return;
            }
            Ok(Step::Stop) => return,
            Err(error) => {
                tracing::error!(%error, %destination, "federation queue storage error");
                let pause = inner.backoff.delay(1);
                if wait(&mut shutdown, None, pause).await == Waited::Shutdown {
                    return;
                }
            }
        }
    }
}

/// What the worker does next.
enum Step {
    /// Look at the queue again.
    Continue,
    /// Nothing is queued.
    Idle,
    /// The sender shut down.
    Stop,
}

/// One round: wait out a backoff, or send the next transaction.
async fn step(
    inner: &Inner,
    destination: &str,
    wake: &Notify,
    shutdown: &mut watch::Receiver<bool>,
) -> Result<Step, StorageError> {
    let retry = inner.database.destination_retry(destination).await?;
    let now = now_ms();
    if let Some(retry_at) = retry.retry_at_ts.filter(|at| *at > now) {
        // Enqueues wake us, but only to re-read the retry time (a peer that contacted us
        // clears it): they never cut the backoff short.
        let pause = Duration::from_millis(u64::try_from(retry_at - now).unwrap_or(0));
        return Ok(match wait(shutdown, Some(wake), pause).await {
            Waited::Shutdown => Step::Stop,
            _ => Step::Continue,
        });
    }
    let Some(transaction) = inner
        .database
        .next_outgoing_transaction(
            destination,
            MAX_PDUS_PER_TRANSACTION,
            MAX_EDUS_PER_TRANSACTION,
            now,
        )
        .await?
    else {
        return Ok(Step::Idle);
    };
    let result = tokio::select! {
        result = send(inner, destination, &transaction) => result,
        _ = shutdown.wait_for(|stop| *stop) => return Ok(Step::Stop),
    };
    match result {
        Ok(()) => {
            inner
                .database
                .complete_outgoing_transaction(destination, &transaction.txn_id, now_ms())
                .await?;
        }
        Err(error) if refused_for_good(&error) => {
            // Resending the same transaction cannot succeed: drop it rather than block the
            // destination's queue for ever.
            tracing::warn!(%error, destination, txn_id = %transaction.txn_id,
                "transaction refused, dropped");
            inner
                .database
                .complete_outgoing_transaction(destination, &transaction.txn_id, now_ms())
                .await?;
        }
        Err(error) => {
            let failures = retry.failures.saturating_add(1);
            let delay = inner.backoff.delay(failures);
            let retry_at =
                now_ms().saturating_add(i64::try_from(delay.as_millis()).unwrap_or(i64::MAX));
            tracing::info!(%error, destination, failures, retry_in_ms = delay.as_millis() as u64,
                "transaction failed, backing off");
            inner
                .database
                .set_destination_backoff(destination, failures, retry_at)
                .await?;
        }
    }
    Ok(Step::Continue)
}

/// Sends one transaction: `{origin, origin_server_ts, pdus, edus}`.
async fn send(
    inner: &Inner,
    destination: &str,
    transaction: &OutgoingTransaction,
) -> Result<(), FederationError> {
    let parse = |items: &[String]| -> Vec<Value> {
        items
            .iter()
            .filter_map(|text| serde_json::from_str(text).ok())
            .collect()
    };
    let body = json!({
        "origin": inner.client.server_name(),
        "origin_server_ts": now_ms(),
        "pdus": parse(&transaction.pdus),
        "edus": parse(&transaction.edus),
    });
    let path = format!("/_matrix/federation/v1/send/{}", transaction.txn_id);
    let response = inner
        .client
        .request(Method::PUT, destination, &path, Some(&body))
        .await?;
    // Per-PDU errors are the receiver's verdict on the events, not a transport failure.
    if let Some(pdus) = response.get("pdus").and_then(Value::as_object) {
        for (event_id, result) in pdus {
            if let Some(error) = result.get("error") {
                tracing::debug!(destination, event_id, %error, "PDU refused by the destination");
            }
        }
    }
    Ok(())
}

/// 400 and 413: the destination read the transaction and will never accept it.
fn refused_for_good(error: &FederationError) -> bool {
    matches!(
        error,
        FederationError::Status { status, .. }
            if *status == StatusCode::BAD_REQUEST || *status == StatusCode::PAYLOAD_TOO_LARGE
    )
}

#[derive(Debug, PartialEq, Eq)]
enum Waited {
    Elapsed,
    Woken,
    Shutdown,
}

/// Sleeps for `pause`, or until woken (if `wake` is given) or shut down.
async fn wait(
    shutdown: &mut watch::Receiver<bool>,
    wake: Option<&Notify>,
    pause: Duration,
) -> Waited {
    let woken = async {
        match wake {
            Some(wake) => wake.notified().await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::time::sleep(pause) => Waited::Elapsed,
        _ = woken => Waited::Woken,
        _ = shutdown.wait_for(|stop| *stop) => Waited::Shutdown,
    }
}

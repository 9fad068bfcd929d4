//! The durable outgoing federation queue (server-server API § "Transactions"): PDUs and EDUs
//! are written to the database first ([`FederationSender::enqueue_pdu`],
//! [`FederationSender::enqueue_edu`]), then each destination's worker sends them in
//! transactions of at most 50 PDUs and 100 EDUs, in queue order.
//!
//! - One tokio task per destination with queued items (`worker`): a destination that hangs
//!   holds only its own task, up to the request timeout, never another destination's.
//! - A failed transaction is retried with the same id and content after an exponential backoff
//!   (`backoff`), stored in the database, so a restarted server continues it and nothing queued
//!   is lost; a new enqueue never shortens a backoff. A server that contacts us
//!   ([`FederationSender::peer_is_up`]) is retried at once.
//! - [`FederationSender::start`] resumes every destination with queued items (after a
//!   restart); before it, items are only queued.
//!
//! One process per database should run the sender: two would send the same rows (the receiver
//! deduplicates transaction ids, so nothing is processed twice, but work is doubled).

mod backoff;
mod worker;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{watch, Notify};

use super::FederationClient;
use crate::config::FederationConfig;
use crate::services::now_ms;
use crate::storage::{Database, OutgoingKind};

pub use backoff::Backoff;

/// The most PDUs in one transaction (spec § "Transactions").
pub const MAX_PDUS_PER_TRANSACTION: usize = 50;
/// The most EDUs in one transaction (spec § "Transactions").
pub const MAX_EDUS_PER_TRANSACTION: usize = 100;

/// The outgoing federation queue and its per-destination workers.
#[derive(Debug)]
pub struct FederationSender {
    inner: Arc<Inner>,
}

/// What the workers share.
#[derive(Debug)]
struct Inner {
    database: Database,
    client: FederationClient,
    backoff: Backoff,
    /// The wake-up of each destination's running worker.
    workers: Mutex<HashMap<String, Arc<Notify>>>,
    /// Set by `start`: workers run only after it.
    started: AtomicBool,
    /// `true` once the sender is shut down; workers stop at their next wait.
    shutdown: watch::Sender<bool>,
}

impl FederationSender {
    /// A sender for `client`'s server, queueing in `database`, retrying as `config` says.
    pub fn new(database: Database, client: FederationClient, config: &FederationConfig) -> Self {
        let (shutdown, _) = watch::channel(false);
        Self {
            inner: Arc::new(Inner {
                database,
                client,
                backoff: Backoff::new(
                    Duration::from_millis(config.retry_initial_ms),
                    Duration::from_millis(config.retry_max_ms),
                ),
                workers: Mutex::new(HashMap::new()),
                started: AtomicBool::new(false),
                shutdown,
            }),
        }
    }

    /// Queues `pdu` for every destination (except ourselves), commits, and wakes their workers.
    pub async fn enqueue_pdu(&self, destinations: &[String], pdu: &Value) {
        self.enqueue(destinations, OutgoingKind::Pdu, pdu).await;
    }

    /// Queues `edu` for `destination`, commits, and wakes its worker.
    pub async fn enqueue_edu(&self, destination: &str, edu: &Value) {
        self.enqueue(&[destination.to_owned()], OutgoingKind::Edu, edu)
            .await;
    }

    /// Starts a worker for every destination with queued items (restart resumption); from now
    /// on enqueues wake workers.
    pub fn start(&self) {
        if self.inner.started.swap(true, Ordering::SeqCst) {
            return;
        }
        let inner = Arc::clone(&self.inner);
        tokio::spawn(async move {
            match inner.database.destinations_with_outgoing().await {
                Ok(destinations) => {
                    for destination in destinations {
                        inner.wake(&destination);
                    }
                }
                Err(error) => tracing::error!(%error, "cannot resume the federation queue"),
            }
        });
    }

    /// Stops every worker (at its next wait; an in-flight request is abandoned and retried by
    /// the next start). Queued items stay queued.
    pub fn shutdown(&self) {
        self.inner.shutdown.send_replace(true);
    }

    /// `origin` contacted us, so it is up: a backoff towards it ends now and its queue is
    /// sent (Synapse does the same).
    pub async fn peer_is_up(&self, origin: &str) {
        // Read first: most peers are not backed off, and a read costs no write lock.
        match self.inner.database.destination_retry(origin).await {
            Ok(retry) if retry.retry_at_ts.is_none() => return,
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(%error, origin, "cannot read a federation backoff");
                return;
            }
        }
        match self.inner.database.clear_destination_backoff(origin).await {
            Ok(true) => self.inner.wake(origin),
            Ok(false) => {}
            Err(error) => tracing::warn!(%error, origin, "cannot end a federation backoff"),
        }
    }

    async fn enqueue(&self, destinations: &[String], kind: OutgoingKind, item: &Value) {
        let own = self.inner.client.server_name();
        let mut destinations: Vec<String> = destinations
            .iter()
            .filter(|destination| destination.as_str() != own)
            .cloned()
            .collect();
        destinations.sort_unstable();
        destinations.dedup();
        if destinations.is_empty() {
            return;
        }
        let json = item.to_string();
        let queued = self
            .inner
            .database
            .enqueue_outgoing(&destinations, kind, &json, now_ms())
            .await;
        if let Err(error) = queued {
            tracing::error!(%error, ?destinations, "cannot queue a federation item");
            return;
        }
        for destination in &destinations {
            self.inner.wake(destination);
        }
    }
}

impl Inner {
    /// Wakes `destination`'s worker, starting one if none runs (once started, not shut down).
    fn wake(self: &Arc<Self>, destination: &str) {
        if !self.started.load(Ordering::SeqCst) || *self.shutdown.borrow() {
            return;
        }
        let mut workers = self.workers.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(wake) = workers.get(destination) {
            wake.notify_one();
            return;
        }
        let wake = Arc::new(Notify::new());
        workers.insert(destination.to_owned(), Arc::clone(&wake));
        tokio::spawn(worker::run(Arc::clone(self), destination.to_owned(), wake));
    }

    /// Removes the worker of `destination` whose wake-up is `wake` (not a newer one).
    fn retire(&self, destination: &str, wake: &Arc<Notify>) {
        let mut workers = self.workers.lock().unwrap_or_else(|e| e.into_inner());
        if workers
            .get(destination)
            .is_some_and(|current| Arc::ptr_eq(current, wake))
        {
            workers.remove(destination);
        }
    }
}

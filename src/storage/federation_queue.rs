//! The durable outgoing federation queue and the inbound transactions already processed
//! (server-server API § "Transactions"; migration 0012).
//!
//! Outgoing: `federation_outbox` holds one row per PDU or EDU and destination, in id order. A
//! transaction is a batch of a destination's oldest rows; its id is written onto the rows
//! before it is sent ([`Database::next_outgoing_transaction`]), so a retry resends the same
//! rows under the same id, and the rows are deleted once the destination accepted it.
//! `federation_destinations` keeps each destination's backoff across restarts.
//!
//! Inbound: `federation_inbound_transactions` maps (origin, transaction id) to the response
//! given, so a repeated transaction is answered without being processed again.

use super::read::Columns;

use super::{Database, StorageError};

/// What a queued item is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutgoingKind {
    /// A persistent data unit (a room event).
    Pdu,
    /// An ephemeral data unit (typing, receipts, …).
    Edu,
}

impl OutgoingKind {
    fn as_str(self) -> &'static str {
        match self {
            OutgoingKind::Pdu => "pdu",
            OutgoingKind::Edu => "edu",
        }
    }
}

/// A transaction to send to one destination: its id and its items' JSON texts in queue order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingTransaction {
    /// The transaction id (the same on every retry).
    pub txn_id: String,
    /// The PDUs, oldest first.
    pub pdus: Vec<String>,
    /// The EDUs, oldest first.
    pub edus: Vec<String>,
}

/// A destination's retry state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DestinationRetry {
    /// Consecutive failed attempts (0 after a success).
    pub failures: i64,
    /// Not before this time (ms since the epoch); `None`: now.
    pub retry_at_ts: Option<i64>,
    /// The last time a transaction was accepted.
    pub last_success_ts: Option<i64>,
}

/// A transaction received from another server, with the response it got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InboundTransaction {
    /// The transaction id.
    pub txn_id: String,
    /// The response body as JSON text.
    pub response_json: String,
    /// When it was processed (ms since the epoch).
    pub received_ts: i64,
}

impl Database {
    /// Queues `json` for every destination, in one transaction.
    pub async fn enqueue_outgoing(
        &self,
        destinations: &[String],
        kind: OutgoingKind,
        json: &str,
        now_ts: i64,
    ) -> Result<(), StorageError> {
        if destinations.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        for destination in destinations {
            tx.query(
                "INSERT INTO federation_outbox (destination, kind, json, created_ts) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(destination)
            .bind(kind.as_str())
            .bind(json)
            .bind(now_ts)
            .execute()
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The destination's next transaction: the one already started (a retry: same id, same
    /// items), else its oldest `max_pdus` PDUs and `max_edus` EDUs, which get a new id
    /// (`{now_ts}.{first row id}`: ids are never reused, so neither are transaction ids).
    /// `None` when nothing is queued.
    pub async fn next_outgoing_transaction(
        &self,
        destination: &str,
        max_pdus: usize,
        max_edus: usize,
        now_ts: i64,
    ) -> Result<Option<OutgoingTransaction>, StorageError> {
        let mut tx = self.begin_write().await?;
        let started = tx
            .query(
                "SELECT id, kind, json, txn_id FROM federation_outbox \
             WHERE destination = $1 AND txn_id IS NOT NULL ORDER BY id",
            )
            .bind(destination)
            .fetch_all()
            .await?;
        if let Some(first) = started.first() {
            let txn_id: String = first.column("txn_id")?;
            let mut transaction = OutgoingTransaction {
                txn_id: txn_id.clone(),
                pdus: Vec::new(),
                edus: Vec::new(),
            };
            for row in &started {
                // One transaction at a time per destination: all started rows share the id.
                if row.column::<String>("txn_id")? == txn_id {
                    push_item(&mut transaction, row)?;
                }
            }
            tx.commit().await?;
            return Ok(Some(transaction));
        }
        let limit = |kind: &str, max: usize| {
            format!(
                "SELECT id, kind, json FROM federation_outbox \
                 WHERE destination = $1 AND kind = '{kind}' ORDER BY id LIMIT {max}"
            )
        };
        let mut rows = tx
            .query(&limit("pdu", max_pdus))
            .bind(destination)
            .fetch_all()
            .await?;
        rows.extend(
            tx.query(&limit("edu", max_edus))
                .bind(destination)
                .fetch_all()
                .await?,
        );
        let mut ids = rows
            .iter()
            .map(|row| row.column::<i64>("id"))
            .collect::<Result<Vec<_>, _>>()?;
        ids.sort_unstable();
        let Some(first) = ids.first() else {
            tx.commit().await?;
            return Ok(None);
        };
        let txn_id = format!("{now_ts}.{first}");
        let mut transaction = OutgoingTransaction {
            txn_id: txn_id.clone(),
            pdus: Vec::new(),
            edus: Vec::new(),
        };
        for row in &rows {
            push_item(&mut transaction, row)?;
        }
        for chunk in ids.chunks(self.dialect.max_bind_params() - 1) {
            let sql = format!(
                "UPDATE federation_outbox SET txn_id = $1 WHERE id IN ({})",
                super::Dialect::in_list(2, chunk.len())
            );
            let mut query = tx.query(&sql).bind(&txn_id);
            for id in chunk {
                query = query.bind(id);
            }
            query.execute().await?;
        }
        tx.commit().await?;
        Ok(Some(transaction))
    }

    /// The destination accepted transaction `txn_id` (or refused it for good): its rows are
    /// deleted and the destination's backoff is reset.
    pub async fn complete_outgoing_transaction(
        &self,
        destination: &str,
        txn_id: &str,
        now_ts: i64,
    ) -> Result<(), StorageError> {
        let mut tx = self.begin_write().await?;
        tx.query("DELETE FROM federation_outbox WHERE destination = $1 AND txn_id = $2")
            .bind(destination)
            .bind(txn_id)
            .execute()
            .await?;
        tx.query(
            "INSERT INTO federation_destinations (destination, failures, retry_at_ts, \
               last_success_ts) VALUES ($1, 0, NULL, $2) \
             ON CONFLICT (destination) DO UPDATE SET failures = 0, retry_at_ts = NULL, \
               last_success_ts = excluded.last_success_ts",
        )
        .bind(destination)
        .bind(now_ts)
        .execute()
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a failed attempt: `failures` consecutive failures, next attempt at `retry_at_ts`.
    pub async fn set_destination_backoff(
        &self,
        destination: &str,
        failures: i64,
        retry_at_ts: i64,
    ) -> Result<(), StorageError> {
        self.write_query(
            "INSERT INTO federation_destinations (destination, failures, retry_at_ts) \
             VALUES ($1, $2, $3) \
             ON CONFLICT (destination) DO UPDATE SET failures = excluded.failures, \
               retry_at_ts = excluded.retry_at_ts",
        )
        .bind(destination)
        .bind(failures)
        .bind(retry_at_ts)
        .execute()
        .await?;
        Ok(())
    }

    /// Ends a destination's backoff (it contacted us, so it is up again), keeping its history.
    /// Whether it was backing off.
    pub async fn clear_destination_backoff(&self, destination: &str) -> Result<bool, StorageError> {
        let cleared = self
            .write_query(
                "UPDATE federation_destinations SET failures = 0, retry_at_ts = NULL \
             WHERE destination = $1 AND retry_at_ts IS NOT NULL",
            )
            .bind(destination)
            .execute()
            .await?;
        Ok(cleared > 0)
    }

    /// The destination's retry state (the default for a destination never tried).
    pub async fn destination_retry(
        &self,
        destination: &str,
    ) -> Result<DestinationRetry, StorageError> {
        let row = self
            .read_query(
                "SELECT failures, retry_at_ts, last_success_ts FROM federation_destinations \
             WHERE destination = $1",
            )
            .bind(destination)
            .fetch_optional()
            .await?;
        let Some(row) = row else {
            return Ok(DestinationRetry::default());
        };
        Ok(DestinationRetry {
            failures: row.column("failures")?,
            retry_at_ts: row.column("retry_at_ts")?,
            last_success_ts: row.column("last_success_ts")?,
        })
    }

    /// Every destination with queued items, sorted.
    pub async fn destinations_with_outgoing(&self) -> Result<Vec<String>, StorageError> {
        let mut destinations: Vec<String> = self
            .read_query("SELECT DISTINCT destination FROM federation_outbox")
            .fetch_column()
            .await?;
        destinations.sort_unstable();
        Ok(destinations)
    }

    /// Whether anything is queued for `destination`.
    pub async fn has_outgoing(&self, destination: &str) -> Result<bool, StorageError> {
        let id: Option<i64> = self
            .write_query("SELECT id FROM federation_outbox WHERE destination = $1 LIMIT 1")
            .bind(destination)
            .fetch_scalar()
            .await?;
        Ok(id.is_some())
    }

    /// The response given to `origin`'s transaction `txn_id`, if it was processed.
    pub async fn inbound_transaction(
        &self,
        origin: &str,
        txn_id: &str,
    ) -> Result<Option<String>, StorageError> {
        self.write_query(
            "SELECT response_json FROM federation_inbound_transactions \
             WHERE origin = $1 AND txn_id = $2",
        )
        .bind(origin)
        .bind(txn_id)
        .fetch_scalar()
        .await
    }

    /// Records the response to `origin`'s transaction `txn_id` (the first one stays).
    pub async fn store_inbound_transaction(
        &self,
        origin: &str,
        txn_id: &str,
        response_json: &str,
        now_ts: i64,
    ) -> Result<(), StorageError> {
        self.write_query(
            "INSERT INTO federation_inbound_transactions (origin, txn_id, response_json, \
               received_ts) VALUES ($1, $2, $3, $4) ON CONFLICT (origin, txn_id) DO NOTHING",
        )
        .bind(origin)
        .bind(txn_id)
        .bind(response_json)
        .bind(now_ts)
        .execute()
        .await?;
        Ok(())
    }

    /// The transactions received from `origin`, in the order they were processed.
    pub async fn inbound_transactions(
        &self,
        origin: &str,
    ) -> Result<Vec<InboundTransaction>, StorageError> {
        let rows = self
            .read_query(
                "SELECT txn_id, response_json, received_ts FROM federation_inbound_transactions \
             WHERE origin = $1 ORDER BY received_ts, txn_id",
            )
            .bind(origin)
            .fetch_all()
            .await?;
        rows.iter()
            .map(|row| {
                Ok(InboundTransaction {
                    txn_id: row.column("txn_id")?,
                    response_json: row.column("response_json")?,
                    received_ts: row.column("received_ts")?,
                })
            })
            .collect()
    }
}

/// Adds a queued row's JSON to the transaction's PDUs or EDUs, by its kind.
fn push_item(
    transaction: &mut OutgoingTransaction,
    row: &impl Columns,
) -> Result<(), StorageError> {
    let kind: String = row.column("kind")?;
    let json: String = row.column("json")?;
    if kind == OutgoingKind::Pdu.as_str() {
        transaction.pdus.push(json);
    } else {
        transaction.edus.push(json);
    }
    Ok(())
}

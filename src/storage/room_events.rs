//! Persisting an event the room engine accepted, with everything that changes with it, in one
//! transaction: the event row and its stream position, the state after it (a new state group
//! for a state event, the state before it otherwise), the room's current state, its forward
//! extremities, the current membership of a member event's target, the client transaction
//! id it was sent with, and the event a redaction redacts or a state event replaced. A crash
//! never leaves an event without its state or a room whose current state points past its last
//! event.

use super::write::Tx;

use super::events::insert_event;
use super::state::insert_state_group;
use super::{Database, NewEvent, StateGroupId, StorageError, StreamPosition};

const MEMBER: &str = "m.room.member";

/// The room row written with a room's create event.
#[derive(Clone, Debug)]
pub struct NewRoom<'a> {
    /// The room id.
    pub room_id: &'a str,
    /// The room version identifier, e.g. `"10"`.
    pub room_version: &'a str,
    /// The create event's sender.
    pub creator: &'a str,
    /// Now, ms since the epoch.
    pub created_ts: i64,
}

/// The client transaction an event was sent with (spec § "Transaction identifiers").
#[derive(Clone, Debug)]
pub struct NewTransaction<'a> {
    /// The sender.
    pub user_id: &'a str,
    /// The sending device (`""` for a token without one).
    pub device_id: &'a str,
    /// The endpoint's path without the transaction id.
    pub request_path: &'a str,
    /// The client's transaction id.
    pub txn_id: &'a str,
    /// Now, ms since the epoch.
    pub created_ts: i64,
}

/// An accepted room event and what changes with it.
#[derive(Clone, Debug)]
pub struct RoomEventWrite<'a> {
    /// The event; a state event when `event.state_key` is set.
    pub event: NewEvent<'a>,
    /// The room row, for the room's create event.
    pub new_room: Option<NewRoom<'a>>,
    /// The room's state before the event; `None` only for the create event.
    pub state_before: Option<StateGroupId>,
    /// The event's `prev_events`: they stop being forward extremities.
    pub prev_events: &'a [String],
    /// For an `m.room.member` event, the target's new membership.
    pub membership: Option<&'a str>,
    /// The client transaction the event was sent with.
    pub transaction: Option<NewTransaction<'a>>,
    /// For an accepted `m.room.redaction`, the event it redacts (recorded in
    /// `event_redactions`, so readers serve the target redacted).
    pub redacts: Option<&'a str>,
    /// For a state event, the event at its key in the state before it.
    pub replaces_state: Option<&'a str>,
}

/// Where a persisted event landed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PersistedEvent {
    /// Its position in the `events` stream.
    pub stream_position: StreamPosition,
    /// The room's state after it.
    pub state_group: StateGroupId,
}

impl Database {
    /// Stores an accepted room event with its state, the room's new current state and forward
    /// extremity, membership and transaction id, in one transaction.
    /// [`StorageError::Conflict`] if the event id (or the transaction id) is already stored;
    /// [`StorageError::Invalid`] for a non-state event without a state before it.
    pub async fn persist_room_event(
        &self,
        write: &RoomEventWrite<'_>,
    ) -> Result<PersistedEvent, StorageError> {
        let event = &write.event;
        let mut tx = self.begin_write().await?;
        if let Some(room) = &write.new_room {
            insert_room(&mut tx, room).await?;
        }
        let stream_position = insert_event(&mut tx, event).await?;
        let state_group = match (event.state_key, write.state_before) {
            (Some(state_key), parent) => {
                let change = ((event.event_type, state_key), Some(event.event_id));
                insert_state_group(&mut tx, self.dialect, event.room_id, parent, &[change]).await?
            }
            (None, Some(group)) => group,
            (None, None) => {
                return Err(StorageError::Invalid(format!(
                    "event {} has no state before it",
                    event.event_id
                )))
            }
        };
        record_state_after(&mut tx, event.event_id, state_group).await?;
        set_current_state(&mut tx, event.room_id, state_group).await?;
        advance_extremities(&mut tx, event, write.prev_events).await?;
        if let (Some(membership), MEMBER, Some(user_id)) =
            (write.membership, event.event_type, event.state_key)
        {
            upsert_membership(&mut tx, event, user_id, membership).await?;
        }
        if let Some(txn) = &write.transaction {
            insert_transaction(&mut tx, txn, event.event_id).await?;
        }
        insert_links(&mut tx, event, write.redacts, write.replaces_state).await?;
        tx.commit().await?;
        Ok(PersistedEvent {
            stream_position,
            state_group,
        })
    }
}

/// Records `group` as the state after `event_id`.
pub(super) async fn record_state_after(
    conn: &mut Tx<'_>,
    event_id: &str,
    group: StateGroupId,
) -> Result<(), StorageError> {
    conn.query("INSERT INTO event_state_groups (event_id, state_group) VALUES ($1, $2)")
        .bind(event_id)
        .bind(group.0)
        .execute()
        .await?;
    Ok(())
}

/// Points the room's current state at `group`.
pub(super) async fn set_current_state(
    conn: &mut Tx<'_>,
    room_id: &str,
    group: StateGroupId,
) -> Result<(), StorageError> {
    conn.query(
        "INSERT INTO room_current_state (room_id, state_group) VALUES ($1, $2) \
         ON CONFLICT (room_id) DO UPDATE SET state_group = excluded.state_group",
    )
    .bind(room_id)
    .bind(group.0)
    .execute()
    .await?;
    Ok(())
}

pub(super) async fn insert_room(conn: &mut Tx<'_>, room: &NewRoom<'_>) -> Result<(), StorageError> {
    conn.query(
        "INSERT INTO rooms (room_id, room_version, creator, created_ts) VALUES ($1, $2, $3, $4)",
    )
    .bind(room.room_id)
    .bind(room.room_version)
    .bind(room.creator)
    .bind(room.created_ts)
    .execute()
    .await?;
    Ok(())
}

/// The event replaces its `prev_events` among the room's forward extremities.
pub(super) async fn advance_extremities(
    conn: &mut Tx<'_>,
    event: &NewEvent<'_>,
    prev_events: &[String],
) -> Result<(), StorageError> {
    for prev in prev_events {
        conn.query("DELETE FROM room_forward_extremities WHERE room_id = $1 AND event_id = $2")
            .bind(event.room_id)
            .bind(prev)
            .execute()
            .await?;
    }
    conn.query("INSERT INTO room_forward_extremities (room_id, event_id) VALUES ($1, $2)")
        .bind(event.room_id)
        .bind(event.event_id)
        .execute()
        .await?;
    Ok(())
}

pub(super) async fn upsert_membership(
    conn: &mut Tx<'_>,
    event: &NewEvent<'_>,
    user_id: &str,
    membership: &str,
) -> Result<(), StorageError> {
    conn.query(
        "INSERT INTO room_memberships (room_id, user_id, membership, event_id) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (room_id, user_id) \
         DO UPDATE SET membership = excluded.membership, event_id = excluded.event_id",
    )
    .bind(event.room_id)
    .bind(user_id)
    .bind(membership)
    .bind(event.event_id)
    .execute()
    .await?;
    Ok(())
}

/// The `event_redactions` and `event_replaces_state` rows of the event, if any.
pub(super) async fn insert_links(
    conn: &mut Tx<'_>,
    event: &NewEvent<'_>,
    redacts: Option<&str>,
    replaces_state: Option<&str>,
) -> Result<(), StorageError> {
    if let Some(redacts) = redacts {
        conn.query(
            "INSERT INTO event_redactions (redacts, redaction_id, room_id) VALUES ($1, $2, $3)",
        )
        .bind(redacts)
        .bind(event.event_id)
        .bind(event.room_id)
        .execute()
        .await?;
    }
    if let (Some(replaced), Some(_)) = (replaces_state, event.state_key) {
        conn.query("INSERT INTO event_replaces_state (event_id, replaces_state) VALUES ($1, $2)")
            .bind(event.event_id)
            .bind(replaced)
            .execute()
            .await?;
    }
    Ok(())
}

async fn insert_transaction(
    conn: &mut Tx<'_>,
    txn: &NewTransaction<'_>,
    event_id: &str,
) -> Result<(), StorageError> {
    conn.query(
        "INSERT INTO event_transactions \
         (user_id, device_id, request_path, txn_id, event_id, created_ts) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(txn.user_id)
    .bind(txn.device_id)
    .bind(txn.request_path)
    .bind(txn.txn_id)
    .bind(event_id)
    .bind(txn.created_ts)
    .execute()
    .await?;
    Ok(())
}

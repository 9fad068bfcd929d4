//! Persisting events that arrived from other servers: the room engine decided (checks on
//! receipt, spec `server-server-api.md` § "Checks performed on receipt of a PDU") whether each
//! one is accepted, rejected or soft-failed, and what the state before it is; this stores it
//! in one transaction with what changes with it.
//!
//! - **Accepted**: like a local event (`room_events`): the state after it, its place among the
//!   forward extremities, the room's current state (the caller's resolved state when the room
//!   has forked), the target's membership, redaction and replaced-state links.
//! - **Rejected**: the event row with its reason and the state before it (the state "after" a
//!   rejected event is the state before it); never in the timeline, never an extremity.
//! - **Soft-failed**: stored as an outlier with the state after it, so later events may
//!   reference it, but clients never see it and it never becomes an extremity.
//! - **Outliers** (auth and state events fetched to check others): the event row only.

use super::events::insert_event;
use super::room_events::{
    advance_extremities, insert_links, insert_room, record_state_after, set_current_state,
    upsert_membership,
};
use super::state::insert_state_group;
use super::write::Tx;
use super::{Database, Dialect, NewEvent, NewRoom, StateGroupId, StorageError, StreamPosition};

const MEMBER: &str = "m.room.member";

/// What the engine decided about a received event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Part of the room; `current_state` is the room's resolved state after it when it differs
    /// from the state after the event (a fork), else `None`.
    Accepted {
        /// The resolved current state, if not the state after the event.
        current_state: Option<StateGroupId>,
    },
    /// Failed the auth rules (`NewEvent::rejection_reason` says why).
    Rejected,
    /// Passed against the state before it, failed against the current state.
    SoftFailed,
}

/// A received event and what changes with it.
#[derive(Clone, Debug)]
pub struct RemoteEventWrite<'a> {
    /// The event.
    pub event: NewEvent<'a>,
    /// The room row, when this event creates the room here (the join that brings this server
    /// into a room another server hosts).
    pub new_room: Option<NewRoom<'a>>,
    /// The state before the event, already stored.
    pub state_before: StateGroupId,
    /// The event's `prev_events`.
    pub prev_events: &'a [String],
    /// For an `m.room.member` event, the target's membership.
    pub membership: Option<&'a str>,
    /// For an `m.room.redaction`, the event it redacts.
    pub redacts: Option<&'a str>,
    /// For a state event, the event it replaces in the state before it.
    pub replaces_state: Option<&'a str>,
    /// Accepted, rejected or soft-failed.
    pub verdict: Verdict,
}

impl Database {
    /// Stores a received event as `write.verdict` says; the stream position and the state
    /// group recorded for it. [`StorageError::Conflict`] if the event is already stored.
    pub async fn persist_remote_event(
        &self,
        write: &RemoteEventWrite<'_>,
    ) -> Result<(StreamPosition, StateGroupId), StorageError> {
        let mut tx = self.begin_write().await?;
        let written = write_remote_event(&mut tx, self.dialect, write).await?;
        tx.commit().await?;
        Ok(written)
    }

    /// Stores received events, in order, in one transaction (a run of events that extend one
    /// another, from one inbound transaction); all or none of them.
    /// [`StorageError::Conflict`] if one is already stored.
    pub async fn persist_remote_events(
        &self,
        writes: &[RemoteEventWrite<'_>],
    ) -> Result<(), StorageError> {
        let mut tx = self.begin_write().await?;
        for write in writes {
            write_remote_event(&mut tx, self.dialect, write).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Stores an event as an outlier (an auth or state event fetched to check others), unless
    /// it is already stored. Whether it was new.
    pub async fn persist_outlier(&self, event: &NewEvent<'_>) -> Result<bool, StorageError> {
        let known: Option<String> = self
            .read_query("SELECT event_id FROM events WHERE event_id = $1")
            .bind(event.event_id)
            .fetch_scalar()
            .await?;
        if known.is_some() {
            return Ok(false);
        }
        let outlier = NewEvent {
            outlier: true,
            ..event.clone()
        };
        match self.persist_event(&outlier).await {
            Ok(_) => Ok(true),
            Err(StorageError::Conflict(_)) => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// Forgets the room's forward extremities (this server joins again after leaving: the
    /// join becomes the only one).
    pub async fn clear_forward_extremities(&self, room_id: &str) -> Result<(), StorageError> {
        self.write_query("DELETE FROM room_forward_extremities WHERE room_id = $1")
            .bind(room_id)
            .execute()
            .await?;
        Ok(())
    }

    /// Sets the current memberships of `room_id` from member events of its current state:
    /// `(user id, membership, event id)` (after a state resolution changed them).
    pub async fn set_memberships(
        &self,
        room_id: &str,
        memberships: &[(String, String, String)],
    ) -> Result<(), StorageError> {
        let mut tx = self.begin_write().await?;
        for (user_id, membership, event_id) in memberships {
            tx.query(
                "INSERT INTO room_memberships (room_id, user_id, membership, event_id) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (room_id, user_id) \
                 DO UPDATE SET membership = excluded.membership, event_id = excluded.event_id",
            )
            .bind(room_id)
            .bind(user_id)
            .bind(membership)
            .bind(event_id)
            .execute()
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// One received event's rows, in the caller's transaction.
async fn write_remote_event(
    conn: &mut Tx<'_>,
    dialect: Dialect,
    write: &RemoteEventWrite<'_>,
) -> Result<(StreamPosition, StateGroupId), StorageError> {
    let event = &write.event;
    if let Some(room) = &write.new_room {
        insert_room(conn, room).await?;
    }
    // An event known so far only as an outlier (an auth event, an invite) joins the DAG now.
    conn.query("DELETE FROM events WHERE event_id = $1 AND outlier = $2")
        .bind(event.event_id)
        .bind(true)
        .execute()
        .await?;
    let position = insert_event(conn, event).await?;
    let state_after = match (write.verdict, event.state_key) {
        (Verdict::Rejected, _) | (_, None) => write.state_before,
        (_, Some(state_key)) => {
            let change = ((event.event_type, state_key), Some(event.event_id));
            let parent = Some(write.state_before);
            insert_state_group(conn, dialect, event.room_id, parent, &[change]).await?
        }
    };
    record_state_after(conn, event.event_id, state_after).await?;
    if let Verdict::Accepted { current_state } = write.verdict {
        let current = current_state.unwrap_or(state_after);
        set_current_state(conn, event.room_id, current).await?;
        advance_extremities(conn, event, write.prev_events).await?;
        if let (Some(membership), MEMBER, Some(user_id)) =
            (write.membership, event.event_type, event.state_key)
        {
            upsert_membership(conn, event, user_id, membership).await?;
        }
        insert_links(conn, event, write.redacts, write.replaces_state).await?;
    }
    Ok((position, state_after))
}

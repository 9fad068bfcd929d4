//! The common case on receipt of a PDU: its only prev event is the room's only forward
//! extremity, so the state before it is the room's current state. Checks 4 and 5 then run on
//! the room's cached tip (`head.rs`: current state with its parsed events, validated against
//! the database) without reading the state or the auth events again, and check 6 is check 5
//! (spec `server-server-api.md` § "Checks performed on receipt of a PDU"). Anything else — a
//! fork, a gap, auth events that are not current state — goes the general way (`receive.rs`).

use client_api::MatrixError;
use serde_json::Value;
use state_res::auth::auth_types_for_event;
use state_res::pdu::Pdu;

use super::head::RoomHead;
use super::receive::{auth_event_ids, auth_rules, auth_verdict, new_event, pdu_text, Received};
use super::Rooms;
use crate::services::internal;
use crate::storage::{RemoteEventWrite, StorageError, Verdict};

const CREATE: &str = "m.room.create";
const MEMBER: &str = "m.room.member";
const REDACTION: &str = "m.room.redaction";

impl Rooms {
    /// Checks and stores `pdu` (which passed checks 1–3 and the ACL) on `head` when it extends
    /// the tip and cites only current state as auth events, moving the tip onto it when it is
    /// accepted; `None` when it does not qualify (nothing was written).
    pub(super) async fn receive_on_tip(
        &self,
        pdu: &Pdu,
        head: &mut RoomHead,
    ) -> Result<Option<Received>, MatrixError> {
        let (Some(group), [tip], [prev]) = (
            head.state_group,
            head.prev_events.as_slice(),
            pdu.prev_events(),
        ) else {
            return Ok(None);
        };
        if tip.event_id != *prev {
            return Ok(None);
        }
        let version = head.version;
        let mut keys = auth_types_for_event(
            &version,
            pdu.event_type(),
            pdu.sender(),
            pdu.state_key(),
            pdu.content(),
        );
        keys.push((CREATE.to_owned(), String::new()));
        head.load_events(&self.database, &keys).await?;
        let current: Vec<&Pdu> = keys
            .iter()
            .filter_map(|(kind, key)| head.get(kind, key))
            .collect();
        // Check 4 on the listed auth events, found among the current state's (never rejected).
        let mut listed = Vec::new();
        for id in auth_event_ids(pdu, &version) {
            match current.iter().find(|event| event.event_id() == id) {
                Some(event) => listed.push(*event),
                None => return Ok(None),
            }
        }
        let rejection = auth_verdict(&version, pdu, &listed, |_| false)
            // Check 5: the state before the event is the current state.
            .or_else(|| auth_rules(&version, pdu, &current));
        let json = pdu_text(pdu)?;
        let replaces_state = pdu
            .state_key()
            .and_then(|key| {
                head.state
                    .get(&(pdu.event_type().to_owned(), key.to_owned()))
            })
            .cloned();
        let write = RemoteEventWrite {
            event: new_event(pdu, &json, rejection.as_deref(), false),
            new_room: None,
            state_before: group,
            prev_events: pdu.prev_events(),
            membership: (pdu.event_type() == MEMBER)
                .then(|| pdu.content().get("membership").and_then(Value::as_str))
                .flatten(),
            redacts: (pdu.event_type() == REDACTION)
                .then(|| pdu.redacts())
                .flatten(),
            replaces_state: replaces_state.as_deref(),
            verdict: match rejection {
                Some(_) => Verdict::Rejected,
                None => Verdict::Accepted {
                    current_state: None,
                },
            },
        };
        let state_after = match self.database.persist_remote_event(&write).await {
            Ok((_, state_after)) => state_after,
            Err(StorageError::Conflict(_)) => return Ok(Some(Received::AlreadyKnown)),
            Err(error) => return Err(internal(error)),
        };
        if let Some(reason) = rejection {
            tracing::warn!(event_id = pdu.event_id(), %reason, "rejected a received event");
            return Ok(Some(Received::Rejected(reason)));
        }
        head.advance(pdu.clone(), state_after);
        let target = (pdu.event_type() == MEMBER)
            .then(|| pdu.state_key())
            .flatten();
        self.notifier
            .notify_room(&self.database, pdu.room_id(), target)
            .await;
        Ok(Some(Received::Accepted))
    }
}

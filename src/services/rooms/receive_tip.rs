//! The common case on receipt of PDUs: each one's only prev event is the room's only forward
//! extremity, so the state before it is the room's current state. Checks 4 and 5 then run on
//! the room's cached tip (`head.rs`: current state with its parsed events, validated against
//! the database) without reading the state or the auth events again, and check 6 is check 5
//! (spec `server-server-api.md` § "Checks performed on receipt of a PDU"). A run of non-state
//! events of one inbound transaction that extend one another is written in one database
//! transaction. Anything else — a fork, a gap, auth events that are not current state — goes
//! the general way (`receive.rs`), one event at a time.

use client_api::MatrixError;
use state_res::auth::auth_types_for_event;
use state_res::pdu::Pdu;
use state_res::room_version::RoomVersion;

use super::head::RoomHead;
use super::links::{membership, redacts, replaced_state};
use super::receive::{auth_event_ids, auth_rules, auth_verdict, new_event, pdu_text, Received};
use super::remote::RemoteEvents;
use super::Rooms;
use crate::services::internal;
use crate::storage::{RemoteEventWrite, StateGroupId, StorageError, Verdict};

const CREATE: &str = "m.room.create";
const MEMBER: &str = "m.room.member";

/// A PDU checked on the tip, not written yet.
struct Checked<'a> {
    pdu: &'a Pdu,
    json: String,
    /// The tip's state group (the state before and after it: it is not a state event).
    state: StateGroupId,
    /// Why it fails the auth rules, if it does.
    rejection: Option<String>,
}

/// One result per PDU of a run, in order.
type Results = Vec<Result<Received, MatrixError>>;

impl Rooms {
    /// Checks and stores PDUs of one room that passed checks 1–3, in the order given, under one
    /// hold of the room's lock: one result per PDU.
    pub async fn receive_pdus(
        &self,
        origin: &str,
        pdus: &[Pdu],
        remote: &impl RemoteEvents,
    ) -> Results {
        let mut results = Vec::with_capacity(pdus.len());
        if let Some(first) = pdus.first() {
            if let Err(error) = self
                .receive_run(origin, first.room_id(), pdus, remote, &mut results)
                .await
            {
                results.resize(pdus.len(), Err(error));
            }
        }
        results
    }

    async fn receive_run(
        &self,
        origin: &str,
        room_id: &str,
        pdus: &[Pdu],
        remote: &impl RemoteEvents,
        results: &mut Results,
    ) -> Result<(), MatrixError> {
        let version = self.known_version(room_id).await?;
        let _lock = self.locks.lock(room_id).await;
        let mut head = self.room_head(room_id).await.ok();
        match head.as_mut() {
            Some(tip) => {
                if let Err(denied) = self.check_server_acl_on(tip, origin).await {
                    self.heads.put(tip.clone());
                    return Err(denied);
                }
            }
            // A room without a loadable tip (no current state yet) goes the general way.
            None => self.check_server_acl(room_id, origin).await?,
        }
        let mut run: Vec<Checked> = Vec::new();
        for pdu in pdus {
            if pdu.room_id() != room_id {
                results.push(Err(MatrixError::invalid_param("Not an event of this room")));
                continue;
            }
            if let Some(tip) = head.as_mut().filter(|_| pdu.state_key().is_none()) {
                match self.check_on_tip(pdu, tip).await {
                    Ok(Some((rejection, state))) => {
                        if rejection.is_none() {
                            tip.advance(pdu.clone(), state);
                        }
                        let json = pdu_text(pdu)?;
                        run.push(Checked {
                            pdu,
                            json,
                            state,
                            rejection,
                        });
                        continue;
                    }
                    Ok(None) => {}
                    Err(error) => {
                        self.write_run(origin, &mut run, &version, remote, results)
                            .await;
                        results.push(Err(error));
                        head = self.reload_head(room_id).await;
                        continue;
                    }
                }
            }
            if !self
                .write_run(origin, &mut run, &version, remote, results)
                .await
            {
                head = self.reload_head(room_id).await;
            }
            let on_tip = match head.as_mut() {
                Some(tip) => self.receive_on_tip(pdu, tip).await,
                None => Ok(None),
            };
            match on_tip {
                Ok(Some(received)) => results.push(Ok(received)),
                Ok(None) => {
                    results.push(self.receive_general(origin, pdu, &version, remote).await);
                    head = self.reload_head(room_id).await;
                }
                Err(error) => {
                    results.push(Err(error));
                    head = self.reload_head(room_id).await;
                }
            }
        }
        if self
            .write_run(origin, &mut run, &version, remote, results)
            .await
        {
            if let Some(tip) = head {
                self.heads.put(tip);
            }
        }
        Ok(())
    }

    /// The room's tip read again after the general way changed the room (or a write failed).
    async fn reload_head(&self, room_id: &str) -> Option<RoomHead> {
        self.heads.forget(room_id);
        self.room_head(room_id).await.ok()
    }

    /// Writes the checked run in one transaction and pushes its results; whether the tip the
    /// run was checked on still holds. If one of them is already stored, each goes the general
    /// way instead; if the write fails, each gets the error.
    async fn write_run(
        &self,
        origin: &str,
        run: &mut Vec<Checked<'_>>,
        version: &RoomVersion,
        remote: &impl RemoteEvents,
        results: &mut Results,
    ) -> bool {
        if run.is_empty() {
            return true;
        }
        let checked = std::mem::take(run);
        let writes: Vec<RemoteEventWrite> = checked
            .iter()
            .map(|c| tip_write(c.pdu, &c.json, c.rejection.as_deref(), c.state, None))
            .collect();
        let outcome = self.database.persist_remote_events(&writes).await;
        let room_id = checked[0].pdu.room_id();
        match outcome {
            Ok(()) => {
                for c in &checked {
                    results.push(Ok(match &c.rejection {
                        Some(reason) => {
                            tracing::warn!(event_id = c.pdu.event_id(), %reason, "rejected a received event");
                            Received::Rejected(reason.clone())
                        }
                        None => Received::Accepted,
                    }));
                }
                self.notifier
                    .notify_room(&self.database, room_id, None)
                    .await;
                true
            }
            Err(StorageError::Conflict(_)) => {
                self.heads.forget(room_id);
                for c in &checked {
                    results.push(self.receive_general(origin, c.pdu, version, remote).await);
                }
                false
            }
            Err(error) => {
                let error = internal(error);
                results.extend(checked.iter().map(|_| Err(error.clone())));
                false
            }
        }
    }

    /// Checks and stores `pdu` (which passed checks 1–3 and the ACL) on `head` when it extends
    /// the tip and cites only current state as auth events, moving the tip onto it when it is
    /// accepted; `None` when it does not qualify (nothing was written).
    pub(super) async fn receive_on_tip(
        &self,
        pdu: &Pdu,
        head: &mut RoomHead,
    ) -> Result<Option<Received>, MatrixError> {
        let Some((rejection, group)) = self.check_on_tip(pdu, head).await? else {
            return Ok(None);
        };
        let json = pdu_text(pdu)?;
        let replaces_state = replaced_state(pdu, &head.state);
        let write = tip_write(
            pdu,
            &json,
            rejection.as_deref(),
            group,
            replaces_state.as_deref(),
        );
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

    /// Checks 4 and 5 of `pdu` on the tip: `None` if it does not extend the tip or cites auth
    /// events that are not current state, else why it fails the auth rules (if it does) and
    /// the state group before it.
    async fn check_on_tip(
        &self,
        pdu: &Pdu,
        head: &mut RoomHead,
    ) -> Result<Option<(Option<String>, StateGroupId)>, MatrixError> {
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
        Ok(Some((rejection, group)))
    }
}

/// The write of an event checked on the tip, whose state group is `state_before`.
fn tip_write<'a>(
    pdu: &'a Pdu,
    json: &'a str,
    rejection: Option<&'a str>,
    state_before: StateGroupId,
    replaces_state: Option<&'a str>,
) -> RemoteEventWrite<'a> {
    RemoteEventWrite {
        event: new_event(pdu, json, rejection, false),
        new_room: None,
        state_before,
        prev_events: pdu.prev_events(),
        membership: membership(pdu),
        redacts: redacts(pdu),
        replaces_state,
        verdict: match rejection {
            Some(_) => Verdict::Rejected,
            None => Verdict::Accepted {
                current_state: None,
            },
        },
    }
}

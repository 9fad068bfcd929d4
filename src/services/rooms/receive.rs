//! Events from other servers: checks 4–6 on receipt of a PDU (spec `server-server-api.md`
//! § "Checks performed on receipt of a PDU"; steps 1–3 — format, signatures, hashes — were
//! done by the caller, see `crate::federation::event_checks`):
//!
//! 4. auth against the event's own auth events (fetched with `/event_auth` when missing) —
//!    else **rejected**;
//! 5. auth against the state before it: the state after each of its `prev_events`, resolved
//!    (state resolution of its room version); prev events this server lacks are first asked for
//!    with `/get_missing_events`, and if some are still missing, the sender is asked for the
//!    state before the event (`/state_ids`) — else **rejected**;
//! 6. auth against the room's current state — else **soft-failed** (stored, never shown to
//!    clients, never a forward extremity).
//!
//! An accepted event replaces its `prev_events` among the forward extremities; when others
//! remain (the room forked), the current state is the resolution of the states after all of
//! them. Rejected events are stored with the reason and never used as state.

use std::collections::{HashMap, HashSet};

use client_api::MatrixError;
use state_res::auth::{auth_types_for_event, check_auth, check_auth_events};
use state_res::pdu::Pdu;
use state_res::room_version::RoomVersion;

use super::head::parse_stored;
use super::links::{membership, redacts, replaced_state};
use super::remote::RemoteEvents;
use super::resolver::{resolve_states, resolve_states_with, store_state};
use super::Rooms;
use crate::services::internal;
use crate::storage::{NewEvent, RemoteEventWrite, StateGroupId, StateMap, StorageError, Verdict};

const CREATE: &str = "m.room.create";
const MEMBER: &str = "m.room.member";

/// How many events one `/get_missing_events` asks for.
const MISSING_EVENTS_LIMIT: u32 = 20;

/// What became of a received event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Received {
    /// Part of the room now.
    Accepted,
    /// Failed the auth rules (step 4 or 5).
    Rejected(String),
    /// Failed against the current state only (step 6).
    SoftFailed(String),
    /// Already stored.
    AlreadyKnown,
}

impl Rooms {
    /// Checks and stores `pdu`, sent by `origin`, which passed steps 1–3. The room must be one
    /// this server knows.
    pub async fn receive_pdu(
        &self,
        origin: &str,
        pdu: &Pdu,
        remote: &impl RemoteEvents,
    ) -> Result<Received, MatrixError> {
        self.receive_pdus(origin, std::slice::from_ref(pdu), remote)
            .await
            .pop()
            .unwrap_or_else(|| Err(MatrixError::internal("No result for the event")))
    }

    /// Steps 4–6 the general way, one event (the caller holds the room's lock and has checked
    /// the ACL): fills a gap before it, resolves the state before it, stores it.
    pub(super) async fn receive_general(
        &self,
        origin: &str,
        pdu: &Pdu,
        version: &RoomVersion,
        remote: &impl RemoteEvents,
    ) -> Result<Received, MatrixError> {
        self.heads.forget(pdu.room_id());
        if self.in_dag(pdu.event_id()).await? {
            return Ok(Received::AlreadyKnown);
        }
        self.fill_prev_gap(origin, pdu, version, remote).await?;
        let received = self.check_and_persist(origin, pdu, version, remote).await;
        self.heads.forget(pdu.room_id());
        received
    }

    /// The version of a room this server knows; 404 otherwise.
    pub async fn known_version(&self, room_id: &str) -> Result<RoomVersion, MatrixError> {
        if let Some(version) = self.cached_version(room_id) {
            return Ok(version);
        }
        let room = self
            .database
            .get_room(room_id)
            .await
            .map_err(internal)?
            .ok_or_else(|| MatrixError::not_found("This server is not in the room"))?;
        let version = RoomVersion::from_id(&room.room_version)
            .ok_or_else(|| MatrixError::internal("The room has an unknown version"))?;
        if let Ok(mut versions) = self.versions.lock() {
            versions.insert(room_id.to_owned(), version);
        }
        Ok(version)
    }

    /// Whether the event is stored as part of the room's DAG (with a state), not just as an
    /// outlier.
    pub(super) async fn in_dag(&self, event_id: &str) -> Result<bool, MatrixError> {
        Ok(self
            .database
            .event_state_group(event_id)
            .await
            .map_err(internal)?
            .is_some())
    }

    /// Asks `origin` for the events between our forward extremities and `pdu` when some of
    /// its prev events are missing, and takes them in, oldest first.
    async fn fill_prev_gap(
        &self,
        origin: &str,
        pdu: &Pdu,
        version: &RoomVersion,
        remote: &impl RemoteEvents,
    ) -> Result<(), MatrixError> {
        let mut missing = false;
        for prev in pdu.prev_events() {
            missing |= !self.in_dag(prev).await?;
        }
        if !missing {
            return Ok(());
        }
        let earliest = self
            .database
            .forward_extremities(pdu.room_id())
            .await
            .map_err(internal)?;
        let latest = [pdu.event_id().to_owned()];
        let mut events = remote
            .missing_events(
                origin,
                version,
                pdu.room_id(),
                &earliest,
                &latest,
                MISSING_EVENTS_LIMIT,
            )
            .await;
        events.sort_by_key(Pdu::depth);
        for event in events
            .iter()
            .filter(|e| e.room_id() == pdu.room_id() && e.event_id() != pdu.event_id())
        {
            if !self.in_dag(event.event_id()).await? {
                self.check_and_persist(origin, event, version, remote)
                    .await?;
            }
        }
        Ok(())
    }

    /// Steps 4–6 and storing the event with the verdict.
    async fn check_and_persist(
        &self,
        origin: &str,
        pdu: &Pdu,
        version: &RoomVersion,
        remote: &impl RemoteEvents,
    ) -> Result<Received, MatrixError> {
        let mut rejection = self
            .check_against_auth_events(origin, pdu, version, remote)
            .await?;
        let (before, before_group) = self.state_before(origin, pdu, version, remote).await?;
        if rejection.is_none() {
            rejection = self.check_against_state(pdu, version, &before).await?;
        }
        let room_id = pdu.room_id();
        let current_group = self
            .database
            .room_current_state_group(room_id)
            .await
            .map_err(internal)?;
        // A linear room: the state before the event is the current state (no second load).
        let current = match current_group {
            Some(group) if group == before_group => before.clone(),
            Some(group) => self.database.load_state(group).await.map_err(internal)?,
            None => StateMap::new(),
        };
        let mut soft_failure = None;
        if rejection.is_none() && current != before {
            soft_failure = self.check_against_state(pdu, version, &current).await?;
        }
        let mut after = before.clone();
        if let Some(state_key) = pdu.state_key() {
            after.insert(
                (pdu.event_type().to_owned(), state_key.to_owned()),
                pdu.event_id().to_owned(),
            );
        }
        let (verdict, resolved) = match (&rejection, &soft_failure) {
            (Some(_), _) => (Verdict::Rejected, None),
            (None, Some(_)) => (Verdict::SoftFailed, None),
            (None, None) => {
                let resolved = self.current_after(pdu, version, &after).await?;
                let current_state = match (&resolved, current_group) {
                    (Some(resolved), Some(group)) => Some(
                        store_state(&self.database, room_id, Some((group, &current)), resolved)
                            .await?,
                    ),
                    (Some(resolved), None) => {
                        Some(store_state(&self.database, room_id, None, resolved).await?)
                    }
                    (None, _) => None,
                };
                (Verdict::Accepted { current_state }, resolved)
            }
        };
        let json = pdu_text(pdu)?;
        let replaces_state = replaced_state(pdu, &before);
        let write = RemoteEventWrite {
            event: new_event(pdu, &json, rejection.as_deref(), soft_failure.is_some()),
            new_room: None,
            state_before: before_group,
            prev_events: pdu.prev_events(),
            membership: membership(pdu),
            redacts: redacts(pdu),
            replaces_state: replaces_state.as_deref(),
            verdict,
        };
        match self.database.persist_remote_event(&write).await {
            Ok(_) => {}
            Err(StorageError::Conflict(_)) => return Ok(Received::AlreadyKnown),
            Err(error) => return Err(internal(error)),
        }
        if let Some(reason) = rejection {
            tracing::warn!(event_id = pdu.event_id(), %reason, "rejected a received event");
            return Ok(Received::Rejected(reason));
        }
        if let Some(reason) = soft_failure {
            tracing::warn!(event_id = pdu.event_id(), %reason, "soft-failed a received event");
            return Ok(Received::SoftFailed(reason));
        }
        if let Some(resolved) = resolved {
            self.sync_memberships(pdu.room_id(), version, &after, &resolved)
                .await?;
        }
        let target = (pdu.event_type() == MEMBER)
            .then(|| pdu.state_key())
            .flatten();
        self.notifier
            .notify_room(&self.database, room_id, target)
            .await;
        Ok(Received::Accepted)
    }

    /// Step 4: `None` if the event passes the auth rules against its own auth events, else the
    /// reason to reject it. Auth events this server lacks are fetched with `origin`'s
    /// `/event_auth` and stored as outliers.
    pub(super) async fn check_against_auth_events(
        &self,
        origin: &str,
        pdu: &Pdu,
        version: &RoomVersion,
        remote: &impl RemoteEvents,
    ) -> Result<Option<String>, MatrixError> {
        let wanted = auth_event_ids(pdu, version);
        let mut stored = self.stored_events(version, &wanted).await?;
        if stored.len() < wanted.len() {
            let chain = remote
                .auth_chain(origin, version, pdu.room_id(), pdu.event_id())
                .await;
            self.store_outliers(version, &chain).await?;
            stored = self.stored_events(version, &wanted).await?;
        }
        if let Some(missing) = wanted.iter().find(|id| !stored.contains_key(id.as_str())) {
            return Ok(Some(format!("auth event {missing} is not available")));
        }
        let auth: Vec<&Pdu> = wanted
            .iter()
            .filter_map(|id| stored.get(id).map(|(pdu, _)| pdu))
            .collect();
        let rejected = |id: &str| stored.get(id).is_some_and(|(_, rejected)| *rejected);
        Ok(auth_verdict(version, pdu, &auth, rejected))
    }

    /// `None` if the event passes the auth rules against `state`, else why not.
    pub(super) async fn check_against_state(
        &self,
        pdu: &Pdu,
        version: &RoomVersion,
        state: &StateMap,
    ) -> Result<Option<String>, MatrixError> {
        let mut keys = auth_types_for_event(
            version,
            pdu.event_type(),
            pdu.sender(),
            pdu.state_key(),
            pdu.content(),
        );
        keys.push((CREATE.to_owned(), String::new()));
        let ids: Vec<String> = keys
            .iter()
            .filter_map(|key| state.get(key))
            .cloned()
            .collect();
        let stored = self.stored_events(version, &ids).await?;
        let state: Vec<&Pdu> = stored.values().map(|(pdu, _)| pdu).collect();
        Ok(auth_rules(version, pdu, &state))
    }

    /// The state before `pdu` (step 5) and a state group holding it: the resolved states after
    /// its prev events; for prev events this server lacks, the sender's answer to
    /// `/state_ids`.
    async fn state_before(
        &self,
        origin: &str,
        pdu: &Pdu,
        version: &RoomVersion,
        remote: &impl RemoteEvents,
    ) -> Result<(StateMap, StateGroupId), MatrixError> {
        let mut known: Vec<(StateGroupId, StateMap)> = Vec::new();
        let mut missing = false;
        for prev in pdu.prev_events() {
            match self
                .database
                .event_state_group(prev)
                .await
                .map_err(internal)?
            {
                Some(group) => {
                    let state = self.database.load_state(group).await.map_err(internal)?;
                    known.push((group, state));
                }
                None => missing = true,
            }
        }
        let mut states: Vec<StateMap> = known.iter().map(|(_, state)| state.clone()).collect();
        if missing || known.is_empty() {
            let answer = remote
                .state_before(origin, version, pdu.room_id(), pdu.event_id())
                .await;
            let Some((state, auth_chain)) = answer else {
                return Err(MatrixError::new(
                    axum::http::StatusCode::BAD_GATEWAY,
                    "M_UNKNOWN",
                    format!("Cannot learn the state before {}", pdu.event_id()),
                ));
            };
            self.store_outliers(version, &auth_chain).await?;
            self.store_outliers(version, &state).await?;
            states.push(state_map_of(&state, pdu.room_id()));
        }
        let resolved = resolve_states(&self.database, version, pdu.room_id(), &states).await?;
        if let Some((group, _)) = known.iter().find(|(_, state)| *state == resolved) {
            return Ok((resolved, *group));
        }
        let parent = known.first().map(|(group, state)| (*group, state));
        let group = store_state(&self.database, pdu.room_id(), parent, &resolved).await?;
        Ok((resolved, group))
    }

    /// The room's current state once `pdu` (with the state `after` it) is accepted, when it is
    /// not simply `after`: the resolution of the states after every forward extremity.
    async fn current_after(
        &self,
        pdu: &Pdu,
        version: &RoomVersion,
        after: &StateMap,
    ) -> Result<Option<StateMap>, MatrixError> {
        let prevs: HashSet<&str> = pdu.prev_events().iter().map(String::as_str).collect();
        let others: Vec<String> = self
            .database
            .forward_extremities(pdu.room_id())
            .await
            .map_err(internal)?
            .into_iter()
            .filter(|id| !prevs.contains(id.as_str()))
            .collect();
        if others.is_empty() {
            return Ok(None);
        }
        let mut states = vec![after.clone()];
        for other in &others {
            if let Some(group) = self
                .database
                .event_state_group(other)
                .await
                .map_err(internal)?
            {
                states.push(self.database.load_state(group).await.map_err(internal)?);
            }
        }
        // The event itself is not stored yet: the resolver gets it from here.
        let resolved =
            resolve_states_with(&self.database, version, pdu.room_id(), &states, Some(pdu)).await?;
        Ok((resolved != *after).then_some(resolved))
    }

    /// After a resolution chose other member events than the state after the event, the
    /// memberships table follows the resolved state.
    async fn sync_memberships(
        &self,
        room_id: &str,
        version: &RoomVersion,
        after: &StateMap,
        resolved: &StateMap,
    ) -> Result<(), MatrixError> {
        let changed: Vec<String> = resolved
            .iter()
            .filter(|((kind, key), event)| {
                kind == MEMBER && after.get(&(kind.clone(), key.clone())) != Some(*event)
            })
            .map(|(_, event)| event.clone())
            .collect();
        if changed.is_empty() {
            return Ok(());
        }
        let stored = self.stored_events(version, &changed).await?;
        let rows: Vec<(String, String, String)> = stored
            .values()
            .filter_map(|(pdu, _)| {
                let membership = pdu.content().get("membership")?.as_str()?;
                Some((
                    pdu.state_key()?.to_owned(),
                    membership.to_owned(),
                    pdu.event_id().to_owned(),
                ))
            })
            .collect();
        self.database
            .set_memberships(room_id, &rows)
            .await
            .map_err(internal)
    }

    /// Stores events fetched to check others as outliers, oldest first, each rejected if it
    /// fails the auth rules against its own auth events.
    pub(super) async fn store_outliers(
        &self,
        version: &RoomVersion,
        events: &[Pdu],
    ) -> Result<(), MatrixError> {
        let mut sorted: Vec<&Pdu> = events.iter().collect();
        sorted.sort_by_key(|pdu| pdu.depth());
        let batch: HashMap<&str, &Pdu> = sorted.iter().map(|pdu| (pdu.event_id(), *pdu)).collect();
        let mut rejected: HashSet<String> = HashSet::new();
        for pdu in sorted {
            let wanted = auth_event_ids(pdu, version);
            let stored = self.stored_events(version, &wanted).await?;
            let auth: Vec<&Pdu> = wanted
                .iter()
                .filter_map(|id| {
                    batch
                        .get(id.as_str())
                        .copied()
                        .or_else(|| stored.get(id).map(|(pdu, _)| pdu))
                })
                .collect();
            let is_rejected = |id: &str| {
                rejected.contains(id) || stored.get(id).is_some_and(|(_, rejected)| *rejected)
            };
            let reason = auth_verdict(version, pdu, &auth, is_rejected);
            if reason.is_some() {
                rejected.insert(pdu.event_id().to_owned());
            }
            let json = pdu_text(pdu)?;
            self.database
                .persist_outlier(&new_event(pdu, &json, reason.as_deref(), true))
                .await
                .map_err(internal)?;
        }
        Ok(())
    }

    /// The stored events among `ids`, parsed, with whether each was rejected.
    async fn stored_events(
        &self,
        version: &RoomVersion,
        ids: &[String],
    ) -> Result<HashMap<String, (Pdu, bool)>, MatrixError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let stored = self.database.events_by_ids(&refs).await.map_err(internal)?;
        let mut events = HashMap::with_capacity(stored.len());
        for event in &stored {
            let pdu = parse_stored(event, version)?;
            events.insert(
                event.event_id.clone(),
                (pdu, event.rejection_reason.is_some()),
            );
        }
        Ok(events)
    }
}

/// The ids of `pdu`'s auth events, with (room version 12) the create event its room id names,
/// which the auth rules read though it is not listed.
pub(super) fn auth_event_ids(pdu: &Pdu, version: &RoomVersion) -> Vec<String> {
    let mut ids = pdu.auth_events().to_vec();
    if version.room_id_is_create_hash && pdu.event_type() != CREATE {
        ids.push(create_event_id(pdu.room_id()));
    }
    ids
}

/// Step 4 on `auth` (the events of [`auth_event_ids`] that are known): the rules on the listed
/// auth events themselves (rule 2), then the auth rules against them; why it fails, if it does.
pub(super) fn auth_verdict(
    version: &RoomVersion,
    pdu: &Pdu,
    auth: &[&Pdu],
    is_rejected: impl Fn(&str) -> bool,
) -> Option<String> {
    let listed: Vec<&Pdu> = auth
        .iter()
        .copied()
        .filter(|a| pdu.auth_events().iter().any(|id| id == a.event_id()))
        .collect();
    if let Err(error) = check_auth_events(version, pdu, &listed, is_rejected) {
        return Some(error.to_string());
    }
    auth_rules(version, pdu, auth)
}

/// The auth rules for `pdu` against the state events `state`; why they fail, if they do.
pub(super) fn auth_rules(version: &RoomVersion, pdu: &Pdu, state: &[&Pdu]) -> Option<String> {
    let by_key: HashMap<(&str, &str), &Pdu> = state
        .iter()
        .map(|e| ((e.event_type(), e.state_key().unwrap_or_default()), *e))
        .collect();
    check_auth(version, pdu, |kind, key| by_key.get(&(kind, key)).copied())
        .err()
        .map(|error| error.to_string())
}

/// The create event's id in a room version 12 room: the room id's hash with `$`.
pub(super) fn create_event_id(room_id: &str) -> String {
    format!("${}", room_id.strip_prefix('!').unwrap_or(room_id))
}

/// A state given as its events, as a map (events of other rooms and non-state events left out).
pub(super) fn state_map_of(events: &[Pdu], room_id: &str) -> StateMap {
    events
        .iter()
        .filter(|pdu| pdu.room_id() == room_id)
        .filter_map(|pdu| {
            let key = pdu.state_key()?;
            Some((
                (pdu.event_type().to_owned(), key.to_owned()),
                pdu.event_id().to_owned(),
            ))
        })
        .collect()
}

/// The storage row of a received event.
pub(super) fn new_event<'a>(
    pdu: &'a Pdu,
    json: &'a str,
    rejection_reason: Option<&'a str>,
    outlier: bool,
) -> NewEvent<'a> {
    NewEvent {
        event_id: pdu.event_id(),
        room_id: pdu.room_id(),
        event_type: pdu.event_type(),
        state_key: pdu.state_key(),
        sender: pdu.sender(),
        origin_server_ts: pdu.origin_server_ts(),
        depth: pdu.depth(),
        json,
        rejection_reason,
        outlier,
    }
}

/// A PDU as JSON text for storage.
pub(super) fn pdu_text(pdu: &Pdu) -> Result<String, MatrixError> {
    serde_json::to_string(pdu.json())
        .map_err(|e| MatrixError::internal(format!("serialising a PDU: {e}")))
}

//! The one write path of the room engine: build an event on the room's tip, authorise it
//! against the current state (the state before it; a new `m.room.canonical_alias` also has
//! its aliases checked, see `aliases`), persist it with the state after it, and
//! move the tip. Callers hold the room's write lock (see `locks`).

use state_res::auth::{auth_types_for_event, check_auth};
use state_res::pdu::Pdu;
use state_res::signing::SigningError;
use tracing::instrument;

use client_api::MatrixError;

use super::aliases::CANONICAL_ALIAS;
use super::builder::{build, BuildContext, BuildError, EventTemplate};
use super::errors::{bad_event, AppendError};
use super::head::RoomHead;
use super::links::{membership, redacts, replaced_state};
use super::Rooms;
use crate::services::{internal, now_ms};
use crate::storage::{NewEvent, NewRoom, NewTransaction, RoomEventWrite};

const CREATE: &str = "m.room.create";
const MEMBER: &str = "m.room.member";

impl Rooms {
    /// Appends `template`, sent by `sender`, to the room at `head`, and advances `head`.
    #[instrument(skip_all, fields(event_type = %template.event_type))]
    pub(super) async fn append(
        &self,
        head: &mut RoomHead,
        sender: &str,
        template: EventTemplate,
        transaction: Option<NewTransaction<'_>>,
    ) -> Result<Pdu, AppendError> {
        let pdu = self.prepare(head, sender, template).await?;
        self.persist(head, &pdu, transaction).await?;
        Ok(pdu)
    }

    /// Builds `template`, sent by `sender`, on the room's tip at `head` and authorises it
    /// against the current state, without storing it (also the template of a remote server's
    /// membership handshake, see `handshake`).
    pub(super) async fn prepare(
        &self,
        head: &mut RoomHead,
        sender: &str,
        template: EventTemplate,
    ) -> Result<Pdu, AppendError> {
        let version = head.version;
        let selected = auth_types_for_event(
            &version,
            &template.event_type,
            sender,
            template.state_key.as_deref(),
            &template.content,
        );
        // The auth rules read the create event in every version (v12 does not list it).
        let mut needed = selected.clone();
        needed.push((CREATE.to_owned(), String::new()));
        head.load_events(&self.database, &needed).await?;
        if template.event_type == CANONICAL_ALIAS && template.state_key.as_deref() == Some("") {
            let key = (CANONICAL_ALIAS.to_owned(), String::new());
            head.load_events(&self.database, std::slice::from_ref(&key))
                .await?;
            let previous = head.get(CANONICAL_ALIAS, "").map(Pdu::content);
            self.check_canonical_alias(head.room_id.as_deref(), previous, &template.content)
                .await?;
        }
        let auth_events: Vec<&Pdu> = selected
            .iter()
            .filter_map(|(kind, key)| head.get(kind, key))
            .collect();
        let ctx = BuildContext {
            version: &version,
            room_id: head.room_id.as_deref(),
            sender,
            origin: &self.server_name,
            key: &self.signing_key,
            prev_events: &head.prev_events,
            auth_events: &auth_events,
            origin_server_ts: now_ms(),
        };
        let pdu = build(ctx, template).map_err(build_error)?;
        check_auth(&version, &pdu, |kind, key| head.get(kind, key))
            .map_err(AppendError::Forbidden)?;
        Ok(pdu)
    }

    /// Stores an authorised event with the state after it and moves the tip onto it.
    pub(super) async fn persist(
        &self,
        head: &mut RoomHead,
        pdu: &Pdu,
        transaction: Option<NewTransaction<'_>>,
    ) -> Result<(), MatrixError> {
        let json = serde_json::to_string(pdu.json()).map_err(|e| {
            tracing::error!(%e, "serialising a PDU");
            MatrixError::internal("Internal server error")
        })?;
        let new_room =
            (head.state_group.is_none() && pdu.event_type() == CREATE).then(|| NewRoom {
                room_id: pdu.room_id(),
                room_version: head.version.id,
                creator: pdu.sender(),
                created_ts: pdu.origin_server_ts(),
            });
        let replaces_state = replaced_state(pdu, &head.state);
        let prev_events: Vec<String> = head
            .prev_events
            .iter()
            .map(|prev| prev.event_id.clone())
            .collect();
        let write = RoomEventWrite {
            event: NewEvent {
                event_id: pdu.event_id(),
                room_id: pdu.room_id(),
                event_type: pdu.event_type(),
                state_key: pdu.state_key(),
                sender: pdu.sender(),
                origin_server_ts: pdu.origin_server_ts(),
                depth: pdu.depth(),
                json: &json,
                rejection_reason: None,
                outlier: false,
            },
            new_room,
            state_before: head.state_group,
            prev_events: &prev_events,
            membership: membership(pdu),
            transaction,
            // Only redactions the sender was allowed to make reach this point (`send`).
            redacts: redacts(pdu),
            replaces_state: replaces_state.as_deref(),
        };
        let persisted = match self.database.persist_room_event(&write).await {
            Ok(persisted) => persisted,
            Err(error) => {
                self.heads.forget(pdu.room_id());
                return Err(internal(error));
            }
        };
        head.advance(pdu.clone(), persisted.state_group);
        self.heads.put(head.clone());
        // After the commit: wake the /sync long-polls of the room's users (and of a member
        // event's target, who may just have left or been kicked).
        let target = (pdu.event_type() == MEMBER)
            .then(|| pdu.state_key())
            .flatten();
        self.notifier
            .notify_room(&self.database, pdu.room_id(), target)
            .await;
        self.send_to_servers(pdu).await;
        Ok(())
    }
}

fn build_error(error: BuildError) -> AppendError {
    AppendError::Client(match error {
        BuildError::Format(error) => bad_event(error),
        BuildError::Signing(SigningError::Json(error)) => {
            MatrixError::bad_json(format!("Invalid event content: {error}"))
        }
        BuildError::Signing(error) => {
            tracing::error!(%error, "signing an event");
            MatrixError::internal("Internal server error")
        }
    })
}

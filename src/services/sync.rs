//! `GET /sync` (client-server API § "Syncing"): what changed for a user since a token.
//!
//! - [`token`]: the `s…` stream token (every stream's position; DB positions, so tokens
//!   survive restarts);
//! - [`filter`]: the `filter` parameter (inline or stored) with Synapse's defaults;
//! - [`timeline`]: timeline slices by stream position range, history visibility;
//! - [`room`]: the joined, left, invited and knocked sections of one room;
//! - [`initial`]: an initial sync's joined rooms' timelines and state, built for all at once;
//!
//! A request reads the current positions (`now`), then the user's memberships, the rooms
//! with events in `(since, now]` (a primary key range) and the account data changed in the
//! same range, the rooms with receipts in the range and those whose typing set changed, and
//! builds only those rooms (typing and receipts go to `ephemeral`, with the unread counts of
//! every joined room built); presence changes of users sharing a room go to `presence`, and
//! the device's send-to-device messages to `to_device` (see `services::to_device`). With a `since` token, a `timeout` and nothing
//! new, it waits on the [`Notifier`] (holding no database connection) and builds again when
//! woken, until the timeout.

pub mod filter;
mod initial;
mod room;
mod timeline;
pub mod token;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use client_api::sync::{BasicEvent, Events, Request, Response, Rooms};
use client_api::{ClientUser, MatrixError};
use serde_json::Value;
use tokio::task::{JoinError, JoinSet};
use tokio::time::Instant;
use tracing::instrument;

use self::filter::SyncFilter;
use self::room::{Context, Ephemeral, Kind, Prefetched, Section, HEROES};
use self::token::StreamToken;
use super::account_data::AccountData;
use super::device_keys::DeviceKeys;
use super::ephemeral::presence::{check_presence, Presence};
use super::ephemeral::receipts::Receipts;
use super::ephemeral::typing::Typing;
use super::ephemeral::unread::Reader;
use super::ephemeral::unread_cache::UnreadCache;
use super::internal;
use super::notifier::Notifier;
use super::to_device::ToDevice;
use crate::storage::{AccountDataEntry, Database, MembershipPosition, StreamPosition};

/// How many rooms of one response are built at once.
const CONCURRENT_ROOMS: usize = 4;
/// The longest a long-poll waits (an hour; clients ask for ~30 s).
const MAX_TIMEOUT: Duration = Duration::from_secs(3600);

/// The sync service.
#[derive(Debug)]
pub struct Sync {
    database: Database,
    notifier: Arc<Notifier>,
    account_data: Arc<AccountData>,
    /// Serves events as every other endpoint does (redactions, replaced state, txn ids).
    room_engine: Arc<crate::services::rooms::Rooms>,
    typing: Arc<Typing>,
    receipts: Arc<Receipts>,
    presence: Arc<Presence>,
    /// `device_lists` and the device's key counts (none: left empty).
    device_keys: Option<Arc<DeviceKeys>>,
    to_device: Arc<ToDevice>,
    /// Unread counts computed by earlier syncs.
    unread: Arc<UnreadCache>,
}

impl Sync {
    /// A sync service; `account_data` reads stored filters; `typing`, `receipts` and
    /// `presence` fill the ephemeral and presence sections, `to_device` the device's messages.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        database: Database,
        notifier: Arc<Notifier>,
        account_data: Arc<AccountData>,
        room_engine: Arc<crate::services::rooms::Rooms>,
        typing: Arc<Typing>,
        receipts: Arc<Receipts>,
        presence: Arc<Presence>,
        to_device: Arc<ToDevice>,
    ) -> Self {
        Self {
            database,
            notifier,
            account_data,
            room_engine,
            typing,
            receipts,
            presence,
            device_keys: None,
            to_device,
            unread: Arc::default(),
        }
    }

    /// Fills `device_lists` and the device's key counts from `device_keys`.
    pub fn with_device_keys(mut self, device_keys: Arc<DeviceKeys>) -> Self {
        self.device_keys = Some(device_keys);
        self
    }

    /// `GET /sync`.
    #[instrument(skip_all, fields(user = %user.user_id, since = request.since))]
    pub async fn sync(&self, user: &ClientUser, request: Request) -> Result<Response, MatrixError> {
        if let Some(presence) = &request.set_presence {
            check_presence(presence)?;
        }
        let since = request
            .since
            .as_deref()
            .map(StreamToken::parse)
            .transpose()?;
        let filter = Arc::new(SyncFilter {
            filter: Box::pin(filter::resolve(
                &self.account_data,
                &user.user_id,
                request.filter.as_deref(),
            ))
            .await?,
        });
        // The user is online (or as `set_presence` says) while this request runs.
        let _presence = Box::pin(
            self.presence
                .syncing(&user.user_id, request.set_presence.as_deref()),
        )
        .await;
        let timeout = Duration::from_millis(request.timeout.unwrap_or(0)).min(MAX_TIMEOUT);
        let wait = since.is_some() && !request.full_state && !timeout.is_zero();
        // Subscribe before reading positions: nothing committed after the read is missed.
        let mut waiter = wait.then(|| self.notifier.subscribe(&user.user_id));
        let deadline = Instant::now() + timeout;
        loop {
            // Boxed, as are the reads above: a waiting request then holds only the small
            // state of this loop, not the largest state of building a response.
            let response = Box::pin(self.build(user, &filter, since, request.full_state)).await?;
            let Some(waiter) = waiter.as_mut() else {
                return Ok(response);
            };
            if !response.is_empty() {
                return Ok(response);
            }
            tokio::select! {
                () = waiter.changed() => {}
                () = tokio::time::sleep_until(deadline) => return Ok(response),
            }
        }
    }

    /// One sync response from `since` to now.
    async fn build(
        &self,
        user: &ClientUser,
        filter: &Arc<SyncFilter>,
        since: Option<StreamToken>,
        full_state: bool,
    ) -> Result<Response, MatrixError> {
        let positions = self.database.stream_positions().await.map_err(internal)?;
        let position = |name: &str| positions.get(name).copied().unwrap_or_default().0;
        let now = StreamToken {
            events: position("events"),
            account_data: position("account_data"),
            typing: self.typing.position(),
            receipts: position("receipts"),
            presence: self.presence.position(),
            device_lists: position("device_lists"),
            to_device: position("to_device"),
        };
        let (to_device, to_device_position) = self
            .to_device
            .for_sync(user, since.map(|since| since.to_device), now.to_device)
            .await?;
        let now = StreamToken {
            to_device: to_device_position,
            ..now
        };
        let since_events = since.map(|s| s.events_position());
        // Four independent reads at once.
        let changed_rooms = async {
            match since_events {
                Some(since) if since < now.events_position() => self
                    .database
                    .rooms_with_events_between(since, now.events_position())
                    .await
                    .map_err(internal),
                _ => Ok(Vec::new()),
            }
        };
        // Incremental: the rooms whose receipts changed; initial: the rooms with receipts.
        let receipt_rooms = async {
            match since {
                Some(since) if since.receipts < now.receipts => self
                    .database
                    .rooms_with_receipts_between(since.receipts_position(), now.receipts_position())
                    .await
                    .map_err(internal),
                Some(_) => Ok(Default::default()),
                None => self
                    .database
                    .joined_rooms_with_receipts(&user.user_id, now.receipts_position())
                    .await
                    .map_err(internal),
            }
        };
        let account_data = async {
            if since.is_some_and(|since| since.account_data >= now.account_data) {
                return Ok(Vec::new());
            }
            self.database
                .account_data_changes(
                    &user.user_id,
                    since.map(|s| s.account_data_position()).unwrap_or_default(),
                    now.account_data_position(),
                )
                .await
                .map_err(internal)
        };
        let (memberships, changed_rooms, receipt_rooms, account_data) = tokio::try_join!(
            self.memberships_at(&user.user_id, now),
            changed_rooms,
            receipt_rooms,
            account_data
        )?;
        let changed: HashSet<String> = changed_rooms.into_iter().collect();
        let receipt_rooms: HashSet<String> = receipt_rooms.into_iter().collect();
        let (global, mut per_room) = split_account_data(account_data, filter);
        let context = Arc::new(Context {
            database: self.database.clone(),
            room_engine: Arc::clone(&self.room_engine),
            user: user.clone(),
            filter: Arc::clone(filter),
            since,
            now,
            full_state,
            receipts: Arc::clone(&self.receipts),
            reader: self.reader(&user.user_id).await?,
            unread: Arc::clone(&self.unread),
            prefetched: match since {
                None => Some(self.prefetch(&user.user_id, &memberships).await?),
                Some(_) => None,
            },
        });
        // An initial sync builds every joined room's timeline and state at once.
        let mut built = match since {
            None => {
                let joined: Vec<MembershipPosition> = memberships
                    .iter()
                    .filter(|m| m.membership == "join" && filter.allows_room(&m.room_id))
                    .cloned()
                    .collect();
                initial::joined_parts(&context, &joined).await?
            }
            Some(_) => HashMap::new(),
        };
        let mut rooms = Rooms::default();
        // Rooms are built concurrently, a few at a time (the read pool is small).
        let mut tasks = JoinSet::new();
        for membership in memberships {
            let room_id = membership.room_id.clone();
            if !filter.allows_room(&room_id) {
                continue;
            }
            let is_new = since_events.is_none_or(|since| membership.stream_position > since);
            let kind = match membership.membership.as_str() {
                "join" => Kind::Join(changed.contains(&room_id)),
                "invite" if is_new => Kind::Invite,
                "knock" if is_new => Kind::Knock,
                "leave" | "ban" if is_new && (since.is_some() || filter.include_leave()) => {
                    Kind::Leave
                }
                _ => continue,
            };
            let data = per_room.remove(&room_id).unwrap_or_default();
            let ephemeral = match kind {
                Kind::Join(_) => Ephemeral {
                    typing: self
                        .typing
                        .typing_since(&room_id, since.map(|since| since.typing)),
                    receipts_changed: receipt_rooms.contains(&room_id),
                },
                _ => Ephemeral::default(),
            };
            if matches!(kind, Kind::Join(false))
                && data.is_empty()
                && ephemeral.is_empty()
                && !is_new
                && !full_state
            {
                // A joined room without news: skip it without a task.
                continue;
            }
            let context = Arc::clone(&context);
            let built = built.remove(&room_id);
            tasks.spawn(async move {
                context
                    .section(kind, membership, data, ephemeral, built)
                    .await
            });
            if tasks.len() >= CONCURRENT_ROOMS {
                add_section(&mut rooms, tasks.join_next().await)?;
            }
        }
        while let Some(done) = tasks.join_next().await {
            add_section(&mut rooms, Some(done))?;
        }
        let presence = self
            .presence
            .changes(
                &user.user_id,
                since.map(|since| since.presence),
                now.presence,
            )
            .await?;
        let presence_filter = filter.presence();
        let presence: Vec<_> = presence
            .into_iter()
            .filter(|event| presence_filter.allows(&event.event_type, Some(&event.sender)))
            .collect();
        let mut response = Response {
            next_batch: now.to_string(),
            rooms,
            account_data: Events { events: global },
            presence: Events { events: presence },
            event_fields: filter.filter.event_fields.clone(),
            to_device: Events { events: to_device },
            ..Response::default()
        };
        if let Some(device_keys) = &self.device_keys {
            device_keys
                .fill_sync(user, since, now, &mut response)
                .await?;
        }
        Ok(response)
    }

    /// The per-room reads of an initial sync, for all the joined rooms of `memberships` at once:
    /// the user's read positions and the rooms' summaries.
    async fn prefetch(
        &self,
        user_id: &str,
        memberships: &[MembershipPosition],
    ) -> Result<Prefetched, MatrixError> {
        let joined: Vec<&str> = memberships
            .iter()
            .filter(|membership| membership.membership == "join")
            .map(|membership| membership.room_id.as_str())
            .collect();
        let (positions, summaries) = tokio::try_join!(
            self.database.read_positions_in(user_id, &joined),
            self.database.room_summaries(&joined, user_id, HEROES),
        )
        .map_err(internal)?;
        let mut read_positions: HashMap<String, Vec<(String, StreamPosition)>> = HashMap::new();
        for (room_id, thread_id, position) in positions {
            read_positions
                .entry(room_id)
                .or_default()
                .push((thread_id, position));
        }
        Ok(Prefetched {
            read_positions,
            summaries,
        })
    }

    /// What mentions the user (unread highlight counts).
    async fn reader(&self, user_id: &str) -> Result<Reader, MatrixError> {
        let profile = self.database.get_profile(user_id).await.map_err(internal)?;
        let localpart = user_id
            .strip_prefix('@')
            .and_then(|rest| rest.split(':').next())
            .unwrap_or_default();
        Ok(Reader {
            user_id: user_id.to_owned(),
            localpart: localpart.to_owned(),
            displayname: profile.and_then(|profile| profile.displayname),
        })
    }

    /// The user's memberships as of `now`: a membership that changed after `now` was read is
    /// taken back to the member event at `now`.
    async fn memberships_at(
        &self,
        user_id: &str,
        now: StreamToken,
    ) -> Result<Vec<MembershipPosition>, MatrixError> {
        let current = self
            .database
            .user_memberships(user_id)
            .await
            .map_err(internal)?;
        let mut memberships = Vec::with_capacity(current.len());
        for membership in current {
            if membership.stream_position <= now.events_position() {
                memberships.push(membership);
                continue;
            }
            let earlier = self
                .database
                .member_event_at(&membership.room_id, user_id, now.events_position())
                .await
                .map_err(internal)?;
            if let Some(event) = earlier {
                let content = event.content();
                let value = content.get("membership").and_then(Value::as_str);
                memberships.push(MembershipPosition {
                    room_id: event.room_id,
                    membership: value.unwrap_or("leave").to_owned(),
                    event_id: event.event_id,
                    stream_position: event.stream_position,
                });
            }
        }
        Ok(memberships)
    }
}

/// Puts a built room into its section.
fn add_section(
    rooms: &mut Rooms,
    done: Option<Result<Result<Section, MatrixError>, JoinError>>,
) -> Result<(), MatrixError> {
    let section = match done {
        None => return Ok(()),
        Some(Ok(section)) => section?,
        Some(Err(error)) => {
            tracing::error!(%error, "building a sync room failed");
            return Err(MatrixError::internal("Internal server error"));
        }
    };
    match section {
        Section::Join(room_id, Some(room)) => {
            rooms.join.insert(room_id, room);
        }
        Section::Join(_, None) => {}
        Section::Invite(room_id, room) => {
            rooms.invite.insert(room_id, room);
        }
        Section::Knock(room_id, room) => {
            rooms.knock.insert(room_id, room);
        }
        Section::Leave(room_id, room) => {
            rooms.leave.insert(room_id, room);
        }
    }
    Ok(())
}

/// Global account data and per-room account data by room, as the filter lets them through.
fn split_account_data(
    entries: Vec<AccountDataEntry>,
    filter: &SyncFilter,
) -> (Vec<BasicEvent>, BTreeMap<String, Vec<BasicEvent>>) {
    let global_filter = filter.account_data();
    let room_filter = filter.room_account_data();
    let mut global = Vec::new();
    let mut per_room: BTreeMap<String, Vec<BasicEvent>> = BTreeMap::new();
    for entry in entries {
        let content = serde_json::from_str(&entry.content).unwrap_or(Value::Null);
        let event = BasicEvent {
            event_type: entry.data_type,
            content,
        };
        match entry.room_id {
            None if global_filter.allows(&event.event_type, None) => global.push(event),
            Some(room_id)
                if room_filter.allows(&event.event_type, None)
                    && room_filter.allows_room(&room_id) =>
            {
                per_room.entry(room_id).or_default().push(event);
            }
            _ => {}
        }
    }
    (global, per_room)
}

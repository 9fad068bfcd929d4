//! One room's part of a sync response, by the user's membership: joined (timeline, state
//! delta, summary, account data, ephemeral events, unread counts), left (timeline up to the leave, state), invited and knocked
//! (stripped state).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use client_api::filtering::EventFilter;
use client_api::sync::{
    BasicEvent, Events, InvitedRoom, JoinedRoom, KnockedRoom, LeftRoom, StrippedStateEvent,
    Timeline,
};
use client_api::{ClientEvent, ClientUser, MatrixError};
use serde_json::{json, Map, Value};

use super::filter::SyncFilter;
use super::timeline::{self, Visibility};
use super::token::StreamToken;
use crate::services::ephemeral::receipts::Receipts;
use crate::services::ephemeral::unread::{unread_counts, Reader, UnreadCounts, Upto};
use crate::services::ephemeral::unread_cache::UnreadCache;
use crate::services::internal;
use crate::services::rooms::STRIPPED_STATE_TYPES;
use crate::storage::{
    Database, MembershipPosition, RoomSummary, StateGroupId, StateMap, StoredEvent, StreamPosition,
};

const MEMBER: &str = "m.room.member";
/// Heroes in a room summary.
pub(super) const HEROES: u32 = 5;

/// What every room of one sync shares.
pub(super) struct Context {
    pub database: Database,
    /// Serves events (redacted where redacted, with replaced state and transaction ids).
    pub room_engine: Arc<crate::services::rooms::Rooms>,
    pub user: ClientUser,
    pub filter: Arc<SyncFilter>,
    pub since: Option<StreamToken>,
    pub now: StreamToken,
    pub full_state: bool,
    pub receipts: Arc<Receipts>,
    /// What mentions the user (highlight counts).
    pub reader: Reader,
    /// Unread counts computed by earlier syncs.
    pub unread: Arc<UnreadCache>,
    /// What an initial sync reads for all joined rooms at once; `None`: each room reads its own.
    pub prefetched: Option<Prefetched>,
}

/// Per-room reads done for all of a user's joined rooms at once (initial syncs).
#[derive(Debug, Default)]
pub(super) struct Prefetched {
    /// The user's read positions by thread, by room (rooms without receipts absent).
    pub read_positions: HashMap<String, Vec<(String, StreamPosition)>>,
    /// Member counts and heroes, by room.
    pub summaries: HashMap<String, RoomSummary>,
}

/// A joined room's ephemeral news, found before its task starts.
#[derive(Clone, Debug, Default)]
pub(super) struct Ephemeral {
    /// The typing users, if the room's typing set changed since the token.
    pub typing: Option<Vec<String>>,
    /// Whether the room has receipts since the token.
    pub receipts_changed: bool,
}

impl Ephemeral {
    pub fn is_empty(&self) -> bool {
        self.typing.is_none() && !self.receipts_changed
    }
}

/// Which section a room goes to; `Join` says whether it has events since the token.
#[derive(Clone, Copy, Debug)]
pub(super) enum Kind {
    Join(bool),
    Invite,
    Knock,
    Leave,
}

/// A built room (a joined room without news is `None`).
pub(super) enum Section {
    Join(String, Option<JoinedRoom>),
    Invite(String, InvitedRoom),
    Knock(String, KnockedRoom),
    Leave(String, LeftRoom),
}

/// A timeline with its state section, as joined and left rooms carry them.
pub(super) struct TimelineAndState {
    timeline: Timeline,
    state: Vec<ClientEvent>,
    /// Whether the timeline has member events (the summary may have changed).
    has_members: bool,
}

impl Context {
    fn since_events(&self) -> Option<StreamPosition> {
        self.since.map(|since| since.events_position())
    }

    /// Builds one room of the response.
    pub async fn section(
        &self,
        kind: Kind,
        membership: MembershipPosition,
        account_data: Vec<BasicEvent>,
        ephemeral: Ephemeral,
        built: Option<TimelineAndState>,
    ) -> Result<Section, MatrixError> {
        let room_id = membership.room_id.clone();
        Ok(match kind {
            Kind::Join(changed) => Section::Join(
                room_id,
                self.joined(&membership, changed, account_data, ephemeral, built)
                    .await?,
            ),
            Kind::Invite => Section::Invite(room_id, self.invited(&membership).await?),
            Kind::Knock => Section::Knock(room_id, self.knocked(&membership).await?),
            Kind::Leave => Section::Leave(room_id, self.left(&membership, account_data).await?),
        })
    }

    /// A joined room, or `None` when nothing in it changed since the token. `built`: its
    /// timeline and state, when an initial sync built them for all rooms at once.
    async fn joined(
        &self,
        membership: &MembershipPosition,
        changed: bool,
        account_data: Vec<BasicEvent>,
        ephemeral: Ephemeral,
        built: Option<TimelineAndState>,
    ) -> Result<Option<JoinedRoom>, MatrixError> {
        let since = self.since_events();
        // Newly joined (or initial sync): the whole room, as on an initial sync.
        let newly_joined = match since {
            None => true,
            Some(since) if membership.stream_position > since => {
                !self.was_joined(membership, since).await?
            }
            Some(_) => false,
        };
        let full = newly_joined || self.full_state;
        if !full && !changed && account_data.is_empty() && ephemeral.is_empty() {
            return Ok(None);
        }
        let part = match built {
            Some(part) => part,
            None => {
                let after = if newly_joined { None } else { since };
                let mut visibility = Visibility::new(
                    &self.database,
                    &self.user.user_id,
                    true,
                    Some(membership.stream_position),
                );
                self.timeline_and_state(
                    &membership.room_id,
                    after,
                    self.now.events_position(),
                    full,
                    &mut visibility,
                )
                .await?
            }
        };
        let ephemeral = self
            .ephemeral_events(&membership.room_id, newly_joined, ephemeral)
            .await?;
        if !full
            && part.timeline.events.is_empty()
            && part.state.is_empty()
            && account_data.is_empty()
            && ephemeral.is_empty()
        {
            return Ok(None);
        }
        let summary = if full || part.timeline.limited || part.has_members {
            self.summary(&membership.room_id).await?
        } else {
            Map::new()
        };
        let (unread_notifications, unread_thread_notifications) =
            self.unread_notifications(membership).await?;
        Ok(Some(JoinedRoom {
            summary,
            state: Events { events: part.state },
            timeline: part.timeline,
            ephemeral: Events { events: ephemeral },
            account_data: Events {
                events: account_data,
            },
            unread_notifications,
            unread_thread_notifications,
        }))
    }

    /// `m.typing` (when the typing set changed) and `m.receipt` (the receipts since the token,
    /// all of them on an initial sync or a new join).
    async fn ephemeral_events(
        &self,
        room_id: &str,
        newly_joined: bool,
        ephemeral: Ephemeral,
    ) -> Result<Vec<BasicEvent>, MatrixError> {
        let mut events = Vec::new();
        if let Some(users) = ephemeral.typing {
            events.push(BasicEvent {
                event_type: "m.typing".to_owned(),
                content: json!({ "user_ids": users }),
            });
        }
        // `receipts_changed`: since the token, or (initial sync) any receipt at all.
        let after = match self.since {
            Some(since) if !newly_joined && !self.full_state => ephemeral
                .receipts_changed
                .then(|| since.receipts_position()),
            None if !ephemeral.receipts_changed => None,
            _ => Some(StreamPosition::default()),
        };
        if let Some(after) = after {
            let receipts = self
                .receipts
                .receipt_event(
                    room_id,
                    &self.user.user_id,
                    after,
                    self.now.receipts_position(),
                )
                .await?;
            events.extend(receipts);
        }
        let filter = self.filter.ephemeral();
        events
            .retain(|event| filter.allows(&event.event_type, None) && filter.allows_room(room_id));
        Ok(events)
    }

    /// `unread_notifications` and, when the timeline filter asks, `unread_thread_notifications`
    /// (see `ephemeral::unread`).
    async fn unread_notifications(
        &self,
        membership: &MembershipPosition,
    ) -> Result<(Map<String, Value>, Option<Map<String, Value>>), MatrixError> {
        let by_thread = self
            .filter
            .timeline()
            .unread_thread_notifications
            .unwrap_or(false);
        let unread = unread_counts(
            &self.database,
            &membership.room_id,
            &self.reader,
            membership.stream_position,
            Upto {
                events: self.now.events_position(),
                receipts: self.now.receipts_position(),
            },
            by_thread,
            self.prefetched.as_ref().map(|all| {
                all.read_positions
                    .get(&membership.room_id)
                    .cloned()
                    .unwrap_or_default()
            }),
            &self.unread,
        )
        .await?;
        let counts = |counts: UnreadCounts| {
            let mut map = Map::new();
            map.insert("notification_count".to_owned(), json!(counts.notifications));
            map.insert("highlight_count".to_owned(), json!(counts.highlights));
            map
        };
        let threads = by_thread.then(|| {
            unread
                .threads
                .into_iter()
                .map(|(root, thread)| (root, Value::Object(counts(thread))))
                .collect()
        });
        Ok((counts(unread.main), threads))
    }

    /// Whether the user was already joined at `at` (a join event after it may only change
    /// their profile).
    async fn was_joined(
        &self,
        membership: &MembershipPosition,
        at: StreamPosition,
    ) -> Result<bool, MatrixError> {
        let event = self
            .database
            .member_event_at(&membership.room_id, &self.user.user_id, at)
            .await
            .map_err(internal)?;
        Ok(event.is_some_and(|event| {
            event.content().get("membership").and_then(Value::as_str) == Some("join")
        }))
    }

    /// A room the user left or was banned from, up to the leave event.
    async fn left(
        &self,
        membership: &MembershipPosition,
        account_data: Vec<BasicEvent>,
    ) -> Result<LeftRoom, MatrixError> {
        let since = self.since_events();
        let full = since.is_none() || self.full_state;
        let mut visibility = Visibility::new(&self.database, &self.user.user_id, false, None);
        let part = self
            .timeline_and_state(
                &membership.room_id,
                since,
                membership.stream_position,
                full,
                &mut visibility,
            )
            .await?;
        Ok(LeftRoom {
            state: Events { events: part.state },
            timeline: part.timeline,
            account_data: Events {
                events: account_data,
            },
        })
    }

    /// An invite: the stripped state of the room with the invite event.
    async fn invited(&self, membership: &MembershipPosition) -> Result<InvitedRoom, MatrixError> {
        Ok(InvitedRoom {
            invite_state: Events {
                events: self.stripped_state(membership).await?,
            },
        })
    }

    /// A knock: the stripped state of the room with the knock event.
    async fn knocked(&self, membership: &MembershipPosition) -> Result<KnockedRoom, MatrixError> {
        Ok(KnockedRoom {
            knock_state: Events {
                events: self.stripped_state(membership).await?,
            },
        })
    }

    /// The timeline of `(after, upto]` and the state before it: all of it when `full`, else
    /// what changed between `after` and the timeline's start (client-server API § "Syncing":
    /// the state section is the state between `since` and the start of the timeline).
    async fn timeline_and_state(
        &self,
        room_id: &str,
        after: Option<StreamPosition>,
        upto: StreamPosition,
        full: bool,
        visibility: &mut Visibility<'_>,
    ) -> Result<TimelineAndState, MatrixError> {
        let timeline_filter = self.filter.timeline();
        let slice = timeline::slice(
            &self.database,
            room_id,
            after.unwrap_or_default(),
            upto,
            self.filter.timeline_limit(),
            &timeline_filter,
            visibility,
            None,
        )
        .await?;
        let start = timeline_start(&slice.events, upto);
        let at_start = if self.needs_state_at_start(full, &slice.events) {
            Some(self.state_at(room_id, start).await?)
        } else {
            None
        };
        let delta;
        let state_ids = match (after, &at_start) {
            (_, Some(at_start)) if full => &**at_start,
            (Some(after), _) if slice.limited || restricts(&timeline_filter) => {
                delta = self.state_delta(room_id, after, start).await?;
                &delta
            }
            _ => {
                delta = StateMap::new();
                &delta
            }
        };
        let wanted = self.wanted_state(&slice.events, state_ids, full, at_start.as_deref());
        let state_events = self.allowed_state(
            self.database
                .events_by_ids(&wanted)
                .await
                .map_err(internal)?,
        );
        // One batch for both sections: the per-batch reads (redactions, transaction ids,
        // replaced state) run once per room.
        let timeline_len = slice.events.len();
        let mut both = slice.events;
        both.extend(state_events);
        let served = self.room_engine.serve(&self.user, &both).await?;
        Ok(self.part(&both[..timeline_len], slice.limited, start, served))
    }

    /// Whether the state before the timeline is needed: for the state section of a full sync,
    /// and for what lazy loading and `prev_content` read.
    pub(super) fn needs_state_at_start(&self, full: bool, events: &[StoredEvent]) -> bool {
        full || self.filter.lazy_load_members() || events.iter().any(|e| e.state_key.is_some())
    }

    /// The events of the state section: those of `state_ids` (only the timeline senders' and
    /// the user's member events when members are lazily loaded), plus, on an incremental lazy
    /// sync, the senders' member events as of the timeline's start, which the client may not
    /// have (sent again even if it has: `include_redundant_members`).
    pub(super) fn wanted_state<'a>(
        &self,
        events: &[StoredEvent],
        state_ids: &'a StateMap,
        full: bool,
        at_start: Option<&'a StateMap>,
    ) -> Vec<&'a str> {
        let senders: HashSet<&str> = events.iter().map(|e| e.sender.as_str()).collect();
        let lazy = self.filter.lazy_load_members();
        let mut wanted: Vec<&str> = state_ids
            .iter()
            .filter(|((kind, key), _)| {
                !(lazy && kind == MEMBER)
                    || senders.contains(key.as_str())
                    || *key == self.user.user_id
            })
            .map(|(_, id)| id.as_str())
            .collect();
        if let (true, false, Some(at_start)) = (lazy, full, at_start) {
            wanted.extend(senders.iter().filter_map(|sender| {
                at_start
                    .get(&(MEMBER.to_owned(), (*sender).to_owned()))
                    .map(String::as_str)
            }));
            wanted.sort_unstable();
            wanted.dedup();
        }
        wanted
    }

    /// The state events the filter's `state` part lets through.
    pub(super) fn allowed_state(&self, events: Vec<StoredEvent>) -> Vec<StoredEvent> {
        let state_filter = self.filter.state();
        events
            .into_iter()
            .filter(|event| state_filter.allows(&event.event_type, Some(&event.sender)))
            .collect()
    }

    /// A room's timeline and state sections from its served events: the timeline's
    /// (`timeline`, as stored) first, then the state section's.
    pub(super) fn part(
        &self,
        timeline: &[StoredEvent],
        limited: bool,
        start: StreamPosition,
        mut served: Vec<ClientEvent>,
    ) -> TimelineAndState {
        let state = served.split_off(timeline.len());
        let prev_batch = StreamToken {
            events: start.0,
            ..self.now
        };
        TimelineAndState {
            has_members: timeline.iter().any(|e| e.event_type == MEMBER),
            timeline: Timeline {
                events: served,
                limited,
                prev_batch: Some(prev_batch.to_string()),
            },
            state,
        }
    }

    /// The room's state after its last event at or before `at` (empty before the room).
    async fn state_at(
        &self,
        room_id: &str,
        at: StreamPosition,
    ) -> Result<Arc<StateMap>, MatrixError> {
        let group = self
            .database
            .room_state_group_at(room_id, at)
            .await
            .map_err(internal)?;
        self.state_of(group).await
    }

    /// The state of `group` (empty for none).
    pub(super) async fn state_of(
        &self,
        group: Option<StateGroupId>,
    ) -> Result<Arc<StateMap>, MatrixError> {
        match group {
            Some(group) => self
                .database
                .load_state_shared(group)
                .await
                .map_err(internal),
            None => Ok(Arc::default()),
        }
    }

    /// The entries of the state at `to` that differ from the state at `from`.
    async fn state_delta(
        &self,
        room_id: &str,
        from: StreamPosition,
        to: StreamPosition,
    ) -> Result<StateMap, MatrixError> {
        let (before, after) = tokio::try_join!(
            self.database.room_state_group_at(room_id, from),
            self.database.room_state_group_at(room_id, to),
        )
        .map_err(internal)?;
        if before == after {
            return Ok(StateMap::new());
        }
        let (before, after) = tokio::try_join!(self.state_of(before), self.state_of(after))?;
        Ok(after
            .iter()
            .filter(|(key, id)| before.get(*key) != Some(*id))
            .map(|(key, id)| (key.clone(), id.clone()))
            .collect())
    }

    /// `m.heroes`, `m.joined_member_count`, `m.invited_member_count`.
    async fn summary(&self, room_id: &str) -> Result<Map<String, Value>, MatrixError> {
        let prefetched = self
            .prefetched
            .as_ref()
            .map(|all| all.summaries.get(room_id).cloned().unwrap_or_default());
        let RoomSummary { counts, heroes } = match prefetched {
            Some(summary) => summary,
            None => self
                .database
                .room_summary(room_id, &self.user.user_id, HEROES)
                .await
                .map_err(internal)?,
        };
        let count = |membership: &str| counts.get(membership).copied().unwrap_or(0);
        let mut summary = Map::new();
        summary.insert("m.heroes".to_owned(), json!(heroes));
        summary.insert("m.joined_member_count".to_owned(), json!(count("join")));
        summary.insert("m.invited_member_count".to_owned(), json!(count("invite")));
        Ok(summary)
    }

    /// The stripped state after the user's invite or knock, with that event.
    async fn stripped_state(
        &self,
        membership: &MembershipPosition,
    ) -> Result<Vec<StrippedStateEvent>, MatrixError> {
        let group = self
            .database
            .event_state_group(&membership.event_id)
            .await
            .map_err(internal)?;
        let state = match group {
            Some(group) => self.database.load_state(group).await.map_err(internal)?,
            None => return self.remote_invite_state(membership).await,
        };
        let mut ids: Vec<&str> = STRIPPED_STATE_TYPES
            .iter()
            .filter_map(|kind| state.get(&((*kind).to_owned(), String::new())))
            .map(String::as_str)
            .collect();
        ids.push(&membership.event_id);
        let events = self.database.events_by_ids(&ids).await.map_err(internal)?;
        Ok(events
            .iter()
            .map(|event| StrippedStateEvent {
                content: event.content(),
                sender: event.sender.clone(),
                state_key: event.state_key.clone().unwrap_or_default(),
                event_type: event.event_type.clone(),
            })
            .collect())
    }
}

impl Context {
    /// The stripped state another server sent with its invite (none for other outliers), with
    /// the invite event.
    async fn remote_invite_state(
        &self,
        membership: &MembershipPosition,
    ) -> Result<Vec<StrippedStateEvent>, MatrixError> {
        let sent = self
            .database
            .invite_state(&membership.event_id)
            .await
            .map_err(internal)?
            .unwrap_or_default();
        let mut events: Vec<StrippedStateEvent> = serde_json::from_str::<Vec<Value>>(&sent)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|event| serde_json::from_value(event).ok())
            .collect();
        let own = self
            .database
            .events_by_ids(&[membership.event_id.as_str()])
            .await
            .map_err(internal)?;
        events.extend(own.iter().map(|event| StrippedStateEvent {
            content: event.content(),
            sender: event.sender.clone(),
            state_key: event.state_key.clone().unwrap_or_default(),
            event_type: event.event_type.clone(),
        }));
        Ok(events)
    }
}

/// Where a timeline's state section is taken: just before its first event, or at `upto` when
/// the timeline is empty.
pub(super) fn timeline_start(events: &[StoredEvent], upto: StreamPosition) -> StreamPosition {
    events
        .first()
        .map(|first| StreamPosition(first.stream_position.0 - 1))
        .unwrap_or(upto)
}

/// Whether a filter can leave timeline events out (then state changes may hide between
/// `since` and the timeline even when it is not limited).
fn restricts(filter: &EventFilter) -> bool {
    filter.types.is_some()
        || filter.not_types.is_some()
        || filter.senders.is_some()
        || filter.not_senders.is_some()
        || filter.contains_url.is_some()
}

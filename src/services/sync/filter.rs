//! The `filter` parameter of `/sync`: an inline JSON filter (it starts with `{`) or the id of
//! one the user stored; absent means no filter.

use client_api::filtering::{EventFilter, Filter};
use client_api::MatrixError;

use crate::services::account_data::AccountData;

/// Synapse's default `room.timeline.limit`.
pub const DEFAULT_TIMELINE_LIMIT: u64 = 10;

/// The filter a sync request applies.
pub(super) async fn resolve(
    account_data: &AccountData,
    user_id: &str,
    filter: Option<&str>,
) -> Result<Filter, MatrixError> {
    let Some(filter) = filter else {
        return Ok(Filter::default());
    };
    if filter.trim_start().starts_with('{') {
        let value = serde_json::from_str(filter)
            .map_err(|e| MatrixError::not_json(format!("Invalid filter JSON: {e}")))?;
        return Filter::from_value(value);
    }
    let stored = account_data
        .stored_filter(user_id, filter)
        .await?
        // Synapse: an unknown filter id in /sync is a bad parameter, not a missing resource.
        .ok_or_else(|| MatrixError::invalid_param("No such filter"))?;
    Filter::from_value(stored.into())
}

/// The parts of a filter a sync uses, with the defaults filled in.
#[derive(Debug, Default)]
pub(super) struct SyncFilter {
    pub filter: Filter,
}

impl SyncFilter {
    pub fn timeline(&self) -> EventFilter {
        self.room_part(|r| r.timeline.clone())
    }

    pub fn state(&self) -> EventFilter {
        self.room_part(|r| r.state.clone())
    }

    pub fn room_account_data(&self) -> EventFilter {
        self.room_part(|r| r.account_data.clone())
    }

    pub fn ephemeral(&self) -> EventFilter {
        self.room_part(|r| r.ephemeral.clone())
    }

    pub fn presence(&self) -> EventFilter {
        self.filter.presence.clone().unwrap_or_default()
    }

    pub fn account_data(&self) -> EventFilter {
        self.filter.account_data.clone().unwrap_or_default()
    }

    pub fn timeline_limit(&self) -> u32 {
        let limit = self.timeline().limit.unwrap_or(DEFAULT_TIMELINE_LIMIT);
        u32::try_from(limit).unwrap_or(u32::MAX)
    }

    pub fn include_leave(&self) -> bool {
        self.filter
            .room
            .as_ref()
            .and_then(|r| r.include_leave)
            .unwrap_or(false)
    }

    pub fn lazy_load_members(&self) -> bool {
        self.state().lazy_load_members.unwrap_or(false)
    }

    /// Whether the room filter and the timeline filter's room lists let the room through.
    pub fn allows_room(&self, room_id: &str) -> bool {
        self.filter
            .room
            .as_ref()
            .is_none_or(|room| room.allows_room(room_id))
    }

    fn room_part(
        &self,
        part: impl Fn(&client_api::filtering::RoomFilter) -> Option<EventFilter>,
    ) -> EventFilter {
        self.filter.room.as_ref().and_then(part).unwrap_or_default()
    }
}

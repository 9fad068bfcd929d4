//! Sync tokens: the position of every stream a client has seen, as text.
//!
//! Format: `s{events}_{account_data}_{typing}_{receipts}_{to_device}_{presence}_{device_lists}`,
//! each a non-negative decimal stream position. Missing trailing parts read as 0 (so older
//! tokens stay valid when a stream is added; add new streams at the end) and extra trailing
//! parts are ignored; anything else is 400 `M_INVALID_PARAM`. The positions are database
//! positions (the `streams` table), so tokens survive a restart.
//!
//! The same token is the `prev_batch` of a sync timeline and the `from`/`to` of `/messages`:
//! `events = N` means "every room event at stream position ≤ N"; paginating backwards from it
//! returns events at positions ≤ N, forwards those > N.

use std::fmt;

use client_api::MatrixError;

use crate::storage::StreamPosition;

/// The streams' positions in a sync token.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StreamToken {
    /// Room events (the `events` table's `stream_ordering`).
    pub events: i64,
    /// Account data (`account_data.stream_id`).
    pub account_data: i64,
    /// Typing notifications (the in-memory typing stream).
    pub typing: i64,
    /// Read receipts (`receipts.stream_id`).
    pub receipts: i64,
    /// Send-to-device messages (`device_inbox.stream_id`).
    pub to_device: i64,
    /// Presence (the in-memory presence stream).
    pub presence: i64,
    /// Device list changes (not served yet: always 0).
    pub device_lists: i64,
}

impl StreamToken {
    /// Parses a token; malformed tokens are 400 `M_INVALID_PARAM`.
    pub fn parse(text: &str) -> Result<Self, MatrixError> {
        let invalid = || MatrixError::invalid_param(format!("Invalid stream token {text:?}"));
        let body = text.strip_prefix('s').ok_or_else(invalid)?;
        let mut parts = [0_i64; 7];
        for (index, part) in body.split('_').enumerate() {
            let valid = !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
            let value: i64 = valid
                .then(|| part.parse().ok())
                .flatten()
                .ok_or_else(invalid)?;
            if let Some(slot) = parts.get_mut(index) {
                *slot = value;
            }
        }
        let [events, account_data, typing, receipts, to_device, presence, device_lists] = parts;
        Ok(StreamToken {
            events,
            account_data,
            typing,
            receipts,
            to_device,
            presence,
            device_lists,
        })
    }

    /// The events position as a storage position.
    pub fn events_position(&self) -> StreamPosition {
        StreamPosition(self.events)
    }

    /// The receipts position as a storage position.
    pub fn receipts_position(&self) -> StreamPosition {
        StreamPosition(self.receipts)
    }

    /// The account data position as a storage position.
    pub fn account_data_position(&self) -> StreamPosition {
        StreamPosition(self.account_data)
    }
}

impl fmt::Display for StreamToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "s{}_{}_{}_{}_{}_{}_{}",
            self.events,
            self.account_data,
            self.typing,
            self.receipts,
            self.to_device,
            self.presence,
            self.device_lists
        )
    }
}

#[cfg(test)]
mod tests {
    use super::StreamToken;

    #[test]
    fn sync_tokens_round_trip_and_default_missing_parts() {
        let token = StreamToken {
            events: 12,
            account_data: 3,
            ..StreamToken::default()
        };
        assert_eq!(token.to_string(), "s12_3_0_0_0_0_0");
        assert_eq!(StreamToken::parse("s12_3_0_0_0_0_0").ok(), Some(token));
        assert_eq!(StreamToken::parse("s12_3").ok(), Some(token));
        assert_eq!(StreamToken::parse("s12_3_0_0_0_0_0_9").ok(), Some(token));
        assert_eq!(StreamToken::parse("s12").map(|t| t.events).ok(), Some(12));
        for bad in [
            "", "s", "12", "s12_", "s_1", "s-1", "sx", "s1__2", "t1-2", "s+1",
        ] {
            let error = StreamToken::parse(bad).err().map(|e| e.errcode);
            assert_eq!(error, Some("M_INVALID_PARAM"), "{bad:?}");
        }
    }
}

//! Pagination tokens. A token names a point of the room timeline between two events: `t<n>`
//! is the point just after the event at stream position `n` (`t0`: before the first event).
//! `/messages` emits `t` tokens; it also accepts `/sync`'s `next_batch` / `prev_batch` tokens,
//! `s<n>` optionally followed by `_<other streams' positions>`, of which only `n` (the events
//! stream) matters here. On a single-server DAG the stream order is the topological order, so
//! one number is enough.

use client_api::MatrixError;

use crate::storage::StreamPosition;

/// The token of the point just after `position`.
pub(super) fn token(position: StreamPosition) -> String {
    format!("t{}", position.0)
}

/// The point a `t` or `s` token names; 400 `M_INVALID_PARAM` for anything else.
pub(super) fn parse_token(token: &str) -> Result<StreamPosition, MatrixError> {
    let invalid = || MatrixError::invalid_param(format!("Invalid pagination token {token:?}"));
    let number = match token.as_bytes().first() {
        Some(b't') => &token[1..],
        Some(b's') => token[1..].split('_').next().unwrap_or_default(),
        _ => return Err(invalid()),
    };
    // Backfilled history has negative positions (`storage::backfill`).
    let digits = number.strip_prefix('-').unwrap_or(number);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    number.parse().map(StreamPosition).map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::{parse_token, token};
    use crate::storage::StreamPosition;

    #[test]
    fn pagination_tokens_round_trip_and_sync_tokens_are_read() {
        assert_eq!(token(StreamPosition(42)), "t42");
        assert_eq!(parse_token("t42").ok(), Some(StreamPosition(42)));
        assert_eq!(parse_token("t0").ok(), Some(StreamPosition(0)));
        assert_eq!(parse_token("s17").ok(), Some(StreamPosition(17)));
        assert_eq!(parse_token("s17_4_9").ok(), Some(StreamPosition(17)));
        // Backfilled history sits at negative positions.
        assert_eq!(parse_token("t-3").ok(), Some(StreamPosition(-3)));
        assert_eq!(token(StreamPosition(-3)), "t-3");
        for bad in [
            "",
            "t",
            "t-",
            "t--1",
            "s_1",
            "x12",
            "t1_2",
            "t99999999999999999999",
            "t 1",
        ] {
            assert!(parse_token(bad).is_err(), "{bad:?}");
        }
    }
}

//! `RoomEventFilter` (spec § "Filtering"): the `filter` query parameter of `/messages` and
//! `/context`, a JSON object given inline in the URL.

use serde::Deserialize;

use crate::MatrixError;

/// Which room events a client wants. Absent lists do not filter; `*` in a type matches any
/// run of characters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct RoomEventFilter {
    /// The maximum number of events to return.
    pub limit: Option<u32>,
    /// Event types to include.
    pub types: Option<Vec<String>>,
    /// Event types to leave out (wins over `types`).
    #[serde(default)]
    pub not_types: Vec<String>,
    /// Senders to include.
    pub senders: Option<Vec<String>>,
    /// Senders to leave out (wins over `senders`).
    #[serde(default)]
    pub not_senders: Vec<String>,
    /// `true`: only events whose content has a `url`; `false`: only events without.
    pub contains_url: Option<bool>,
    /// Return only the member events of the returned events' senders as state.
    #[serde(default)]
    pub lazy_load_members: bool,
    /// With lazy loading, repeat member events the client already has (we always do).
    #[serde(default)]
    pub include_redundant_members: bool,
}

impl RoomEventFilter {
    /// Parses the `filter` query parameter: 400 `M_NOT_JSON` for anything that is not a JSON
    /// object, 400 `M_BAD_JSON` for a filter of the wrong shape.
    pub fn from_query(filter: Option<&str>) -> Result<Self, MatrixError> {
        match filter {
            None => Ok(Self::default()),
            Some(text) => crate::extract::parse_json_object(text.as_bytes()),
        }
    }
}

/// Parses a `limit` query parameter: a non-negative integer, 400 `M_INVALID_PARAM` otherwise.
pub fn parse_limit(limit: Option<&str>) -> Result<Option<u32>, MatrixError> {
    limit
        .map(|text| {
            text.parse::<u32>().map_err(|_| {
                MatrixError::invalid_param(format!("limit must be a non-negative integer: {text}"))
            })
        })
        .transpose()
}

//! Persistent storage: one SQL code base for SQLite and PostgreSQL.
//!
//! Everything sqlx and rusqlite is confined to this module; the rest of the crate sees [`Database`], plain
//! data structs and [`StorageError`]. The repository API is a set of `async fn`s on [`Database`],
//! one file per concern:
//!
//! - `users`, `devices`, `tokens`, `sessions`: accounts; access and refresh tokens are stored
//!   as SHA-256 hashes ([`TokenHash`]), never raw; `sessions` creates and removes a device
//!   with its tokens in one transaction and rotates refresh tokens.
//! - `device_keys`: end-to-end keys of local devices; `device_lists`: the `device_lists`
//!   stream of device list changes (local and remote users); `cross_signing`: cross-signing
//!   keys and uploaded signatures.
//! - `uia_sessions`: user-interactive authentication sessions.
//! - `events`: PDUs with a monotonically increasing stream position.
//! - `state`: room state snapshots as deltas with a bounded chain.
//! - `room_events`: an accepted room event with its state, current state, forward extremity,
//!   membership and transaction id in one transaction; `rooms`: the read side of those.
//! - `server_keys`: our verify keys and cached remote server keys; `server_key_responses`:
//!   each remote server's latest signed key response (for the notary API).
//! - `account_data`: account data (global and per room, on the `account_data` stream) and
//!   filters; `sync`: the read side of `/sync` (positions, memberships, ranges of events).
//! - `profiles`: display names and avatar URLs; `directory`: room aliases and the rooms
//!   published in the room directory.
//! - `receipts`: read receipts (on the `receipts` stream), the events unread counts read, and
//!   who shares a room with a user (presence).
//! - `timeline`: a room's events in stream order, a page at a time; `redactions`: applied
//!   redactions and replaced state; `forgotten`: rooms users forgot.
//! - `federation_queue`: the durable outgoing federation queue (per-destination batches and
//!   backoff) and the inbound transactions already answered.
//! - `to_device`: send-to-device messages waiting per device (the `to_device` stream) and the
//!   requests already taken in.
//!
//! How a statement runs: `statement` builds it (a read, a statement of a write transaction
//! `write::Tx`, or a single write); on a SQLite file `read` and `write` run it on the calling
//! thread through connections of our own, elsewhere sqlx does. See `pool` for the writer model
//! and the SQLite settings, and `dialect` for the few SQL differences between the backends.

mod account_data;
mod backfill;
mod checkpoint;
mod cross_signing;
mod device_keys;
mod device_lists;
mod devices;
mod dialect;
mod directory;
mod error;
mod events;
mod federation_queue;
mod forgotten;
mod invites;
mod pool;
mod profiles;
mod read;
mod receipts;
mod redactions;
mod remote_events;
mod room_events;
mod room_messages;
mod rooms;
mod statement;

mod server_key_responses;
mod server_keys;
mod server_members;
mod sessions;
mod state;
mod sync;
mod timeline;
mod timeline_heads;
mod to_device;
mod tokens;
mod uia_sessions;
mod users;
mod write;

#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;

pub use account_data::AccountDataEntry;
pub use cross_signing::KeySignature;
pub use device_keys::{ClaimedKey, DeviceKeysRow, NewKey};
pub use device_lists::DeviceListChange;
pub use devices::Device;
pub use dialect::Dialect;
pub use directory::RoomAlias;
pub use error::StorageError;
pub use events::{NewEvent, StoredEvent, StreamPosition};
pub use federation_queue::{
    DestinationRetry, InboundTransaction, OutgoingKind, OutgoingTransaction,
};
pub use profiles::Profile;
pub use receipts::{NewReceipt, Receipt, UnreadCandidate};
pub use redactions::LinkedEvent;
pub use remote_events::{RemoteEventWrite, Verdict};
pub use room_events::{NewRoom, NewTransaction, PersistedEvent, RoomEventWrite};
pub use rooms::{EventTransaction, Membership, Room};
pub use server_key_responses::ServerKeyResponse;
pub use server_keys::{OwnVerifyKey, RemoteServerKey};
pub use sessions::{NewSession, Refresh, RefreshToken};
pub use state::{StateChange, StateGroupId, StateMap, MAX_DELTA_CHAIN};
pub use sync::{MembershipPosition, RoomSummary};
pub use timeline::{Direction, TimelineEvent, TimelineRange};
pub use timeline_heads::EventWithState;
pub use to_device::{NewToDevice, ToDeviceMessage};
pub use tokens::{AccessToken, NewAccessToken, TokenHash};
pub use uia_sessions::UiaSession;
pub use users::{NewUser, User};

/// A handle on the database: cheap to clone, shared by all services.
#[derive(Clone, Debug)]
pub struct Database {
    dialect: Dialect,
    /// Reads. For SQLite: `query_only` connections (the same pool as `write` for `:memory:`).
    read: sqlx::AnyPool,
    /// Writes. For SQLite: exactly one connection; for PostgreSQL: the same pool as `read`.
    write: sqlx::AnyPool,
    /// Loaded state groups (immutable, so shared by every clone and never stale).
    state_cache: std::sync::Arc<state::StateCache>,
    /// For a SQLite file: the connections the hot-path reads run on directly (`read`).
    direct: Option<std::sync::Arc<read::Readers>>,
    /// For a SQLite file: the connection write transactions run on directly (`write`).
    writer: Option<std::sync::Arc<write::Writer>>,
}

//! The room engine: every local event is a real PDU, built on the room's current state and
//! forward extremity, hashed and signed with the server key, authorised by
//! `state_res::auth` against the state before it, and persisted with the state after it.
//!
//! - [`locks`]: one write lock per room, so concurrent sends keep the DAG linear;
//! - [`head`]: a room's tip (version, current state, forward extremities) as the next event
//!   sees it;
//! - [`builder`]: an event template → a signed [`Pdu`](state_res::pdu::Pdu);
//! - [`append`]: build, authorise, persist, advance the head — the one write path;
//! - [`outgoing`]: committed events to the room's other servers (the federation queue);
//! - [`create`] and [`presets`]: `POST /createRoom`;
//! - [`membership`]: join, leave, invite, kick, ban, unban, knock;
//! - [`profile`]: profiles, and the profile data member events carry;
//! - [`aliases`], [`directory`]: room aliases, the published room directory;
//! - [`upgrade`]: room upgrades;
//! - [`send`]: message and state events, with transaction ids; [`send_batch`]: concurrent
//!   message sends to one room committed together;
//! - [`read`], [`visibility`], [`client_event`]: state, events and members as clients see them;
//! - [`serve`]: stored events as clients see them (redactions applied, `prev_content`);
//! - [`history`], [`messages`], [`context`], [`members`], [`tokens`], [`filter`]: the
//!   timeline a page at a time, as history visibility lets a user see it;
//! - [`forget`]: forgetting rooms;
//! - [`federation_reads`]: events, state and auth chains as other servers read them;
//! - [`errors`]: how engine failures reach the client.

mod acl;
mod aliases;
mod append;
mod backfill;
mod builder;
pub(crate) mod client_event;
mod context;
mod create;
mod directory;
mod errors;
pub(crate) mod federation_reads;
mod filter;
mod forget;
mod handshake;
mod head;
mod head_cache;
mod history;
mod links;
pub(crate) mod locks;
mod members;
mod membership;
mod messages;
mod outgoing;
mod presets;
mod profile;
mod read;
mod receive;
mod receive_tip;
mod remote;
mod remote_invite;
mod remote_join;
mod resolver;
mod restricted;
mod send;
mod send_batch;
mod serve;
mod tokens;
mod upgrade;
pub mod visibility;

use state_res::ids::check_room_id;
use state_res::room_version::RoomVersion;
use state_res::signing::KeyPair;

use client_api::MatrixError;

use std::sync::Arc;

use crate::federation::FederationSender;
use crate::services::notifier::Notifier;
use crate::storage::Database;

pub use self::receive::Received;
pub use self::remote::{NoRemote, RemoteEvents};
pub use self::remote_invite::{InviteSigner, STRIPPED_STATE_TYPES};

use self::head_cache::HeadCache;
use self::locks::RoomLocks;

/// The room version new rooms get unless the client asks for another (Synapse's default).
pub const DEFAULT_ROOM_VERSION: RoomVersion = RoomVersion::V10;

/// The room service.
#[derive(Debug)]
pub struct Rooms {
    database: Database,
    server_name: String,
    signing_key: KeyPair,
    default_version: RoomVersion,
    locks: RoomLocks,
    /// Woken after every persisted event (the room's users, see `append`).
    notifier: Arc<Notifier>,
    /// Where committed events go to other servers (`outgoing`); none: not sent.
    federation_sender: Option<Arc<FederationSender>>,
    /// One upgrade at a time per room (an upgrade spans several room locks).
    upgrades: RoomLocks,
    /// Room versions by room id (they never change), read once per room by `serve`.
    versions: std::sync::Mutex<std::collections::HashMap<String, RoomVersion>>,
    /// Tips of recently written rooms (`head_cache`).
    heads: HeadCache,
    /// Message sends waiting for their room's lock (`send_batch`).
    sends: send_batch::SendQueues,
}

impl Rooms {
    /// A room service for `server_name`, signing with `signing_key`.
    pub fn new(
        database: Database,
        server_name: String,
        signing_key: KeyPair,
        default_version: RoomVersion,
    ) -> Self {
        Self {
            database,
            server_name,
            signing_key,
            default_version,
            locks: RoomLocks::default(),
            notifier: Arc::default(),
            federation_sender: None,
            upgrades: RoomLocks::default(),
            versions: Default::default(),
            heads: HeadCache::default(),
            sends: Default::default(),
        }
    }

    /// The same service, waking `/sync` requests through `notifier`.
    pub fn with_notifier(mut self, notifier: Arc<Notifier>) -> Self {
        self.notifier = notifier;
        self
    }

    /// The same service, sending committed events to other servers through `sender`.
    pub fn with_federation_sender(mut self, sender: Arc<FederationSender>) -> Self {
        self.federation_sender = Some(sender);
        self
    }
}

/// 400 `M_INVALID_PARAM` unless `room_id` is a room id.
fn valid_room_id(room_id: &str) -> Result<(), MatrixError> {
    check_room_id(room_id)
        .map_err(|error| MatrixError::invalid_param(format!("Invalid room id: {error}")))
}

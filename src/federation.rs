//! Talking to other servers: discovery (`discovery`, over `lookup`), the signed HTTPS client
//! (`client`), the remote key ring (`keys`), the durable outgoing queue (`sender`) and
//! other servers' users' device keys (`user_keys`).

pub mod client;
pub mod discovery;
pub mod event_checks;
pub mod invites;
pub mod joins;
pub mod keys;
pub mod lookup;
pub mod queries;
pub mod remote;
pub mod sender;
pub mod user_keys;

pub use client::{ClientSetupError, FederationClient, FederationError};
pub use keys::{KeyError, KeyRing};
pub use sender::FederationSender;

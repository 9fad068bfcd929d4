//! Talking to other servers: discovery (`discovery`, over `lookup`), the signed HTTPS client
//! (`client`) and the remote key ring (`keys`).

pub mod client;
pub mod discovery;
pub mod event_checks;
pub mod invites;
pub mod joins;
pub mod keys;
pub mod lookup;
pub mod queries;
pub mod remote;

pub use client::{ClientSetupError, FederationClient, FederationError};
pub use keys::{KeyError, KeyRing};

//! Ephemeral data and what `/sync` derives from receipts:
//!
//! - [`typing`]: typing notifications, in memory per process, on the `typing` stream;
//! - [`receipts`]: read receipts (public, private, threaded) and read markers (`m.fully_read`
//!   is the room's account data);
//! - [`presence`]: presence, in memory per process, on the `presence` stream, with Synapse's
//!   idle (5 min → `unavailable`) and sync (30 s → `offline`) timeouts;
//! - [`unread`]: unread notification counts from the events after the user's read receipt.
//!
//! Typing notices and read receipts also arrive from other servers as EDUs
//! (`Typing::remote_typing`, `Receipts::remote_receipts`), and local ones leave as EDUs
//! ([`outgoing`]).

pub mod outgoing;
pub mod presence;
pub mod receipts;
pub mod typing;
pub mod unread;
pub mod unread_cache;

#[cfg(test)]
mod tests;

//! Ephemeral data and what `/sync` derives from receipts:
//!
//! - [`typing`]: typing notifications, in memory per process, on the `typing` stream;
//! - [`receipts`]: read receipts (public, private, threaded) and read markers (`m.fully_read`
//!   is the room's account data);
//! - [`presence`]: presence, in memory per process, on the `presence` stream, with Synapse's
//!   idle (5 min → `unavailable`) and sync (30 s → `offline`) timeouts;
//! - [`unread`]: unread notification counts from the events after the user's read receipt.

pub mod presence;
pub mod receipts;
pub mod typing;
pub mod unread;

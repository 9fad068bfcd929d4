//! Storage tests. Every test body runs on SQLite and, when configured, PostgreSQL
//! (see [`super::testing`]).

mod accounts;
mod directory;
mod events;
mod federation_queue;
mod migrations;
mod receipts;
mod room_messages;
mod rooms;
mod server_keys;
mod server_members;
mod sessions;
mod state;
mod state_chain;
mod statements;
mod sync;
mod timeline;
mod to_device;

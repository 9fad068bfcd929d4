//! Sytest-style end-to-end scenarios: real servers, booted in-process on `127.0.0.1:0` with
//! temporary databases (SQLite, and PostgreSQL when `CONCORD_TEST_POSTGRES_URL` is set, see
//! `harness/backend.rs`), spoken to over HTTP; and the `concord` binary, run as a process.
//! Modules live in `tests/sytest/`, numbered like sytest's areas; each test is named as a
//! sentence.

#[path = "sytest/harness.rs"]
mod harness;
#[path = "sytest/s00_cli.rs"]
mod s00_cli;
#[path = "sytest/s10_apidoc.rs"]
mod s10_apidoc;
#[path = "sytest/s11_register.rs"]
mod s11_register;
#[path = "sytest/s12_login.rs"]
mod s12_login;
#[path = "sytest/s13_devices.rs"]
mod s13_devices;
#[path = "sytest/s14_rate_limits.rs"]
mod s14_rate_limits;
#[path = "sytest/s15_http1.rs"]
mod s15_http1;
#[path = "sytest/s30_rooms.rs"]
mod s30_rooms;
#[path = "sytest/s31_sync.rs"]
mod s31_sync;
#[path = "sytest/s32_account_data.rs"]
mod s32_account_data;
#[path = "sytest/s33_history.rs"]
mod s33_history;
#[path = "sytest/s34_profile.rs"]
mod s34_profile;
#[path = "sytest/s35_directory.rs"]
mod s35_directory;
#[path = "sytest/s36_knocking.rs"]
mod s36_knocking;
#[path = "sytest/s37_room_upgrades.rs"]
mod s37_room_upgrades;
#[path = "sytest/s38_ephemeral.rs"]
mod s38_ephemeral;
#[path = "sytest/s39_to_device.rs"]
mod s39_to_device;
#[path = "sytest/s40_e2e_keys.rs"]
mod s40_e2e_keys;
#[path = "sytest/s49_server_keys.rs"]
mod s49_server_keys;
#[path = "sytest/s50_federation_keys.rs"]
mod s50_federation_keys;
#[path = "sytest/s51_federation_queries.rs"]
mod s51_federation_queries;
#[path = "sytest/s52_federation_reads.rs"]
mod s52_federation_reads;
#[path = "sytest/s53_federation_send.rs"]
mod s53_federation_send;
#[path = "sytest/s54_federation_join.rs"]
mod s54_federation_join;
#[path = "sytest/s55_federation_invite.rs"]
mod s55_federation_invite;
#[path = "sytest/s56_federation_partition.rs"]
mod s56_federation_partition;
#[path = "sytest/s57_federation_bad_input.rs"]
mod s57_federation_bad_input;
#[path = "sytest/s58_federation_edus.rs"]
mod s58_federation_edus;
#[path = "sytest/s59_federation_to_device.rs"]
mod s59_federation_to_device;
#[path = "sytest/s60_synapse_interop.rs"]
mod s60_synapse_interop;
#[path = "sytest/s61_federation_keys.rs"]
mod s61_federation_keys;
#[path = "sytest/s62_synapse_keys.rs"]
mod s62_synapse_keys;
#[path = "sytest/s90_nio.rs"]
mod s90_nio;

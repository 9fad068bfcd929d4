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
#[path = "sytest/s30_rooms.rs"]
mod s30_rooms;
#[path = "sytest/s33_history.rs"]
mod s33_history;
#[path = "sytest/s49_server_keys.rs"]
mod s49_server_keys;

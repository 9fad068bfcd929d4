pub mod app;
pub mod cli;
pub mod config;
pub mod logging;
pub mod password;
pub mod server;
pub mod signing_key;
pub mod storage;

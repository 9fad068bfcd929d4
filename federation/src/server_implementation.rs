//! Spec server-server § "Server implementation": `GET /_matrix/federation/v1/version`.

pub mod get_version;

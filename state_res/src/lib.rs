//! Concord's protocol kernel: everything about the Matrix protocol that is pure data and
//! computation. No I/O, no async runtime, no database, no HTTP.
//!
//! - [`ids`]: identifier grammars (spec `appendices.md` § "Identifier Grammar").
//! - [`canonical_json`]: Matrix canonical JSON, the input of every hash and signature.
//! - [`base64`], [`signing`]: unpadded Base64 and ed25519 JSON signatures.
//! - [`room_version`]: room versions 1–12 as rule data.
//! - [`pdu`]: the PDU format, size limits, content and reference hashes, event ids.
//! - [`redaction`]: the redaction algorithm of every room version.
//! - [`auth`]: the authorization rules of every room version.

pub mod auth;
pub mod base64;
pub mod canonical_json;
pub mod ids;
pub mod pdu;
pub mod redaction;
pub mod resolve;
pub mod room_version;
pub mod signing;

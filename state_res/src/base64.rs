//! Unpadded Base64 (spec `appendices.md` § "Unpadded Base64").
//!
//! Matrix writes standard-alphabet Base64 without padding; implementations must accept padded
//! input too. Event ids of room version 4 and later use the URL-safe alphabet.

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;

const CONFIG: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_encode_padding(false)
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);

const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, CONFIG);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, CONFIG);

/// The input was not valid Base64.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid base64: {0}")]
pub struct Base64Error(String);

/// Encodes with the standard alphabet and no padding.
pub fn encode(bytes: impl AsRef<[u8]>) -> String {
    STANDARD.encode(bytes)
}

/// Encodes with the URL-safe alphabet and no padding.
pub fn encode_url_safe(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE.encode(bytes)
}

/// Decodes standard-alphabet Base64, padded or not.
pub fn decode(text: &str) -> Result<Vec<u8>, Base64Error> {
    STANDARD
        .decode(text)
        .map_err(|e| Base64Error(e.to_string()))
}

/// Decodes URL-safe Base64, padded or not.
pub fn decode_url_safe(text: &str) -> Result<Vec<u8>, Base64Error> {
    URL_SAFE
        .decode(text)
        .map_err(|e| Base64Error(e.to_string()))
}

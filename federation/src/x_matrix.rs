//! The `X-Matrix` authorization scheme of server-server requests (spec `server-server-api.md`
//! § "Request Authentication"): the header's grammar, and the signed JSON object that wraps a
//! request's method, target, origin, destination and body.
//!
//! Pure: fetching the origin's key and answering 401 belong to the caller.

use serde_json::{Map, Value};
use state_res::signing::{verify_json, KeyPair, SigningError, VerifyingKey};

/// The parameters of an `Authorization: X-Matrix …` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XMatrix {
    /// The sending server's name.
    pub origin: String,
    /// The receiving server's name; absent in requests from servers older than spec v1.3.
    pub destination: Option<String>,
    /// The id of the key that signed the request, e.g. `ed25519:a_Bcd`.
    pub key: String,
    /// The unpadded Base64 signature.
    pub sig: String,
}

/// Why an `Authorization` header is not a usable `X-Matrix` one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum XMatrixError {
    /// Another scheme, or no space after it.
    #[error("the Authorization header does not use the X-Matrix scheme")]
    NotXMatrix,
    /// The parameter list does not follow RFC 9110 § 11.4.
    #[error("malformed X-Matrix parameters: {0}")]
    Malformed(&'static str),
    /// A required parameter is missing.
    #[error("the X-Matrix header has no {0} parameter")]
    Missing(&'static str),
}

impl XMatrix {
    /// Parses a header value. Names are case insensitive, order does not matter, values may be
    /// quoted (with backslash escapes) or bare tokens (colons allowed, for older senders),
    /// unknown parameters are ignored.
    pub fn parse(header: &str) -> Result<Self, XMatrixError> {
        let (scheme, rest) = header.split_once(' ').ok_or(XMatrixError::NotXMatrix)?;
        if !scheme.eq_ignore_ascii_case("X-Matrix") {
            return Err(XMatrixError::NotXMatrix);
        }
        let (mut origin, mut destination, mut key, mut sig) = (None, None, None, None);
        for (name, value) in parse_params(rest)? {
            match name.to_ascii_lowercase().as_str() {
                "origin" => origin = Some(value),
                "destination" => destination = Some(value),
                "key" => key = Some(value),
                // The spec's list calls it `signature`; every implementation sends `sig`.
                "sig" | "signature" => sig = Some(value),
                _ => {}
            }
        }
        Ok(XMatrix {
            origin: origin.ok_or(XMatrixError::Missing("origin"))?,
            destination,
            key: key.ok_or(XMatrixError::Missing("key"))?,
            sig: sig.ok_or(XMatrixError::Missing("sig"))?,
        })
    }

    /// The header value as the spec asks senders to write it: one space after the scheme,
    /// lower-case names, quoted values, no spaces around commas.
    pub fn to_header(&self) -> String {
        let mut header = format!("X-Matrix origin={}", quote(&self.origin));
        if let Some(destination) = &self.destination {
            header.push_str(&format!(",destination={}", quote(destination)));
        }
        header.push_str(&format!(
            ",key={},sig={}",
            quote(&self.key),
            quote(&self.sig)
        ));
        header
    }

    /// Signs a request as `origin` with `key` (step 1 of the spec: the JSON object of method,
    /// target with its query string, origin, destination and, when there is one, the parsed
    /// body), giving the header parameters.
    pub fn sign(key: &KeyPair, request: &SignedRequest<'_>) -> Result<Self, SigningError> {
        let mut object = request.object();
        key.sign_json(request.origin, &mut object)?;
        let sig = state_res::signing::signature_of(&object, request.origin, key.key_id())
            .unwrap_or_default()
            .to_owned();
        Ok(XMatrix {
            origin: request.origin.to_owned(),
            destination: Some(request.destination.to_owned()),
            key: key.key_id().to_owned(),
            sig,
        })
    }

    /// Checks the signature over `request` with the origin's `verifying_key` (the key named by
    /// [`XMatrix::key`], fetched by the caller).
    pub fn verify(
        &self,
        request: &SignedRequest<'_>,
        verifying_key: &VerifyingKey,
    ) -> Result<(), SigningError> {
        let mut object = request.object();
        let mut by_key = Map::new();
        by_key.insert(self.key.clone(), Value::String(self.sig.clone()));
        let mut signatures = Map::new();
        signatures.insert(self.origin.clone(), Value::Object(by_key));
        object.insert("signatures".to_owned(), Value::Object(signatures));
        verify_json(&object, &self.origin, &self.key, verifying_key)
    }
}

/// What the `X-Matrix` signature covers.
#[derive(Clone, Copy, Debug)]
pub struct SignedRequest<'a> {
    /// The HTTP method, upper case.
    pub method: &'a str,
    /// The request target: the path from `/_matrix/…`, with `?` and the query if present.
    pub uri: &'a str,
    /// The sending server's name (before any delegation).
    pub origin: &'a str,
    /// The receiving server's name (before any delegation).
    pub destination: &'a str,
    /// The parsed JSON body, if the request has one.
    pub content: Option<&'a Value>,
}

impl SignedRequest<'_> {
    fn object(&self) -> Map<String, Value> {
        let mut object = Map::new();
        object.insert("method".to_owned(), Value::from(self.method));
        object.insert("uri".to_owned(), Value::from(self.uri));
        object.insert("origin".to_owned(), Value::from(self.origin));
        object.insert("destination".to_owned(), Value::from(self.destination));
        if let Some(content) = self.content {
            object.insert("content".to_owned(), content.clone());
        }
        object
    }
}

/// `"value"` with `"` and `\` escaped.
fn quote(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

/// RFC 9110 `tchar`, plus `:` which the spec asks recipients to allow in bare values.
fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~:".contains(c)
}

/// Splits `name=value, name="value"` into pairs, unescaping quoted values.
fn parse_params(text: &str) -> Result<Vec<(String, String)>, XMatrixError> {
    let mut params = Vec::new();
    let mut chars = text.chars().peekable();
    let skip_whitespace = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| {
        while chars.next_if(|c| *c == ' ' || *c == '\t').is_some() {}
    };
    loop {
        skip_whitespace(&mut chars);
        let mut name = String::new();
        while let Some(c) = chars.next_if(|c| is_token_char(*c) && *c != ':') {
            name.push(c);
        }
        if name.is_empty() {
            return Err(XMatrixError::Malformed("expected a parameter name"));
        }
        if chars.next() != Some('=') {
            return Err(XMatrixError::Malformed("expected = after a parameter name"));
        }
        let mut value = String::new();
        if chars.next_if_eq(&'"').is_some() {
            loop {
                match chars.next() {
                    Some('"') => break,
                    Some('\\') => value.push(
                        chars
                            .next()
                            .ok_or(XMatrixError::Malformed("unterminated escape"))?,
                    ),
                    Some(c) => value.push(c),
                    None => return Err(XMatrixError::Malformed("unterminated quoted value")),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| is_token_char(*c)) {
                value.push(c);
            }
            if value.is_empty() {
                return Err(XMatrixError::Malformed("empty value"));
            }
        }
        params.push((name, value));
        skip_whitespace(&mut chars);
        match chars.next() {
            None => return Ok(params),
            Some(',') => {}
            Some(_) => {
                return Err(XMatrixError::Malformed(
                    "expected a comma between parameters",
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests;

//! Server names (spec `appendices.md` § "Server Name"):
//!
//! ```text
//! server_name = hostname [ ":" port ]
//! port        = 1*5DIGIT
//! hostname    = IPv4address / "[" IPv6address "]" / dns-name
//! IPv4address = 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT
//! IPv6address = 2*45IPv6char            ; 0-9, A-F, a-f, ":", "."
//! dns-name    = 1*255dns-char           ; DIGIT / ALPHA / "-" / "."
//! ```
//!
//! Beyond the grammar, the spec's prose is enforced: an IPv4 literal is four decimal numbers in
//! 0–255, an IPv6 literal must be an RFC 3513 address (checked with [`Ipv6Addr`]). A hostname
//! shaped like a dotted quad is an IPv4 literal, so `256.1.1.1` is rejected rather than taken as
//! a DNS name. The label conventions for DNS names are a "should" and are not enforced; neither
//! is the recommended 230-character limit. Port `0` matches `1*5DIGIT` and is accepted; values
//! over 65535 are not. Server names are case-sensitive and are never lowercased here.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{check_len, IdError, IdKind};

/// The limit on a whole server name (hostname and port) in bytes.
pub const MAX_SERVER_NAME_BYTES: usize = 255;

/// A parsed server name borrowing from its input.
///
/// `host` is the spec's `hostname`: for an IPv6 literal it keeps its square brackets
/// (`[::1]`), so `host` and `port` reassemble the server name and the pair can be parsed as a
/// socket address. `port` is `None` when the server name has none (discovery then applies).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ServerName<'a> {
    pub host: &'a str,
    pub port: Option<u16>,
}

/// The three forms of `hostname`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HostKind {
    Dns,
    Ipv4,
    Ipv6,
}

impl ServerName<'_> {
    /// Which form the hostname takes.
    pub fn host_kind(&self) -> HostKind {
        if self.host.starts_with('[') {
            HostKind::Ipv6
        } else if dotted_quad(self.host).is_some() {
            HostKind::Ipv4
        } else {
            HostKind::Dns
        }
    }

    /// The address of an IP-literal hostname; `None` for a DNS name.
    pub fn ip(&self) -> Option<IpAddr> {
        if let Some(inner) = self.host.strip_prefix('[') {
            let inner = inner.strip_suffix(']')?;
            return inner.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
        }
        let octets = dotted_quad(self.host)?;
        let mut bytes = [0u8; 4];
        for (byte, octet) in bytes.iter_mut().zip(octets) {
            *byte = u8::try_from(octet).ok()?;
        }
        Some(IpAddr::V4(Ipv4Addr::from(bytes)))
    }
}

/// Parses and validates a server name.
pub fn parse_server_name(s: &str) -> Result<ServerName<'_>, IdError> {
    if s.is_empty() {
        return Err(IdError::Empty);
    }
    check_len(s, IdKind::ServerName, MAX_SERVER_NAME_BYTES)?;
    let (host, port_text) = split_host_port(s)?;
    check_hostname(host)?;
    let port = port_text.map(parse_port).transpose()?;
    Ok(ServerName { host, port })
}

/// Validates a server name.
pub fn check_server_name(s: &str) -> Result<(), IdError> {
    parse_server_name(s).map(|_| ())
}

fn invalid(reason: impl Into<String>) -> IdError {
    IdError::InvalidServerName(reason.into())
}

/// Splits off the port: after the closing `]` of an IPv6 literal, otherwise at the first `:`.
fn split_host_port(s: &str) -> Result<(&str, Option<&str>), IdError> {
    if s.starts_with('[') {
        let end = s
            .find(']')
            .ok_or_else(|| invalid("IPv6 literal has no closing ']'"))?;
        let (host, rest) = s.split_at(end + 1);
        if rest.is_empty() {
            return Ok((host, None));
        }
        let port = rest
            .strip_prefix(':')
            .ok_or_else(|| invalid("expected ':' and a port after the IPv6 literal"))?;
        return Ok((host, Some(port)));
    }
    match s.split_once(':') {
        Some((_, port)) if port.contains(':') => Err(invalid(
            "an IPv6 literal must be enclosed in square brackets",
        )),
        Some((host, port)) => Ok((host, Some(port))),
        None => Ok((s, None)),
    }
}

fn check_hostname(host: &str) -> Result<(), IdError> {
    if let Some(inner) = host.strip_prefix('[') {
        // `split_host_port` only returns a bracketed host ending in ']'.
        let inner = inner.strip_suffix(']').unwrap_or(inner);
        return check_ipv6(inner);
    }
    if host.is_empty() {
        return Err(invalid("the hostname is empty"));
    }
    if let Some(ch) = host
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || c == '-' || c == '.'))
    {
        return Err(invalid(format!("invalid character {ch:?} in the hostname")));
    }
    if let Some(octets) = dotted_quad(host) {
        if octets.iter().any(|&o| o > 255) {
            return Err(invalid("an IPv4 literal's numbers must be in 0-255"));
        }
    }
    Ok(())
}

fn check_ipv6(inner: &str) -> Result<(), IdError> {
    let grammar_ok = (2..=45).contains(&inner.len())
        && inner
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.');
    if !grammar_ok || inner.parse::<Ipv6Addr>().is_err() {
        return Err(invalid("not a valid IPv6 address literal"));
    }
    Ok(())
}

/// The four numbers of a hostname shaped `1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT`,
/// unchecked against 255.
fn dotted_quad(host: &str) -> Option<[u16; 4]> {
    let mut octets = [0u16; 4];
    let mut parts = host.split('.');
    for octet in &mut octets {
        let part = parts.next()?;
        if !(1..=3).contains(&part.len()) || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *octet = part.parse().ok()?;
    }
    parts.next().is_none().then_some(octets)
}

/// `port = 1*5DIGIT`, at most 65535. Digits only: no sign, no spaces.
fn parse_port(text: &str) -> Result<u16, IdError> {
    if text.is_empty() {
        return Err(invalid("the port after ':' is empty"));
    }
    if text.len() > 5 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid("the port must be 1 to 5 decimal digits"));
    }
    text.parse::<u16>()
        .map_err(|_| invalid("the port must be at most 65535"))
}

//! Server discovery (spec `server-server-api.md` § "Resolving server names"): from a server
//! name to the host and port to connect to, the name the TLS certificate must carry and the
//! `Host` header to send.
//!
//! [`resolve`] is the spec's algorithm over a [`Lookup`] (the `.well-known` fetch and SRV
//! queries); `lookup.rs` implements it with HTTPS and DNS.

use state_res::ids::{parse_server_name, HostKind, IdError, ServerName};

/// Port 8448, the federation default.
pub const DEFAULT_PORT: u16 = 8448;

/// Where and how to reach a server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The name the certificate must be valid for, and the host part of the request URL: a
    /// DNS name, an IPv4 literal or a bracketed IPv6 literal.
    pub tls_host: String,
    /// The host whose addresses are connected to (an SRV target, else `tls_host`).
    pub connect_host: String,
    /// The port to connect to.
    pub port: u16,
    /// The `Host` header.
    pub host_header: String,
}

/// The network lookups discovery needs.
pub trait Lookup {
    /// `m.server` of `https://<host>/.well-known/matrix/server`, or `None` for any error
    /// (unreachable, non-200, bad JSON, missing or invalid `m.server`).
    fn well_known(&self, host: &str) -> impl std::future::Future<Output = Option<String>> + Send;
    /// The target host and port of an SRV record (`_matrix-fed._tcp.example.org`), if any.
    fn srv(&self, name: &str) -> impl std::future::Future<Output = Option<(String, u16)>> + Send;
}

/// Resolves `server_name` (spec steps 1–6).
pub async fn resolve(server_name: &str, lookup: &impl Lookup) -> Result<Target, IdError> {
    let name = parse_server_name(server_name)?;
    if let Some(target) = direct(&name, server_name) {
        return Ok(target);
    }
    let host = name.host;
    // Step 3: delegation through .well-known.
    if let Some(delegated) = lookup.well_known(host).await {
        if let Ok(delegated_name) = parse_server_name(&delegated) {
            if let Some(target) = direct(&delegated_name, &delegated) {
                // 3.1 and 3.2: an IP literal, or a hostname with a port.
                return Ok(target);
            }
            // 3.3–3.5: SRV records of the delegated hostname, else port 8448.
            return Ok(by_srv(delegated_name.host, lookup).await);
        }
    }
    // Steps 4–6.
    Ok(by_srv(host, lookup).await)
}

/// Steps 1 and 2 (and 3.1, 3.2 for a delegated name): IP literals, and hostnames with an
/// explicit port, need no lookup beyond the address.
fn direct(name: &ServerName<'_>, as_written: &str) -> Option<Target> {
    let is_ip = name.host_kind() != HostKind::Dns;
    if !is_ip && name.port.is_none() {
        return None;
    }
    Some(Target {
        tls_host: name.host.to_owned(),
        connect_host: name.host.to_owned(),
        port: name.port.unwrap_or(DEFAULT_PORT),
        host_header: as_written.to_owned(),
    })
}

/// `_matrix-fed._tcp`, then the deprecated `_matrix._tcp`, then `host:8448`; the certificate
/// and `Host` header are always `host`'s.
async fn by_srv(host: &str, lookup: &impl Lookup) -> Target {
    for service in ["_matrix-fed._tcp", "_matrix._tcp"] {
        if let Some((target, port)) = lookup.srv(&format!("{service}.{host}")).await {
            return Target {
                tls_host: host.to_owned(),
                connect_host: target.trim_end_matches('.').to_owned(),
                port,
                host_header: host.to_owned(),
            };
        }
    }
    Target {
        tls_host: host.to_owned(),
        connect_host: host.to_owned(),
        port: DEFAULT_PORT,
        host_header: host.to_owned(),
    }
}

#[cfg(test)]
mod tests;

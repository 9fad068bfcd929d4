//! `listeners`: the addresses the HTTP server binds.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::InvalidValue;

/// One listener serving both the client-server and the server-server API, over plain HTTP or,
/// with `tls`, HTTPS.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListenerConfig {
    /// The IP address to bind, e.g. `127.0.0.1`, `0.0.0.0` or `::`.
    pub bind_address: IpAddr,
    /// The TCP port; 0 picks a free one.
    pub port: u16,
    /// Serve HTTPS with this certificate (federation: other servers connect with TLS).
    #[serde(default)]
    pub tls: Option<ListenerTlsConfig>,
}

/// A TLS listener's certificate and key, PEM files. Relative paths are relative to the config
/// file's directory.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListenerTlsConfig {
    /// The certificate chain, leaf first.
    pub certificate_path: PathBuf,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub private_key_path: PathBuf,
}

impl ListenerTlsConfig {
    pub(super) fn resolve_relative(&mut self, base: &Path) {
        for path in [&mut self.certificate_path, &mut self.private_key_path] {
            if path.is_relative() {
                *path = base.join(&*path);
            }
        }
    }
}

impl ListenerConfig {
    /// The socket address to bind.
    pub fn socket_addr(&self) -> SocketAddr {
        SocketAddr::new(self.bind_address, self.port)
    }
}

impl Default for ListenerConfig {
    fn default() -> Self {
        Self {
            bind_address: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 8008,
            tls: None,
        }
    }
}

/// The default: one listener on `127.0.0.1:8008`.
pub(super) fn default_listeners() -> Vec<ListenerConfig> {
    vec![ListenerConfig::default()]
}

/// At least one listener, no address twice (port 0 may repeat: each gets its own free port).
pub(super) fn validate(listeners: &[ListenerConfig]) -> Result<(), InvalidValue> {
    if listeners.is_empty() {
        return Err(InvalidValue::new(
            "listeners",
            "at least one listener is required",
        ));
    }
    for (i, listener) in listeners.iter().enumerate() {
        let duplicate = listeners[..i]
            .iter()
            .any(|earlier| earlier.port != 0 && earlier == listener);
        if duplicate {
            return Err(InvalidValue::new(
                format!("listeners[{i}]"),
                format!(
                    "{} is already bound by an earlier listener",
                    listener.socket_addr()
                ),
            ));
        }
    }
    Ok(())
}

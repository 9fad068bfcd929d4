//! `listeners`: the addresses the HTTP server binds.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use serde::Deserialize;

use super::InvalidValue;

/// One plain-HTTP listener serving both the client-server and the server-server API.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListenerConfig {
    /// The IP address to bind, e.g. `127.0.0.1`, `0.0.0.0` or `::`.
    pub bind_address: IpAddr,
    /// The TCP port; 0 picks a free one.
    pub port: u16,
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

//! Spec § "Server Discovery": the `.well-known` document clients read to find the homeserver.

pub mod get_wellknown;

/// What the discovery handlers need from the engine.
pub trait ClientDiscoveryPort: Send + Sync + 'static {
    /// `m.homeserver.base_url` for `/.well-known/matrix/client`; `None` when not configured.
    fn homeserver_base_url(&self) -> Option<String>;
}

//! Spec server-server § "Resolving server names": the `.well-known` delegation document.

pub mod get_well_known;

/// What the discovery handlers need from the engine.
pub trait ServerDiscoveryPort: Send + Sync + 'static {
    /// `m.server` for `/.well-known/matrix/server` (a server name with optional port); `None`
    /// when not configured.
    fn delegated_server_name(&self) -> Option<String>;
}

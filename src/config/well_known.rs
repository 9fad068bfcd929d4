//! `well_known`: the discovery documents under `/.well-known/matrix/`.

use serde::Deserialize;
use state_res::ids::check_server_name;
use url::Url;

use super::InvalidValue;

/// What `/.well-known/matrix/server` and `/.well-known/matrix/client` answer. A missing value
/// makes the URL answer 404 (spec: "no delegation" / "no discovery information").
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WellKnownConfig {
    /// `m.server`: the delegated server name with optional port (server-server API).
    #[serde(default)]
    pub server: Option<String>,
    /// `m.homeserver.base_url`: the http(s) base URL clients use (client-server API).
    #[serde(default)]
    pub client: Option<String>,
}

impl WellKnownConfig {
    pub(super) fn validate(&self) -> Result<(), InvalidValue> {
        if let Some(server) = &self.server {
            check_server_name(server).map_err(|e| {
                InvalidValue::new(
                    "well_known.server",
                    format!("{server:?} is not a valid server name ({e})"),
                )
            })?;
        }
        if let Some(client) = &self.client {
            check_base_url(client)
                .map_err(|message| InvalidValue::new("well_known.client", message))?;
        }
        Ok(())
    }
}

/// An absolute `http` or `https` URL with a host.
fn check_base_url(text: &str) -> Result<(), String> {
    let url = Url::parse(text).map_err(|e| format!("{text:?} is not a valid URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("{text:?} must be an http or https URL"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("{text:?} has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("{text:?} must not have a query or a fragment"));
    }
    Ok(())
}

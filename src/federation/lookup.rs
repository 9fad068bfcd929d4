//! The network side of discovery: `.well-known/matrix/server` over HTTPS, cached as the spec
//! recommends, and SRV and address records through hickory-resolver.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hickory_resolver::TokioAsyncResolver;
use reqwest::header::CACHE_CONTROL;
use state_res::ids::check_server_name;

use super::discovery::Lookup;

/// A well-known answer without cache headers is kept a day (the spec's "sensible default").
const DEFAULT_TTL: Duration = Duration::from_secs(24 * 3600);
/// No answer is kept longer than two days.
const MAX_TTL: Duration = Duration::from_secs(48 * 3600);
/// Errors are kept an hour.
const ERROR_TTL: Duration = Duration::from_secs(3600);
/// A well-known document larger than this is an error.
const MAX_WELL_KNOWN_BYTES: usize = 50 * 1024;

/// Cached `.well-known` answers per host: `m.server` (or `None` for an error) and expiry.
type WellKnownCache = Mutex<HashMap<String, (Option<String>, Instant)>>;

/// DNS and `.well-known` lookups, shared by every outgoing request.
#[derive(Debug, Clone)]
pub struct NetLookup {
    http: reqwest::Client,
    dns: Arc<TokioAsyncResolver>,
    well_known_cache: Arc<WellKnownCache>,
}

impl NetLookup {
    /// Lookups over `http` (which trusts the configured CAs) and the system's DNS settings
    /// (falling back to public resolvers when `/etc/resolv.conf` cannot be read).
    pub fn new(http: reqwest::Client) -> Self {
        let dns = TokioAsyncResolver::tokio_from_system_conf().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "no system DNS configuration; using public resolvers");
            TokioAsyncResolver::tokio(Default::default(), Default::default())
        });
        Self {
            http,
            dns: Arc::new(dns),
            well_known_cache: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// The addresses of `host` (port 0: the caller's URL supplies it).
    pub async fn addresses(&self, host: &str) -> std::io::Result<Vec<SocketAddr>> {
        let lookup = self
            .dns
            .lookup_ip(host)
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok(lookup.iter().map(|ip| SocketAddr::new(ip, 0)).collect())
    }

    async fn fetch_well_known(&self, host: &str) -> (Option<String>, Duration) {
        let url = format!("https://{host}/.well-known/matrix/server");
        let response = match self.http.get(&url).send().await {
            Ok(response) if response.status().is_success() => response,
            Ok(response) => {
                tracing::debug!(%host, status = %response.status(), "no .well-known delegation");
                return (None, ERROR_TTL);
            }
            Err(e) => {
                tracing::debug!(%host, error = %e, "no .well-known delegation");
                return (None, ERROR_TTL);
            }
        };
        let ttl = response
            .headers()
            .get(CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .map_or(DEFAULT_TTL, cache_ttl);
        let body = match response.bytes().await {
            Ok(body) if body.len() <= MAX_WELL_KNOWN_BYTES => body,
            _ => return (None, ERROR_TTL),
        };
        match parse_well_known(&body) {
            Some(server) => (Some(server), ttl),
            None => (None, ERROR_TTL),
        }
    }
}

/// `m.server` of a well-known document, if it is a JSON object with a valid server name there.
pub fn parse_well_known(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let server = value.as_object()?.get("m.server")?.as_str()?;
    check_server_name(server).ok()?;
    Some(server.to_owned())
}

/// How long a response may be cached per its `Cache-Control` header: `max-age`, capped at two
/// days; `no-store`/`no-cache` mean not at all; otherwise a day.
pub fn cache_ttl(header: &str) -> Duration {
    let mut ttl = DEFAULT_TTL;
    for directive in header.split(',').map(str::trim) {
        let lower = directive.to_ascii_lowercase();
        if lower == "no-store" || lower == "no-cache" {
            return Duration::ZERO;
        }
        if let Some(seconds) = lower.strip_prefix("max-age=") {
            if let Ok(seconds) = seconds.trim_matches('"').parse::<u64>() {
                ttl = Duration::from_secs(seconds);
            }
        }
    }
    ttl.min(MAX_TTL)
}

impl Lookup for NetLookup {
    async fn well_known(&self, host: &str) -> Option<String> {
        let now = Instant::now();
        let cached = {
            let cache = self
                .well_known_cache
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            cache.get(host).filter(|(_, until)| *until > now).cloned()
        };
        if let Some((answer, _)) = cached {
            return answer;
        }
        let (answer, ttl) = self.fetch_well_known(host).await;
        let mut cache = self
            .well_known_cache
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        cache.insert(host.to_owned(), (answer.clone(), now + ttl));
        answer
    }

    async fn srv(&self, name: &str) -> Option<(String, u16)> {
        let records = self.dns.srv_lookup(name).await.ok()?;
        // Lowest priority first; among equals, the heaviest (a simple reading of RFC 2782).
        records
            .iter()
            .min_by_key(|r| (r.priority(), std::cmp::Reverse(r.weight())))
            .map(|r| (r.target().to_utf8(), r.port()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_control_sets_the_ttl_within_bounds() {
        assert_eq!(cache_ttl("max-age=600"), Duration::from_secs(600));
        assert_eq!(cache_ttl("public, Max-Age=\"60\""), Duration::from_secs(60));
        assert_eq!(cache_ttl("max-age=99999999"), MAX_TTL);
        assert_eq!(cache_ttl("no-store"), Duration::ZERO);
        assert_eq!(cache_ttl("private"), DEFAULT_TTL);
    }

    #[test]
    fn well_known_documents_need_a_valid_m_server() {
        assert_eq!(
            parse_well_known(br#"{"m.server": "matrix.example.org:443"}"#).as_deref(),
            Some("matrix.example.org:443")
        );
        for body in [
            &br#"{"m.server": "bad name"}"#[..],
            br#"{"m.server": 8448}"#,
            br#"{}"#,
            br#"["m.server"]"#,
            b"not json",
        ] {
            assert_eq!(parse_well_known(body), None);
        }
    }
}

//! The outgoing server-server HTTPS client: discovery (`discovery.rs`) picks the host, port,
//! certificate name and `Host` header; requests are signed with X-Matrix; the configured extra
//! CAs are trusted besides the public web roots.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use federation::x_matrix::{SignedRequest, XMatrix};
use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE, HOST};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use state_res::signing::KeyPair;

use super::discovery::{self, Target};
use super::lookup::NetLookup;
use crate::config::FederationConfig;
use crate::server::tls::{read_certificates, TlsSetupError};

/// The largest response body accepted from another server.
const MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;

/// Why the client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientSetupError {
    /// An extra CA file is unusable.
    #[error("federation.extra_trusted_ca_paths: {0}")]
    Ca(#[from] TlsSetupError),
    /// reqwest refused the configuration.
    #[error("cannot build the federation HTTP client: {0}")]
    Http(#[from] reqwest::Error),
}

/// Why a request to another server failed.
#[derive(Debug, thiserror::Error)]
pub enum FederationError {
    /// The destination is not a valid server name.
    #[error("invalid destination {0:?}")]
    Destination(String),
    /// Signing the request failed.
    #[error("cannot sign the request: {0}")]
    Signing(String),
    /// Connecting, TLS, a timeout or reading the response failed.
    #[error("request to {destination} failed: {error}")]
    Transport {
        /// The destination.
        destination: String,
        /// What went wrong.
        error: String,
    },
    /// The server answered with an error status.
    #[error("{destination} answered {status}: {body}")]
    Status {
        /// The destination.
        destination: String,
        /// The HTTP status.
        status: StatusCode,
        /// The body (a Matrix error, usually).
        body: Value,
    },
    /// The response was not a JSON object.
    #[error("{destination} answered with a body that is not a JSON object")]
    NotJson {
        /// The destination.
        destination: String,
    },
}

/// Connects through discovery's choice of host: the URL carries the certificate's name, and
/// this resolver gives the addresses of the host to connect to (an SRV target) instead.
#[derive(Debug, Clone)]
struct DiscoveryResolver {
    lookup: NetLookup,
    connect_hosts: Arc<RwLock<HashMap<String, String>>>,
}

impl reqwest::dns::Resolve for DiscoveryResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = {
            let map = self.connect_hosts.read().unwrap_or_else(|e| e.into_inner());
            map.get(name.as_str())
                .cloned()
                .unwrap_or_else(|| name.as_str().to_owned())
        };
        let lookup = self.lookup.clone();
        Box::pin(async move {
            let addresses = lookup.addresses(&host).await?;
            let addresses: reqwest::dns::Addrs = Box::new(addresses.into_iter());
            Ok(addresses)
        })
    }
}

/// The outgoing server-server client.
#[derive(Debug, Clone)]
pub struct FederationClient {
    http: reqwest::Client,
    lookup: NetLookup,
    connect_hosts: Arc<RwLock<HashMap<String, String>>>,
    server_name: String,
    key: KeyPair,
}

impl FederationClient {
    /// A client signing as `server_name` with `key`.
    pub fn new(
        config: &FederationConfig,
        server_name: &str,
        key: KeyPair,
    ) -> Result<Self, ClientSetupError> {
        let timeout = Duration::from_secs(config.request_timeout_secs);
        let roots = extra_roots(config)?;
        let builder = |builder: reqwest::ClientBuilder| {
            roots
                .iter()
                .cloned()
                .fold(builder, |b, root| b.add_root_certificate(root))
                .use_rustls_tls()
                .timeout(timeout)
                .connect_timeout(timeout.min(Duration::from_secs(20)))
                .user_agent(concat!("Concord/", env!("CARGO_PKG_VERSION")))
        };
        // `.well-known` fetches: ordinary HTTPS with redirects.
        let plain = builder(reqwest::Client::builder()).build()?;
        let lookup = NetLookup::new(plain);
        let connect_hosts = Arc::new(RwLock::new(HashMap::new()));
        let resolver = DiscoveryResolver {
            lookup: lookup.clone(),
            connect_hosts: Arc::clone(&connect_hosts),
        };
        // Federation requests: HTTP/1.1 (the Host header is ours to set), no redirects.
        let http = builder(reqwest::Client::builder())
            .http1_only()
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(resolver))
            .build()?;
        Ok(Self {
            http,
            lookup,
            connect_hosts,
            server_name: server_name.to_owned(),
            key,
        })
    }

    /// Our server name.
    pub fn server_name(&self) -> &str {
        &self.server_name
    }

    /// Where `destination` is reached.
    pub async fn target(&self, destination: &str) -> Result<Target, FederationError> {
        let target = discovery::resolve(destination, &self.lookup)
            .await
            .map_err(|_| FederationError::Destination(destination.to_owned()))?;
        if target.connect_host != target.tls_host {
            let mut map = self
                .connect_hosts
                .write()
                .unwrap_or_else(|e| e.into_inner());
            map.insert(target.tls_host.clone(), target.connect_host.clone());
        }
        Ok(target)
    }

    /// Sends a request signed with X-Matrix; the JSON object answered on success.
    pub async fn request(
        &self,
        method: Method,
        destination: &str,
        path_and_query: &str,
        body: Option<&Value>,
    ) -> Result<Value, FederationError> {
        let signed = SignedRequest {
            method: method.as_str(),
            uri: path_and_query,
            origin: &self.server_name,
            destination,
            content: body,
        };
        let authorization = XMatrix::sign(&self.key, &signed)
            .map_err(|e| FederationError::Signing(e.to_string()))?;
        self.send(
            method,
            destination,
            path_and_query,
            body,
            Some(authorization),
        )
        .await
    }

    /// Sends an unauthenticated request (key fetching: `/_matrix/key/v2/server`).
    pub async fn request_unsigned(
        &self,
        method: Method,
        destination: &str,
        path_and_query: &str,
    ) -> Result<Value, FederationError> {
        self.send(method, destination, path_and_query, None, None)
            .await
    }

    async fn send(
        &self,
        method: Method,
        destination: &str,
        path_and_query: &str,
        body: Option<&Value>,
        authorization: Option<XMatrix>,
    ) -> Result<Value, FederationError> {
        let target = self.target(destination).await?;
        let transport = |error: String| FederationError::Transport {
            destination: destination.to_owned(),
            error,
        };
        let url = format!(
            "https://{}:{}{path_and_query}",
            target.tls_host, target.port
        );
        let host = HeaderValue::from_str(&target.host_header)
            .map_err(|_| FederationError::Destination(destination.to_owned()))?;
        let mut request = self.http.request(method, &url).header(HOST, host);
        if let Some(authorization) = authorization {
            let value = HeaderValue::from_str(&authorization.to_header())
                .map_err(|e| FederationError::Signing(e.to_string()))?;
            request = request.header(AUTHORIZATION, value);
        }
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(serde_json::to_vec(body).map_err(|e| transport(e.to_string()))?);
        }
        let response = request
            .send()
            .await
            .map_err(|e| transport(error_chain(&e)))?;
        let status = response.status();
        let bytes = read_limited(response)
            .await
            .map_err(|e| transport(error_chain(&e)))?
            .ok_or_else(|| transport("response too large".to_owned()))?;
        let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if !status.is_success() {
            return Err(FederationError::Status {
                destination: destination.to_owned(),
                status,
                body: value,
            });
        }
        if !value.is_object() {
            return Err(FederationError::NotJson {
                destination: destination.to_owned(),
            });
        }
        Ok(value)
    }
}

/// The response body, or `None` beyond [`MAX_RESPONSE_BYTES`].
async fn read_limited(mut response: reqwest::Response) -> Result<Option<Vec<u8>>, reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}

/// An error with its causes, for logs.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The configured extra CAs as reqwest certificates.
fn extra_roots(config: &FederationConfig) -> Result<Vec<reqwest::Certificate>, ClientSetupError> {
    let mut roots = Vec::new();
    for path in &config.extra_trusted_ca_paths {
        for der in read_certificates(path)? {
            roots.push(reqwest::Certificate::from_der(&der)?);
        }
    }
    Ok(roots)
}

/// `segment` percent-encoded for a URL path (everything but the unreserved characters).
pub fn path_segment(segment: &str) -> String {
    let mut encoded = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

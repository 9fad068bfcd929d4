//! Running the HTTP server: binding the listeners (plain HTTP served by our own HTTP/1.1
//! connection layer, `http1.rs`; HTTPS by hyper through `axum::serve`, `tls.rs`), serving
//! until a shutdown signal, draining.

pub mod http1;
pub mod tls;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::config::ListenerConfig;
use axum::extract::ConnectInfo;
use tls::{TlsListener, TlsPeer, TlsSetupError};

/// How long in-flight requests get to finish after a shutdown signal.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// A listener could not be bound.
#[derive(Debug, thiserror::Error)]
pub enum BindError {
    /// The address could not be bound.
    #[error("cannot listen on {address}: {error}")]
    Bind {
        /// The address.
        address: SocketAddr,
        /// The I/O error.
        error: io::Error,
    },
    /// A TLS listener's certificate or key is unusable.
    #[error("cannot serve TLS on {address}: {error}")]
    Tls {
        /// The address.
        address: SocketAddr,
        /// What is wrong.
        error: TlsSetupError,
    },
}

/// A bound listener: plain HTTP or HTTPS.
#[derive(Debug)]
pub enum Listener {
    /// Plain HTTP.
    Plain(TcpListener),
    /// HTTPS.
    Tls(TlsListener),
}

impl From<TcpListener> for Listener {
    fn from(tcp: TcpListener) -> Self {
        Listener::Plain(tcp)
    }
}

impl Listener {
    /// The bound address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        match self {
            Listener::Plain(tcp) => tcp.local_addr(),
            Listener::Tls(tls) => axum::serve::Listener::local_addr(tls),
        }
    }

    /// `https` or `http`.
    pub fn scheme(&self) -> &'static str {
        match self {
            Listener::Plain(_) => "http",
            Listener::Tls(_) => "https",
        }
    }
}

/// Binds every configured listener, loading the TLS ones' certificates.
pub async fn bind(listeners: &[ListenerConfig]) -> Result<Vec<Listener>, BindError> {
    let mut bound = Vec::with_capacity(listeners.len());
    for listener in listeners {
        let address = listener.socket_addr();
        let tls_config = match &listener.tls {
            Some(tls) => {
                Some(tls::server_config(tls).map_err(|error| BindError::Tls { address, error })?)
            }
            None => None,
        };
        let tcp = TcpListener::bind(address)
            .await
            .map_err(|error| BindError::Bind { address, error })?;
        bound.push(match tls_config {
            Some(config) => Listener::Tls(
                TlsListener::new(tcp, config)
                    .map_err(|error| BindError::Bind { address, error })?,
            ),
            None => Listener::Plain(tcp),
        });
    }
    Ok(bound)
}

/// Serves `router` on every listener until `shutdown` completes, then stops accepting and waits
/// up to [`SHUTDOWN_GRACE`] for in-flight requests.
pub async fn serve<L: Into<Listener>>(
    router: Router,
    listeners: Vec<L>,
    shutdown: impl Future<Output = ()>,
) {
    let (stop, stopped) = watch::channel(false);
    let mut tasks = JoinSet::new();
    for listener in listeners {
        // With the peer address, so requests know their client's IP (devices' `last_seen_ip`).
        match listener.into() {
            Listener::Plain(tcp) => {
                let server = http1::serve(tcp, router.clone(), stopped.clone());
                tasks.spawn(async move {
                    server.await;
                    Ok(())
                });
            }
            Listener::Tls(tls) => {
                let mut stopped = stopped.clone();
                let signal = async move {
                    let _ = stopped.wait_for(|stop| *stop).await;
                };
                let service = router
                    .clone()
                    .layer(axum::middleware::map_request(tls_peer_as_connect_info))
                    .into_make_service_with_connect_info::<TlsPeer>();
                let server = axum::serve(tls, service).with_graceful_shutdown(signal);
                tasks.spawn(async move { server.await });
            }
        }
    }
    shutdown.await;
    tracing::info!("shutting down");
    let _ = stop.send(true);
    let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while let Some(result) = tasks.join_next().await {
            if let Ok(Err(e)) = result {
                tracing::error!(error = %e, "listener failed");
            }
        }
    })
    .await;
    if drained.is_err() {
        tracing::warn!("requests still running after {SHUTDOWN_GRACE:?}; closing them");
        tasks.abort_all();
    }
}

/// Gives requests that came over TLS the `ConnectInfo<SocketAddr>` plain ones have.
async fn tls_peer_as_connect_info(mut request: axum::extract::Request) -> axum::extract::Request {
    let peer = request.extensions().get::<ConnectInfo<TlsPeer>>().copied();
    if let Some(ConnectInfo(TlsPeer(address))) = peer {
        request.extensions_mut().insert(ConnectInfo(address));
    }
    request
}

/// Completes on ctrl-c (SIGINT) or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

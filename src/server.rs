//! Running the HTTP server: binding the listeners, serving until a shutdown signal, draining.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::config::ListenerConfig;

/// How long in-flight requests get to finish after a shutdown signal.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// A listener could not be bound.
#[derive(Debug, thiserror::Error)]
#[error("cannot listen on {address}: {error}")]
pub struct BindError {
    /// The address.
    pub address: SocketAddr,
    /// The I/O error.
    pub error: io::Error,
}

/// Binds every configured listener.
pub async fn bind(listeners: &[ListenerConfig]) -> Result<Vec<TcpListener>, BindError> {
    let mut bound = Vec::with_capacity(listeners.len());
    for listener in listeners {
        let address = listener.socket_addr();
        let tcp = TcpListener::bind(address)
            .await
            .map_err(|error| BindError { address, error })?;
        bound.push(tcp);
    }
    Ok(bound)
}

/// Serves `router` on every listener until `shutdown` completes, then stops accepting and waits
/// up to [`SHUTDOWN_GRACE`] for in-flight requests.
pub async fn serve(
    router: Router,
    listeners: Vec<TcpListener>,
    shutdown: impl Future<Output = ()>,
) {
    let (stop, stopped) = watch::channel(false);
    let mut tasks = JoinSet::new();
    for listener in listeners {
        let mut stopped = stopped.clone();
        let signal = async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        };
        // With the peer address, so requests know their client's IP (devices' `last_seen_ip`).
        let service = router
            .clone()
            .into_make_service_with_connect_info::<SocketAddr>();
        let server = axum::serve(listener, service).with_graceful_shutdown(signal);
        tasks.spawn(async move { server.await });
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

//! The plain-HTTP listeners' HTTP/1.1 server (RFC 9112), in place of hyper's, so that a
//! connection holds no buffer while it waits: neither between requests (it waits for
//! readability, then allocates a read buffer) nor while its request's response is pending
//! (the read buffer is released once the head and body are read; a write buffer exists only
//! while a response is written). A thousand idle long-polling `/sync` requests then cost the
//! server their handlers' state, not three 8 KiB hyper buffers each.
//!
//! - `connection.rs`: one connection's request loop, timeouts, disconnect detection;
//! - `head.rs`: parsing request heads, request framing;
//! - `decode.rs`: request body framing (`Content-Length`, chunked);
//! - `body.rs`: the request body streamed to the router;
//! - `response.rs`: response framing and writing;
//! - `date.rs`: the cached `Date` value;
//! - `upgrade.rs`: handing upgrade requests (with their connection) to hyper.

mod body;
mod connection;
mod date;
mod decode;
mod head;
mod response;
#[cfg(test)]
mod tests;
mod upgrade;

use std::io;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// How long a connection may stay idle between requests before it is closed.
const IDLE_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// How long a request head may take to arrive once its first byte has, and how long each
/// read of a request body (and each write of a response) may wait for progress.
const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// The read buffer's size when a request starts (it doubles while the head needs more).
const HEAD_BUFFER: usize = 1024;

/// The read buffer's size for request body reads.
const READ_CHUNK: usize = 16 * 1024;

/// Serves `router` on `listener` until `stopped` turns true: then stops accepting, closes
/// idle connections and lets each in-flight request finish (closing its connection after the
/// response). Returns once every connection is closed.
pub async fn serve(listener: TcpListener, router: Router, stopped: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    let mut stop = stopped.clone();
    let mut stop = std::pin::pin!(stopping(&mut stop));
    loop {
        tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let connection =
                        connection::Connection::new(stream, peer, router.clone(), stopped.clone());
                    connections.spawn(connection.run());
                }
                Err(error) => accept_failed(error).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
}

/// Completes once `stopped` turns true (or its sender is gone).
async fn stopping(stopped: &mut watch::Receiver<bool>) {
    let _ = stopped.wait_for(|stop| *stop).await;
}

/// Handles a failed accept: per-connection errors are skipped; others (such as running out
/// of file descriptors) are logged and accepting pauses for a second, as `axum::serve` does.
async fn accept_failed(error: io::Error) {
    if matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(%error, "accepting a connection failed");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

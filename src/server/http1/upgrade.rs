//! Upgrade requests (`Connection: upgrade` with `Upgrade`, RFC 9110 §7.8) are not handled by
//! this layer: the whole connection is handed to hyper's HTTP/1 server, which supports
//! upgrades (`hyper::upgrade::OnUpgrade` in the request's extensions), after replaying to it
//! every byte already read.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tower::ServiceExt;

/// A stream that first yields `prefix`, then reads from `stream`; writes go to `stream`.
#[derive(Debug)]
pub(super) struct Rewind {
    prefix: Bytes,
    stream: TcpStream,
}

impl Rewind {
    /// `stream`, with `prefix` (bytes already read from it) put back in front.
    pub(super) fn new(prefix: Vec<u8>, stream: TcpStream) -> Self {
        Rewind {
            prefix: Bytes::from(prefix),
            stream,
        }
    }
}

impl AsyncRead for Rewind {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.prefix.is_empty() {
            return Pin::new(&mut this.stream).poll_read(cx, buf);
        }
        let count = this.prefix.len().min(buf.remaining());
        buf.put_slice(&this.prefix.split_to(count));
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Rewind {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// Serves the rest of the connection with hyper (upgrades enabled): `read` holds every byte
/// read from `stream` that no earlier response answered, starting with the upgrade request's
/// head. On the stop signal hyper shuts the connection down gracefully.
pub(super) async fn hand_over(
    stream: TcpStream,
    read: Vec<u8>,
    peer: SocketAddr,
    router: Router,
    mut stopped: watch::Receiver<bool>,
) -> io::Result<()> {
    let io = TokioIo::new(Rewind::new(read, stream));
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let mut request = request.map(Body::new);
        request.extensions_mut().insert(ConnectInfo(peer));
        router.clone().oneshot(request)
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .serve_connection(io, service)
        .with_upgrades();
    let mut connection = std::pin::pin!(connection);
    let result = tokio::select! {
        result = connection.as_mut() => result,
        () = super::stopping(&mut stopped) => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    result.map_err(io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn the_prefix_is_read_before_the_stream() {
        let (mut client, server) = crate::server::http1::tests::loopback_pair().await;
        client.write_all(b" world").await.expect("write");
        drop(client);
        let mut rewind = Rewind::new(b"hello".to_vec(), server);
        let mut read = Vec::new();
        rewind.read_to_end(&mut read).await.expect("read");
        assert_eq!(read, b"hello world");
    }
}

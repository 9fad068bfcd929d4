//! One connection: wait for a request without a buffer, read its head, hand it to the router
//! with its body streamed, write the response, and repeat while the connection persists
//! (RFC 9112 §9.3). Pipelined requests are answered in order, one at a time.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request};
use axum::Router;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::Instant;
use tower::util::Oneshot;
use tower::ServiceExt;

use super::body::{self, BodyPump, PumpEvent};
use super::decode::BodyDecoder;
use super::head::{self, Framing, Head, HeadError};
use super::response::{self, Exchange};
use super::{upgrade, HEAD_BUFFER, IDLE_TIMEOUT, IO_TIMEOUT};

/// How much of a body the router left unread is read and discarded to keep the connection;
/// past this the connection is closed after the response instead.
const DISCARD_LIMIT: u64 = 64 * 1024;

/// How long, and for how many bytes, a connection closed with unread input keeps reading
/// after its last response (so that unread input does not make the kernel reset the
/// connection before the client has read that response).
const LINGER: std::time::Duration = std::time::Duration::from_secs(2);
const LINGER_BYTES: usize = 1024 * 1024;

/// An accepted connection.
#[derive(Debug)]
pub(super) struct Connection {
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    stopped: watch::Receiver<bool>,
    /// Bytes read and not used yet: part of a head, of a body, or pipelined requests. Empty
    /// and unallocated while the connection waits.
    buffer: Vec<u8>,
}

/// What follows an exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Next {
    /// The connection persists.
    KeepAlive,
    /// Close the connection.
    Close,
    /// Close, reading away input the client may still be sending.
    Linger,
}

/// What happened on the connection while a response was pending.
#[derive(Debug)]
enum IoEvent {
    /// The request body moved on.
    Body(PumpEvent),
    /// More bytes arrived after the request (a pipelined request).
    Pipelined,
}

impl Connection {
    /// A connection from `peer`, served by `router` until `stopped` turns true.
    pub(super) fn new(
        stream: TcpStream,
        peer: SocketAddr,
        router: Router,
        stopped: watch::Receiver<bool>,
    ) -> Self {
        Connection {
            stream,
            peer,
            router,
            stopped,
            buffer: Vec::new(),
        }
    }

    /// Serves the connection until it closes; I/O errors close it quietly.
    pub(super) async fn run(self) {
        let peer = self.peer;
        if let Err(error) = self.serve().await {
            tracing::debug!(%peer, %error, "HTTP connection closed");
        }
    }

    async fn serve(mut self) -> io::Result<()> {
        // Responses are written with one write each (or in large pieces): no need for Nagle.
        let _ = self.stream.set_nodelay(true);
        loop {
            if self.buffer.is_empty() && !self.wait_for_request().await? {
                return Ok(());
            }
            let (head, length) = match Box::pin(self.read_head()).await? {
                Some(Ok(parsed)) => parsed,
                Some(Err(error)) => return Box::pin(self.refuse(error)).await,
                None => return Ok(()),
            };
            let framing = match head::framing(&head) {
                Ok(framing) => framing,
                Err(error) => return Box::pin(self.refuse(error)).await,
            };
            if framing.upgrade {
                let Connection {
                    stream,
                    peer,
                    router,
                    stopped,
                    buffer,
                } = self;
                return Box::pin(upgrade::hand_over(stream, buffer, peer, router, stopped)).await;
            }
            body::consume(&mut self.buffer, length);
            let exchange = Exchange {
                version: head.version,
                head_request: head.method == Method::HEAD,
                keep_alive: framing.keep_alive,
            };
            let (request, pump) = self.request(head, &framing);
            let response = Box::pin(self.router.clone().oneshot(request));
            match self.exchange(response, pump, exchange).await? {
                Next::KeepAlive => {}
                Next::Close => return self.close().await,
                Next::Linger => return Box::pin(self.linger()).await,
            }
        }
    }

    /// Waits, holding no buffer, until a request starts (`true`), or until the connection
    /// closes, stays idle for [`IDLE_TIMEOUT`], or the server stops (`false`).
    async fn wait_for_request(&mut self) -> io::Result<bool> {
        let deadline = Instant::now() + IDLE_TIMEOUT;
        loop {
            tokio::select! {
                biased;
                () = super::stopping(&mut self.stopped) => return Ok(false),
                () = tokio::time::sleep_until(deadline) => return Ok(false),
                ready = self.stream.readable() => ready?,
            }
            self.buffer.reserve_exact(HEAD_BUFFER);
            match self.stream.try_read_buf(&mut self.buffer) {
                Ok(0) => return Ok(false),
                Ok(_) => return Ok(true),
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                    self.buffer = Vec::new();
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// Reads until the buffer starts with a complete head, within [`IO_TIMEOUT`] (slow heads
    /// are dropped). `None`: the client closed the connection first.
    async fn read_head(&mut self) -> io::Result<Option<Result<(Head, usize), HeadError>>> {
        let deadline = Instant::now() + IO_TIMEOUT;
        loop {
            match head::parse(&self.buffer) {
                Ok(Some(parsed)) => return Ok(Some(Ok(parsed))),
                Ok(None) => {}
                Err(error) => return Ok(Some(Err(error))),
            }
            if self.buffer.len() == self.buffer.capacity() {
                let grow = self.buffer.capacity().max(HEAD_BUFFER);
                self.buffer.reserve_exact(grow);
            }
            let read = tokio::time::timeout_at(deadline, self.stream.read_buf(&mut self.buffer))
                .await
                .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "request head too slow"))??;
            if read == 0 {
                return Ok(None);
            }
        }
    }

    /// The request of `head` for the router, and the pump feeding its body, if it has one.
    fn request(&self, head: Head, framing: &Framing) -> (Request<Body>, Option<Box<BodyPump>>) {
        let (body, pump) = match BodyDecoder::new(framing.body) {
            None => (Body::empty(), None),
            Some(decoder) => {
                let (body, pump) = body::channel(decoder, framing.expect_continue);
                (Body::new(body), Some(Box::new(pump)))
            }
        };
        let mut request = Request::new(body);
        *request.method_mut() = head.method;
        *request.uri_mut() = head.uri;
        *request.version_mut() = head.version;
        *request.headers_mut() = head.headers;
        request.extensions_mut().insert(ConnectInfo(self.peer));
        (request, pump)
    }

    /// One exchange: waits for the router's `response` (fed by `pump`) while moving the body on
    /// or watching for the client leaving, then writes the response. The response future and
    /// the pump come boxed, so a waiting connection's own state stays small.
    async fn exchange(
        &mut self,
        mut response: Pin<Box<Oneshot<Router, Request<Body>>>>,
        mut pump: Option<Box<BodyPump>>,
        exchange: Exchange,
    ) -> io::Result<Next> {
        let mut pumping = pump.is_some();
        let mut watching = !pumping && self.buffer.is_empty();
        self.buffer.shrink_to_fit();
        let response = {
            loop {
                tokio::select! {
                    biased;
                    result = &mut response => break match result {
                        Ok(response) => response,
                        Err(never) => match never {},
                    },
                    event = io_step(&mut self.stream, &mut self.buffer, pump.as_deref_mut(), pumping),
                        if pumping || watching => match event? {
                        IoEvent::Body(PumpEvent::Progress) => {}
                        IoEvent::Body(PumpEvent::Finished | PumpEvent::Abandoned) => {
                            pumping = false;
                            let complete = pump.as_ref().is_some_and(|pump| !pump.body_unread());
                            watching = complete && self.buffer.is_empty();
                            self.buffer.shrink_to_fit();
                        }
                        IoEvent::Pipelined => watching = false,
                    },
                }
            }
        };

        let mut keep_alive = exchange.keep_alive && !*self.stopped.borrow();
        let mut linger = false;
        if let Some(rest) = pump.as_deref_mut().and_then(BodyPump::take_continue_rest) {
            Box::pin(response::write_all(&mut self.stream, rest)).await?;
        }
        if let Some(pump) = pump.filter(|pump| pump.body_unread()) {
            // RFC 9110 §10.1.1: after a final response without 100 Continue, the client may
            // never send the body; the connection cannot carry another request.
            let kept = keep_alive
                && !pump.continue_unsent()
                && Box::pin(body::discard(
                    (*pump).into_decoder(),
                    &mut self.stream,
                    &mut self.buffer,
                    DISCARD_LIMIT,
                ))
                .await
                .unwrap_or(false);
            keep_alive &= kept;
            linger = !kept;
        }
        let exchange = Exchange {
            keep_alive,
            ..exchange
        };
        let kept = Box::pin(response::write(&mut self.stream, exchange, response)).await?;
        self.buffer.shrink_to_fit();
        Ok(match (kept, linger) {
            (true, _) => Next::KeepAlive,
            (false, false) => Next::Close,
            (false, true) => Next::Linger,
        })
    }

    /// Answers a refused head with its status, then closes.
    async fn refuse(mut self, error: HeadError) -> io::Result<()> {
        tracing::debug!(peer = %self.peer, ?error, "refusing an HTTP request head");
        self.buffer = Vec::new();
        response::write_all(&mut self.stream, &response::refusal(error.status())).await?;
        self.linger().await
    }

    /// Closes after the last response: sends FIN.
    async fn close(mut self) -> io::Result<()> {
        self.stream.shutdown().await
    }

    /// Sends FIN, then reads and discards what the client still sends for a while, so that
    /// unread input does not reset the connection under the last response (RFC 9112 §9.6).
    async fn linger(mut self) -> io::Result<()> {
        self.buffer = Vec::new();
        self.stream.shutdown().await?;
        let deadline = Instant::now() + LINGER;
        let mut sink = vec![0; 4096];
        let mut discarded = 0;
        while discarded < LINGER_BYTES {
            match tokio::time::timeout_at(deadline, self.stream.read(&mut sink)).await {
                Ok(Ok(read)) if read > 0 => discarded += read,
                _ => break,
            }
        }
        Ok(())
    }
}

/// Moves the request body on (`pumping`), or else watches the idle socket: the end of the
/// stream or an error means the client went away, and the pending response is dropped (as
/// hyper does without half-close support); bytes arriving are a pipelined request, left for
/// after the response. Peeking takes one byte on the stack, no buffer.
async fn io_step(
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
    pump: Option<&mut BodyPump>,
    pumping: bool,
) -> io::Result<IoEvent> {
    if let Some(pump) = pump.filter(|_| pumping) {
        return Box::pin(pump.step(stream, buffer)).await.map(IoEvent::Body);
    }
    let mut byte = [0; 1];
    if stream.peek(&mut byte).await? == 0 {
        return Err(io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "the client closed the connection before its response",
        ));
    }
    Ok(IoEvent::Pipelined)
}

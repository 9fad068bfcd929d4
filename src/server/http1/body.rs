//! Streaming a request body to the router: [`RequestBody`] is the `http_body::Body` the router
//! reads, fed through a small bounded channel by the connection's [`BodyPump`], which reads and
//! decodes the body off the socket only while the router wants more.
//!
//! Nothing is read until the router first polls the body; that is also when `100 Continue` is
//! sent for `Expect: 100-continue` (RFC 9110 §10.1.1), so a request the router refuses from its
//! head alone (401, 413) never makes the client send its body.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Bytes;
use http_body::{Frame, SizeHint};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};

use super::decode::BodyDecoder;
use super::{IO_TIMEOUT, READ_CHUNK};

/// The interim response sent before reading a body the client is holding back.
const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

/// What travels from the pump to the body.
#[derive(Debug)]
enum Message {
    /// Decoded body data.
    Data(Bytes),
    /// The body is complete.
    End,
}

/// A request body streamed off the connection. If the connection stops before the body is
/// complete, the body ends with an error rather than looking complete.
#[derive(Debug)]
pub(super) struct RequestBody {
    chunks: mpsc::Receiver<Message>,
    /// Told on the first poll: the pump starts reading.
    demand: Option<oneshot::Sender<()>>,
    /// `Content-Length` bytes not yet received.
    remaining: Option<u64>,
    done: bool,
}

impl http_body::Body for RequestBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        if let Some(demand) = this.demand.take() {
            let _ = demand.send(());
        }
        match this.chunks.poll_recv(cx) {
            Poll::Ready(Some(Message::Data(data))) => {
                if let Some(remaining) = &mut this.remaining {
                    *remaining = remaining.saturating_sub(data.len() as u64);
                }
                Poll::Ready(Some(Ok(Frame::data(data))))
            }
            Poll::Ready(Some(Message::End)) => {
                this.done = true;
                Poll::Ready(None)
            }
            Poll::Ready(None) => {
                this.done = true;
                Poll::Ready(Some(Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the connection stopped before the request body was complete",
                ))))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.done
    }

    fn size_hint(&self) -> SizeHint {
        match self.remaining {
            Some(remaining) => SizeHint::with_exact(remaining),
            None => SizeHint::default(),
        }
    }
}

/// What a [`BodyPump::step`] achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PumpEvent {
    /// Some progress; call again.
    Progress,
    /// The whole body is decoded and handed over.
    Finished,
    /// The router dropped the body; what is left of it is still on the connection.
    Abandoned,
}

/// The connection's side of a [`RequestBody`].
#[derive(Debug)]
pub(super) struct BodyPump {
    decoder: BodyDecoder,
    chunks: Option<mpsc::Sender<Message>>,
    demand: Option<oneshot::Receiver<()>>,
    /// Decoded but not yet handed over.
    pending: Option<Message>,
    /// Bytes of [`CONTINUE`] still to write, from this offset (`None`: nothing to send).
    continue_from: Option<usize>,
}

/// A body and the pump that feeds it from `decoder`; `expect_continue` sends `100 Continue`
/// when the body is first polled.
pub(super) fn channel(decoder: BodyDecoder, expect_continue: bool) -> (RequestBody, BodyPump) {
    // Two chunks of at most `READ_CHUNK` bytes in flight bound the memory a slow reader costs.
    let (sender, receiver) = mpsc::channel(2);
    let (wants, demand) = oneshot::channel();
    let body = RequestBody {
        chunks: receiver,
        demand: Some(wants),
        remaining: decoder.remaining(),
        done: false,
    };
    let pump = BodyPump {
        decoder,
        chunks: Some(sender),
        demand: Some(demand),
        pending: None,
        continue_from: expect_continue.then_some(0),
    };
    (body, pump)
}

impl BodyPump {
    /// Whether the client still owes body bytes.
    pub(super) fn body_unread(&self) -> bool {
        !self.decoder.is_done()
    }

    /// Whether `100 Continue` was due and never (completely) sent: the client may be holding
    /// the body back.
    pub(super) fn continue_unsent(&self) -> bool {
        self.continue_from.is_some_and(|from| from < CONTINUE.len())
    }

    /// The rest of a `100 Continue` begun but not completely written, to write before the
    /// final response so that it does not land in the middle; counted as written.
    pub(super) fn take_continue_rest(&mut self) -> Option<&'static [u8]> {
        let from = self
            .continue_from
            .filter(|&from| from > 0 && from < CONTINUE.len())?;
        self.continue_from = Some(CONTINUE.len());
        Some(&CONTINUE[from..])
    }

    /// The decoder, to discard the rest of the body.
    pub(super) fn into_decoder(self) -> BodyDecoder {
        self.decoder
    }

    /// Moves the body on by one step: waits for the router's first poll, sends `100 Continue`,
    /// hands a decoded chunk over (waiting for room), decodes from `buffer`, or reads more into
    /// `buffer`. Every await is cancel-safe: all state lives in `self` and `buffer`, so the
    /// connection can drop the step when the response is ready.
    pub(super) async fn step(
        &mut self,
        stream: &mut TcpStream,
        buffer: &mut Vec<u8>,
    ) -> io::Result<PumpEvent> {
        if let Some(demand) = &mut self.demand {
            let wanted = demand.await.is_ok();
            self.demand = None;
            if !wanted {
                self.chunks = None;
                return Ok(PumpEvent::Abandoned);
            }
            return Ok(PumpEvent::Progress);
        }
        if let Some(from) = self.continue_from.filter(|&from| from < CONTINUE.len()) {
            let written = tokio::time::timeout(IO_TIMEOUT, stream.write(&CONTINUE[from..]))
                .await
                .map_err(|_| io::Error::from(io::ErrorKind::TimedOut))??;
            if written == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            self.continue_from = Some(from + written);
            return Ok(PumpEvent::Progress);
        }
        if self.pending.is_some() {
            let Some(chunks) = &self.chunks else {
                return Ok(PumpEvent::Abandoned);
            };
            let Ok(permit) = chunks.reserve().await else {
                self.chunks = None;
                self.pending = None;
                return Ok(PumpEvent::Abandoned);
            };
            let Some(message) = self.pending.take() else {
                return Ok(PumpEvent::Progress);
            };
            let end = matches!(message, Message::End);
            permit.send(message);
            if end {
                self.chunks = None;
                return Ok(PumpEvent::Finished);
            }
            return Ok(PumpEvent::Progress);
        }
        if self.decoder.is_done() {
            self.pending = Some(Message::End);
            return Ok(PumpEvent::Progress);
        }
        if !buffer.is_empty() {
            let decoded = self
                .decoder
                .decode(buffer)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            if !decoded.data.is_empty() {
                let data = Bytes::copy_from_slice(&buffer[decoded.data]);
                self.pending = Some(Message::Data(data));
            }
            consume(buffer, decoded.consumed);
            return Ok(PumpEvent::Progress);
        }
        read_some(stream, buffer).await?;
        Ok(PumpEvent::Progress)
    }
}

/// Drops the first `count` bytes of `buffer`, releasing its allocation once it is empty.
pub(super) fn consume(buffer: &mut Vec<u8>, count: usize) {
    if count >= buffer.len() {
        *buffer = Vec::new();
    } else {
        buffer.drain(..count);
    }
}

/// Reads at least one byte into the empty `buffer` (allocating [`READ_CHUNK`] bytes), within
/// [`IO_TIMEOUT`]. The end of the stream is an error: the body is incomplete.
pub(super) async fn read_some(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> io::Result<()> {
    if buffer.capacity() == buffer.len() {
        buffer.reserve_exact(READ_CHUNK);
    }
    let read = tokio::time::timeout(IO_TIMEOUT, stream.read_buf(buffer))
        .await
        .map_err(|_| io::Error::from(io::ErrorKind::TimedOut))??;
    if read == 0 {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(())
}

/// Reads and discards the rest of a body the router did not read, so the connection can carry
/// the next request; gives up (`false`) past `limit` bytes of data.
pub(super) async fn discard(
    mut decoder: BodyDecoder,
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
    limit: u64,
) -> io::Result<bool> {
    let mut discarded = 0u64;
    while !decoder.is_done() {
        if decoder.remaining().is_some_and(|r| discarded + r > limit) {
            return Ok(false);
        }
        if buffer.is_empty() {
            read_some(stream, buffer).await?;
        }
        let decoded = decoder
            .decode(buffer)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        discarded += decoded.data.len() as u64;
        if discarded > limit {
            return Ok(false);
        }
        consume(buffer, decoded.consumed);
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::http1::head::BodyLength;
    use http_body::Body as _;
    use std::future::poll_fn;

    async fn frame(body: &mut RequestBody) -> Option<Result<Frame<Bytes>, io::Error>> {
        poll_fn(|cx| Pin::new(&mut *body).poll_frame(cx)).await
    }

    #[tokio::test]
    async fn a_body_whose_pump_stops_early_ends_with_an_error() {
        let decoder = BodyDecoder::new(BodyLength::Length(10)).expect("decoder");
        let (mut body, pump) = channel(decoder, false);
        assert_eq!(body.size_hint().exact(), Some(10));
        drop(pump);
        let error = frame(&mut body)
            .await
            .expect("a frame")
            .expect_err("an error");
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
        assert!(frame(&mut body).await.is_none());
    }

    #[test]
    fn a_partly_written_100_continue_is_completed_once() {
        let decoder = BodyDecoder::new(BodyLength::Length(1)).expect("decoder");
        let (_body, mut pump) = channel(decoder, true);
        assert_eq!(pump.take_continue_rest(), None, "nothing begun");
        assert!(pump.continue_unsent());
        pump.continue_from = Some(5);
        assert_eq!(pump.take_continue_rest(), Some(&CONTINUE[5..]));
        assert_eq!(pump.take_continue_rest(), None);
        assert!(!pump.continue_unsent());
    }

    #[tokio::test]
    async fn the_pump_waits_for_the_first_poll_and_notices_a_dropped_body() {
        let decoder = BodyDecoder::new(BodyLength::Chunked).expect("decoder");
        let (body, mut pump) = channel(decoder, true);
        drop(body);
        let (mut client, _server) = crate::server::http1::tests::loopback_pair().await;
        let mut buffer = Vec::new();
        let event = pump.step(&mut client, &mut buffer).await.expect("step");
        assert_eq!(event, PumpEvent::Abandoned);
        assert!(pump.continue_unsent() && pump.body_unread());
    }
}

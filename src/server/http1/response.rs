//! Writing a response: choosing its framing (RFC 9112 §6.1–§6.3, RFC 9110 §6.4.1), completing
//! its header fields (`Date`, `Content-Length` or `Transfer-Encoding`, `Connection`) and
//! writing head and body through a buffer that lives only as long as the writing.

use std::future::poll_fn;
use std::io::{self, Write as _};
use std::pin::Pin;
use std::task::Poll;

use axum::body::Body;
use axum::http::header::{CONNECTION, CONTENT_LENGTH, DATE, TRANSFER_ENCODING};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Version};
use axum::response::Response;
use http_body::Body as _;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::head::has_token;
use super::{date, IO_TIMEOUT};

/// Data frames at least this large are written straight from the frame instead of being
/// copied into the write buffer.
const DIRECT_WRITE: usize = 16 * 1024;

/// The write buffer is written out once it holds this much.
const FLUSH_AT: usize = 64 * 1024;

/// How a response's body is delimited on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Framing {
    /// No body (HEAD, 1xx, 204, 304: RFC 9110 §6.4.1).
    None,
    /// `Content-Length` bytes.
    Length(u64),
    /// The chunked transfer coding (HTTP/1.1).
    Chunked,
    /// Until the connection closes (HTTP/1.0 with a body of unknown length).
    Close,
}

/// What the request side decided about the exchange.
#[derive(Debug, Clone, Copy)]
pub(super) struct Exchange {
    /// The request's version, answered with the same version.
    pub version: Version,
    /// Whether the request was HEAD.
    pub head_request: bool,
    /// Whether the connection may persist after this response, from the request's side.
    pub keep_alive: bool,
}

/// The framing of a response with `status` to `exchange`, whose body knows its `exact` length
/// or whose handler `declared` one in `Content-Length`.
pub(super) fn framing(
    exchange: Exchange,
    status: StatusCode,
    exact: Option<u64>,
    declared: Option<u64>,
) -> Framing {
    if exchange.head_request
        || status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED
    {
        return Framing::None;
    }
    match exact.or(declared) {
        Some(length) => Framing::Length(length),
        None if exchange.version == Version::HTTP_11 => Framing::Chunked,
        None => Framing::Close,
    }
}

/// Writes `response` to `stream`. Returns whether the connection may carry another request:
/// the request's side allowed it, the handler did not send `Connection: close`, and the body
/// was delimited and written completely. A body error is an I/O error (the connection closes
/// mid-body, which tells the client the response is incomplete).
pub(super) async fn write(
    stream: &mut TcpStream,
    exchange: Exchange,
    response: Response,
) -> io::Result<bool> {
    let (mut parts, mut body) = response.into_parts();
    let declared = declared_length(&parts.headers);
    let framing = framing(exchange, parts.status, body.size_hint().exact(), declared);
    let keep_alive = exchange.keep_alive
        && framing != Framing::Close
        && !has_token(&parts.headers, &CONNECTION, "close");
    complete_headers(
        &mut parts.headers,
        exchange,
        parts.status,
        framing,
        keep_alive,
    );
    let mut out = Vec::with_capacity(head_size(&parts.headers) + small_body_size(&body));
    encode_head(&mut out, exchange.version, parts.status, &parts.headers);
    if framing == Framing::None {
        drop(body);
        flush(stream, &mut out).await?;
    } else {
        write_body(stream, out, &mut body, framing).await?;
    }
    Ok(keep_alive)
}

/// A response with `status`, no body, and `Connection: close`, for requests refused before
/// reaching the router.
pub(super) fn refusal(status: StatusCode) -> Vec<u8> {
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
    headers.insert(CONNECTION, HeaderValue::from_static("close"));
    if let Some(date) = date::now() {
        headers.insert(DATE, date);
    }
    let mut out = Vec::with_capacity(head_size(&headers));
    encode_head(&mut out, Version::HTTP_11, status, &headers);
    out
}

/// The handler's own `Content-Length`, if it is a single valid number.
fn declared_length(headers: &HeaderMap) -> Option<u64> {
    let mut values = headers.get_all(CONTENT_LENGTH).iter();
    let value = values.next()?;
    if values.next().is_some() {
        return None;
    }
    let text = value.to_str().ok()?;
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Sets the framing fields, `Date` and `Connection` on a handler's header fields.
fn complete_headers(
    headers: &mut HeaderMap,
    exchange: Exchange,
    status: StatusCode,
    framing: Framing,
    keep_alive: bool,
) {
    match framing {
        // A HEAD response keeps the fields a GET would have had (RFC 9110 §9.3.2); 1xx and 204
        // never carry Content-Length or Transfer-Encoding (RFC 9110 §8.6, RFC 9112 §6.1).
        Framing::None if exchange.head_request || status == StatusCode::NOT_MODIFIED => {}
        Framing::None => {
            headers.remove(CONTENT_LENGTH);
            headers.remove(TRANSFER_ENCODING);
        }
        Framing::Length(length) => {
            headers.remove(TRANSFER_ENCODING);
            headers.insert(CONTENT_LENGTH, HeaderValue::from(length));
        }
        Framing::Chunked => {
            headers.remove(CONTENT_LENGTH);
            headers.insert(TRANSFER_ENCODING, HeaderValue::from_static("chunked"));
        }
        Framing::Close => {
            headers.remove(CONTENT_LENGTH);
            headers.remove(TRANSFER_ENCODING);
        }
    }
    if !headers.contains_key(DATE) {
        if let Some(date) = date::now() {
            headers.insert(DATE, date);
        }
    }
    let http11 = exchange.version == Version::HTTP_11;
    if !keep_alive && http11 && !has_token(headers, &CONNECTION, "close") {
        headers.append(CONNECTION, HeaderValue::from_static("close"));
    }
    if keep_alive && !http11 && !has_token(headers, &CONNECTION, "keep-alive") {
        headers.append(CONNECTION, HeaderValue::from_static("keep-alive"));
    }
}

/// The bytes the head of a response with `headers` takes, roughly.
fn head_size(headers: &HeaderMap) -> usize {
    let fields: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    64 + fields
}

/// The length of a body small enough to be written together with the head.
fn small_body_size(body: &Body) -> usize {
    body.size_hint()
        .exact()
        .and_then(|length| usize::try_from(length).ok())
        .filter(|&length| length < DIRECT_WRITE)
        .map_or(0, |length| length + 16)
}

/// Appends the status line and header fields (RFC 9112 §4, §5).
fn encode_head(out: &mut Vec<u8>, version: Version, status: StatusCode, headers: &HeaderMap) {
    let version = if version == Version::HTTP_10 {
        "HTTP/1.0"
    } else {
        "HTTP/1.1"
    };
    let reason = status.canonical_reason().unwrap_or("");
    let _ = write!(out, "{version} {} {reason}\r\n", status.as_u16());
    encode_fields(out, headers);
    out.extend_from_slice(b"\r\n");
}

/// Appends `name: value` lines, for a head's header section or a chunked body's trailers.
fn encode_fields(out: &mut Vec<u8>, fields: &HeaderMap) {
    for (name, value) in fields {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
}

/// Writes the head already in `out`, then `body` framed by `framing`. Frames that are ready
/// at once are gathered into one write; the buffer is written out (and released) before
/// waiting for a frame that is not ready.
async fn write_body(
    stream: &mut TcpStream,
    mut out: Vec<u8>,
    body: &mut Body,
    framing: Framing,
) -> io::Result<()> {
    let mut written = 0u64;
    let mut trailers = None;
    loop {
        let frame = match poll_fn(|cx| Poll::Ready(Pin::new(&mut *body).poll_frame(cx))).await {
            Poll::Ready(frame) => frame,
            Poll::Pending => {
                flush(stream, &mut out).await?;
                out = Vec::new();
                poll_fn(|cx| Pin::new(&mut *body).poll_frame(cx)).await
            }
        };
        let Some(frame) = frame else { break };
        let frame = frame.map_err(io::Error::other)?;
        let data = match frame.into_data() {
            Ok(data) => data,
            Err(frame) => {
                if let Ok(fields) = frame.into_trailers() {
                    trailers = Some(fields);
                }
                continue;
            }
        };
        if data.is_empty() {
            continue;
        }
        written += data.len() as u64;
        if let Framing::Length(length) = framing {
            if written > length {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "response body longer than its Content-Length",
                ));
            }
        }
        if framing == Framing::Chunked {
            let _ = write!(out, "{:X}\r\n", data.len());
        }
        if data.len() >= DIRECT_WRITE {
            flush(stream, &mut out).await?;
            write_all(stream, &data).await?;
        } else {
            out.extend_from_slice(&data);
        }
        if framing == Framing::Chunked {
            out.extend_from_slice(b"\r\n");
        }
        if out.len() >= FLUSH_AT {
            flush(stream, &mut out).await?;
        }
    }
    match framing {
        Framing::Length(length) if written != length => {
            flush(stream, &mut out).await?;
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "response body shorter than its Content-Length",
            ));
        }
        // RFC 9112 §7.1: last-chunk, then the trailer section and the final CRLF.
        Framing::Chunked => {
            out.extend_from_slice(b"0\r\n");
            if let Some(trailers) = &trailers {
                encode_fields(&mut out, trailers);
            }
            out.extend_from_slice(b"\r\n");
        }
        _ => {}
    }
    flush(stream, &mut out).await
}

/// Writes out and empties `out`.
async fn flush(stream: &mut TcpStream, out: &mut Vec<u8>) -> io::Result<()> {
    if !out.is_empty() {
        write_all(stream, out).await?;
        out.clear();
    }
    Ok(())
}

/// Writes `bytes`, within [`IO_TIMEOUT`] (a client that stops reading is dropped).
pub(super) async fn write_all(stream: &mut TcpStream, bytes: &[u8]) -> io::Result<()> {
    tokio::time::timeout(IO_TIMEOUT, stream.write_all(bytes))
        .await
        .map_err(|_| io::Error::from(io::ErrorKind::TimedOut))?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange(version: Version, head_request: bool) -> Exchange {
        Exchange {
            version,
            head_request,
            keep_alive: true,
        }
    }

    #[test]
    fn responses_are_framed_by_length_chunks_or_close() {
        let http11 = exchange(Version::HTTP_11, false);
        let http10 = exchange(Version::HTTP_10, false);
        let ok = StatusCode::OK;
        assert_eq!(framing(http11, ok, Some(5), None), Framing::Length(5));
        assert_eq!(framing(http11, ok, Some(0), Some(9)), Framing::Length(0));
        assert_eq!(framing(http11, ok, None, Some(9)), Framing::Length(9));
        assert_eq!(framing(http11, ok, None, None), Framing::Chunked);
        assert_eq!(framing(http10, ok, None, None), Framing::Close);
        assert_eq!(framing(http10, ok, Some(5), None), Framing::Length(5));
    }

    #[test]
    fn head_1xx_204_and_304_responses_have_no_body() {
        let head = exchange(Version::HTTP_11, true);
        let get = exchange(Version::HTTP_11, false);
        assert_eq!(framing(head, StatusCode::OK, Some(5), None), Framing::None);
        for status in [
            StatusCode::CONTINUE,
            StatusCode::NO_CONTENT,
            StatusCode::NOT_MODIFIED,
        ] {
            assert_eq!(
                framing(get, status, Some(5), None),
                Framing::None,
                "{status}"
            );
        }
    }

    fn completed(
        exchange: Exchange,
        status: StatusCode,
        framing: Framing,
        keep_alive: bool,
        fields: &[(&'static str, &'static str)],
    ) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in fields {
            headers.append(*name, HeaderValue::from_static(value));
        }
        complete_headers(&mut headers, exchange, status, framing, keep_alive);
        assert!(headers.contains_key(DATE));
        headers
    }

    #[test]
    fn framing_fields_match_the_framing() {
        let get = exchange(Version::HTTP_11, false);
        let length = completed(get, StatusCode::OK, Framing::Length(3), true, &[]);
        assert_eq!(length[CONTENT_LENGTH], "3");
        assert!(!length.contains_key(CONNECTION) && !length.contains_key(TRANSFER_ENCODING));
        let chunked = completed(
            get,
            StatusCode::OK,
            Framing::Chunked,
            false,
            &[("content-length", "7")],
        );
        assert_eq!(chunked[TRANSFER_ENCODING], "chunked");
        assert_eq!(chunked[CONNECTION], "close");
        assert!(!chunked.contains_key(CONTENT_LENGTH));
        let head = exchange(Version::HTTP_11, true);
        let head = completed(
            head,
            StatusCode::OK,
            Framing::None,
            true,
            &[("content-length", "7")],
        );
        assert_eq!(head[CONTENT_LENGTH], "7", "HEAD keeps the GET's length");
        let no_content = completed(
            get,
            StatusCode::NO_CONTENT,
            Framing::None,
            true,
            &[("content-length", "0")],
        );
        assert!(!no_content.contains_key(CONTENT_LENGTH));
        let http10 = exchange(Version::HTTP_10, false);
        let kept = completed(http10, StatusCode::OK, Framing::Length(1), true, &[]);
        assert_eq!(kept[CONNECTION], "keep-alive");
        let closed = completed(http10, StatusCode::OK, Framing::Close, false, &[]);
        assert!(!closed.contains_key(CONNECTION));
    }

    #[test]
    fn the_head_is_a_status_line_and_fields() {
        let mut headers = HeaderMap::new();
        headers.insert("x-a", HeaderValue::from_static("b"));
        let mut out = Vec::new();
        encode_head(&mut out, Version::HTTP_10, StatusCode::NOT_FOUND, &headers);
        assert_eq!(out, b"HTTP/1.0 404 Not Found\r\nx-a: b\r\n\r\n");
        let refused = String::from_utf8(refusal(StatusCode::BAD_REQUEST)).expect("text");
        assert!(
            refused.starts_with("HTTP/1.1 400 Bad Request\r\n"),
            "{refused}"
        );
        assert!(refused.contains("connection: close\r\n") && refused.ends_with("\r\n\r\n"));
    }

    #[test]
    fn a_handler_length_counts_only_when_it_is_one_number() {
        let mut headers = HeaderMap::new();
        assert_eq!(declared_length(&headers), None);
        headers.insert(CONTENT_LENGTH, HeaderValue::from_static("12"));
        assert_eq!(declared_length(&headers), Some(12));
        headers.append(CONTENT_LENGTH, HeaderValue::from_static("12"));
        assert_eq!(declared_length(&headers), None);
        headers.insert(CONTENT_LENGTH, HeaderValue::from_static("-1"));
        assert_eq!(declared_length(&headers), None);
    }
}

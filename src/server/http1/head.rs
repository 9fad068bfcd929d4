//! Request heads (RFC 9112 §2–§3, §5): parsing the request line and header fields with
//! `httparse` into owned values, and reading from the header fields how the request's body is
//! framed (RFC 9112 §6) and whether the connection persists (RFC 9112 §9.3).

use axum::http::header::{CONNECTION, CONTENT_LENGTH, EXPECT, HOST, TRANSFER_ENCODING, UPGRADE};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, Version};

/// The largest request head accepted; a larger one is answered 431.
pub(super) const MAX_HEAD_BYTES: usize = 64 * 1024;

/// The most header field lines accepted; more are answered 431.
pub(super) const MAX_HEADERS: usize = 100;

/// A parsed request head. Every value is copied out of the read buffer, so the buffer can be
/// released as soon as the head is parsed.
#[derive(Debug)]
pub(super) struct Head {
    /// The method.
    pub method: Method,
    /// The request target (origin-form, or absolute-form, or `*`).
    pub uri: Uri,
    /// HTTP/1.0 or HTTP/1.1.
    pub version: Version,
    /// The header fields.
    pub headers: HeaderMap,
}

/// Why a request head (or its framing) is refused; the connection is closed after the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum HeadError {
    /// Not a valid HTTP/1.x request head, or ambiguous framing: 400.
    Malformed,
    /// More than [`MAX_HEAD_BYTES`] or [`MAX_HEADERS`]: 431.
    TooLarge,
    /// A transfer coding other than `chunked` before the final `chunked`: 501.
    UnsupportedCoding,
}

impl HeadError {
    /// The status answered.
    pub(super) fn status(self) -> StatusCode {
        match self {
            HeadError::Malformed => StatusCode::BAD_REQUEST,
            HeadError::TooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            HeadError::UnsupportedCoding => StatusCode::NOT_IMPLEMENTED,
        }
    }
}

/// Parses the head at the start of `bytes`: the head and its length in bytes, or `None` when
/// the head is not complete yet. Empty lines before the request line are skipped (RFC 9112
/// §2.2); obsolete line folding is refused (RFC 9112 §5.2).
pub(super) fn parse(bytes: &[u8]) -> Result<Option<(Head, usize)>, HeadError> {
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut fields);
    let length = match request.parse(bytes) {
        Ok(httparse::Status::Complete(length)) => length,
        Ok(httparse::Status::Partial) if bytes.len() > MAX_HEAD_BYTES => {
            return Err(HeadError::TooLarge)
        }
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(HeadError::TooLarge),
        Err(_) => return Err(HeadError::Malformed),
    };
    if length > MAX_HEAD_BYTES {
        return Err(HeadError::TooLarge);
    }
    let (Some(method), Some(target), Some(minor)) = (request.method, request.path, request.version)
    else {
        return Err(HeadError::Malformed);
    };
    let method = Method::from_bytes(method.as_bytes()).map_err(|_| HeadError::Malformed)?;
    let uri = Uri::try_from(target).map_err(|_| HeadError::Malformed)?;
    let version = match minor {
        0 => Version::HTTP_10,
        1 => Version::HTTP_11,
        _ => return Err(HeadError::Malformed),
    };
    let mut headers = HeaderMap::with_capacity(request.headers.len());
    for field in request.headers.iter() {
        let name =
            HeaderName::from_bytes(field.name.as_bytes()).map_err(|_| HeadError::Malformed)?;
        let value = HeaderValue::from_bytes(field.value).map_err(|_| HeadError::Malformed)?;
        headers.append(name, value);
    }
    Ok(Some((
        Head {
            method,
            uri,
            version,
            headers,
        },
        length,
    )))
}

/// How the request's body is delimited (RFC 9112 §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BodyLength {
    /// No body: neither `Content-Length` nor `Transfer-Encoding`, or `Content-Length: 0`.
    Empty,
    /// `Content-Length` bytes.
    Length(u64),
    /// The chunked transfer coding (RFC 9112 §7.1).
    Chunked,
}

/// What a request head says about its exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Framing {
    /// How the body is delimited.
    pub body: BodyLength,
    /// Whether the client wants the connection kept open after this exchange (RFC 9112 §9.3).
    pub keep_alive: bool,
    /// `Expect: 100-continue` on an HTTP/1.1 request with a body (RFC 9110 §10.1.1).
    pub expect_continue: bool,
    /// An HTTP/1.1 upgrade request: `Connection: upgrade` and an `Upgrade` field (RFC 9110
    /// §7.8).
    pub upgrade: bool,
}

/// Reads the framing of `head`'s exchange, refusing heads whose framing is ambiguous.
pub(super) fn framing(head: &Head) -> Result<Framing, HeadError> {
    let headers = &head.headers;
    let http11 = head.version == Version::HTTP_11;
    // RFC 9112 §3.2: an HTTP/1.1 request without Host, or any request with more than one,
    // is answered 400.
    let hosts = headers.get_all(HOST).iter().count();
    if hosts > 1 || (http11 && hosts == 0) {
        return Err(HeadError::Malformed);
    }
    let body = body_length(head.version, headers)?;
    let keep_alive = if http11 {
        !has_token(headers, &CONNECTION, "close")
    } else {
        // RFC 9112 §9.3: an HTTP/1.0 connection persists only on `Connection: keep-alive`.
        has_token(headers, &CONNECTION, "keep-alive") && !has_token(headers, &CONNECTION, "close")
    };
    // RFC 9110 §10.1.1: 100-continue in an HTTP/1.0 request is ignored.
    let expect_continue =
        http11 && body != BodyLength::Empty && has_token(headers, &EXPECT, "100-continue");
    // RFC 9110 §7.8: Upgrade in an HTTP/1.0 request is ignored.
    let upgrade =
        http11 && headers.contains_key(UPGRADE) && has_token(headers, &CONNECTION, "upgrade");
    Ok(Framing {
        body,
        keep_alive,
        expect_continue,
        upgrade,
    })
}

/// The body length of a request (RFC 9112 §6.1–§6.3).
fn body_length(version: Version, headers: &HeaderMap) -> Result<BodyLength, HeadError> {
    let length = content_length(headers)?;
    if !headers.contains_key(TRANSFER_ENCODING) {
        return Ok(match length {
            None | Some(0) => BodyLength::Empty,
            Some(length) => BodyLength::Length(length),
        });
    }
    // RFC 9112 §6.1 lets Transfer-Encoding override Content-Length but calls the combination a
    // possible smuggling attempt; it is refused. An HTTP/1.0 message with Transfer-Encoding
    // has faulty framing (also §6.1).
    if length.is_some() || version != Version::HTTP_11 {
        return Err(HeadError::Malformed);
    }
    let codings: Vec<&str> = list_elements(headers, &TRANSFER_ENCODING).collect();
    let Some((last, earlier)) = codings.split_last() else {
        return Err(HeadError::Malformed);
    };
    // RFC 9112 §6.1: chunked must be the final coding of a request, or the length cannot be
    // determined: 400. §7: chunked is applied at most once.
    if !last.eq_ignore_ascii_case("chunked")
        || earlier.iter().any(|c| c.eq_ignore_ascii_case("chunked"))
    {
        return Err(HeadError::Malformed);
    }
    // RFC 9112 §6.1: a transfer coding the server does not understand: 501.
    if !earlier.is_empty() {
        return Err(HeadError::UnsupportedCoding);
    }
    Ok(BodyLength::Chunked)
}

/// The `Content-Length`, if any. Every field line and list element must be a decimal number
/// and all must agree (RFC 9112 §6.3 item 5, RFC 9110 §8.6); otherwise the framing is invalid.
fn content_length(headers: &HeaderMap) -> Result<Option<u64>, HeadError> {
    let mut length = None;
    for value in headers.get_all(CONTENT_LENGTH) {
        let text = value.to_str().map_err(|_| HeadError::Malformed)?;
        for element in text.split(',') {
            let element = element.trim_matches([' ', '\t']);
            if element.is_empty() || !element.bytes().all(|b| b.is_ascii_digit()) {
                return Err(HeadError::Malformed);
            }
            let parsed: u64 = element.parse().map_err(|_| HeadError::Malformed)?;
            if length.is_some_and(|known| known != parsed) {
                return Err(HeadError::Malformed);
            }
            length = Some(parsed);
        }
    }
    Ok(length)
}

/// Whether a comma-separated list field holds `token` (case-insensitively).
pub(super) fn has_token(headers: &HeaderMap, name: &HeaderName, token: &str) -> bool {
    list_elements(headers, name).any(|element| element.eq_ignore_ascii_case(token))
}

/// The non-empty elements of a comma-separated list field, over all its field lines (RFC 9110
/// §5.6.1). Lines that are not visible ASCII are skipped.
fn list_elements<'a>(headers: &'a HeaderMap, name: &HeaderName) -> impl Iterator<Item = &'a str> {
    headers
        .get_all(name)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|text| text.split(','))
        .map(|element| element.trim_matches([' ', '\t']))
        .filter(|element| !element.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> (Head, usize) {
        parse(text.as_bytes())
            .expect("valid head")
            .expect("complete head")
    }

    fn framing_of(text: &str) -> Result<Framing, HeadError> {
        framing(&parsed(text).0)
    }

    #[test]
    fn a_complete_head_is_parsed_and_its_length_excludes_the_body() {
        let text = "\r\nPOST /_matrix/client/v3/login?x=1 HTTP/1.1\r\nHost: a\r\n\
                    X-Two: 1\r\nx-two: 2\r\nContent-Length: 3\r\n\r\nabc";
        let (head, length) = parsed(text);
        assert_eq!(length, text.len() - 3);
        assert_eq!(head.method, Method::POST);
        assert_eq!(head.uri.path(), "/_matrix/client/v3/login");
        assert_eq!(head.uri.query(), Some("x=1"));
        assert_eq!(head.version, Version::HTTP_11);
        let twos: Vec<_> = head.headers.get_all("x-two").iter().collect();
        assert_eq!(twos, ["1", "2"]);
    }

    #[test]
    fn an_incomplete_head_asks_for_more_bytes() {
        for prefix in [
            "",
            "GET",
            "GET / HTTP/1.1\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\n",
        ] {
            assert!(
                parse(prefix.as_bytes()).expect("no error").is_none(),
                "{prefix:?}"
            );
        }
    }

    #[test]
    fn absolute_form_targets_are_accepted() {
        let (head, _) = parsed("GET http://example.org/a?b HTTP/1.1\r\nHost: example.org\r\n\r\n");
        assert_eq!(head.uri.path(), "/a");
        assert_eq!(head.uri.host(), Some("example.org"));
    }

    #[test]
    fn malformed_heads_are_refused() {
        for text in [
            "GET / HTTP/1.1\r\nno colon\r\n\r\n",
            "GET / HTTP/2.0\r\nHost: a\r\n\r\n",
            "GET  / HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n",
            "G(T / HTTP/1.1\r\nHost: a\r\n\r\n",
        ] {
            assert_eq!(
                parse(text.as_bytes()).err(),
                Some(HeadError::Malformed),
                "{text:?}"
            );
        }
    }

    #[test]
    fn too_many_or_too_large_headers_are_refused() {
        let mut many = String::from("GET / HTTP/1.1\r\n");
        for i in 0..=MAX_HEADERS {
            many.push_str(&format!("x-{i}: y\r\n"));
        }
        assert_eq!(parse(many.as_bytes()).err(), Some(HeadError::TooLarge));
        let mut large = format!("GET / HTTP/1.1\r\nx: {}", "y".repeat(MAX_HEAD_BYTES));
        assert_eq!(parse(large.as_bytes()).err(), Some(HeadError::TooLarge));
        large.push_str("\r\n\r\n");
        assert_eq!(parse(large.as_bytes()).err(), Some(HeadError::TooLarge));
        let fits = format!("GET / HTTP/1.1\r\nx: {}\r\n\r\n", "y".repeat(1000));
        assert!(parse(fits.as_bytes()).expect("fits").is_some());
    }

    #[test]
    fn the_body_length_comes_from_content_length_or_chunked() {
        let cases = [
            ("", BodyLength::Empty),
            ("Content-Length: 0\r\n", BodyLength::Empty),
            ("Content-Length: 12\r\n", BodyLength::Length(12)),
            (
                "Content-Length: 12\r\nContent-Length: 12\r\n",
                BodyLength::Length(12),
            ),
            ("Content-Length: 12, 12\r\n", BodyLength::Length(12)),
            ("Transfer-Encoding: chunked\r\n", BodyLength::Chunked),
            ("Transfer-Encoding: CHUNKED\r\n", BodyLength::Chunked),
        ];
        for (fields, expected) in cases {
            let text = format!("POST / HTTP/1.1\r\nHost: a\r\n{fields}\r\n");
            assert_eq!(
                framing_of(&text).map(|f| f.body),
                Ok(expected),
                "{fields:?}"
            );
        }
    }

    #[test]
    fn ambiguous_or_unknown_body_framing_is_refused() {
        let cases = [
            (
                "Content-Length: 1\r\nContent-Length: 2\r\n",
                HeadError::Malformed,
            ),
            ("Content-Length: 1, 2\r\n", HeadError::Malformed),
            ("Content-Length: -1\r\n", HeadError::Malformed),
            ("Content-Length: +1\r\n", HeadError::Malformed),
            ("Content-Length: 1x\r\n", HeadError::Malformed),
            ("Content-Length:\r\n", HeadError::Malformed),
            (
                "Content-Length: 99999999999999999999999\r\n",
                HeadError::Malformed,
            ),
            (
                "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n",
                HeadError::Malformed,
            ),
            ("Transfer-Encoding: gzip\r\n", HeadError::Malformed),
            ("Transfer-Encoding: chunked, gzip\r\n", HeadError::Malformed),
            (
                "Transfer-Encoding: chunked, chunked\r\n",
                HeadError::Malformed,
            ),
            (
                "Transfer-Encoding: gzip, chunked\r\n",
                HeadError::UnsupportedCoding,
            ),
            (
                "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n",
                HeadError::UnsupportedCoding,
            ),
        ];
        for (fields, expected) in cases {
            let text = format!("POST / HTTP/1.1\r\nHost: a\r\n{fields}\r\n");
            assert_eq!(framing_of(&text), Err(expected), "{fields:?}");
            assert_eq!(
                expected.status().as_u16() / 100,
                if expected == HeadError::UnsupportedCoding {
                    5
                } else {
                    4
                }
            );
        }
        let chunked_in_http10 = "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert_eq!(framing_of(chunked_in_http10), Err(HeadError::Malformed));
    }

    #[test]
    fn host_is_required_once_in_http11() {
        assert_eq!(
            framing_of("GET / HTTP/1.1\r\n\r\n"),
            Err(HeadError::Malformed)
        );
        assert_eq!(
            framing_of("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
            Err(HeadError::Malformed)
        );
        assert!(framing_of("GET / HTTP/1.0\r\n\r\n").is_ok());
    }

    #[test]
    fn persistence_depends_on_the_version_and_connection_options() {
        let cases = [
            ("GET / HTTP/1.1\r\nHost: a\r\n\r\n", true),
            (
                "GET / HTTP/1.1\r\nHost: a\r\nConnection: Close\r\n\r\n",
                false,
            ),
            (
                "GET / HTTP/1.1\r\nHost: a\r\nConnection: x, close\r\n\r\n",
                false,
            ),
            ("GET / HTTP/1.0\r\n\r\n", false),
            ("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true),
        ];
        for (text, keep_alive) in cases {
            assert_eq!(
                framing_of(text).map(|f| f.keep_alive),
                Ok(keep_alive),
                "{text:?}"
            );
        }
    }

    #[test]
    fn expect_continue_and_upgrade_apply_to_http11_only() {
        let expect = "Expect: 100-continue\r\nContent-Length: 5\r\n";
        let upgrade = "Connection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n";
        let http11 = framing_of(&format!(
            "POST / HTTP/1.1\r\nHost: a\r\n{expect}{upgrade}\r\n"
        ));
        let http10 = framing_of(&format!("POST / HTTP/1.0\r\n{expect}{upgrade}\r\n"));
        assert_eq!(
            http11.map(|f| (f.expect_continue, f.upgrade)),
            Ok((true, true))
        );
        assert_eq!(
            http10.map(|f| (f.expect_continue, f.upgrade)),
            Ok((false, false))
        );
        let no_body = framing_of("GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n");
        assert_eq!(no_body.map(|f| f.expect_continue), Ok(false));
        let upgrade_without_option = framing_of("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: x\r\n\r\n");
        assert_eq!(upgrade_without_option.map(|f| f.upgrade), Ok(false));
    }
}

//! The plain listener's own HTTP/1.1 connection layer (`src/server/http1.rs`), spoken to over
//! raw TCP: persistent connections, pipelining, chunked request bodies, `Expect:
//! 100-continue`, HTTP/1.0, HEAD, refused heads, `Connection: close`, and the hand-over of
//! upgrade requests to hyper.

use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::harness::{register, Backend, Options, TestServer};

const VERSIONS: &str = "/_matrix/client/versions";
const LOGIN: &str = "/_matrix/client/v3/login";

/// How long any read waits before the test fails.
const WAIT: Duration = Duration::from_secs(10);

/// A response as read off the wire.
#[derive(Debug)]
struct Response {
    /// The minor version of the status line: `HTTP/1.x`.
    minor: u8,
    status: u16,
    /// Field names lowercased.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, value)| value.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {:?}", String::from_utf8_lossy(&self.body)))
    }
}

/// A raw HTTP/1 client connection.
struct Raw {
    stream: TcpStream,
    /// Read but not yet parsed.
    buffered: Vec<u8>,
}

impl Raw {
    async fn connect(server: &TestServer) -> Self {
        let address = server.base_url.trim_start_matches("http://");
        let stream = TcpStream::connect(address).await.expect("connect");
        Raw {
            stream,
            buffered: Vec::new(),
        }
    }

    async fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.expect("write");
    }

    /// Reads more bytes; `false` at the end of the stream.
    async fn fill(&mut self) -> bool {
        let mut chunk = [0; 8192];
        let read = tokio::time::timeout(WAIT, self.stream.read(&mut chunk))
            .await
            .expect("the server answers in time")
            .expect("read");
        self.buffered.extend_from_slice(&chunk[..read]);
        read > 0
    }

    /// Reads `count` bytes.
    async fn take(&mut self, count: usize) -> Vec<u8> {
        while self.buffered.len() < count {
            assert!(self.fill().await, "connection closed mid-response");
        }
        self.buffered.drain(..count).collect()
    }

    /// Reads one CRLF-terminated line, without the CRLF.
    async fn line(&mut self) -> String {
        loop {
            if let Some(at) = self.buffered.windows(2).position(|w| w == b"\r\n") {
                let line = self.take(at + 2).await;
                return String::from_utf8(line[..at].to_vec()).expect("ASCII line");
            }
            assert!(self.fill().await, "connection closed mid-line");
        }
    }

    /// Reads one response; `head_request` responses have no body.
    async fn response(&mut self, head_request: bool) -> Response {
        let status_line = self.line().await;
        let mut parts = status_line.splitn(3, ' ');
        let version = parts.next().expect("version");
        let minor = match version {
            "HTTP/1.1" => 1,
            "HTTP/1.0" => 0,
            other => panic!("not an HTTP/1 status line: {status_line:?} ({other})"),
        };
        let status: u16 = parts.next().expect("status").parse().expect("status code");
        let mut headers = Vec::new();
        loop {
            let line = self.line().await;
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').expect("a header field");
            headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
        }
        let mut response = Response {
            minor,
            status,
            headers,
            body: Vec::new(),
        };
        if head_request || status < 200 || status == 204 || status == 304 {
            return response;
        }
        if let Some(length) = response.header("content-length") {
            let length = length.parse().expect("content-length");
            response.body = self.take(length).await;
        } else if response.header("transfer-encoding") == Some("chunked") {
            loop {
                let size = self.line().await;
                let size = usize::from_str_radix(size.split(';').next().expect("size"), 16)
                    .expect("hex chunk size");
                if size == 0 {
                    while !self.line().await.is_empty() {}
                    break;
                }
                let chunk = self.take(size + 2).await;
                response.body.extend_from_slice(&chunk[..size]);
            }
        } else {
            while self.fill().await {}
            response.body = std::mem::take(&mut self.buffered);
        }
        response
    }

    /// Whether the server closed the connection (with nothing more to read).
    async fn is_closed(&mut self) -> bool {
        self.buffered.is_empty() && !self.fill().await
    }
}

fn get(path: &str, extra: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: test\r\n{extra}\r\n")
}

fn login_body(password: &str) -> String {
    json!({
        "type": "m.login.password",
        "identifier": {"type": "m.id.user", "user": "alice"},
        "password": password,
    })
    .to_string()
}

/// A server where `alice` (password `wonderland`) can log in.
async fn server_with_alice() -> TestServer {
    let server = TestServer::start_with(Options::open_registration(Backend::Sqlite)).await;
    register(&server, "alice", "wonderland").await;
    server
}

fn assert_versions(response: &Response) {
    assert_eq!(response.status, 200, "{response:?}");
    assert!(response.json()["versions"].is_array(), "{response:?}");
}

#[tokio::test]
async fn two_requests_share_one_keep_alive_connection() {
    let server = TestServer::start().await;
    let mut raw = Raw::connect(&server).await;
    for _ in 0..2 {
        raw.send(get(VERSIONS, "").as_bytes()).await;
        let response = raw.response(false).await;
        assert_versions(&response);
        assert_eq!(response.minor, 1);
        assert_eq!(response.header("connection"), None);
        assert!(response.header("date").is_some());
    }
}

#[tokio::test]
async fn pipelined_requests_are_answered_in_order() {
    let server = TestServer::start().await;
    let mut raw = Raw::connect(&server).await;
    let pipeline = [
        get(VERSIONS, ""),
        get(LOGIN, ""),
        get(VERSIONS, "Connection: close\r\n"),
    ]
    .concat();
    raw.send(pipeline.as_bytes()).await;
    assert_versions(&raw.response(false).await);
    let login = raw.response(false).await;
    assert_eq!(
        (login.status, login.json()),
        (200, json!({"flows": [{"type": "m.login.password"}]}))
    );
    let last = raw.response(false).await;
    assert_versions(&last);
    assert_eq!(last.header("connection"), Some("close"));
    assert!(raw.is_closed().await);
}

/// `body` as chunks of at most 7 bytes, the first with an extension, and a trailer field.
fn chunked(body: &str) -> String {
    let mut encoded = String::new();
    for (i, chunk) in body.as_bytes().chunks(7).enumerate() {
        let extension = if i == 0 { ";name=value" } else { "" };
        let chunk = std::str::from_utf8(chunk).expect("ASCII");
        encoded.push_str(&format!("{:x}{extension}\r\n{chunk}\r\n", chunk.len()));
    }
    encoded.push_str("0\r\nX-Trailer: ignored\r\n\r\n");
    encoded
}

#[tokio::test]
async fn a_chunked_request_body_reaches_the_app() {
    let server = server_with_alice().await;
    let mut raw = Raw::connect(&server).await;
    let head = format!(
        "POST {LOGIN} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\n\r\n"
    );
    let wrong = chunked(&login_body("looking-glass"));
    raw.send(format!("{head}{wrong}").as_bytes()).await;
    let refused = raw.response(false).await;
    assert_eq!(
        (refused.status, &refused.json()["errcode"]),
        (403, &json!("M_FORBIDDEN"))
    );
    // Sent in pieces, split inside the chunk framing, with a pipelined request behind it.
    let right = format!(
        "{head}{}{}",
        chunked(&login_body("wonderland")),
        get(VERSIONS, "")
    );
    let (first, second) = right.split_at(head.len() + 5);
    raw.send(first.as_bytes()).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    raw.send(second.as_bytes()).await;
    let logged_in = raw.response(false).await;
    assert_eq!(logged_in.status, 200, "{logged_in:?}");
    assert!(logged_in.json()["access_token"].is_string());
    assert_versions(&raw.response(false).await);
}

#[tokio::test]
async fn expect_100_continue_gets_100_before_the_answer() {
    let server = server_with_alice().await;
    let mut raw = Raw::connect(&server).await;
    let body = login_body("wonderland");
    raw.send(
        format!(
            "POST {LOGIN} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nExpect: 100-continue\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    )
    .await;
    let interim = raw.response(false).await;
    assert_eq!((interim.minor, interim.status), (1, 100), "{interim:?}");
    raw.send(body.as_bytes()).await;
    let response = raw.response(false).await;
    assert_eq!(response.status, 200, "{response:?}");
    assert!(response.json()["access_token"].is_string());
}

#[tokio::test]
async fn an_http10_request_gets_an_http10_response_and_the_connection_closes() {
    let server = TestServer::start().await;
    let mut raw = Raw::connect(&server).await;
    raw.send(format!("GET {VERSIONS} HTTP/1.0\r\n\r\n").as_bytes())
        .await;
    let response = raw.response(false).await;
    assert_eq!(response.minor, 0);
    assert_versions(&response);
    assert!(raw.is_closed().await);

    let mut kept = Raw::connect(&server).await;
    for _ in 0..2 {
        kept.send(format!("GET {VERSIONS} HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").as_bytes())
            .await;
        let response = kept.response(false).await;
        assert_eq!(response.minor, 0);
        assert_eq!(response.header("connection"), Some("keep-alive"));
        assert_versions(&response);
    }
}

#[tokio::test]
async fn head_gets_the_headers_only() {
    let server = TestServer::start().await;
    let mut raw = Raw::connect(&server).await;
    raw.send(format!("HEAD {VERSIONS} HTTP/1.1\r\nHost: test\r\n\r\n").as_bytes())
        .await;
    let head = raw.response(true).await;
    assert_eq!(head.status, 200);
    let length: usize = head
        .header("content-length")
        .expect("the GET's length")
        .parse()
        .expect("a number");
    // No body bytes follow: the next response on the connection parses from its first byte.
    raw.send(get(VERSIONS, "").as_bytes()).await;
    let get = raw.response(false).await;
    assert_versions(&get);
    assert_eq!(get.body.len(), length);
}

#[tokio::test]
async fn a_malformed_head_is_answered_400_and_the_connection_closed() {
    let server = TestServer::start().await;
    for request in [
        "GET / HTTP/1.1\r\nHost: test\r\nno colon here\r\n\r\n".to_owned(),
        "GET / HTTP/1.1\r\n\r\n".to_owned(),
        format!(
            "POST {LOGIN} HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\n\
             Transfer-Encoding: chunked\r\n\r\n3\r\n{{}}\r\n0\r\n\r\n"
        ),
        format!("POST {LOGIN} HTTP/1.1\r\nHost: test\r\nContent-Length: 1, 2\r\n\r\n{{}}"),
    ] {
        let mut raw = Raw::connect(&server).await;
        raw.send(request.as_bytes()).await;
        let response = raw.response(false).await;
        assert_eq!(response.status, 400, "{request:?}");
        assert_eq!(response.header("connection"), Some("close"));
        assert!(raw.is_closed().await, "{request:?}");
    }
}

#[tokio::test]
async fn seventy_kib_of_headers_are_answered_431() {
    let server = TestServer::start().await;
    let mut raw = Raw::connect(&server).await;
    let mut request = format!("GET {VERSIONS} HTTP/1.1\r\nHost: test\r\n");
    for i in 0..70 {
        request.push_str(&format!("X-Fill-{i}: {}\r\n", "f".repeat(1024)));
    }
    request.push_str("\r\n");
    raw.send(request.as_bytes()).await;
    let response = raw.response(false).await;
    assert_eq!(response.status, 431);
    assert!(raw.is_closed().await);

    // A head just under the limit is served.
    let mut raw = Raw::connect(&server).await;
    let mut request = format!("GET {VERSIONS} HTTP/1.1\r\nHost: test\r\n");
    for i in 0..60 {
        request.push_str(&format!("X-Fill-{i}: {}\r\n", "f".repeat(1024)));
    }
    request.push_str("\r\n");
    raw.send(request.as_bytes()).await;
    assert_versions(&raw.response(false).await);
}

#[tokio::test]
async fn connection_close_closes_the_connection_after_the_answer() {
    let server = TestServer::start().await;
    let mut raw = Raw::connect(&server).await;
    raw.send(get(VERSIONS, "Connection: close\r\n").as_bytes())
        .await;
    let response = raw.response(false).await;
    assert_versions(&response);
    assert_eq!(response.header("connection"), Some("close"));
    assert!(raw.is_closed().await);
}

#[tokio::test]
async fn an_upgrade_request_is_handed_to_hyper_with_its_connection() {
    let server = TestServer::start().await;
    let mut raw = Raw::connect(&server).await;
    // A request before it is answered by our layer; the upgrade request's bytes, read by our
    // layer, are replayed to hyper, which answers it (the router does not upgrade) and the
    // request after it on the same connection.
    raw.send(get(VERSIONS, "").as_bytes()).await;
    assert_versions(&raw.response(false).await);
    let upgrade = get(VERSIONS, "Connection: upgrade\r\nUpgrade: foo\r\n");
    raw.send(format!("{upgrade}{}", get(LOGIN, "")).as_bytes())
        .await;
    assert_versions(&raw.response(false).await);
    let login = raw.response(false).await;
    assert_eq!(login.status, 200);
    assert!(login.json()["flows"].is_array());
}

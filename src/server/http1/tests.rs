//! The connection layer against small routers over loopback TCP: draining on stop, dropping a
//! pending response whose client left, streaming request bodies, discarding unread bodies,
//! and upgrades through the hand-over to hyper.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{CONNECTION, UPGRADE};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use http_body::Body as _;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch, Notify};

/// How long any wait may take before the test fails.
const WAIT: Duration = Duration::from_secs(5);

/// Both ends of a loopback TCP connection: (client, server).
pub(super) async fn loopback_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let client = TcpStream::connect(listener.local_addr().expect("address"))
        .await
        .expect("connect");
    let (server, _) = listener.accept().await.expect("accept");
    (client, server)
}

/// A running [`super::serve`].
struct Server {
    address: std::net::SocketAddr,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

async fn start(router: Router) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(super::serve(listener, router, stopped));
    Server {
        address,
        stop,
        task,
    }
}

async fn connect(server: &Server) -> TcpStream {
    TcpStream::connect(server.address).await.expect("connect")
}

/// Reads one response with a `Content-Length` body: its head and body.
async fn response(stream: &mut TcpStream) -> (String, Vec<u8>) {
    let mut bytes = Vec::new();
    let head_end = loop {
        if let Some(at) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let mut byte = [0; 1];
        let read = tokio::time::timeout(WAIT, stream.read(&mut byte))
            .await
            .expect("a response in time")
            .expect("read");
        assert_eq!(read, 1, "connection closed in the head: {bytes:?}");
        bytes.push(byte[0]);
    };
    let head = String::from_utf8(bytes[..head_end].to_vec()).expect("ASCII head");
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length: "))
        .map_or(0, |length| length.parse().expect("a length"));
    let mut body = vec![0; length];
    tokio::time::timeout(WAIT, stream.read_exact(&mut body))
        .await
        .expect("a body in time")
        .expect("body");
    (head, body)
}

/// Whether the server closed the connection (reads the end of the stream in time).
async fn closed(stream: &mut TcpStream) -> bool {
    let mut byte = [0; 1];
    matches!(
        tokio::time::timeout(WAIT, stream.read(&mut byte)).await,
        Ok(Ok(0) | Err(_))
    )
}

fn request(method: &str, path: &str, extra: &str) -> String {
    format!("{method} {path} HTTP/1.1\r\nHost: t\r\n{extra}\r\n")
}

#[tokio::test]
async fn stopping_closes_idle_connections_and_lets_in_flight_requests_finish() {
    let entered = Arc::new(Notify::new());
    let release = Arc::new(Notify::new());
    let (entered_in, release_in) = (Arc::clone(&entered), Arc::clone(&release));
    let router = Router::new()
        .route("/fast", get(|| async { "fast" }))
        .route(
            "/slow",
            get(move || {
                let (entered, release) = (Arc::clone(&entered_in), Arc::clone(&release_in));
                async move {
                    entered.notify_one();
                    release.notified().await;
                    "slow"
                }
            }),
        );
    let server = start(router).await;
    let mut idle = connect(&server).await;
    idle.write_all(request("GET", "/fast", "").as_bytes())
        .await
        .expect("write");
    assert_eq!(response(&mut idle).await.1, b"fast");
    let mut busy = connect(&server).await;
    busy.write_all(request("GET", "/slow", "").as_bytes())
        .await
        .expect("write");
    tokio::time::timeout(WAIT, entered.notified())
        .await
        .expect("the slow request started");

    server.stop.send(true).expect("stop");
    assert!(closed(&mut idle).await, "an idle connection closes at once");
    let refused = async {
        while TcpStream::connect(server.address).await.is_ok() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(WAIT, refused)
        .await
        .expect("the listener closes");
    assert!(!server.task.is_finished(), "a request is still in flight");

    release.notify_one();
    let (head, body) = response(&mut busy).await;
    assert_eq!(body, b"slow");
    assert!(head.contains("connection: close\r\n"), "{head}");
    assert!(closed(&mut busy).await);
    tokio::time::timeout(WAIT, server.task)
        .await
        .expect("serve returns once drained")
        .expect("serve");
}

/// Tells its channel when dropped.
struct DropSignal(Option<oneshot::Sender<()>>);

impl Drop for DropSignal {
    fn drop(&mut self) {
        if let Some(sender) = self.0.take() {
            let _ = sender.send(());
        }
    }
}

#[tokio::test]
async fn a_pending_response_is_dropped_when_its_client_goes_away() {
    let (dropped_in, dropped) = oneshot::channel();
    let guard = Arc::new(std::sync::Mutex::new(Some(DropSignal(Some(dropped_in)))));
    let router = Router::new().route(
        "/hang",
        get(move || {
            let signal = guard.lock().expect("lock").take();
            async move {
                let _signal = signal;
                std::future::pending::<()>().await;
            }
        }),
    );
    let server = start(router).await;
    let mut client = connect(&server).await;
    client
        .write_all(request("GET", "/hang", "").as_bytes())
        .await
        .expect("write");
    tokio::time::sleep(Duration::from_millis(50)).await;
    drop(client);
    tokio::time::timeout(WAIT, dropped)
        .await
        .expect("the handler is dropped")
        .expect("signal");
}

/// Reads the request body to its end and answers its length.
async fn count(request: Request) -> String {
    let bytes = axum::body::to_bytes(request.into_body(), usize::MAX)
        .await
        .expect("a complete body");
    bytes.len().to_string()
}

/// Answers the size of the body's first frame, and its known length, leaving the rest.
async fn first_frame(request: Request) -> String {
    let mut body = request.into_body();
    let exact = body.size_hint().exact();
    let frame = std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx))
        .await
        .expect("a frame")
        .expect("data");
    let data = frame.into_data().expect("data");
    format!("{} of {exact:?}", data.len())
}

fn body_router() -> Router {
    Router::new()
        .route("/count", post(count))
        .route("/first", post(first_frame))
        .route("/ignore", post(|| async { "ignored" }))
        .route("/fast", get(|| async { "fast" }))
}

#[tokio::test]
async fn request_bodies_are_streamed_to_the_router() {
    let server = start(body_router()).await;
    let mut client = connect(&server).await;
    let length = 1024 * 1024;
    let head = request("POST", "/count", &format!("Content-Length: {length}\r\n"));
    client.write_all(head.as_bytes()).await.expect("write");
    for _ in 0..16 {
        client.write_all(&[b'x'; 64 * 1024]).await.expect("write");
    }
    assert_eq!(response(&mut client).await.1, length.to_string().as_bytes());

    // The router gets the first bytes while the client has not sent the rest.
    let head = request("POST", "/first", "Content-Length: 1000000\r\n") + "0123456789";
    client.write_all(head.as_bytes()).await.expect("write");
    let (head, body) = response(&mut client).await;
    assert_eq!(body, b"10 of Some(1000000)");
    // Too much of the body is left to read it away: the connection closes.
    assert!(head.contains("connection: close\r\n"), "{head}");
    assert!(closed(&mut client).await);
}

#[tokio::test]
async fn a_small_unread_body_is_discarded_and_the_connection_kept() {
    let server = start(body_router()).await;
    let mut client = connect(&server).await;
    let chunked = format!("{:x}\r\n{}\r\n0\r\n\r\n", 5000, "y".repeat(5000));
    let requests = [
        request("POST", "/ignore", "Content-Length: 10000\r\n") + &"x".repeat(10000),
        request("POST", "/ignore", "Transfer-Encoding: chunked\r\n") + &chunked,
        request("GET", "/fast", ""),
    ]
    .concat();
    client.write_all(requests.as_bytes()).await.expect("write");
    for expected in [&b"ignored"[..], b"ignored", b"fast"] {
        let (head, body) = response(&mut client).await;
        assert_eq!(body, expected);
        assert!(!head.contains("connection: close"), "{head}");
    }
}

#[tokio::test]
async fn without_100_continue_sent_an_unread_body_closes_the_connection() {
    let server = start(body_router()).await;
    let mut client = connect(&server).await;
    let head = request(
        "POST",
        "/ignore",
        "Content-Length: 10\r\nExpect: 100-continue\r\n",
    );
    client.write_all(head.as_bytes()).await.expect("write");
    let (head, body) = response(&mut client).await;
    assert!(
        head.starts_with("HTTP/1.1 200 OK\r\n"),
        "no 100 Continue: {head}"
    );
    assert_eq!(body, b"ignored");
    assert!(head.contains("connection: close\r\n"), "{head}");
    assert!(closed(&mut client).await);
}

/// Switches to a protocol that echoes four bytes.
async fn echo(mut request: Request) -> Response {
    let upgrade = hyper::upgrade::on(&mut request);
    tokio::spawn(async move {
        let mut io = TokioIo::new(upgrade.await.expect("upgraded"));
        let mut bytes = [0; 4];
        io.read_exact(&mut bytes).await.expect("read");
        io.write_all(&bytes).await.expect("write");
    });
    Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header(CONNECTION, "upgrade")
        .header(UPGRADE, "echo")
        .body(Body::empty())
        .expect("response")
}

#[tokio::test]
async fn the_router_can_upgrade_a_connection_handed_to_hyper() {
    let server = start(Router::new().route("/echo", get(echo))).await;
    let mut client = connect(&server).await;
    let upgrade = request("GET", "/echo", "Connection: Upgrade\r\nUpgrade: echo\r\n");
    client.write_all(upgrade.as_bytes()).await.expect("write");
    let (head, _) = response(&mut client).await;
    assert!(
        head.starts_with("HTTP/1.1 101 Switching Protocols\r\n"),
        "{head}"
    );
    client.write_all(b"ping").await.expect("write");
    let mut echoed = [0; 4];
    tokio::time::timeout(WAIT, client.read_exact(&mut echoed))
        .await
        .expect("an echo in time")
        .expect("read");
    assert_eq!(&echoed, b"ping");
}

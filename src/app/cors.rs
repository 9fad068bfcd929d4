//! CORS for browser clients (client-server API § "Web Browser Clients"): every response carries
//! the recommended headers, and an `OPTIONS` request to any path is answered here, without
//! running the endpoint ("the server MUST NOT perform any logic defined for the endpoints when
//! approached with an `OPTIONS` request"), with 200 and `{}` as Synapse answers it.
//!
//! The headers are constants added to the response: a waiting request (a long-poll `/sync`)
//! holds nothing for this layer beyond its own future.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::http::{header, HeaderValue, Method, Request, Response, StatusCode};
use tower::{Layer, Service};

/// `Access-Control-Allow-Origin`.
const ALLOW_ORIGIN: HeaderValue = HeaderValue::from_static("*");
/// `Access-Control-Allow-Methods`: every method an endpoint of ours takes.
const ALLOW_METHODS: HeaderValue = HeaderValue::from_static("GET, POST, PUT, DELETE, OPTIONS");
/// `Access-Control-Allow-Headers`.
const ALLOW_HEADERS: HeaderValue =
    HeaderValue::from_static("X-Requested-With, Content-Type, Authorization");

/// Adds [`Cors`] around a service.
#[derive(Clone, Copy, Debug, Default)]
pub struct CorsLayer;

impl<S> Layer<S> for CorsLayer {
    type Service = Cors<S>;

    fn layer(&self, inner: S) -> Cors<S> {
        Cors { inner }
    }
}

/// The CORS service: answers `OPTIONS`, adds the headers to every other response.
#[derive(Clone, Debug)]
pub struct Cors<S> {
    inner: S,
}

impl<S, B> Service<Request<B>> for Cors<S>
where
    S: Service<Request<B>, Response = Response<Body>>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = CorsFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        if request.method() == Method::OPTIONS {
            return CorsFuture {
                inner: None,
                answered: false,
            };
        }
        CorsFuture {
            inner: Some(self.inner.call(request)),
            answered: false,
        }
    }
}

pin_project_lite::pin_project! {
    /// The inner service's response with the headers added; or, for `OPTIONS`, the answer.
    pub struct CorsFuture<F> {
        #[pin]
        inner: Option<F>,
        answered: bool,
    }
}

impl<F, E> Future for CorsFuture<F>
where
    F: Future<Output = Result<Response<Body>, E>>,
{
    type Output = Result<Response<Body>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = match this.inner.as_pin_mut() {
            Some(inner) => match inner.poll(cx) {
                Poll::Ready(Ok(response)) => response,
                other => return other,
            },
            None => {
                assert!(!*this.answered, "CorsFuture polled after completion");
                *this.answered = true;
                options_answer()
            }
        };
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, ALLOW_ORIGIN);
        headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, ALLOW_METHODS);
        headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOW_HEADERS);
        Poll::Ready(Ok(response))
    }
}

/// 200 `{}` (JSON), the answer to any `OPTIONS` request.
fn options_answer() -> Response<Body> {
    let mut response = Response::new(Body::from("{}"));
    *response.status_mut() = StatusCode::OK;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

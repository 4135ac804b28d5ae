//! A fast loopback HTTP server answering like the providers: by key, 200 with a body in the
//! connector's shape, 401 for a revoked key, 403 for a forbidden one.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::{Body, Incoming};
use hyper::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use super::workload::{Class, POLYTOMIC_PATH, SMARTRECRUITERS_PATH};

const POLYTOMIC_OK: &str = r#"{"data":{"email":"ops@example.com","id":"u1","is_partner":false,"organization_id":"o1","organization_name":"Acme Data","role":"admin"}}"#;
const SMARTRECRUITERS_OK: &str = r#"{"identifier":"AcmeInc","name":"Acme Inc"}"#;
const REVOKED: &str = r#"{"message":"The API key is invalid or was revoked."}"#;
const FORBIDDEN: &str = r#"{"message":"The API key lacks the permission for this endpoint."}"#;

/// Requests answered with a key's answer since the process started.
static ANSWERED: AtomicU64 = AtomicU64::new(0);

/// How many verification requests the server has answered so far.
pub fn answered() -> u64 {
    ANSWERED.load(Ordering::Relaxed)
}

/// Starts the server on 127.0.0.1 (any free port) on the current runtime; returns its address.
pub async fn start() -> anyhow::Result<SocketAddr> {
    serve(answer).await
}

/// Serves HTTP/1.1 with `handler` on 127.0.0.1 (any free port) on the current runtime; returns
/// its address.
pub async fn serve<F, R, B>(handler: F) -> anyhow::Result<SocketAddr>
where
    F: Fn(Request<Incoming>) -> R + Clone + Send + 'static,
    R: Future<Output = Result<Response<B>, Infallible>> + Send + 'static,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            // Small responses: send them at once rather than waiting for more to send.
            let _ = stream.set_nodelay(true);
            let handler = handler.clone();
            tokio::spawn(async move {
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service_fn(handler))
                    .await;
            });
        }
    });
    Ok(address)
}

async fn answer(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let headers = request.headers();
    let (key, ok_body) = match request.uri().path() {
        POLYTOMIC_PATH => (
            headers
                .get(AUTHORIZATION)
                .and_then(|v| v.as_bytes().strip_prefix(b"Bearer ")),
            POLYTOMIC_OK,
        ),
        SMARTRECRUITERS_PATH => (
            headers.get("x-smarttoken").map(HeaderValue::as_bytes),
            SMARTRECRUITERS_OK,
        ),
        _ => return Ok(respond(StatusCode::NOT_FOUND, "{}")),
    };
    ANSWERED.fetch_add(1, Ordering::Relaxed);
    let response = match key.and_then(Class::of_key) {
        Some(Class::Valid) => respond(StatusCode::OK, ok_body),
        Some(Class::Forbidden) => respond(StatusCode::FORBIDDEN, FORBIDDEN),
        Some(Class::Revoked) | None => respond(StatusCode::UNAUTHORIZED, REVOKED),
    };
    Ok(response)
}

fn respond(status: StatusCode, body: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

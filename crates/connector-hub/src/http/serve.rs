//! Serving the router over TCP with limits a slow or hostile client cannot get around: a
//! connection must send its request headers within `header_read_timeout` (idle keep-alive
//! connections too), at most `max_connections` are served at once (further ones wait in the
//! listen backlog), and a request must be answered within its deadline (see
//! `middleware::request_deadline`). On shutdown, open connections get a few seconds to finish.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::Request;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt as _;

/// How long open connections may take to finish once shutdown begins.
const DRAIN: Duration = Duration::from_secs(10);
/// The pause after a failed accept (out of file descriptors, most often).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// The limits of [`serve`].
#[derive(Debug, Clone, Copy)]
pub struct ServeLimits {
    pub header_read_timeout: Duration,
    pub max_connections: usize,
}

/// Serves `app` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ServeLimits,
    shutdown: impl Future<Output = ()>,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    tracing::warn!("cannot accept a connection: {e}");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
            request
                .extensions_mut()
                .insert(ConnectInfo::<SocketAddr>(addr));
            app.clone().oneshot(request)
        });
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A connection that timed out or broke only ends itself.
            let _ = connection.await;
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(DRAIN) => {}
    }
}

/// Files the hub keeps for itself besides client connections: the database pool, provider and
/// webhook connections, the key file, logs.
const SPARE_FILES: usize = 128;

/// `max_connections`, or fewer when the open-file limit (raised to its hard limit first) could
/// not hold them beside the hub's own files.
pub fn connection_cap(max_connections: usize) -> usize {
    #[cfg(unix)]
    {
        use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
        let limit = getrlimit(Resource::Nofile);
        let open_files = match (limit.current, limit.maximum) {
            (Some(current), maximum) if current < maximum.unwrap_or(u64::MAX) => {
                let raised = Rlimit {
                    current: maximum,
                    maximum,
                };
                match setrlimit(Resource::Nofile, raised) {
                    Ok(()) => maximum,
                    Err(_) => Some(current),
                }
            }
            (current, _) => current,
        };
        if let Some(files) = open_files.map(|f| usize::try_from(f).unwrap_or(usize::MAX)) {
            let room = files.saturating_sub(SPARE_FILES).max(16);
            if room < max_connections {
                eprintln!(
                    "warning: this process may open {files} files, so it serves at most {room} \
                     connections at once instead of max_connections = {max_connections}; raise \
                     the limit (`ulimit -n`, or LimitNOFILE= for a service) to serve more"
                );
                return room;
            }
        }
    }
    max_connections
}

//! Accepting connections: hyper's server with a header-read timeout (a
//! client that sends half a request is closed, so half-sent connections
//! cannot pile up; `axum::serve` sets no such timeout), the client's address
//! for `ConnectInfo`, and graceful shutdown on SIGTERM or Ctrl-C.

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use tower::ServiceExt;

/// How long a client may take to send a request's headers, by default.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Serve `router` on `listener` until `shutdown` completes, then finish the
/// requests in flight. A connection whose request headers have not all
/// arrived `header_read_timeout` after it started (or after its previous
/// request) is closed.
pub async fn serve_until(
    listener: tokio::net::TcpListener,
    router: Router,
    header_read_timeout: Duration,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // too many open files and the like: wait, do not spin
                    tracing::warn!("accept failed: {error}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request
                .extensions_mut()
                .insert(ConnectInfo::<SocketAddr>(remote));
            router.clone().oneshot(request)
        });
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // a client that hangs up or times out is no fault of the server
            if let Err(error) = connection.await {
                tracing::debug!("connection from {remote} ended: {error}");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

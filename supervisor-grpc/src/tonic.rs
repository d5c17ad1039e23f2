//! A tonic gRPC server as a runnable.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::service::TowerToHyperService;
use supervisor_core::{BoxError, Child, Context, Runnable};
use tokio::sync::watch;

use crate::{Error, HttpServer, Listen};

/// A tonic gRPC server as a [`Runnable`], on TCP or a unix socket.
///
/// It serves one tower service: a generated `FooServer<T>`, a tonic-health
/// `HealthServer`, or several of them combined in a `tonic::service::Routes`
/// (tonic's `router` feature). Each run:
///
/// 1. binds its [`Listen`] address (or duplicates a ready listener); a bind
///    failure ends the run with [`Error::Bind`] naming the address, a death,
///    so the node restarts after its backoff;
/// 2. signals [`Healthy`](supervisor_core::Signal::Healthy) once the listener
///    accepts connections;
/// 3. serves HTTP/2 (cleartext, prior knowledge) until the node's context is
///    cancelled;
/// 4. shuts down gracefully: stops accepting, sends GOAWAY, and lets the
///    calls in flight finish until the [shutdown deadline](Self::shutdown_deadline);
///    then it cuts off what is left (those calls fail, typically with
///    `UNAVAILABLE` or `CANCELLED`) and returns.
///
/// Every request carries the node's [`Context`] in its extensions
/// (`request.extensions().get::<Context>()`): a streaming handler should end
/// its stream when `ctx.cancelled()` resolves, or it is cut off at the
/// deadline.
///
/// The node's grace period (the core aborts a cancelled runnable after it,
/// 5 s by default) must exceed the shutdown deadline: add the node with
/// [`child`](Self::child), which sets it to the deadline plus 2 s.
///
/// To report the server's health through the standard `grpc.health.v1`
/// service, see [`HealthBinding`](crate::HealthBinding).
#[derive(Clone)]
#[cfg_attr(docsrs, doc(cfg(feature = "tonic")))]
pub struct GrpcServer<S>(HttpServer<TowerToHyperService<S>>);

impl<S> GrpcServer<S> {
    /// A server for `service` (a generated server, or a `Routes` of several),
    /// listening on `listen`.
    pub fn new(listen: impl Into<Listen>, service: S) -> Self {
        Self(HttpServer::new(listen, service).http2_only())
    }

    /// How long calls in flight may take to finish after the node is
    /// cancelled before they are cut off (default 3 s).
    #[must_use]
    pub fn shutdown_deadline(self, deadline: Duration) -> Self {
        Self(self.0.shutdown_deadline(deadline))
    }

    /// The TCP address the current run listens on: `None` between runs and
    /// for unix sockets. With port 0, `wait_for(Option::is_some)` on it.
    pub fn local_addr(&self) -> watch::Receiver<Option<SocketAddr>> {
        self.0.local_addr()
    }

    /// The server as a child node named `name`, with a grace period 2 s
    /// longer than the shutdown deadline (so the core never aborts it while
    /// it drains). Set other options on the returned [`Child`].
    pub fn child(self, name: impl Into<String>) -> Child
    where
        Self: Runnable,
    {
        let grace = self.0.shutdown_grace();
        Child::new(name, self).grace(grace)
    }
}

impl<S> Runnable for GrpcServer<S>
where
    S: tower_service::Service<Request<Incoming>, Response = Response<::tonic::body::Body>>
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError> + Send,
{
    type Error = Error;

    /// Binds, signals Healthy, serves until cancelled, drains up to the deadline.
    ///
    /// # Errors
    ///
    /// [`Error::Bind`] or [`Error::Listener`] if it cannot listen,
    /// [`Error::Accept`] on a non-transient accept error.
    async fn run(&self, ctx: Context) -> Result<(), Error> {
        self.0.run(ctx).await
    }
}

impl<S> fmt::Debug for GrpcServer<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.debug_fields(f.debug_struct("GrpcServer"))
    }
}

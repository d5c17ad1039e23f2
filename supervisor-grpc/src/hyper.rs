//! An HTTP server (any hyper or tower service, e.g. an axum `Router`) as a runnable.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use hyper::body::{Body, Incoming};
use hyper::{Request, Response};
use hyper_util::service::TowerToHyperService;
use supervisor_core::{BoxError, Child, Context, Runnable};
use tokio::sync::watch;

use crate::shutdown::{Serve, GRACE_MARGIN};
use crate::{Error, Listen};

/// An HTTP/1.1 and HTTP/2 (cleartext, detected per connection) server as a
/// [`Runnable`], on TCP or a unix socket.
///
/// Each run binds its [`Listen`] address (or serves a duplicate of a ready
/// listener), signals [`Healthy`](supervisor_core::Signal::Healthy) once the
/// listener accepts connections, and serves until the node's context is
/// cancelled. Then it shuts down gracefully: no new connections, responses in
/// flight may finish until the [shutdown deadline](Self::shutdown_deadline),
/// after which they are cut off and the run returns. A bind failure ends the
/// run with [`Error::Bind`], a death: the node restarts after its backoff.
///
/// Every request carries the node's [`Context`] in its extensions, so a
/// handler that streams can stop when the node stops (with axum, take it with
/// `Extension<Context>`).
///
/// The node's grace period (how long the core waits before aborting a
/// cancelled runnable, 5 s by default) must exceed the shutdown deadline, or
/// the core aborts the server before its deadline: add the node with
/// [`child`](Self::child), which sets it.
///
/// # Examples
///
/// ```
/// use std::convert::Infallible;
/// use std::time::Duration;
/// use hyper::service::service_fn;
/// use supervisor_core::{Context, Signal, Supervisor};
/// use supervisor_grpc::{HttpServer, Listen};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// // Any hyper service (or, with `HttpServer::new`, any tower service such
/// // as an axum `Router`).
/// let hello = service_fn(|_req| async {
///     Ok::<_, Infallible>(hyper::Response::new(String::from("hello\n")))
/// });
/// let server = HttpServer::from_hyper(Listen::tcp("127.0.0.1:0".parse()?), hello)
///     .shutdown_deadline(Duration::from_secs(1));
/// let mut bound = server.local_addr();
///
/// let sup = Supervisor::new(move |ctx: Context| {
///     let child = server.clone().child("http");
///     async move {
///         ctx.run_child(child).await?;
///         ctx.signal(Signal::Healthy)?;
///         ctx.signal(Signal::Done)?;
///         Ok::<_, supervisor_core::Error>(())
///     }
/// });
/// let addr = bound.wait_for(Option::is_some).await?.expect("bound");
/// println!("serving on http://{addr}/");
/// sup.shutdown(Duration::from_secs(5)).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
#[cfg_attr(docsrs, doc(cfg(feature = "hyper")))]
pub struct HttpServer<S> {
    service: S,
    serve: Serve,
}

impl<S> HttpServer<TowerToHyperService<S>> {
    /// A server for a tower service, such as an axum `Router` or a tonic
    /// `Routes`, listening on `listen`.
    pub fn new(listen: impl Into<Listen>, service: S) -> Self {
        Self::from_hyper(listen, TowerToHyperService::new(service))
    }
}

impl<S> HttpServer<S> {
    /// A server for a hyper service (such as `hyper::service::service_fn`),
    /// listening on `listen`. The service is cloned for each connection.
    pub fn from_hyper(listen: impl Into<Listen>, service: S) -> Self {
        Self {
            service,
            serve: Serve::new(listen.into()),
        }
    }

    /// How long responses in flight may take to finish after the node is
    /// cancelled before they are cut off (default 3 s).
    #[must_use]
    pub fn shutdown_deadline(mut self, deadline: Duration) -> Self {
        self.serve.deadline = deadline;
        self
    }

    /// Only HTTP/2 (prior knowledge, as gRPC uses) instead of detecting
    /// HTTP/1.1 or HTTP/2 on each connection.
    #[must_use]
    pub fn http2_only(mut self) -> Self {
        self.serve.http2_only = true;
        self
    }

    /// The TCP address the current run listens on, `None` between runs and
    /// for unix sockets. Useful with port 0: `wait_for(Option::is_some)`.
    pub fn local_addr(&self) -> watch::Receiver<Option<SocketAddr>> {
        self.serve.local_addr.subscribe()
    }

    /// The server as a child node named `name`, with a grace period 2 s
    /// longer than the shutdown deadline (so the core never aborts it while it
    /// drains).
    pub fn child(self, name: impl Into<String>) -> Child
    where
        Self: Runnable,
    {
        let grace = self.shutdown_grace();
        Child::new(name, self).grace(grace)
    }

    /// The grace period [`child`](Self::child) sets: the shutdown deadline plus a margin.
    pub(crate) fn shutdown_grace(&self) -> Duration {
        self.serve.deadline + GRACE_MARGIN
    }

    /// `Debug` of the server's settings, under the given struct name.
    pub(crate) fn debug_fields(&self, mut d: fmt::DebugStruct<'_, '_>) -> fmt::Result {
        d.field("listen", &self.serve.listen)
            .field("shutdown_deadline", &self.serve.deadline)
            .finish_non_exhaustive()
    }
}

impl<S, B> Runnable for HttpServer<S>
where
    S: hyper::service::Service<Request<Incoming>, Response = Response<B>>
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    type Error = Error;

    /// Binds, signals Healthy, serves until cancelled, drains up to the deadline.
    ///
    /// # Errors
    ///
    /// [`Error::Bind`] or [`Error::Listener`] if it cannot listen,
    /// [`Error::Accept`] on a non-transient accept error.
    async fn run(&self, ctx: Context) -> Result<(), Error> {
        self.serve.run(ctx, self.service.clone()).await
    }
}

impl<S> fmt::Debug for HttpServer<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.debug_fields(f.debug_struct("HttpServer"))
    }
}

//! The serve loop shared by the gRPC and HTTP runnables: accept until the
//! node is cancelled, then drain gracefully up to a deadline, then stop hard.
//!
//! # Graceful shutdown, step by step
//!
//! 1. The node's context is cancelled: the accept loop stops and the listener
//!    is closed (new connections are refused; a unix socket file is removed).
//! 2. Every connection is told to shut down gracefully: HTTP/2 sends GOAWAY
//!    and lets the streams in flight finish, HTTP/1 closes after the response
//!    in flight. Handlers see the cancellation through the node's
//!    [`Context`], which every request carries in its extensions, so a
//!    long-lived stream can end itself cleanly.
//! 3. When every connection and every request task has ended, or the
//!    deadline passes, whichever is first, the remaining tasks are dropped
//!    (their calls are cut off) and the runnable returns.
//!
//! Every connection and every HTTP/2 stream runs in a task of one
//! [`TaskTracker`] and races one "hard stop" token, so nothing the server
//! spawned outlives its run, even when the core aborts the runnable.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::{Body, Incoming};
use hyper::service::Service;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use supervisor_core::{BoxError, Context, Signal};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::listen::{Accepted, Listen};
use crate::Error;

/// The default time in-flight calls get to finish after cancellation.
pub(crate) const DEFAULT_DEADLINE: Duration = Duration::from_secs(3);

/// How much longer than the shutdown deadline the node's grace period is set
/// by the `child` helpers.
pub(crate) const GRACE_MARGIN: Duration = Duration::from_secs(2);

/// Settings common to both server runnables.
#[derive(Debug, Clone)]
pub(crate) struct Serve {
    pub(crate) listen: Listen,
    pub(crate) deadline: Duration,
    pub(crate) http2_only: bool,
    pub(crate) local_addr: watch::Sender<Option<SocketAddr>>,
}

impl Serve {
    pub(crate) fn new(listen: Listen) -> Self {
        Self {
            listen,
            deadline: DEFAULT_DEADLINE,
            http2_only: false,
            local_addr: watch::Sender::new(None),
        }
    }

    /// One run: bind, signal Healthy, serve until cancelled, drain, return.
    pub(crate) async fn run<S, B>(&self, ctx: Context, service: S) -> Result<(), Error>
    where
        S: Service<Request<Incoming>, Response = Response<B>> + Clone + Send + Sync + 'static,
        S::Future: Send + 'static,
        S::Error: Into<BoxError>,
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        let bound = self.listen.bind().await?;
        let addr = bound.addr.clone();
        self.local_addr.send_replace(bound.tcp_addr);
        let _clear = ClearOnDrop(&self.local_addr);

        // Whatever happens to this future (return, error, abort by the
        // core), every task it spawned is dropped with it.
        let hard = CancellationToken::new();
        let _hard_stop = hard.clone().drop_guard();
        let tracker = TaskTracker::new();
        let exec = Exec {
            tracker: tracker.clone(),
            hard: hard.clone(),
        };
        let mut builder = auto::Builder::new(exec.clone());
        builder.http1().timer(TokioTimer::new());
        builder.http2().timer(TokioTimer::new());
        if self.http2_only {
            builder = builder.http2_only();
        }
        let builder = Arc::new(builder);
        let service = WithContext {
            inner: service,
            ctx: ctx.clone(),
        };

        ctx.signal(Signal::Healthy)?;
        tracing::info!(%addr, "listening");

        loop {
            let accepted = tokio::select! {
                biased;
                () = ctx.cancelled() => break,
                r = bound.listener.accept() => r,
            };
            match accepted {
                Ok(Accepted::Tcp(s)) => {
                    let _ = s.set_nodelay(true);
                    serve_connection(&exec, &builder, &ctx, s, service.clone());
                }
                Ok(Accepted::Unix(s)) => {
                    serve_connection(&exec, &builder, &ctx, s, service.clone())
                }
                Err(e) if is_per_connection(&e) => {
                    tracing::debug!(%addr, error = %e, "a connection failed before it was accepted");
                }
                Err(e) if is_resource_shortage(&e) => {
                    // Out of file descriptors or memory: keep the
                    // connections we have, and try again shortly.
                    tracing::warn!(%addr, error = %e, "cannot accept, retrying in 100 ms");
                    tokio::select! {
                        () = ctx.cancelled() => break,
                        () = tokio::time::sleep(Duration::from_millis(100)) => {}
                    }
                }
                Err(source) => return Err(Error::Accept { addr, source }),
            }
        }

        bound.close();
        tracker.close();
        let in_flight = tracker.len();
        tracing::debug!(%addr, in_flight, deadline = ?self.deadline, "draining");
        if tokio::time::timeout(self.deadline, tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                %addr,
                still_running = tracker.len(),
                deadline = ?self.deadline,
                "shutdown deadline passed: cutting off the calls still in flight"
            );
            hard.cancel();
            tracker.wait().await;
        }
        tracing::info!(%addr, "stopped");
        Ok(())
    }
}

fn serve_connection<I, S, B>(
    exec: &Exec,
    builder: &Arc<auto::Builder<Exec>>,
    ctx: &Context,
    io: I,
    service: S,
) where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    S: Service<Request<Incoming>, Response = Response<B>> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    let builder = builder.clone();
    let token = ctx.token().clone();
    exec.spawn(async move {
        let mut conn = pin!(builder.serve_connection(TokioIo::new(io), service));
        let result = tokio::select! {
            r = conn.as_mut() => r,
            () = token.cancelled() => {
                conn.as_mut().graceful_shutdown();
                conn.await
            }
        };
        if let Err(e) = result {
            tracing::debug!(error = %e, "connection ended with an error");
        }
    });
}

/// Accept errors that concern one connection only.
fn is_per_connection(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
    )
}

/// EMFILE, ENFILE, ENOBUFS, ENOMEM: transient, but retrying at once would spin.
fn is_resource_shortage(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)
    ) || e.kind() == io::ErrorKind::OutOfMemory
}

/// Spawns the server's tasks (connections, HTTP/2 streams) on the tracker,
/// each racing the hard-stop token.
#[derive(Clone)]
struct Exec {
    tracker: TaskTracker,
    hard: CancellationToken,
}

impl Exec {
    fn spawn<F>(&self, fut: F)
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let hard = self.hard.clone();
        self.tracker.spawn(async move {
            tokio::select! {
                _ = fut => {}
                () = hard.cancelled() => {}
            }
        });
    }
}

impl<F> hyper::rt::Executor<F> for Exec
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, fut: F) {
        self.spawn(fut);
    }
}

/// Puts the node's [`Context`] into every request's extensions.
#[derive(Clone)]
struct WithContext<S> {
    inner: S,
    ctx: Context,
}

impl<S, B> Service<Request<B>> for WithContext<S>
where
    S: Service<Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn call(&self, mut req: Request<B>) -> Self::Future {
        req.extensions_mut().insert(self.ctx.clone());
        self.inner.call(req)
    }
}

struct ClearOnDrop<'a>(&'a watch::Sender<Option<SocketAddr>>);

impl Drop for ClearOnDrop<'_> {
    fn drop(&mut self) {
        self.0.send_replace(None);
    }
}

//! The `Runnable` trait, its blanket impl for async closures, and the
//! type-erased form the processor stores.

use std::future::Future;
use std::sync::Arc;

use tokio::task::AbortHandle;
use tracing::Instrument;

use crate::panic::Catch;
use crate::processor::ExitGuard;
use crate::{BoxError, Context};

/// Work that a supervisor runs, and runs again after each restart.
///
/// A runnable is called with a fresh [`Context`] every time its node starts.
/// The context is live while the runnable should run and is cancelled when it
/// must return: a runnable that outlives its context past its grace period is
/// aborted. What it returns decides what happens next:
///
/// * `Ok(())` after [`Signal::Done`](crate::Signal::Done): the node stays done;
/// * anything after its context was cancelled: the node is canceled and
///   restarts without backoff when its subtree can;
/// * an error, a panic, or `Ok(())` without `Done`: the node is dead; its
///   subtree and group siblings are cancelled, and it restarts after its backoff.
///
/// Any `Fn(Context) -> impl Future<Output = Result<(), E>>` is a runnable, so
/// most runnables are closures:
///
/// ```
/// use supervisor_core::{Context, Signal};
///
/// let server = |ctx: Context| async move {
///     ctx.signal(Signal::Healthy)?;
///     ctx.cancelled().await;
///     Ok::<_, supervisor_core::Error>(())
/// };
/// # let _ = server;
/// ```
///
/// Implement the trait on a type when the runnable carries configuration.
pub trait Runnable: Send + Sync + 'static {
    /// The error a run may end with.
    type Error: Into<BoxError>;

    /// Runs once, until the work is done, fails, or `ctx` is cancelled.
    fn run(&self, ctx: Context) -> impl Future<Output = Result<(), Self::Error>> + Send;
}

impl<F, Fut, E> Runnable for F
where
    F: Fn(Context) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send + 'static,
    E: Into<BoxError>,
{
    type Error = E;

    fn run(&self, ctx: Context) -> impl Future<Output = Result<(), E>> + Send {
        self(ctx)
    }
}

/// A runnable behind an `Arc`, its type erased: it spawns its own task, so
/// that the task holds the runnable's concrete future inline.
pub(crate) trait ErasedRunnable: Send + Sync + 'static {
    fn spawn(self: Arc<Self>, ctx: Context, guard: ExitGuard, catch: Catch) -> AbortHandle;
}

impl<R: Runnable> ErasedRunnable for R {
    fn spawn(self: Arc<Self>, ctx: Context, guard: ExitGuard, catch: Catch) -> AbortHandle {
        let span = ctx.span().clone();
        let task = async move {
            let run = async move { self.run(ctx).await.map_err(Into::into) };
            let mut run = std::pin::pin!(run);
            let result = std::future::poll_fn(|cx| catch.poll(run.as_mut(), cx)).await;
            guard.report(result);
        };
        if span.is_disabled() {
            tokio::spawn(task).abort_handle()
        } else {
            tokio::spawn(task.instrument(span)).abort_handle()
        }
    }
}

//! Deterministic testing of supervised code.
//!
//! * [`Harness`] runs a root runnable under a supervisor that propagates
//!   panics, so a bug in a runnable fails the test instead of being restarted.
//! * [`Puppet`] is a remote-controlled runnable: the test tells it to become
//!   healthy, done, die or panic, and each command returns once it has taken
//!   effect (acknowledged, never polled).
//! * [`Supervisor::settled`] is the barrier: it resolves once the supervisor
//!   has processed everything and no restart is pending. With
//!   `#[tokio::test(start_paused = true)]`, backoff delays elapse instantly
//!   while the runtime waits, and tests need no sleeps.
//!
//! ```
//! use supervisor_core::testing::{Harness, Puppet};
//! use supervisor_core::{Context, NodeState, Signal};
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let worker = Puppet::new();
//! let runnable = worker.runnable();
//! let h = Harness::new(move |ctx: Context| {
//!     let runnable = runnable.clone();
//!     async move {
//!         ctx.run("worker", runnable).await?;
//!         ctx.signal(Signal::Healthy)?;
//!         ctx.cancelled().await;
//!         Ok::<_, supervisor_core::Error>(())
//!     }
//! });
//! worker.healthy().await?;
//! worker.die().await;
//! h.settled().await; // the backoff elapsed (paused clock) and it restarted
//! assert_eq!(worker.starts(), 2);
//! assert_eq!(h.state("root.worker").await, Some(NodeState::New));
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot, watch, Mutex};

use crate::{BoxError, Child, Context, Error, EventKind, NodeState, Runnable, Signal, Supervisor};

/// A supervisor for tests: panics of runnables are propagated (resumed by
/// [`Supervisor::settled`] and [`Supervisor::wait`]) instead of caught.
///
/// Derefs to the [`Supervisor`] handle.
#[derive(Debug, Clone)]
pub struct Harness {
    sup: Supervisor,
}

impl Harness {
    /// Starts `root` as the root runnable.
    ///
    /// # Panics
    ///
    /// If called outside a tokio runtime.
    pub fn new(root: impl Runnable) -> Self {
        Self::with_root(Child::new("root", root))
    }

    /// Starts `root` with its options as the root node.
    ///
    /// # Panics
    ///
    /// If called outside a tokio runtime.
    pub fn with_root(root: Child) -> Self {
        Self {
            sup: Supervisor::builder()
                .propagate_panics(true)
                .start_child(root),
        }
    }

    /// The state of the node `dn`, from a fresh snapshot.
    pub async fn state(&self, dn: &str) -> Option<NodeState> {
        self.sup.snapshot().await.ok()?.state(dn)
    }
}

impl Deref for Harness {
    type Target = Supervisor;

    fn deref(&self) -> &Supervisor {
        &self.sup
    }
}

enum Command {
    Signal(Signal, oneshot::Sender<Result<(), Error>>),
    Die(String),
    Panic(String),
    Return,
}

/// What a puppet has lived through so far.
#[derive(Debug, Clone, Default)]
pub struct PuppetState {
    /// How many runs have started.
    pub starts: u32,
    /// How many runs have seen their context cancelled.
    pub cancels: u32,
    /// How many runs have ended.
    pub ends: u32,
    /// The context of the latest run.
    pub ctx: Option<Context>,
}

struct Shared {
    commands: mpsc::UnboundedSender<Command>,
    inbox: Mutex<mpsc::UnboundedReceiver<Command>>,
    state: watch::Sender<PuppetState>,
    ignore_cancel: bool,
}

/// A remote-controlled runnable for tests.
///
/// Each run waits for commands. Commands go to the current run (or the next
/// one, if none is running). Use one puppet per node.
#[derive(Clone)]
pub struct Puppet {
    shared: Arc<Shared>,
}

impl Default for Puppet {
    fn default() -> Self {
        Self::new()
    }
}

impl Puppet {
    /// A puppet whose runs return `Ok(())` as soon as they are cancelled.
    pub fn new() -> Self {
        Self::build(false)
    }

    /// A puppet whose runs ignore cancellation: they keep obeying commands and
    /// return only when told ([`Puppet::finish`], [`Puppet::die`]) or aborted.
    pub fn ignoring_cancel() -> Self {
        Self::build(true)
    }

    fn build(ignore_cancel: bool) -> Self {
        let (commands, inbox) = mpsc::unbounded_channel();
        Self {
            shared: Arc::new(Shared {
                commands,
                inbox: Mutex::new(inbox),
                state: watch::Sender::new(PuppetState::default()),
                ignore_cancel,
            }),
        }
    }

    /// The runnable to hand to the supervisor.
    pub fn runnable(&self) -> PuppetRunnable {
        PuppetRunnable {
            shared: self.shared.clone(),
        }
    }

    /// A copy of what the puppet has lived through.
    pub fn state(&self) -> PuppetState {
        self.shared.state.borrow().clone()
    }

    /// How many runs have started.
    pub fn starts(&self) -> u32 {
        self.shared.state.borrow().starts
    }

    /// Waits until at least `n` runs have started; returns the latest context.
    pub async fn wait_starts(&self, n: u32) -> Context {
        let mut rx = self.shared.state.subscribe();
        let s = rx
            .wait_for(|s| s.starts >= n)
            .await
            .expect("the puppet owns its state sender");
        s.ctx.clone().expect("a started puppet has a context")
    }

    /// Waits until at least `n` runs have seen their cancellation.
    pub async fn wait_cancels(&self, n: u32) {
        let mut rx = self.shared.state.subscribe();
        let _ = rx.wait_for(|s| s.cancels >= n).await;
    }

    async fn signal(&self, signal: Signal) -> Result<(), Error> {
        let (ack, rx) = oneshot::channel();
        let _ = self.shared.commands.send(Command::Signal(signal, ack));
        rx.await.unwrap_or(Err(Error::Closed))
    }

    /// Makes the current run signal `Healthy`; returns what `signal` returned.
    ///
    /// # Errors
    ///
    /// What [`Context::signal`] returned.
    pub async fn healthy(&self) -> Result<(), Error> {
        self.signal(Signal::Healthy).await
    }

    /// Makes the current run signal `Done`; returns what `signal` returned.
    ///
    /// # Errors
    ///
    /// What [`Context::signal`] returned.
    pub async fn done(&self) -> Result<(), Error> {
        self.signal(Signal::Done).await
    }

    /// Makes the current run return an error, and waits until the supervisor
    /// has handled its end.
    pub async fn die(&self) {
        self.end_with(Command::Die("died on request".to_owned()))
            .await;
    }

    /// Makes the current run panic with `message`, and waits until the
    /// supervisor has handled its end.
    pub async fn panic(&self, message: &str) {
        self.end_with(Command::Panic(message.to_owned())).await;
    }

    /// Makes the current run return `Ok(())`, and waits until the supervisor
    /// has handled its end.
    pub async fn finish(&self) {
        self.end_with(Command::Return).await;
    }

    async fn end_with(&self, command: Command) {
        let ctx = self.wait_starts(1).await;
        let mut events = ctx.supervisor().subscribe();
        let (ends, starts) = {
            let s = self.shared.state.borrow();
            (s.ends, s.starts)
        };
        let _ = self.shared.commands.send(command);
        // Wait for the run to end, then for the supervisor to report it.
        let mut rx = self.shared.state.subscribe();
        let s = rx
            .wait_for(|s| s.ends > ends)
            .await
            .expect("state sender alive");
        let dn = s
            .ctx
            .as_ref()
            .map(|c| c.dn().to_owned())
            .unwrap_or_default();
        drop(s);
        let sup = ctx.supervisor().clone();
        loop {
            tokio::select! {
                e = events.recv() => match e {
                    Ok(e) if *e.dn == *dn && matches!(e.kind, EventKind::Exited { .. }) => break,
                    Ok(_) => {}
                    // Too many events to follow (the event may be lost): ask
                    // the processor instead.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                        self.wait_handled(&sup, &dn, starts).await;
                        break;
                    }
                    Err(_) => break,
                },
                // A propagated panic ends the supervisor: resume it here.
                _ = sup.wait() => break,
            }
        }
    }

    /// Waits until the processor has handled the end of the run that was
    /// current when the puppet had started `starts` runs: the node is no
    /// longer running, or a new run has started.
    async fn wait_handled(&self, sup: &Supervisor, dn: &str, starts: u32) {
        loop {
            if self.starts() > starts {
                return;
            }
            match sup.snapshot().await {
                Ok(snap) if snap.get(dn).is_some_and(|n| n.running) => {}
                _ => return,
            }
            // The run's exit message may not be queued yet.
            tokio::task::yield_now().await;
        }
    }
}

/// The runnable of a [`Puppet`].
#[derive(Clone)]
pub struct PuppetRunnable {
    shared: Arc<Shared>,
}

impl Runnable for PuppetRunnable {
    type Error = BoxError;

    fn run(&self, ctx: Context) -> impl std::future::Future<Output = Result<(), BoxError>> + Send {
        run(self.shared.clone(), ctx)
    }
}

impl fmt::Debug for PuppetRunnable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PuppetRunnable").finish_non_exhaustive()
    }
}

async fn run(shared: Arc<Shared>, ctx: Context) -> Result<(), BoxError> {
    let mut inbox = shared.inbox.lock().await;
    shared.state.send_modify(|s| {
        s.starts += 1;
        s.ctx = Some(ctx.clone());
    });
    let result = obey(&shared, &ctx, &mut inbox).await;
    shared.state.send_modify(|s| s.ends += 1);
    match result {
        Ok(()) => Ok(()),
        Err(Ok(message)) => Err(message.into()),
        Err(Err(message)) => {
            drop(inbox);
            panic!("{message}");
        }
    }
}

/// Runs commands until the run must end: `Ok` to return `Ok(())`,
/// `Err(Ok(msg))` to return an error, `Err(Err(msg))` to panic.
async fn obey(
    shared: &Shared,
    ctx: &Context,
    inbox: &mut mpsc::UnboundedReceiver<Command>,
) -> Result<(), Result<String, String>> {
    let mut saw_cancel = false;
    loop {
        tokio::select! {
            _ = ctx.cancelled(), if !saw_cancel => {
                saw_cancel = true;
                shared.state.send_modify(|s| s.cancels += 1);
                if !shared.ignore_cancel {
                    return Ok(());
                }
            }
            cmd = inbox.recv() => match cmd {
                Some(Command::Signal(signal, ack)) => {
                    let _ = ack.send(ctx.signal(signal));
                }
                Some(Command::Die(message)) => return Err(Ok(message)),
                Some(Command::Panic(message)) => return Err(Err(message)),
                Some(Command::Return) => return Ok(()),
                None => return Ok(()),
            }
        }
    }
}

impl fmt::Debug for Puppet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.shared.state.borrow();
        f.debug_struct("Puppet")
            .field("starts", &s.starts)
            .field("cancels", &s.cancels)
            .field("ends", &s.ends)
            .finish()
    }
}

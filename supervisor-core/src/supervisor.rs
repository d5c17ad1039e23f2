//! The control-plane handle and its builder.

use std::any::Any;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{broadcast, mpsc, oneshot, watch};

use crate::event::{Event, ShutdownReport, Snapshot};
use crate::node::Child;
use crate::processor::{Control, Msg, Processor};
use crate::{Error, Runnable};

/// How a supervisor ended.
#[derive(Clone)]
pub(crate) enum Outcome {
    Ok,
    Err(Error),
    Panicked,
}

/// A handle to a running supervision tree: its control plane.
///
/// Cheap to clone. Dropping every handle does not stop the tree (like a
/// detached task); call [`shutdown`](Self::shutdown) for that.
#[derive(Clone)]
pub struct Supervisor {
    shared: Arc<Shared>,
}

struct Shared {
    tx: mpsc::UnboundedSender<Msg>,
    events: broadcast::Sender<Event>,
    outcome: watch::Receiver<Option<Outcome>>,
    panic: Mutex<Option<Box<dyn Any + Send>>>,
}

/// Configures and starts a [`Supervisor`].
#[derive(Debug, Clone)]
#[must_use]
pub struct Builder {
    propagate_panics: bool,
    event_capacity: usize,
}

impl Default for Builder {
    fn default() -> Self {
        Self {
            propagate_panics: false,
            event_capacity: 1024,
        }
    }
}

impl Builder {
    /// Instead of treating a panic as a death, end the supervisor and resume
    /// the panic in whoever awaits [`Supervisor::wait`] or
    /// [`Supervisor::settled`] (useful in tests). Default `false`.
    pub fn propagate_panics(mut self, propagate: bool) -> Self {
        self.propagate_panics = propagate;
        self
    }

    /// How many events a slow subscriber may lag behind before it misses
    /// some (default 1024).
    pub fn event_capacity(mut self, capacity: usize) -> Self {
        self.event_capacity = capacity.max(1);
        self
    }

    /// Starts the tree with `root` as the runnable of the node `root`.
    ///
    /// # Panics
    ///
    /// If called outside a tokio runtime.
    pub fn start(self, root: impl Runnable) -> Supervisor {
        self.start_child(Child::new("root", root))
    }

    /// Starts the tree with the options of `root` (its name is replaced by `root`).
    ///
    /// # Panics
    ///
    /// If called outside a tokio runtime.
    pub fn start_child(self, mut root: Child) -> Supervisor {
        crate::panic::install_hook();
        root.name = "root".to_owned();
        let (tx, rx) = mpsc::unbounded_channel();
        let (events, _) = broadcast::channel(self.event_capacity);
        let (outcome_tx, outcome) = watch::channel(None);
        let sup = Supervisor {
            shared: Arc::new(Shared {
                tx,
                events,
                outcome,
                panic: Mutex::new(None),
            }),
        };
        let processor = Processor::new(root, rx, sup.clone(), outcome_tx, self.propagate_panics);
        tokio::spawn(processor.run());
        sup
    }
}

impl Supervisor {
    /// Starts a tree whose root node runs `root`, with default options.
    ///
    /// # Panics
    ///
    /// If called outside a tokio runtime.
    pub fn new(root: impl Runnable) -> Self {
        Builder::default().start(root)
    }

    /// A builder for a supervisor with non-default options.
    pub fn builder() -> Builder {
        Builder::default()
    }

    pub(crate) fn send(&self, msg: Msg) -> bool {
        self.shared.tx.send(msg).is_ok()
    }

    pub(crate) fn events(&self) -> &broadcast::Sender<Event> {
        &self.shared.events
    }

    pub(crate) fn store_panic(&self, payload: Box<dyn Any + Send>) {
        *self.shared.panic.lock().unwrap_or_else(|e| e.into_inner()) = Some(payload);
    }

    async fn call<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> Control) -> Result<T, Error> {
        let (reply, rx) = oneshot::channel();
        if !self.send(Msg::Control(Box::new(make(reply)))) {
            return Err(Error::Closed);
        }
        rx.await.map_err(|_| Error::Closed)
    }

    /// The whole tree as it is now.
    ///
    /// # Errors
    ///
    /// [`Error::Closed`] if the supervisor has ended.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn snapshot(&self) -> Result<Snapshot, Error> {
        self.call(Control::Snapshot).await
    }

    /// Subscribes to state-change events from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.shared.events.subscribe()
    }

    /// Operator stop: cancels the node's subtree and keeps the node STOPPED
    /// (the necromancer leaves it alone, and it stays stopped if its parent
    /// rebuilds it) until [`start`](Self::start). Resolves once every runnable
    /// of the subtree has returned (or been given up as a zombie).
    /// Stopping a stopped node is a no-op.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown DN, [`Error::Closed`] if the
    /// supervisor has ended.
    ///
    /// # Cancel safety
    ///
    /// The stop happens even if the future is dropped.
    pub async fn stop(&self, dn: &str) -> Result<(), Error> {
        let dn = dn.to_owned();
        self.call(|reply| Control::Stop { dn, reply }).await?
    }

    /// Operator start of a node that is not running (STOPPED, FAILED, DONE, or
    /// ended without restart): resets its backoff and budget and starts it
    /// now. A node waiting for its backoff is started at once.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`]; [`Error::InvalidState`] if it is running or its
    /// parent is stopping; [`Error::Closed`].
    ///
    /// # Cancel safety
    ///
    /// The start happens even if the future is dropped.
    pub async fn start(&self, dn: &str) -> Result<(), Error> {
        let dn = dn.to_owned();
        self.call(|reply| Control::Start { dn, reply }).await?
    }

    /// Operator restart: cancels the node's subtree, waits until it has
    /// ended, and starts it again at once with a fresh backoff. Resolves when
    /// the node has been started again.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`]; [`Error::InvalidState`] if its parent is
    /// stopping; [`Error::Closed`].
    ///
    /// # Cancel safety
    ///
    /// The restart happens even if the future is dropped.
    pub async fn restart(&self, dn: &str) -> Result<(), Error> {
        let dn = dn.to_owned();
        self.call(|reply| Control::Restart { dn, reply }).await?
    }

    /// Adds a child to a running node, in a group of its own (OTP's
    /// `start_child`). Unlike children added by a runnable, it can be added in
    /// any live state of the parent; it is dropped when the parent restarts.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`], [`Error::InvalidName`], [`Error::DuplicateName`],
    /// [`Error::InvalidState`] if the parent is stopping or not running, [`Error::Closed`].
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: the child may or may not have been added.
    pub async fn add_child(&self, parent: &str, child: Child) -> Result<(), Error> {
        let parent = parent.to_owned();
        self.call(|reply| Control::AddChild {
            parent,
            child,
            reply,
        })
        .await?
    }

    /// Stops a node and removes it from the tree (OTP's `terminate_child` +
    /// `delete_child`). Resolves once its subtree has ended. A node removed
    /// while its parent keeps running is not added back unless the parent
    /// restarts.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`], [`Error::Root`] for the root, [`Error::Closed`].
    ///
    /// # Cancel safety
    ///
    /// The removal happens even if the future is dropped.
    pub async fn remove(&self, dn: &str) -> Result<(), Error> {
        let dn = dn.to_owned();
        self.call(|reply| Control::Remove { dn, reply }).await?
    }

    /// Stops the whole tree: no more restarts; every node is cancelled,
    /// children in reverse order (ordered groups one member at a time); waits
    /// until every runnable returned or `deadline` passed, then ends the
    /// supervisor. The report names the runnables that ignored cancellation.
    ///
    /// # Errors
    ///
    /// [`Error::Closed`] if the supervisor had already ended.
    ///
    /// # Cancel safety
    ///
    /// The shutdown happens even if the future is dropped.
    pub async fn shutdown(&self, deadline: Duration) -> Result<ShutdownReport, Error> {
        self.call(|reply| Control::Shutdown { deadline, reply })
            .await
    }

    /// Resolves when the supervisor has processed every message sent before
    /// this call and their consequences, no restart is waiting for its
    /// backoff, and no node is waiting to be restarted. With a paused tokio
    /// clock, this is how tests wait without sleeping: backoff timers
    /// auto-advance while the runtime is idle.
    ///
    /// Resolves at once if the supervisor has ended. It does not wait for
    /// runnables that are busy on their own (a node that is HEALTHY and
    /// sleeping is settled): to let virtual time pass, sleep; calling
    /// `settled()` in a loop keeps the runtime busy, so a paused clock
    /// never auto-advances.
    ///
    /// # Panics
    ///
    /// Resumes the panic of a runnable if the supervisor was built with
    /// [`Builder::propagate_panics`] and ended because of it.
    pub async fn settled(&self) {
        let _ = self.call(Control::Settled).await;
        self.resume_panic();
    }

    /// Waits until the supervisor ends: after [`shutdown`](Self::shutdown)
    /// (`Ok`), or when its root fails for good (the error).
    ///
    /// # Errors
    ///
    /// [`Error::Failed`] naming the node whose failure ended the tree.
    ///
    /// # Panics
    ///
    /// Resumes the panic of a runnable if the supervisor was built with
    /// [`Builder::propagate_panics`] and ended because of it.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn wait(&self) -> Result<(), Error> {
        let mut rx = self.shared.outcome.clone();
        let outcome = match rx.wait_for(Option::is_some).await {
            Ok(v) => v.clone(),
            Err(_) => Some(Outcome::Ok),
        };
        match outcome {
            Some(Outcome::Err(e)) => Err(e),
            Some(Outcome::Panicked) => {
                self.resume_panic();
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Whether the supervisor has ended.
    pub fn is_closed(&self) -> bool {
        self.shared.outcome.borrow().is_some()
    }

    fn resume_panic(&self) {
        if matches!(*self.shared.outcome.borrow(), Some(Outcome::Panicked)) {
            let payload = self
                .shared
                .panic
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take();
            match payload {
                Some(p) => std::panic::resume_unwind(p),
                None => panic!("a runnable panicked (the panic was already resumed elsewhere)"),
            }
        }
    }
}

impl fmt::Debug for Supervisor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Supervisor")
            .field("closed", &self.is_closed())
            .finish()
    }
}

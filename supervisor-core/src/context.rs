//! The handle a runnable gets to its own node.

use std::fmt;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use tokio::sync::oneshot;
use tokio_util::sync::{CancellationToken, WaitForCancellationFuture};
use tracing::Span;

use crate::node::{Child, NodeState, Signal};
use crate::processor::{AddRequest, Msg, NodeRef};
use crate::{Error, Runnable, Supervisor};

const NEW: u8 = 0;
const HEALTHY: u8 = 1;
const DONE: u8 = 2;

/// A runnable's view of its node: who it is, whether it must stop, and how to
/// add children and report its lifecycle.
///
/// A context belongs to one run of one node; a restart gets a new one. It is
/// cheap to clone (an `Arc`), so it can be moved into tasks the runnable spawns.
#[derive(Clone)]
pub struct Context {
    inner: Arc<Inner>,
}

struct Inner {
    node: NodeRef,
    dn: Arc<str>,
    token: CancellationToken,
    sup: Supervisor,
    span: Span,
    signalled: AtomicU8,
}

impl Context {
    pub(crate) fn new(
        node: NodeRef,
        dn: Arc<str>,
        token: CancellationToken,
        sup: Supervisor,
    ) -> Self {
        let span = tracing::info_span!("node", dn = %dn);
        Self {
            inner: Arc::new(Inner {
                node,
                dn,
                token,
                sup,
                span,
                signalled: AtomicU8::new(NEW),
            }),
        }
    }

    /// The node's distinguished name, e.g. `root.net.http`.
    pub fn dn(&self) -> &str {
        &self.inner.dn
    }

    /// The node's own name (the last part of its DN).
    pub fn name(&self) -> &str {
        self.inner.dn.rsplit('.').next().unwrap_or(&self.inner.dn)
    }

    /// The node's cancellation token, for `select!` and for tasks the
    /// runnable spawns. Observe it; do not cancel it (the supervisor does).
    pub fn token(&self) -> &CancellationToken {
        &self.inner.token
    }

    /// Whether the node has been asked to stop.
    pub fn is_cancelled(&self) -> bool {
        self.inner.token.is_cancelled()
    }

    /// Resolves when the node has been asked to stop.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future has no effect.
    pub fn cancelled(&self) -> WaitForCancellationFuture<'_> {
        self.inner.token.cancelled()
    }

    /// The `tracing` span of the node (it carries the DN). The runnable already
    /// runs inside it; use it to instrument tasks the runnable spawns.
    pub fn span(&self) -> &Span {
        &self.inner.span
    }

    /// A handle to the supervisor that runs this node (for its control plane).
    pub fn supervisor(&self) -> &Supervisor {
        &self.inner.sup
    }

    /// Reports the node's lifecycle to the supervisor.
    ///
    /// `Healthy` resets nothing by itself: the backoff of a node is reset only
    /// when it dies after having been healthy for its stable period.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSignal`] if the signal is out of order (`Healthy` when
    /// not NEW, `Done` when not HEALTHY). That is a programming error: the node
    /// is killed (treated as dead, with this error as its exit).
    pub fn signal(&self, signal: Signal) -> Result<(), Error> {
        let (from, to, rule) = match signal {
            Signal::Healthy => (NEW, HEALTHY, "Healthy may only be signalled once, from NEW"),
            Signal::Done => (
                HEALTHY,
                DONE,
                "Done may only be signalled once, after Healthy",
            ),
        };
        match self
            .inner
            .signalled
            .compare_exchange(from, to, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => {
                self.send(Msg::Signal {
                    node: self.inner.node,
                    signal,
                });
                Ok(())
            }
            Err(current) => {
                let err = Error::InvalidSignal {
                    dn: self.inner.dn.to_string(),
                    signal,
                    state: local_state(current),
                    rule,
                };
                self.send(Msg::Misuse {
                    node: self.inner.node,
                    error: Box::new(err.clone()),
                });
                Err(err)
            }
        }
    }

    /// Starts one child, in a group of its own, with default options.
    ///
    /// # Errors
    ///
    /// As [`run_group`](Self::run_group).
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: if the future is dropped, the child may or may not
    /// have been added.
    pub async fn run(&self, name: impl Into<String>, runnable: impl Runnable) -> Result<(), Error> {
        self.add(vec![Child::new(name, runnable)], false).await
    }

    /// Starts one child with its options ([`Child::restart`], [`Child::backoff`], ...),
    /// in a group of its own.
    ///
    /// # Errors
    ///
    /// As [`run_group`](Self::run_group).
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: if the future is dropped, the child may or may not
    /// have been added.
    pub async fn run_child(&self, child: Child) -> Result<(), Error> {
        self.add(vec![child], false).await
    }

    /// Starts children as one group: if any member dies, the others are
    /// cancelled, and once every member has returned, all of them are
    /// restarted (OTP's `one_for_all` within the group, `one_for_one` between
    /// groups): a new run of a member never overlaps the old run of another.
    /// Members start in the order given.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidName`] or [`Error::DuplicateName`] for a bad name, and
    /// [`Error::NotNew`] if the node already signalled `Healthy`. Each is a
    /// programming error: no child is added and the node is killed.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: if the future is dropped, the group may or may not
    /// have been added.
    pub async fn run_group(&self, children: impl IntoIterator<Item = Child>) -> Result<(), Error> {
        self.add(children.into_iter().collect(), false).await
    }

    /// Starts children as one *ordered* group: each member starts only once
    /// the one before it is healthy (or done), and when the group is stopped,
    /// members are cancelled one at a time in reverse order, each after the
    /// one after it has fully ended (OTP's start and shutdown order).
    ///
    /// # Errors
    ///
    /// As [`run_group`](Self::run_group).
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe, as [`run_group`](Self::run_group).
    pub async fn run_ordered_group(
        &self,
        children: impl IntoIterator<Item = Child>,
    ) -> Result<(), Error> {
        self.add(children.into_iter().collect(), true).await
    }

    async fn add(&self, children: Vec<Child>, ordered: bool) -> Result<(), Error> {
        let current = self.inner.signalled.load(Ordering::Acquire);
        if current != NEW {
            let err = Error::NotNew {
                dn: self.inner.dn.to_string(),
                state: local_state(current),
            };
            self.send(Msg::Misuse {
                node: self.inner.node,
                error: Box::new(err.clone()),
            });
            return Err(err);
        }
        let (reply, rx) = oneshot::channel();
        let req = Box::new(AddRequest {
            launches: Vec::with_capacity(children.len()),
            children,
            ordered,
            result: Ok(()),
        });
        self.send(Msg::AddChildren {
            node: self.inner.node,
            req,
            reply,
        });
        let mut req = rx.await.map_err(|_| Error::Closed)?;
        // Spawned here, on this worker: the processor only prepared them.
        for launch in req.launches.drain(..) {
            let (r, task) = launch.start();
            self.send(Msg::Spawned(r, task));
        }
        req.result
    }

    fn send(&self, msg: Msg) {
        self.inner.sup.send(msg);
    }
}

fn local_state(v: u8) -> NodeState {
    match v {
        NEW => NodeState::New,
        HEALTHY => NodeState::Healthy,
        _ => NodeState::Done,
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("dn", &self.inner.dn)
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

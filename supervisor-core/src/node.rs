//! The public vocabulary of a node: its states, signals, exits and options.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::backoff::BackoffPolicy;
use crate::runnable::{ErasedRunnable, Runnable};

/// The state of a node, as the supervisor sees it.
///
/// ```text
///            signal(Healthy)        signal(Done)
///   New ───────────────────► Healthy ───────────► Done
///    │                          │
///    ├── returned after cancel ─┴──► Canceled ──► (restarted at once)
///    └── error / panic / Ok ───────► Dead ──────► (restarted after backoff)
///                                     └─ budget or backoff exhausted ─► Failed
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NodeState {
    /// Running, not yet healthy: setting up, adding children.
    New,
    /// Running and serving: it signalled [`Signal::Healthy`].
    Healthy,
    /// Finished its work: it signalled [`Signal::Done`] (and may have returned).
    /// Not restarted unless a related failure requires it.
    Done,
    /// Returned an error, returned without being done, or panicked. Its subtree
    /// and its group siblings are cancelled; it is restarted after its backoff.
    Dead,
    /// Returned after its context was cancelled (whatever it returned).
    /// Restarted without backoff when its subtree can be.
    Canceled,
    /// Stopped by an operator ([`Supervisor::stop`](crate::Supervisor::stop)); never
    /// restarted until [`Supervisor::start`](crate::Supervisor::start).
    Stopped,
    /// Terminal: its backoff policy gave up, its restart budget is spent, or it
    /// returned a [`Fatal`](crate::Fatal) error. Only an operator start revives it.
    Failed,
    /// Ignored cancellation past its grace period and did not end when aborted
    /// (stuck in blocking code). The supervisor stopped waiting for it, so its
    /// ancestors can restart; the stray task is counted in
    /// [`Snapshot::zombies`](crate::Snapshot::zombies).
    Zombie,
}

impl NodeState {
    /// The upper-case name used in snapshots and logs (`HEALTHY`, `DEAD`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            NodeState::New => "NEW",
            NodeState::Healthy => "HEALTHY",
            NodeState::Done => "DONE",
            NodeState::Dead => "DEAD",
            NodeState::Canceled => "CANCELED",
            NodeState::Stopped => "STOPPED",
            NodeState::Failed => "FAILED",
            NodeState::Zombie => "ZOMBIE",
        }
    }
}

impl fmt::Display for NodeState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A lifecycle report from a runnable to its supervisor, sent with
/// [`Context::signal`](crate::Context::signal).
///
/// The order is enforced: `Healthy` only from [`NodeState::New`], `Done` only
/// from [`NodeState::Healthy`], each once per run. A signal out of order is a
/// programming error: it is rejected with [`Error::InvalidSignal`](crate::Error::InvalidSignal)
/// and the node is killed (treated as dead), never the supervisor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Signal {
    /// Set-up is done and children are started; the node now serves.
    Healthy,
    /// The node has nothing more to do; it may return `Ok(())` and stays done.
    Done,
}

/// When a node is restarted after it ended on its own (OTP's restart types).
///
/// Whatever the policy, a node is also rebuilt when an ancestor restarts,
/// because the ancestor's runnable adds its children again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Restart {
    /// Always restarted: after a failure (with backoff) and after a
    /// cancellation (at once). Returning `Ok` without signalling `Done` is a
    /// failure. This is the original library's behaviour.
    #[default]
    Permanent,
    /// Restarted only after a failure or a cancellation; returning `Ok` is a
    /// normal end and leaves the node [`NodeState::Done`].
    Transient,
    /// Never restarted: it runs once per start of its parent.
    Temporary,
}

/// How a run of a runnable ended.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Exit {
    /// Returned `Ok(())` after signalling `Done`.
    Done,
    /// Returned (anything, `Ok` included) after its context was cancelled.
    Canceled,
    /// Returned `Ok(())` without signalling `Done` and without being cancelled.
    /// A failure for a [`Restart::Permanent`] node, a normal end otherwise.
    Returned,
    /// Returned an error, or broke a rule of the supervisor (the error says which).
    Failed(Arc<dyn std::error::Error + Send + Sync>),
    /// Panicked.
    Panicked {
        /// The panic message.
        message: String,
        /// Where it panicked (`file:line:column`), when known.
        location: Option<String>,
    },
    /// Ignored cancellation for its whole grace period and was aborted.
    Aborted,
}

impl Exit {
    /// True for the exits that count as a death of a permanent node.
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            Exit::Returned | Exit::Failed(_) | Exit::Panicked { .. } | Exit::Aborted
        )
    }
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exit::Done => f.write_str("done"),
            Exit::Canceled => f.write_str("canceled"),
            Exit::Returned => f.write_str("returned without signalling Done"),
            Exit::Failed(e) => write!(f, "failed: {e}"),
            Exit::Panicked {
                message,
                location: Some(at),
            } => write!(f, "panicked at {at}: {message}"),
            Exit::Panicked { message, .. } => write!(f, "panicked: {message}"),
            Exit::Aborted => f.write_str("aborted after ignoring cancellation"),
        }
    }
}

/// A runnable that asks not to be restarted: returning
/// `Err(Fatal::new(e).into())` puts the node in [`NodeState::Failed`] at once
/// (like s6's exit code 125), with escalation if the node asks for it.
#[derive(Debug, thiserror::Error)]
#[error("fatal: {source}")]
pub struct Fatal {
    #[source]
    source: crate::BoxError,
}

impl Fatal {
    /// Wrap the error that makes restarting pointless.
    pub fn new(source: impl Into<crate::BoxError>) -> Self {
        Self {
            source: source.into(),
        }
    }
}

/// A child to start: its name, its runnable and its supervision options.
///
/// The options are set where the child is started; the defaults reproduce the
/// original library (permanent, exponential backoff from 500 ms), plus the
/// guards it lacked (a 5 s stable period before a backoff reset, a 5 s grace
/// period before an ignored cancellation is aborted).
///
/// ```
/// use std::time::Duration;
/// use supervisor_core::{BackoffPolicy, Child, Context, Restart};
///
/// let child = Child::new("worker", |ctx: Context| async move {
///     ctx.cancelled().await;
///     Ok::<_, std::io::Error>(())
/// })
/// .restart(Restart::Transient)
/// .backoff(BackoffPolicy::constant(Duration::from_secs(1)))
/// .budget(5, Duration::from_secs(60))
/// .escalate(true);
/// # let _ = child;
/// ```
pub struct Child {
    pub(crate) name: String,
    pub(crate) runnable: Arc<dyn ErasedRunnable>,
    pub(crate) opts: Options,
}

pub(crate) struct Options {
    pub(crate) restart: Restart,
    pub(crate) backoff: BackoffPolicy,
    pub(crate) stable_after: Duration,
    pub(crate) grace: Duration,
    pub(crate) budget: Option<(u32, Duration)>,
    pub(crate) escalate: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            restart: Restart::Permanent,
            backoff: BackoffPolicy::default(),
            stable_after: Duration::from_secs(5),
            grace: Duration::from_secs(5),
            budget: None,
            escalate: false,
        }
    }
}

impl Child {
    /// A child named `name` (ASCII letters, digits, `_`, `-`; 1 to 64) running `runnable`.
    pub fn new(name: impl Into<String>, runnable: impl Runnable) -> Self {
        Self {
            name: name.into(),
            runnable: Arc::new(runnable),
            opts: Options::default(),
        }
    }

    /// When to restart the child after it ends (default [`Restart::Permanent`]).
    #[must_use]
    pub fn restart(mut self, restart: Restart) -> Self {
        self.opts.restart = restart;
        self
    }

    /// The delay before restarting the child after a death (default: see [`BackoffPolicy`]).
    #[must_use]
    pub fn backoff(mut self, policy: BackoffPolicy) -> Self {
        self.opts.backoff = policy;
        self
    }

    /// How long the child must have been healthy before a death resets its
    /// backoff (default 5 s). `Duration::ZERO` resets on every death after
    /// `Healthy`, as the original library did.
    #[must_use]
    pub fn stable_after(mut self, period: Duration) -> Self {
        self.opts.stable_after = period;
        self
    }

    /// How long the child may take to return after its cancellation before its
    /// task is aborted (default 5 s). If the abort does not end it within a
    /// second grace period either, it is marked [`NodeState::Zombie`].
    #[must_use]
    pub fn grace(mut self, grace: Duration) -> Self {
        self.opts.grace = grace;
        self
    }

    /// At most `max` restarts after deaths within any window of `within`;
    /// one more and the child becomes [`NodeState::Failed`]. Cancellations do
    /// not count. Default: no budget.
    #[must_use]
    pub fn budget(mut self, max: u32, within: Duration) -> Self {
        self.opts.budget = Some((max, within));
        self
    }

    /// Whether a [`NodeState::Failed`] child takes its parent down with it
    /// (the parent is then treated as dead; at the root, the supervisor ends
    /// with the error). Default `false`.
    #[must_use]
    pub fn escalate(mut self, escalate: bool) -> Self {
        self.opts.escalate = escalate;
        self
    }

    /// The child's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Debug for Child {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Child")
            .field("name", &self.name)
            .field("restart", &self.opts.restart)
            .field("stable_after", &self.opts.stable_after)
            .field("grace", &self.opts.grace)
            .field("budget", &self.opts.budget)
            .field("escalate", &self.opts.escalate)
            .finish_non_exhaustive()
    }
}

/// Checks a child name: ASCII letters, digits, `_` and `-`, 1 to 64 of them.
pub(crate) fn check_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("a name must not be empty");
    }
    if name.len() > 64 {
        return Err("a name has at most 64 characters");
    }
    if name.contains('.') {
        return Err("'.' separates names in a DN and cannot be part of a name");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err("a name may only contain ASCII letters, digits, '_' and '-'");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_name;

    #[test]
    fn names() {
        for ok in ["a", "A-1_b", &"x".repeat(64), "0"] {
            assert_eq!(check_name(ok), Ok(()), "{ok}");
        }
        for bad in ["", "a.b", "é", "a b", &"x".repeat(65), "a/b", "a\n"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }
}

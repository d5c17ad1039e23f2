//! The error type of supervisor-core.

use crate::node::{NodeState, Signal};

/// A boxed error, as returned by runnables.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What went wrong in a call to the supervisor.
///
/// Every variant names the node (by its distinguished name) and the rule that
/// was broken, so the message alone is enough to find the misbehaving code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A child name is empty, longer than 64 bytes, or has a character other
    /// than ASCII letters, digits, `_` and `-`.
    #[error("invalid child name {name:?} under {parent}: {reason}")]
    InvalidName {
        /// DN of the parent the child was to be added to.
        parent: String,
        /// The rejected name.
        name: String,
        /// Which rule it breaks.
        reason: &'static str,
    },
    /// A child with this name already exists under the same parent.
    #[error("duplicate child name {name:?} under {parent}: names are unique among siblings")]
    DuplicateName {
        /// DN of the parent.
        parent: String,
        /// The name used twice.
        name: String,
    },
    /// `run`/`run_group` was called after the node left the NEW state.
    #[error("{dn}: cannot add children in state {state}: children may only be added while the node is NEW (use Supervisor::add_child for dynamic children)")]
    NotNew {
        /// DN of the node that tried to add children.
        dn: String,
        /// Its state at the time.
        state: NodeState,
    },
    /// A signal was sent out of order (`Healthy` only from NEW, `Done` only after `Healthy`).
    #[error("{dn}: signal {signal:?} is not allowed in state {state}: {rule}")]
    InvalidSignal {
        /// DN of the node that signalled.
        dn: String,
        /// The offending signal.
        signal: Signal,
        /// The node's state when it signalled.
        state: NodeState,
        /// The rule that was broken.
        rule: &'static str,
    },
    /// No node has this distinguished name.
    #[error("no node named {0:?} in the tree")]
    NotFound(String),
    /// The operation does not apply to the node in its current state.
    #[error("{dn}: cannot {op} a node in state {state}")]
    InvalidState {
        /// DN of the node.
        dn: String,
        /// The operation (`start`, `add a child to`, ...).
        op: &'static str,
        /// The node's state.
        state: NodeState,
    },
    /// The operation does not apply to the root node.
    #[error("cannot {0} the root node")]
    Root(&'static str),
    /// A node exhausted its restart budget or backoff and is now FAILED.
    #[error("{dn} failed for good: {reason}")]
    Failed {
        /// DN of the failed node.
        dn: String,
        /// Why it will not be restarted again (budget, backoff gave up, fatal error),
        /// and its last exit.
        reason: String,
    },
    /// The supervisor has ended (shut down, or its root failed); nothing can be asked of it.
    #[error("the supervisor has ended")]
    Closed,
}

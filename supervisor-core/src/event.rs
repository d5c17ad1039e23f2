//! What the control plane reports: state-change events, snapshots, shutdown reports.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::node::{Exit, NodeState};

/// A state change of one node, as seen by [`Supervisor::subscribe`](crate::Supervisor::subscribe).
///
/// Events of one node arrive in the order they happened; events of different
/// nodes in the order the processor handled them.
#[derive(Debug, Clone)]
pub struct Event {
    /// Distinguished name of the node.
    pub dn: Arc<str>,
    /// When the processor handled it.
    pub at: Instant,
    /// What happened.
    pub kind: EventKind,
}

/// The kinds of [`Event`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum EventKind {
    /// The node's runnable was started (again): `restarts` is how many times
    /// this node has been restarted so far.
    Started {
        /// Restarts so far (0 on the first start).
        restarts: u32,
    },
    /// The node signalled `Healthy`.
    Healthy,
    /// The node signalled `Done`.
    Done,
    /// The node's runnable ended; `state` is the node's state after it.
    Exited {
        /// How it ended.
        exit: Exit,
        /// The state the node is in now.
        state: NodeState,
    },
    /// The node's context was cancelled (its stop ladder began).
    Cancelling,
    /// A restart of the node (and its whole subtree) is scheduled after `delay`.
    RestartScheduled {
        /// The backoff delay (zero for a node that was only cancelled).
        delay: Duration,
    },
    /// The node is stopped by an operator and will stay so.
    Stopped,
    /// The node reached the terminal FAILED state.
    Failed {
        /// Why.
        reason: String,
    },
    /// The node's task ignored cancellation and was aborted.
    Aborted,
    /// The aborted task still did not end; the supervisor stopped waiting.
    Zombie,
    /// A child was added at run time.
    Added,
    /// The node was removed from the tree.
    Removed,
}

/// A point-in-time view of the whole tree, from [`Supervisor::snapshot`](crate::Supervisor::snapshot).
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Every node, in depth-first order (a parent before its children,
    /// children in the order they were added).
    pub nodes: Vec<NodeInfo>,
    /// Tasks that were aborted but have not ended yet (stuck in blocking code).
    pub zombies: usize,
    /// When the snapshot was taken.
    pub at: Instant,
}

impl Snapshot {
    /// The node with this distinguished name.
    pub fn get(&self, dn: &str) -> Option<&NodeInfo> {
        self.nodes.iter().find(|n| &*n.dn == dn)
    }

    /// The state of the node with this distinguished name.
    pub fn state(&self, dn: &str) -> Option<NodeState> {
        self.get(dn).map(|n| n.state)
    }
}

impl fmt::Display for Snapshot {
    /// Prints the tree, one node per line, indented by depth.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for n in &self.nodes {
            let name = n.dn.rsplit('.').next().unwrap_or(&n.dn);
            write!(f, "{:indent$}{name} {}", "", n.state, indent = 2 * n.depth)?;
            if n.stopping {
                f.write_str(" (stopping)")?;
            }
            if n.restarts > 0 {
                write!(f, " restarts={}", n.restarts)?;
            }
            if let Some(at) = n.restart_at {
                write!(f, " restart in {:?}", at.saturating_duration_since(self.at))?;
            }
            if let Some(exit) = &n.last_exit {
                write!(f, " last exit: {exit}")?;
            }
            if !n.blocked_on.is_empty() {
                write!(f, " blocked on: {}", n.blocked_on.join(", "))?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

/// One node of a [`Snapshot`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct NodeInfo {
    /// Distinguished name (`root.net.http`).
    pub dn: Arc<str>,
    /// Depth in the tree (the root is 0).
    pub depth: usize,
    /// Index of the group the node belongs to among its parent's groups.
    pub group: usize,
    /// Current state.
    pub state: NodeState,
    /// Whether its runnable's task is running.
    pub running: bool,
    /// Whether it has been cancelled and is still running (stop in progress).
    pub stopping: bool,
    /// Whether it was added at run time (not by its parent's runnable).
    pub dynamic: bool,
    /// How many times it has been restarted.
    pub restarts: u32,
    /// How its last run ended.
    pub last_exit: Option<Exit>,
    /// When its current run started.
    pub started_at: Option<Instant>,
    /// When it last became healthy.
    pub healthy_at: Option<Instant>,
    /// When its scheduled restart is due (it is waiting for its backoff).
    pub restart_at: Option<Instant>,
    /// For a node that wants a restart but cannot have it yet: the
    /// descendants (or itself) that are still running and hold it up.
    pub blocked_on: Vec<String>,
}

impl NodeInfo {
    /// How long its current run has lasted, at the time of the snapshot.
    pub fn uptime(&self, now: Instant) -> Option<Duration> {
        if self.running {
            self.started_at.map(|s| now.saturating_duration_since(s))
        } else {
            None
        }
    }
}

/// What [`Supervisor::shutdown`](crate::Supervisor::shutdown) found.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ShutdownReport {
    /// How long the shutdown took.
    pub elapsed: Duration,
    /// Runnables that ignored cancellation for their grace period and were aborted.
    pub aborted: Vec<String>,
    /// Runnables still running at the deadline (abandoned; their tasks were aborted).
    pub stragglers: Vec<String>,
}

impl ShutdownReport {
    /// True if every runnable returned on its own after cancellation.
    pub fn is_clean(&self) -> bool {
        self.aborted.is_empty() && self.stragglers.is_empty()
    }
}

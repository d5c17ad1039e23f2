//! The processor: the one task that owns the tree, and its necromancer.
//!
//! Everything that changes the tree is a [`Msg`] to this task (from contexts,
//! from runnable tasks when they end, from the control plane) or one of its
//! own timers (restart after backoff, stop ladder). No lock guards the tree.
//!
//! # Invariants
//!
//! 1. `subtree_running` of a node is the number of running tasks in its
//!    subtree, itself included. A zombie does not count: the supervisor stopped
//!    waiting for it.
//! 2. A node is *ready* for a restart iff its `subtree_running` is 0.
//! 3. A node *wants* a restart iff it is DEAD, CANCELED or ZOMBIE, its restart
//!    policy is not temporary, no operator intent is pending on it, and the
//!    supervisor is not shutting down.
//! 4. Every cancellation goes through [`Processor::cancel_subtree`]: tokens are
//!    not chained, so the processor alone decides the order (ordered groups
//!    stop in reverse, one member at a time).
//! 5. A dead or cancelled node always has its own token cancelled, so "the
//!    parent's token is not cancelled" means "no ancestor wants a restart or
//!    is being stopped".
//!
//! # The necromancer, in phases
//!
//! It runs after each batch of messages, only on the nodes the batch touched
//! (a node that ended, or was marked dead), never on the whole tree:
//!
//! 1. From each touched node, walk up over the ancestors that its exit
//!    drained (nothing runs in their subtrees any more).
//! 2. For each of them, unless a member of its group is still being stopped
//!    (its old run, or something below it, still runs after a cancellation),
//!    restart every member of the group that wants a restart and whose
//!    parent is not cancelled, deciding every member's budget and backoff
//!    before starting any. A group thus restarts as one, as in OTP's
//!    `one_for_all`: no member starts again while another member's old run
//!    still runs. And since a cancelled parent means an ancestor wants a
//!    restart (invariant 5), this restarts the smallest set of largest
//!    fully-dead subtrees: a wanting node below another wanting node is never
//!    chosen, because the upper one will rebuild it.
//! 3. A node that died waits for its backoff (a timer of this task); a node
//!    that was only cancelled restarts at once. When the timer fires, the node
//!    must still be ready and its parent not cancelled; if its group is being
//!    stopped again meanwhile, it restarts with the group instead.
//!
//! A done node stays done when a sibling dies, unless it still served: if
//! it was running, or its children were, it is cancelled with the group and
//! rebuilt with it.
//!
//! The cost of one death is O(depth + size of its group + size of the
//! restarted subtrees), whatever the size of the rest of the tree.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet, VecDeque};
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::AbortHandle;
use tokio::time::{Instant, Sleep};
use tokio_util::sync::CancellationToken;
use tokio_util::time::delay_queue::{DelayQueue, Key};

use crate::event::{Event, EventKind, NodeInfo, ShutdownReport, Snapshot};
use crate::node::{check_name, Child, Exit, Fatal, NodeState, Options, Restart, Signal};
use crate::panic::{Catch, Panic};
use crate::runnable::ErasedRunnable;
use crate::supervisor::Outcome;
use crate::{BoxError, Context, Error, Supervisor};

/// Identifies one run of one node: the slot in the arena and the epoch of the
/// run. Epochs are never reused, so a message from an older run is recognised
/// and dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct NodeRef {
    idx: u32,
    epoch: u64,
}

type RunResult = Result<Result<(), BoxError>, Box<Panic>>;

/// A message to the processor.
pub(crate) enum Msg {
    /// A runnable's task ended (`None`: it was aborted).
    Exited {
        node: NodeRef,
        result: Option<RunResult>,
    },
    Signal {
        node: NodeRef,
        signal: Signal,
    },
    /// A runnable broke a rule; it is killed.
    Misuse {
        node: NodeRef,
        error: Box<Error>,
    },
    AddChildren {
        node: NodeRef,
        /// Boxed, to keep messages (and so the channel's blocks) small.
        req: Box<AddRequest>,
        reply: oneshot::Sender<Box<AddRequest>>,
    },
    /// The task of a run that a parent spawned ([`Launch::start`]).
    Spawned(NodeRef, AbortHandle),
    Control(Box<Control>),
}

type Reply = oneshot::Sender<Result<(), Error>>;

/// A parent's request to add a group of children, and the processor's answer
/// in the same box: the outcome, and the runs of the children that start now,
/// for the parent's task to spawn (so that spawning is not on the processor's
/// critical path). The box, the children's vector (names included) and the
/// launch buffer all go back to the parent's task, which allocated them: with
/// glibc's per-thread arenas, a free from another thread takes the owner's
/// arena lock, and the processor freeing what runnables allocated was most of
/// the lock contention of a tree start.
pub(crate) struct AddRequest {
    pub(crate) children: Vec<Child>,
    pub(crate) ordered: bool,
    /// Empty, with room for the children; filled by the processor.
    pub(crate) launches: Vec<Launch>,
    pub(crate) result: Result<(), Error>,
}

pub(crate) enum Control {
    Snapshot(oneshot::Sender<Snapshot>),
    Stop {
        dn: String,
        reply: Reply,
    },
    Start {
        dn: String,
        reply: Reply,
    },
    Restart {
        dn: String,
        reply: Reply,
    },
    AddChild {
        parent: String,
        child: Child,
        reply: Reply,
    },
    Remove {
        dn: String,
        reply: Reply,
    },
    Shutdown {
        deadline: Duration,
        reply: oneshot::Sender<ShutdownReport>,
    },
    Settled(oneshot::Sender<()>),
}

enum Timer {
    Restart(NodeRef),
    /// The grace period after cancellation is over: abort.
    Grace(NodeRef),
    /// The abort did not end the task either: give up on it.
    Zombie(NodeRef),
    ShutdownDeadline,
}

/// An operator's request that completes once the node's subtree has ended.
struct Intent {
    kind: IntentKind,
    replies: Vec<Reply>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum IntentKind {
    Stop,
    Restart,
    Remove,
}

struct Group {
    members: Vec<u32>,
    ordered: bool,
    /// While an ordered group is being stopped member by member: only members
    /// whose run started before this epoch are part of the sweep.
    sweep: Option<u64>,
}

struct Node {
    dn: Arc<str>,
    parent: Option<u32>,
    depth: usize,
    children: Vec<u32>,
    groups: Vec<Group>,
    /// Index of this node's group in its parent's `groups`.
    group: usize,
    runnable: Arc<dyn ErasedRunnable>,
    opts: Options,
    dynamic: bool,

    state: NodeState,
    epoch: u64,
    token: CancellationToken,
    running: bool,
    subtree_running: u32,
    /// Waiting for an earlier member of its ordered group to become healthy.
    pending_start: bool,
    task: Option<AbortHandle>,
    /// The stop ladder aborted this run before its parent reported its task.
    abort_on_spawn: bool,
    /// The pending step (grace or zombie timer) of the stop ladder: its
    /// sequence number in [`Processor::ladders`].
    ladder: Option<u64>,
    /// The restart timer, while waiting for backoff.
    restart: Option<(Key, Instant)>,
    /// The last death has not been paid for with a backoff delay yet.
    died: bool,
    intent: Option<Intent>,

    started_at: Option<Instant>,
    healthy_at: Option<Instant>,
    restarts: u32,
    last_exit: Option<Exit>,
    deaths: VecDeque<Instant>,
}

struct Shutdown {
    started: Instant,
    replies: Vec<oneshot::Sender<ShutdownReport>>,
    aborted: Vec<String>,
}

pub(crate) struct Processor {
    nodes: Vec<Option<Node>>,
    free: Vec<u32>,
    /// foldhash (hashbrown's default hasher): DNs are short and chosen by the
    /// program, and SipHash was a visible part of the cost of adding a node.
    by_dn: HashMap<Arc<str>, u32, foldhash::fast::RandomState>,
    /// Scratch buffer for building DNs (one allocation per DN: its `Arc<str>`).
    scratch: String,
    next_epoch: u64,
    rx: mpsc::UnboundedReceiver<Msg>,
    sup: Supervisor,
    timers: DelayQueue<Timer>,
    /// Stop-ladder timers, one per cancelled running node, deleted lazily: a
    /// node that ends just forgets its entry (`Node::ladder`), so the common
    /// case, a cancelled node that returns in time, costs a heap push and no
    /// timer-wheel work (a `DelayQueue` insert + remove cost ~1,500
    /// instructions per cancellation). Entries are (deadline, seq, idx,
    /// epoch, zombie step).
    ladders: BinaryHeap<Reverse<LadderStep>>,
    ladder_seq: u64,
    /// One sleep for the earliest ladder deadline (created on first use).
    ladder_sleep: Option<Pin<Box<Sleep>>>,
    ladder_armed: Option<Instant>,
    ladder_compact_at: usize,
    propagate_panics: bool,
    /// While handling `AddChildren`: the prepared runs, for the parent to start.
    launches: Option<Vec<Launch>>,
    /// Nodes touched by the current batch; the necromancer looks only at these.
    dirty: Vec<u32>,
    /// Nodes whose subtree just stopped running (for intents and ordered sweeps).
    drained: Vec<u32>,
    /// Runs given up as zombies whose task has not ended yet.
    zombies: HashSet<NodeRef>,
    /// DNs an operator stopped: they stay stopped when their parent re-adds them.
    stopped: HashSet<Arc<str>>,
    settle_waiters: Vec<oneshot::Sender<()>>,
    /// Scratch space of the necromancer: the members of a group it restarts.
    due: Vec<(u32, Duration)>,
    shutdown: Option<Shutdown>,
    outcome: watch::Sender<Option<Outcome>>,
    ended: bool,
}

const ROOT: u32 = 0;

/// A pending step of a node's stop ladder, ordered by deadline (then by
/// sequence number, which also makes each step unique).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct LadderStep {
    at: Instant,
    seq: u64,
    node: NodeRef,
    /// Giving up on the node as a zombie (else: aborting it after its grace).
    zombie: bool,
}

impl Processor {
    pub(crate) fn new(
        root: Child,
        rx: mpsc::UnboundedReceiver<Msg>,
        sup: Supervisor,
        outcome: watch::Sender<Option<Outcome>>,
        propagate_panics: bool,
    ) -> Self {
        let mut p = Self {
            nodes: Vec::new(),
            free: Vec::new(),
            by_dn: HashMap::default(),
            scratch: String::new(),
            next_epoch: 1,
            rx,
            sup,
            timers: DelayQueue::new(),
            ladders: BinaryHeap::new(),
            ladder_seq: 0,
            ladder_sleep: None,
            ladder_armed: None,
            ladder_compact_at: 1024,
            propagate_panics,
            launches: None,
            dirty: Vec::new(),
            drained: Vec::new(),
            zombies: HashSet::new(),
            stopped: HashSet::new(),
            settle_waiters: Vec::new(),
            due: Vec::new(),
            shutdown: None,
            outcome,
            ended: false,
        };
        let root = p.alloc(None, 0, Arc::from("root"), root.runnable, root.opts, false);
        debug_assert_eq!(root, ROOT);
        p
    }

    pub(crate) async fn run(mut self) {
        tracing::debug!("supervisor processor started");
        self.spawn(ROOT);
        while !self.ended {
            tokio::select! {
                biased;
                msg = self.rx.recv() => {
                    let Some(msg) = msg else { break };
                    self.handle(msg);
                    // Drain what is at hand, so the necromancer sees the whole batch.
                    for _ in 0..4096 {
                        match self.rx.try_recv() {
                            Ok(msg) => self.handle(msg),
                            Err(_) => break,
                        }
                    }
                }
                Some(expired) = poll_fn(|cx| self.timers.poll_expired(cx)), if !self.timers.is_empty() => {
                    self.on_timer(expired.into_inner());
                }
                () = poll_fn(|cx| match &mut self.ladder_sleep {
                    Some(sleep) => sleep.as_mut().poll(cx),
                    None => Poll::Pending,
                }), if self.ladder_armed.is_some() => self.on_ladder(),
            }
            self.necromancer();
            self.check_settled();
        }
        for w in self.settle_waiters.drain(..) {
            let _ = w.send(());
        }
        tracing::debug!("supervisor processor ended");
    }

    // ----- arena -----

    fn node(&self, idx: u32) -> &Node {
        self.nodes[idx as usize].as_ref().expect("live node index")
    }

    fn node_mut(&mut self, idx: u32) -> &mut Node {
        self.nodes[idx as usize].as_mut().expect("live node index")
    }

    fn get(&self, r: NodeRef) -> Option<&Node> {
        self.nodes
            .get(r.idx as usize)
            .and_then(Option::as_ref)
            .filter(|n| n.epoch == r.epoch)
    }

    fn get_mut(&mut self, r: NodeRef) -> Option<&mut Node> {
        self.nodes
            .get_mut(r.idx as usize)
            .and_then(Option::as_mut)
            .filter(|n| n.epoch == r.epoch)
    }

    fn exists(&self, idx: u32) -> bool {
        matches!(self.nodes.get(idx as usize), Some(Some(_)))
    }

    fn lookup(&self, dn: &str) -> Result<u32, Error> {
        self.by_dn
            .get(dn)
            .copied()
            .ok_or_else(|| Error::NotFound(dn.to_owned()))
    }

    fn alloc(
        &mut self,
        parent: Option<u32>,
        group: usize,
        dn: Arc<str>,
        runnable: Arc<dyn ErasedRunnable>,
        opts: Options,
        dynamic: bool,
    ) -> u32 {
        let depth = parent.map_or(0, |p| self.node(p).depth + 1);
        let epoch = self.next_epoch;
        self.next_epoch += 1;
        let node = Node {
            dn: dn.clone(),
            parent,
            depth,
            children: Vec::new(),
            groups: Vec::new(),
            group,
            runnable,
            opts,
            dynamic,
            state: NodeState::New,
            epoch,
            token: CancellationToken::new(),
            running: false,
            subtree_running: 0,
            pending_start: false,
            task: None,
            abort_on_spawn: false,
            ladder: None,
            restart: None,
            died: false,
            intent: None,
            started_at: None,
            healthy_at: None,
            restarts: 0,
            last_exit: None,
            deaths: VecDeque::new(),
        };
        let idx = match self.free.pop() {
            Some(i) => {
                self.nodes[i as usize] = Some(node);
                i
            }
            None => {
                self.nodes.push(Some(node));
                (self.nodes.len() - 1) as u32
            }
        };
        self.by_dn.insert(dn, idx);
        idx
    }

    /// Removes the descendants of `idx` (not `idx` itself) from the tree.
    fn remove_descendants(&mut self, idx: u32) {
        let node = self.node_mut(idx);
        let mut stack = std::mem::take(&mut node.children);
        node.groups.clear();
        while let Some(c) = stack.pop() {
            let child = self.nodes[c as usize].take().expect("live child");
            stack.extend_from_slice(&child.children);
            self.forget(c, child);
        }
    }

    fn forget(&mut self, idx: u32, node: Node) {
        if let Some((k, _)) = node.restart {
            self.timers.remove(&k);
        }
        if node.running {
            // Still running (a zombie-to-be or a removal racing its end): keep
            // the count of stray tasks honest.
            self.zombies.insert(NodeRef {
                idx,
                epoch: node.epoch,
            });
        }
        self.by_dn.remove(&node.dn);
        self.free.push(idx);
    }

    fn emit(&self, dn: &Arc<str>, kind: EventKind) {
        let events = self.sup.events();
        if events.receiver_count() == 0 {
            // Nobody listens (the common case): skip the clock read.
            return;
        }
        let _ = events.send(Event {
            dn: dn.clone(),
            at: Instant::now(),
            kind,
        });
    }

    // ----- running tasks -----

    fn spawn(&mut self, idx: u32) {
        let propagate = self.propagate_panics;
        let sup = self.sup.clone();
        let node = self.node_mut(idx);
        debug_assert!(!node.running);
        let r = NodeRef {
            idx,
            epoch: node.epoch,
        };
        let (dn, token) = (node.dn.clone(), node.token.clone());
        let guard = ExitGuard {
            sup,
            node: r,
            armed: true,
        };
        let launch = Launch {
            runnable: node.runnable.clone(),
            dn,
            token,
            guard,
            catch: Catch::new(propagate),
        };
        node.abort_on_spawn = false;
        node.running = true;
        node.pending_start = false;
        node.started_at = Some(Instant::now());
        let (dn, restarts) = (node.dn.clone(), node.restarts);
        let mut cur = Some(idx);
        while let Some(i) = cur {
            let n = self.node_mut(i);
            n.subtree_running += 1;
            cur = n.parent;
        }
        self.emit(&dn, EventKind::Started { restarts });
        match &mut self.launches {
            Some(launches) => launches.push(launch),
            None => self.start_here(launch),
        }
    }

    /// Bookkeeping when a node's task stops counting as running.
    fn set_not_running(&mut self, idx: u32) {
        let node = self.node_mut(idx);
        node.running = false;
        node.task = None;
        node.ladder = None;
        let mut cur = Some(idx);
        while let Some(i) = cur {
            let n = self.nodes[i as usize].as_mut().expect("live node index");
            n.subtree_running -= 1;
            cur = n.parent;
            if n.subtree_running == 0 {
                self.drained.push(i);
            }
        }
        self.dirty.push(idx);
    }

    // ----- messages -----

    fn handle(&mut self, msg: Msg) {
        match msg {
            Msg::Exited { node, result } => self.on_exit(node, result),
            Msg::Signal { node, signal } => self.on_signal(node, signal),
            Msg::Misuse { node, error } => {
                if let Some(n) = self.get(node) {
                    if n.running && n.state != NodeState::Dead {
                        tracing::error!(dn = %n.dn, error = %error, "runnable misused its context");
                        self.kill(node.idx, Exit::Failed(Arc::new(*error)));
                    }
                }
            }
            Msg::AddChildren {
                node,
                mut req,
                reply,
            } => {
                self.launches = Some(std::mem::take(&mut req.launches));
                req.result = self.add_children(node, &mut req.children, req.ordered);
                req.launches = self.launches.take().unwrap_or_default();
                if let Err(req) = reply.send(req) {
                    // The parent stopped waiting: start them here.
                    for launch in req.launches {
                        self.start_here(launch);
                    }
                }
            }
            Msg::Spawned(r, task) => {
                if !self.zombies.is_empty() && self.zombies.contains(&r) {
                    // Given up as a zombie before its task was reported.
                    task.abort();
                } else if let Some(node) = self.get_mut(r) {
                    if node.running && node.task.is_none() {
                        if node.abort_on_spawn {
                            task.abort();
                        }
                        node.task = Some(task);
                    }
                }
            }
            Msg::Control(c) => self.on_control(*c),
        }
    }

    /// Starts a prepared run on the processor's task.
    fn start_here(&mut self, launch: Launch) {
        let (r, task) = launch.start();
        if let Some(node) = self.get_mut(r) {
            node.task = Some(task);
        }
    }

    fn on_exit(&mut self, r: NodeRef, result: Option<RunResult>) {
        if !self.zombies.is_empty() && self.zombies.remove(&r) {
            return;
        }
        let Some(node) = self.get(r) else { return };
        if !node.running {
            return;
        }
        let idx = r.idx;
        self.set_not_running(idx);
        let node = self.node(idx);
        let result = match result {
            Some(Err(panic)) if self.propagate_panics => {
                tracing::error!(dn = %node.dn, "runnable panicked; propagating");
                self.sup.store_panic(panic.payload);
                self.end(Outcome::Panicked);
                return;
            }
            other => other,
        };
        if node.state == NodeState::Dead {
            // Killed while running (misuse, escalation): that is its exit.
            let exit = node.last_exit.clone().unwrap_or(Exit::Canceled);
            let dn = node.dn.clone();
            let state = node.state;
            self.emit(&dn, EventKind::Exited { exit, state });
            return;
        }
        let cancelled = node.token.is_cancelled();
        let exit = match result {
            None => Exit::Aborted,
            Some(Err(panic)) => Exit::Panicked {
                message: panic.message,
                location: panic.location,
            },
            // Cancellation wins: a done node that was still running is
            // rebuilt with its group.
            Some(Ok(_)) if cancelled => Exit::Canceled,
            Some(Ok(Ok(()))) if node.state == NodeState::Done => Exit::Done,
            Some(Ok(Ok(()))) => Exit::Returned,
            Some(Ok(Err(e))) if e.is::<Fatal>() => {
                let reason = format!("returned a fatal error: {e}");
                self.death(idx, Exit::Failed(Arc::from(e)));
                self.fail(idx, reason);
                return;
            }
            Some(Ok(Err(e))) => Exit::Failed(Arc::from(e)),
        };
        match exit {
            Exit::Done => self.settle_exit(idx, exit, NodeState::Done),
            Exit::Canceled | Exit::Aborted => self.settle_exit(idx, exit, NodeState::Canceled),
            Exit::Returned if node.opts.restart != Restart::Permanent => {
                self.settle_exit(idx, exit, NodeState::Done)
            }
            exit => self.death(idx, exit),
        }
    }

    fn settle_exit(&mut self, idx: u32, exit: Exit, state: NodeState) {
        let node = self.node_mut(idx);
        node.state = state;
        node.last_exit = Some(exit.clone());
        let dn = node.dn.clone();
        tracing::debug!(dn = %dn, %exit, "runnable ended");
        self.emit(&dn, EventKind::Exited { exit, state });
    }

    /// A node died on its own: mark it, cancel its subtree and its group siblings.
    fn death(&mut self, idx: u32, exit: Exit) {
        let now = Instant::now();
        let node = self.node_mut(idx);
        if let Some(h) = node.healthy_at {
            if now.saturating_duration_since(h) >= node.opts.stable_after {
                node.opts.backoff.reset();
            }
        }
        node.state = NodeState::Dead;
        node.died = true;
        node.last_exit = Some(exit.clone());
        let dn = node.dn.clone();
        tracing::warn!(dn = %dn, %exit, "runnable died");
        self.emit(
            &dn,
            EventKind::Exited {
                exit,
                state: NodeState::Dead,
            },
        );
        self.cancel_subtree(idx);
        self.cancel_siblings(idx);
        self.dirty.push(idx);
    }

    /// Kills a node that may still be running: it is dead from now on, whatever it returns.
    fn kill(&mut self, idx: u32, exit: Exit) {
        let node = self.node_mut(idx);
        if node.running {
            node.state = NodeState::Dead;
            node.died = true;
            node.last_exit = Some(exit);
            self.cancel_subtree(idx);
            self.cancel_siblings(idx);
        } else {
            self.death(idx, exit);
        }
    }

    fn on_signal(&mut self, r: NodeRef, signal: Signal) {
        let Some(node) = self.get(r) else { return };
        let idx = r.idx;
        let dn = node.dn.clone();
        match (signal, node.state) {
            (Signal::Healthy, NodeState::New) => {
                let node = self.node_mut(idx);
                node.state = NodeState::Healthy;
                node.healthy_at = Some(Instant::now());
                self.emit(&dn, EventKind::Healthy);
                self.start_next_in_order(idx);
            }
            (Signal::Done, NodeState::Healthy) => {
                self.node_mut(idx).state = NodeState::Done;
                self.emit(&dn, EventKind::Done);
            }
            // Killed or cancelled in the meantime: the signal no longer matters.
            _ => {}
        }
    }

    fn add_children(
        &mut self,
        r: NodeRef,
        children: &mut [Child],
        ordered: bool,
    ) -> Result<(), Error> {
        let Some(node) = self.get(r) else {
            return Err(Error::Closed);
        };
        let idx = r.idx;
        if node.state != NodeState::New {
            let err = Error::NotNew {
                dn: node.dn.to_string(),
                state: node.state,
            };
            if node.running && node.state != NodeState::Dead {
                self.kill(idx, Exit::Failed(Arc::new(err.clone())));
            }
            return Err(err);
        }
        if let Err(err) = self.check_new_names(idx, children.iter().map(|c| c.name.as_str())) {
            self.kill(idx, Exit::Failed(Arc::new(err.clone())));
            return Err(err);
        }
        self.insert_group(idx, children, ordered, false);
        Ok(())
    }

    /// Builds `parent_dn.name` in the scratch buffer.
    fn scratch_dn(&mut self, parent: u32, name: &str) {
        let p = self.nodes[parent as usize]
            .as_ref()
            .expect("live node index");
        self.scratch.clear();
        self.scratch.push_str(&p.dn);
        self.scratch.push('.');
        self.scratch.push_str(name);
    }

    fn check_new_names<'a>(
        &mut self,
        parent: u32,
        names: impl Iterator<Item = &'a str> + Clone,
    ) -> Result<(), Error> {
        // Duplicates within the batch: a linear scan for the usual few names.
        let mut seen = (names.clone().nth(16).is_some()).then(HashSet::new);
        for (i, name) in names.clone().enumerate() {
            let bad = |reason| Error::InvalidName {
                parent: self.node(parent).dn.to_string(),
                name: name.to_owned(),
                reason,
            };
            if let Err(reason) = check_name(name) {
                return Err(bad(reason));
            }
            let twice = match &mut seen {
                Some(seen) => !seen.insert(name),
                None => names.clone().take(i).any(|n| n == name),
            };
            self.scratch_dn(parent, name);
            if twice || self.by_dn.contains_key(self.scratch.as_str()) {
                return Err(Error::DuplicateName {
                    parent: self.node(parent).dn.to_string(),
                    name: name.to_owned(),
                });
            }
        }
        Ok(())
    }

    /// Adds a group of (already validated) children under `parent` and starts
    /// them. The children keep their names (the caller frees them).
    fn insert_group(&mut self, parent: u32, children: &mut [Child], ordered: bool, dynamic: bool) {
        let g = self.node(parent).groups.len();
        let parent_cancelled = self.node(parent).token.is_cancelled();
        let mut members = Vec::with_capacity(children.len());
        for child in children {
            self.scratch_dn(parent, &child.name);
            let dn: Arc<str> = Arc::from(self.scratch.as_str());
            let opts = std::mem::take(&mut child.opts);
            let c = self.alloc(Some(parent), g, dn, child.runnable.clone(), opts, dynamic);
            members.push(c);
        }
        let p = self.node_mut(parent);
        // Most nodes have one group: do not let the first push reserve four.
        if p.groups.is_empty() {
            p.groups.reserve_exact(1);
            p.children.reserve_exact(members.len());
        }
        p.children.extend_from_slice(&members);
        p.groups.push(Group {
            members: members.clone(),
            ordered,
            sweep: None,
        });
        for (i, &c) in members.iter().enumerate() {
            let dn = self.node(c).dn.clone();
            if dynamic {
                self.emit(&dn, EventKind::Added);
            }
            if self.stopped.contains(&dn) {
                let n = self.node_mut(c);
                n.state = NodeState::Stopped;
                n.token.cancel();
                self.emit(&dn, EventKind::Stopped);
            } else if parent_cancelled {
                let n = self.node_mut(c);
                n.state = NodeState::Canceled;
                n.token.cancel();
            } else if ordered && i > 0 {
                self.node_mut(c).pending_start = true;
            } else {
                self.spawn(c);
            }
        }
    }

    /// In an ordered group, starts the member after `idx` if it was waiting for `idx`.
    fn start_next_in_order(&mut self, idx: u32) {
        let node = self.node(idx);
        let Some(parent) = node.parent else { return };
        let group = &self.node(parent).groups[node.group];
        if !group.ordered {
            return;
        }
        let pos = group.members.iter().position(|&m| m == idx);
        if let Some(&next) = pos.and_then(|p| group.members.get(p + 1)) {
            if self.node(next).pending_start && !self.node(parent).token.is_cancelled() {
                self.spawn(next);
            }
        }
    }

    /// Whether every member before `idx` in its ordered group is up.
    fn predecessors_up(&self, idx: u32) -> bool {
        let node = self.node(idx);
        let Some(parent) = node.parent else {
            return true;
        };
        let group = &self.node(parent).groups[node.group];
        if !group.ordered {
            return true;
        }
        group
            .members
            .iter()
            .take_while(|&&m| m != idx)
            .all(|&m| matches!(self.node(m).state, NodeState::Healthy | NodeState::Done))
    }

    // ----- cancellation and the stop ladder -----

    /// Cancels `idx` and everything below it. Children are cancelled in
    /// reverse order; ordered groups one member at a time (the sweep goes on
    /// in [`Self::continue_sweep`] as members end).
    fn cancel_subtree(&mut self, idx: u32) {
        let mut stack = vec![idx];
        while let Some(i) = stack.pop() {
            self.cancel_one(i);
            let node = self.node(i);
            let mut ordered = Vec::new();
            // Pushed in order, popped in reverse.
            for (g, group) in node.groups.iter().enumerate() {
                if group.ordered {
                    ordered.push(g);
                } else {
                    stack.extend_from_slice(&group.members);
                }
            }
            for g in ordered {
                let epoch = self.next_epoch;
                self.node_mut(i).groups[g].sweep = Some(epoch);
                self.continue_sweep(i, g);
            }
        }
    }

    /// Cancels one node's token and starts its stop ladder.
    fn cancel_one(&mut self, idx: u32) {
        let node = self.node_mut(idx);
        if node.pending_start {
            node.pending_start = false;
            node.state = NodeState::Canceled;
            node.token.cancel();
            self.dirty.push(idx);
            return;
        }
        if node.token.is_cancelled() {
            return;
        }
        if !node.running && node.state == NodeState::Done && node.subtree_running > 0 {
            // It has returned, but its children still serve: cancelled with
            // them, it is rebuilt with them.
            node.state = NodeState::Canceled;
        }
        node.token.cancel();
        if node.running {
            let r = NodeRef {
                idx,
                epoch: node.epoch,
            };
            let grace = node.opts.grace;
            let dn = node.dn.clone();
            self.arm_ladder(r, false, grace);
            self.emit(&dn, EventKind::Cancelling);
        }
    }

    /// Cancels the group siblings of a node that died.
    fn cancel_siblings(&mut self, idx: u32) {
        let node = self.node(idx);
        let Some(parent) = node.parent else { return };
        let g = node.group;
        let group = &self.node(parent).groups[g];
        if group.ordered {
            let epoch = self.next_epoch;
            self.node_mut(parent).groups[g].sweep = Some(epoch);
            self.continue_sweep(parent, g);
        } else {
            let members: Vec<u32> = group
                .members
                .iter()
                .rev()
                .copied()
                .filter(|&m| m != idx)
                .collect();
            for m in members {
                self.cancel_subtree(m);
            }
        }
    }

    /// Ordered stop: cancels the last member of the sweep that still runs,
    /// after cancelling (instantly) those that do not; ends the sweep when no
    /// member of it runs any more.
    fn continue_sweep(&mut self, parent: u32, g: usize) {
        let group = &self.node(parent).groups[g];
        let Some(sweep) = group.sweep else { return };
        let members = group.members.clone();
        for &m in members.iter().rev() {
            let n = self.node(m);
            if n.epoch >= sweep || (n.token.is_cancelled() && n.subtree_running == 0) {
                continue;
            }
            let busy = n.subtree_running > 0;
            self.cancel_subtree(m);
            if busy {
                return;
            }
        }
        self.node_mut(parent).groups[g].sweep = None;
    }

    /// Schedules the next step of a node's stop ladder: the abort after its
    /// grace period (`zombie == false`), or giving up on it as a zombie.
    fn arm_ladder(&mut self, r: NodeRef, zombie: bool, delay: Duration) {
        let at = Instant::now() + delay;
        let seq = self.ladder_seq;
        self.ladder_seq += 1;
        self.ladders.push(Reverse(LadderStep {
            at,
            seq,
            node: r,
            zombie,
        }));
        self.node_mut(r.idx).ladder = Some(seq);
        if self.ladder_armed.is_none_or(|armed| at < armed) {
            self.arm_ladder_sleep(at);
        }
        if self.ladders.len() >= self.ladder_compact_at {
            // Drop the entries of nodes that ended (amortized O(1) per push).
            let nodes = &self.nodes;
            self.ladders.retain(|Reverse(step)| {
                nodes
                    .get(step.node.idx as usize)
                    .and_then(Option::as_ref)
                    .is_some_and(|n| n.epoch == step.node.epoch && n.ladder == Some(step.seq))
            });
            self.ladder_compact_at = (2 * self.ladders.len()).max(1024);
        }
    }

    fn arm_ladder_sleep(&mut self, at: Instant) {
        match &mut self.ladder_sleep {
            Some(sleep) => sleep.as_mut().reset(at),
            None => self.ladder_sleep = Some(Box::pin(tokio::time::sleep_until(at))),
        }
        self.ladder_armed = Some(at);
    }

    /// The ladder sleep fired: runs the steps that are due and still current.
    fn on_ladder(&mut self) {
        self.ladder_armed = None;
        let now = Instant::now();
        while let Some(&Reverse(LadderStep {
            at,
            seq,
            node: r,
            zombie,
        })) = self.ladders.peek()
        {
            if at > now {
                self.arm_ladder_sleep(at);
                break;
            }
            self.ladders.pop();
            if self.get(r).is_some_and(|n| n.ladder == Some(seq)) {
                self.node_mut(r.idx).ladder = None;
                self.on_timer(if zombie {
                    Timer::Zombie(r)
                } else {
                    Timer::Grace(r)
                });
            }
        }
    }

    fn on_timer(&mut self, timer: Timer) {
        match timer {
            Timer::Restart(r) => {
                let Some(node) = self.get(r) else { return };
                let idx = r.idx;
                if node.restart.is_none() {
                    return;
                }
                self.node_mut(idx).restart = None;
                if self.can_restart(idx) {
                    if self.group_winding_down(idx) {
                        // Its backoff is paid: it restarts with its group,
                        // once the group has wound down.
                        self.node_mut(idx).died = false;
                    } else {
                        self.restart_now(idx);
                    }
                }
            }
            Timer::Grace(r) => {
                if self.get(r).is_none() {
                    return;
                }
                let idx = r.idx;
                let node = self.node_mut(idx);
                node.ladder = None;
                if !node.running {
                    return;
                }
                match &node.task {
                    Some(task) => task.abort(),
                    None => node.abort_on_spawn = true,
                }
                let grace = node.opts.grace;
                let dn = node.dn.clone();
                tracing::warn!(dn = %dn, ?grace, "runnable ignored cancellation; aborting it");
                self.arm_ladder(r, true, grace);
                if let Some(s) = &mut self.shutdown {
                    s.aborted.push(dn.to_string());
                }
                self.emit(&dn, EventKind::Aborted);
            }
            Timer::Zombie(r) => {
                if self.get(r).is_none() {
                    return;
                }
                let idx = r.idx;
                let node = self.node_mut(idx);
                node.ladder = None;
                if !node.running {
                    return;
                }
                let dn = node.dn.clone();
                tracing::error!(dn = %dn, "aborted runnable did not end (blocking code?); marked zombie");
                self.set_not_running(idx);
                self.zombies.insert(r);
                let node = self.node_mut(idx);
                node.state = NodeState::Zombie;
                node.last_exit = Some(Exit::Aborted);
                self.emit(&dn, EventKind::Zombie);
            }
            Timer::ShutdownDeadline => self.finish_shutdown(true),
        }
    }

    // ----- the necromancer -----

    fn wants(&self, node: &Node) -> bool {
        self.shutdown.is_none()
            && node.intent.is_none()
            && node.opts.restart != Restart::Temporary
            && matches!(
                node.state,
                NodeState::Dead | NodeState::Canceled | NodeState::Zombie
            )
    }

    fn parent_alive(&self, idx: u32) -> bool {
        self.node(idx)
            .parent
            .is_none_or(|p| !self.node(p).token.is_cancelled())
    }

    fn can_restart(&self, idx: u32) -> bool {
        let node = self.node(idx);
        self.wants(node) && node.subtree_running == 0 && self.parent_alive(idx)
    }

    fn necromancer(&mut self) {
        // Operator intents and ordered sweeps wait for subtrees to drain.
        while let Some(idx) = self.drained.pop() {
            if !self.exists(idx) || self.node(idx).subtree_running != 0 {
                continue;
            }
            self.complete_intent(idx);
            if !self.exists(idx) {
                continue;
            }
            if let Some(parent) = self.node(idx).parent {
                let g = self.node(idx).group;
                self.continue_sweep(parent, g);
            }
            if idx == ROOT && self.shutdown.is_some() {
                self.finish_shutdown(false);
                return;
            }
        }
        // A touched node, and each ancestor its exit drained (nothing runs in
        // its subtree any more), may have released its group: then the group
        // restarts, as one (OTP's one_for_all: no member starts again while
        // another member's old run still runs).
        while let Some(idx) = self.dirty.pop() {
            let mut cur = Some(idx).filter(|&i| self.exists(i));
            while let Some(a) = cur {
                let drained = self.node(a).subtree_running == 0;
                self.restart_group_of(a);
                if !drained || !self.exists(a) {
                    break;
                }
                cur = self.node(a).parent;
            }
        }
    }

    /// Whether a member of `idx`'s group is still being stopped: its old
    /// run (or something in its subtree) still runs after a cancellation, or
    /// an ordered stop of the group is under way. A member running a fresh
    /// run does not hold the group.
    fn group_winding_down(&self, idx: u32) -> bool {
        self.group_sweeping(idx)
            || self.group_of(idx).iter().any(|&m| {
                let m = self.node(m);
                m.subtree_running > 0 && m.token.is_cancelled()
            })
    }

    /// Whether an ordered stop of `idx`'s group is under way.
    fn group_sweeping(&self, idx: u32) -> bool {
        let node = self.node(idx);
        node.parent
            .is_some_and(|p| self.node(p).groups[node.group].sweep.is_some())
    }

    /// Restarts every member of `idx`'s group that wants a restart, unless
    /// the group is still winding down. A member whose parent is cancelled
    /// is left to the restart of the ancestor that wants it (so only the
    /// largest subtrees restart). Every member's fate (budget, backoff) is
    /// decided before any starts, so a member that escalates to the parent
    /// does not leave freshly started siblings to be cancelled at once.
    fn restart_group_of(&mut self, idx: u32) {
        if self.group_winding_down(idx) {
            return;
        }
        let mut due = std::mem::take(&mut self.due);
        for k in 0..self.group_of(idx).len() {
            let Some(&m) = self.group_of(idx).get(k) else {
                break;
            };
            let node = self.node(m);
            if self.wants(node) && node.restart.is_none() && self.parent_alive(m) {
                if let Some(delay) = self.restart_delay(m) {
                    due.push((m, delay));
                }
            }
        }
        for (m, delay) in due.drain(..) {
            if self.exists(m) && self.parent_alive(m) {
                self.schedule_after(m, delay);
            }
        }
        self.due = due;
    }

    /// The members of a node's group, itself included (the root: itself).
    fn group_of(&self, idx: u32) -> &[u32] {
        let node = self.node(idx);
        match node.parent {
            Some(p) => &self.node(p).groups[node.group].members,
            None => std::slice::from_ref(&ROOT),
        }
    }

    /// When a node that wants a restart restarts: at once after a
    /// cancellation, after its backoff after a death, or never (`None`: it is
    /// FAILED, and may have escalated) when its budget or its backoff policy
    /// says so.
    fn restart_delay(&mut self, idx: u32) -> Option<Duration> {
        let now = Instant::now();
        let node = self.node_mut(idx);
        if !node.died {
            return Some(Duration::ZERO);
        }
        if let Some((max, within)) = node.opts.budget {
            while node
                .deaths
                .front()
                .is_some_and(|&t| now.saturating_duration_since(t) >= within)
            {
                node.deaths.pop_front();
            }
            if node.deaths.len() >= max as usize {
                let reason = format!("more than {max} restarts within {within:?}");
                self.fail(idx, reason);
                return None;
            }
            node.deaths.push_back(now);
        }
        match node.opts.backoff.next() {
            Some(d) => Some(d),
            None => {
                self.fail(idx, "its backoff policy gave up".to_owned());
                None
            }
        }
    }

    /// Restarts a node after `delay` (a timer of this task), or now.
    fn schedule_after(&mut self, idx: u32, delay: Duration) {
        let node = self.node_mut(idx);
        let dn = node.dn.clone();
        let r = NodeRef {
            idx,
            epoch: node.epoch,
        };
        tracing::info!(dn = %dn, ?delay, "restarting subtree");
        self.emit(&dn, EventKind::RestartScheduled { delay });
        if delay.is_zero() {
            self.restart_now(idx);
        } else {
            let at = Instant::now() + delay;
            let key = self.timers.insert(Timer::Restart(r), delay);
            self.node_mut(idx).restart = Some((key, at));
        }
    }

    /// Resets a node (new run, new context, no children) and starts it.
    fn restart_now(&mut self, idx: u32) {
        self.remove_descendants(idx);
        let epoch = self.next_epoch;
        self.next_epoch += 1;
        let node = self.node_mut(idx);
        if let Some((k, _)) = node.restart.take() {
            self.timers.remove(&k);
        }
        let node = self.node_mut(idx);
        node.epoch = epoch;
        node.state = NodeState::New;
        node.token = CancellationToken::new();
        node.died = false;
        node.healthy_at = None;
        node.restarts += 1;
        if self.predecessors_up(idx) {
            self.spawn(idx);
        } else {
            self.node_mut(idx).pending_start = true;
        }
    }

    /// Puts a node in the terminal FAILED state, escalating if asked.
    fn fail(&mut self, idx: u32, reason: String) {
        let node = self.node_mut(idx);
        node.state = NodeState::Failed;
        node.died = false;
        let full = match &node.last_exit {
            Some(exit) => format!("{reason}; last exit: {exit}"),
            None => reason,
        };
        let dn = node.dn.clone();
        let escalate = node.opts.escalate;
        let parent = node.parent;
        tracing::error!(dn = %dn, reason = %full, "runnable failed for good");
        self.emit(
            &dn,
            EventKind::Failed {
                reason: full.clone(),
            },
        );
        match parent {
            Some(p) if escalate => {
                let err = Error::Failed {
                    dn: dn.to_string(),
                    reason: full,
                };
                if self.node(p).state != NodeState::Dead {
                    self.kill(p, Exit::Failed(Arc::new(err)));
                }
            }
            None => {
                let err = Error::Failed {
                    dn: dn.to_string(),
                    reason: full,
                };
                self.end(Outcome::Err(err));
            }
            _ => {}
        }
    }

    // ----- operator intents -----

    fn complete_intent(&mut self, idx: u32) {
        let Some(intent) = self.node_mut(idx).intent.take() else {
            return;
        };
        let replies = intent.replies;
        match intent.kind {
            IntentKind::Stop => {
                let node = self.node_mut(idx);
                node.state = NodeState::Stopped;
                let dn = node.dn.clone();
                self.emit(&dn, EventKind::Stopped);
                reply_all(replies, Ok(()));
            }
            IntentKind::Restart => {
                let r = if self.parent_alive(idx) && self.shutdown.is_none() {
                    self.node_mut(idx).opts.backoff.reset();
                    self.restart_now(idx);
                    Ok(())
                } else {
                    let node = self.node_mut(idx);
                    node.state = NodeState::Canceled;
                    Err(Error::InvalidState {
                        dn: node.dn.to_string(),
                        op: "restart (its parent is stopping)",
                        state: node.state,
                    })
                };
                reply_all(replies, r);
            }
            IntentKind::Remove => {
                self.remove_node(idx);
                reply_all(replies, Ok(()));
            }
        }
    }

    fn remove_node(&mut self, idx: u32) {
        self.remove_descendants(idx);
        let node = self.nodes[idx as usize].take().expect("live node");
        let dn = node.dn.clone();
        if let Some(p) = node.parent {
            let g = node.group;
            let parent = self.node_mut(p);
            parent.children.retain(|&c| c != idx);
            parent.groups[g].members.retain(|&c| c != idx);
            // The rest of its group may have been waiting for it.
            if let Some(&m) = self.node(p).groups[g].members.first() {
                self.dirty.push(m);
            }
        }
        self.forget(idx, node);
        // A node added again under a removed DN starts afresh: forget the
        // operator stops of the removed subtree.
        if !self.stopped.is_empty() {
            self.stopped.retain(|s| {
                !(s.starts_with(&*dn) && matches!(s.as_bytes().get(dn.len()), None | Some(b'.')))
            });
        }
        self.emit(&dn, EventKind::Removed);
    }

    /// Records an intent and starts cancelling the subtree; completes at once
    /// if nothing runs in it.
    fn begin_intent(&mut self, idx: u32, kind: IntentKind, reply: Reply) {
        let node = self.node_mut(idx);
        match &mut node.intent {
            Some(intent) if intent.kind == kind => {
                intent.replies.push(reply);
                return;
            }
            current => {
                // A later intent replaces an earlier one; the earlier callers
                // learn that the node went another way.
                if let Some(old) = current.take() {
                    let err = Error::InvalidState {
                        dn: node.dn.to_string(),
                        op: "complete the request for (overridden by a later one)",
                        state: node.state,
                    };
                    reply_all(old.replies, Err(err));
                }
                node.intent = Some(Intent {
                    kind,
                    replies: vec![reply],
                });
            }
        }
        if let Some((k, _)) = node.restart.take() {
            self.timers.remove(&k);
        }
        self.cancel_subtree(idx);
        if self.node(idx).subtree_running == 0 {
            self.drained.push(idx);
        }
    }

    fn on_control(&mut self, c: Control) {
        match c {
            Control::Snapshot(reply) => {
                let _ = reply.send(self.snapshot());
            }
            Control::Settled(reply) => self.settle_waiters.push(reply),
            Control::Shutdown { deadline, reply } => self.begin_shutdown(deadline, reply),
            Control::Stop { dn, reply } => {
                let idx = match self.lookup(&dn) {
                    Ok(i) => i,
                    Err(e) => return drop(reply.send(Err(e))),
                };
                let dn = self.node(idx).dn.clone();
                self.stopped.insert(dn);
                let node = self.node(idx);
                if node.state == NodeState::Stopped && node.subtree_running == 0 {
                    let _ = reply.send(Ok(()));
                    return;
                }
                self.begin_intent(idx, IntentKind::Stop, reply);
            }
            Control::Restart { dn, reply } => {
                let idx = match self.lookup(&dn) {
                    Ok(i) => i,
                    Err(e) => return drop(reply.send(Err(e))),
                };
                if !self.parent_alive(idx) || self.shutdown.is_some() {
                    let n = self.node(idx);
                    let err = Error::InvalidState {
                        dn: dn.clone(),
                        op: "restart (its parent is stopping)",
                        state: n.state,
                    };
                    return drop(reply.send(Err(err)));
                }
                let dn = self.node(idx).dn.clone();
                self.stopped.remove(&dn);
                self.node_mut(idx).deaths.clear();
                self.begin_intent(idx, IntentKind::Restart, reply);
            }
            Control::Start { dn, reply } => {
                let r = self.op_start(&dn);
                let _ = reply.send(r);
            }
            Control::Remove { dn, reply } => {
                let idx = match self.lookup(&dn) {
                    Ok(ROOT) => return drop(reply.send(Err(Error::Root("remove")))),
                    Ok(i) => i,
                    Err(e) => return drop(reply.send(Err(e))),
                };
                self.begin_intent(idx, IntentKind::Remove, reply);
            }
            Control::AddChild {
                parent,
                child,
                reply,
            } => {
                let r = self.op_add_child(&parent, child);
                let _ = reply.send(r);
            }
        }
    }

    fn op_start(&mut self, dn: &str) -> Result<(), Error> {
        let idx = self.lookup(dn)?;
        let node = self.node(idx);
        let startable = !node.running
            && node.subtree_running == 0
            && node.intent.is_none()
            && matches!(
                node.state,
                NodeState::Stopped
                    | NodeState::Failed
                    | NodeState::Done
                    | NodeState::Dead
                    | NodeState::Canceled
                    | NodeState::Zombie
            );
        if !startable || !self.parent_alive(idx) || self.shutdown.is_some() {
            return Err(Error::InvalidState {
                dn: dn.to_owned(),
                op: "start",
                state: node.state,
            });
        }
        let dn = node.dn.clone();
        self.stopped.remove(&dn);
        let node = self.node_mut(idx);
        node.opts.backoff.reset();
        node.deaths.clear();
        self.restart_now(idx);
        Ok(())
    }

    fn op_add_child(&mut self, parent: &str, child: Child) -> Result<(), Error> {
        let p = self.lookup(parent)?;
        let node = self.node(p);
        if !node.running || node.token.is_cancelled() || self.shutdown.is_some() {
            return Err(Error::InvalidState {
                dn: parent.to_owned(),
                op: "add a child to",
                state: node.state,
            });
        }
        self.check_new_names(p, std::iter::once(child.name.as_str()))?;
        self.insert_group(p, &mut [child], false, true);
        Ok(())
    }

    // ----- snapshot, settle, shutdown -----

    fn snapshot(&self) -> Snapshot {
        let mut nodes = Vec::with_capacity(self.by_dn.len());
        let mut stack = vec![ROOT];
        while let Some(i) = stack.pop() {
            let n = self.node(i);
            // What a node that wants a restart waits for: its own subtree,
            // and its group's members that are still being stopped.
            let blocked_on = if self.wants(n) && n.restart.is_none() && self.parent_alive(i) {
                let sweep = self.group_sweeping(i);
                let mut on = self.running_in(i);
                for &m in self.group_of(i).iter().filter(|&&m| m != i) {
                    if sweep || self.node(m).token.is_cancelled() {
                        on.extend(self.running_in(m));
                    }
                }
                on
            } else {
                Vec::new()
            };
            nodes.push(NodeInfo {
                dn: n.dn.clone(),
                depth: n.depth,
                group: n.group,
                state: n.state,
                running: n.running,
                stopping: n.running && n.token.is_cancelled(),
                dynamic: n.dynamic,
                restarts: n.restarts,
                last_exit: n.last_exit.clone(),
                started_at: n.started_at,
                healthy_at: n.healthy_at,
                restart_at: n.restart.map(|(_, at)| at),
                blocked_on,
            });
            stack.extend(n.children.iter().rev());
        }
        Snapshot {
            nodes,
            zombies: self.zombies.len(),
            at: Instant::now(),
        }
    }

    fn running_in(&self, idx: u32) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![idx];
        while let Some(i) = stack.pop() {
            let n = self.node(i);
            if n.subtree_running == 0 {
                continue;
            }
            if n.running {
                out.push(n.dn.to_string());
            }
            stack.extend(n.children.iter().rev());
        }
        out
    }

    fn check_settled(&mut self) {
        if self.settle_waiters.is_empty() || !self.rx.is_empty() {
            return;
        }
        let busy = self.nodes.iter().flatten().any(|n| {
            n.restart.is_some()
                || n.intent.is_some()
                || (self.wants(n) && n.parent.is_none_or(|p| !self.node(p).token.is_cancelled()))
        });
        if !busy {
            for w in self.settle_waiters.drain(..) {
                let _ = w.send(());
            }
        }
    }

    fn begin_shutdown(&mut self, deadline: Duration, reply: oneshot::Sender<ShutdownReport>) {
        if let Some(s) = &mut self.shutdown {
            s.replies.push(reply);
            return;
        }
        tracing::info!(?deadline, "supervisor shutting down");
        self.shutdown = Some(Shutdown {
            started: Instant::now(),
            replies: vec![reply],
            aborted: Vec::new(),
        });
        let scheduled: Vec<u32> = self
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.as_ref().is_some_and(|n| n.restart.is_some()))
            .map(|(i, _)| i as u32)
            .collect();
        for i in scheduled {
            if let Some((k, _)) = self.node_mut(i).restart.take() {
                self.timers.remove(&k);
            }
        }
        self.timers.insert(Timer::ShutdownDeadline, deadline);
        self.cancel_subtree(ROOT);
        if self.node(ROOT).subtree_running == 0 {
            self.finish_shutdown(false);
        }
    }

    fn finish_shutdown(&mut self, deadline_passed: bool) {
        let Some(s) = self.shutdown.take() else {
            return;
        };
        let stragglers = if deadline_passed {
            let names = self.running_in(ROOT);
            for n in self.nodes.iter().flatten() {
                if let Some(t) = &n.task {
                    t.abort();
                }
            }
            names
        } else {
            Vec::new()
        };
        let report = ShutdownReport {
            elapsed: s.started.elapsed(),
            aborted: s.aborted,
            stragglers,
        };
        if !report.stragglers.is_empty() {
            tracing::warn!(stragglers = ?report.stragglers, "shutdown deadline passed");
        }
        for r in s.replies {
            let _ = r.send(report.clone());
        }
        self.end(Outcome::Ok);
    }

    /// Ends the supervisor: cancels whatever still runs and publishes the outcome.
    fn end(&mut self, outcome: Outcome) {
        if self.ended {
            return;
        }
        self.ended = true;
        for n in self.nodes.iter().flatten() {
            n.token.cancel();
        }
        let _ = self.outcome.send(Some(outcome));
    }
}

fn reply_all(replies: Vec<Reply>, r: Result<(), Error>) {
    for reply in replies {
        let _ = reply.send(r.clone());
    }
}

/// A run the processor has prepared (the node counts as running), to be
/// spawned by the task that added the node, or by the processor.
pub(crate) struct Launch {
    runnable: Arc<dyn ErasedRunnable>,
    dn: Arc<str>,
    token: CancellationToken,
    guard: ExitGuard,
    catch: Catch,
}

impl Launch {
    /// Spawns the run's task (its context is built here too, off the
    /// processor). Dropping a launch instead reports the run as aborted (its
    /// guard does).
    pub(crate) fn start(self) -> (NodeRef, AbortHandle) {
        let r = self.guard.node;
        let ctx = Context::new(r, self.dn, self.token, self.guard.sup.clone());
        (r, self.runnable.spawn(ctx, self.guard, self.catch))
    }
}

/// Reports a runnable's end to the processor, also when its task is aborted
/// (then the future, and this guard with it, is dropped without a result).
pub(crate) struct ExitGuard {
    sup: Supervisor,
    node: NodeRef,
    armed: bool,
}

impl ExitGuard {
    pub(crate) fn report(mut self, result: RunResult) {
        self.armed = false;
        self.sup.send(Msg::Exited {
            node: self.node,
            result: Some(result),
        });
    }
}

impl Drop for ExitGuard {
    fn drop(&mut self) {
        if self.armed {
            self.sup.send(Msg::Exited {
                node: self.node,
                result: None,
            });
        }
    }
}

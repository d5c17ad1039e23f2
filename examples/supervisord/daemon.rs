//! The daemon's state and its operations on the tree.
//!
//! Shape: `root` → one node per process group (`root.<group>`, added and removed at
//! run time) → one node per process instance (`root.<group>.<process>`, added on its
//! first start, so that `autostart=false` processes never spawn). The tree (its
//! single-owner processor) holds every running thing; the daemon only keeps the
//! configuration of what is in use and the operator handles of the commands, in a
//! map behind a `std::sync::Mutex` that is never held across an `.await`.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicI8, Ordering};
use std::sync::{Arc, Mutex};

use supervisor_core::{
    CancellationToken, Child, Context, EventKind, NodeInfo, Signal, Snapshot, Supervisor,
};
use supervisor_exec::{OutputChunk, ProcessHandle, ProcessState, ProcessStatus, Stream};
use tokio::sync::{mpsc, Notify};

use crate::config::{make_namespec, Config, GroupConfig, ProcessConfig};
use crate::events::{self, Bus};
use crate::logging::Logger;
use crate::process::{self, node_name, ProcState};

/// supervisord's own states (`SupervisorStates`).
pub const MOOD_RUNNING: i8 = 1;
pub const MOOD_RESTARTING: i8 = 0;
pub const MOOD_SHUTDOWN: i8 = -1;

/// What the main loop is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Shutdown,
    Restart,
}

/// One process instance in use.
pub struct Proc {
    pub config: ProcessConfig,
    pub group: String,
    pub dn: String,
    pub handle: ProcessHandle,
    pub stdout_path: Option<PathBuf>,
    pub stderr_path: Option<PathBuf>,
    /// The node, until its first start adds it to the tree.
    pending: Mutex<Option<Child>>,
    /// Wakes the monitor on tree events (FATAL, STOPPED).
    pub wake: Arc<Notify>,
}

impl Proc {
    /// Whether it was never started (its node is not in the tree yet).
    pub fn is_pending(&self) -> bool {
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
    }

    /// Creates the log files if they do not exist.
    pub fn touch_logs(&self) {
        for path in [&self.stdout_path, &self.stderr_path].into_iter().flatten() {
            let _ = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path);
        }
    }

    /// `group:name`, or `name` when they are equal (supervisord's `make_namespec`).
    pub fn namespec(&self) -> String {
        make_namespec(&self.group, &self.config.name)
    }
}

/// One process group in use.
pub struct Group {
    pub config: GroupConfig,
    pub dn: String,
    pub procs: Vec<Arc<Proc>>,
    /// Ends the event pool's dispatcher (listener pools only).
    pub pool_alive: CancellationToken,
}

/// What a listener pool's processes write on stdout, for its dispatcher.
type PoolStdout = mpsc::UnboundedReceiver<(usize, OutputChunk)>;

/// Everything behind the daemon's lock.
pub struct State {
    /// The configuration last read (at start, or by `reloadConfig`).
    pub latest: Config,
    /// The groups in use, by name.
    pub groups: BTreeMap<String, Arc<Group>>,
    /// The names of the groups in use, in the order they were added
    /// (supervisord's `process_groups` dict order, which `reloadConfig`
    /// lists removed groups in).
    pub added_order: Vec<String>,
}

/// The daemon.
pub struct Daemon {
    pub sup: Supervisor,
    pub log: Arc<Logger>,
    pub state: Mutex<State>,
    pub config_path: PathBuf,
    pub env: HashMap<String, String>,
    pub cli: crate::Cli,
    pub mood: AtomicI8,
    pub actions: mpsc::UnboundedSender<Action>,
    pub identifier: String,
    pub bus: Arc<Bus>,
}

/// The runnable of the root and of each group node: it only holds the nodes
/// below.
pub async fn root(ctx: Context) -> Result<(), supervisor_core::Error> {
    ctx.signal(Signal::Healthy)?;
    ctx.cancelled().await;
    Ok(())
}

/// A process's state, computed from a snapshot.
pub struct View {
    pub state: ProcState,
    pub status: ProcessStatus,
}

impl Daemon {
    /// Locks the state.
    pub fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether RPCs may act (supervisord's SHUTDOWN_STATE guard).
    pub fn mood(&self) -> i8 {
        self.mood.load(Ordering::SeqCst)
    }

    /// All groups in use, sorted by name.
    pub fn groups(&self) -> Vec<Arc<Group>> {
        self.lock().groups.values().cloned().collect()
    }

    pub fn group(&self, name: &str) -> Option<Arc<Group>> {
        self.lock().groups.get(name).cloned()
    }

    /// The tree's view, indexed by DN.
    pub async fn snapshot(&self) -> Option<Snapshot> {
        self.sup.snapshot().await.ok()
    }

    /// supervisord's state of `p` in `snap`.
    pub fn view(&self, p: &Proc, snap: Option<&HashMap<&str, &NodeInfo>>) -> View {
        let status = p.handle.status();
        let node = snap.and_then(|m| m.get(p.dn.as_str()).copied());
        let state = state_of(p, node, &status);
        View { state, status }
    }

    /// The state of one process now.
    pub async fn view_now(&self, p: &Proc) -> View {
        let snap = self.snapshot().await;
        let map = snap.as_ref().map(index);
        self.view(p, map.as_ref())
    }

    /// The consumers of one output stream of process `pc` in group `group`
    /// (`listener`: its index in its pool, and where the pool reads its stdout).
    fn output_consumers(
        &self,
        pc: &ProcessConfig,
        group: &str,
        stream: Stream,
        listener: Option<(usize, &mpsc::UnboundedSender<(usize, OutputChunk)>)>,
    ) -> Vec<events::OutputConsumer> {
        let sc = match stream {
            Stream::Stdout => &pc.stdout,
            Stream::Stderr => &pc.stderr,
        };
        let mut v = Vec::new();
        // supervisord's order: the child log (with its syslog handler), the
        // main log's copy, then the events.
        if sc.syslog {
            v.push(crate::syslog::child_syslog(&pc.name));
        }
        if self.log.enabled(crate::config::LogLevel::Debug) {
            v.push(events::mainlog_copy(
                self.log.clone(),
                &pc.name,
                listener.is_some(),
            ));
        }
        if sc.events_enabled || sc.capture_maxbytes > 0 {
            v.push(events::output_events(
                self.bus.clone(),
                pc.name.clone(),
                group.to_owned(),
                sc.events_enabled,
                sc.capture_maxbytes.max(0) as usize,
            ));
        }
        if let (Some((i, tx)), Stream::Stdout) = (listener, stream) {
            v.push(events::listener_stdout(i, tx.clone()));
        }
        v
    }

    /// Builds the runtime of a group from its config, and, for a listener
    /// pool, what its listeners write on stdout.
    fn make_group(&self, cfg: &GroupConfig, latest: &Config) -> (Group, Option<PoolStdout>) {
        let dn = format!("root.{}", node_name(&cfg.name));
        let sd = &latest.supervisord;
        let (pool_tx, pool_rx) = mpsc::unbounded_channel();
        let procs = cfg
            .processes
            .iter()
            .enumerate()
            .map(|(i, pc)| {
                let stdout_path = process::log_path(
                    &pc.stdout,
                    &pc.name,
                    "stdout",
                    &sd.childlogdir,
                    &sd.identifier,
                );
                let stderr_path = if pc.redirect_stderr {
                    None
                } else {
                    process::log_path(
                        &pc.stderr,
                        &pc.name,
                        "stderr",
                        &sd.childlogdir,
                        &sd.identifier,
                    )
                };
                let listener = cfg.pool.is_some().then_some((i, &pool_tx));
                let consumers = |stream| self.output_consumers(pc, &cfg.name, stream, listener);
                let built = process::build(
                    pc,
                    &process::SpawnEnv {
                        group: &cfg.name,
                        serverurl: latest.serverurl.as_deref(),
                        stdout_path: stdout_path.as_ref(),
                        stderr_path: stderr_path.as_ref(),
                        listener: cfg.pool.is_some(),
                        consumers: &consumers,
                        strip_ansi: sd.strip_ansi,
                    },
                );
                Arc::new(Proc {
                    config: pc.clone(),
                    group: cfg.name.clone(),
                    dn: format!("{dn}.{}", node_name(&pc.name)),
                    handle: built.handle,
                    stdout_path,
                    stderr_path,
                    pending: Mutex::new(Some(built.child)),
                    wake: Arc::new(Notify::new()),
                })
            })
            .collect();
        let group = Group {
            config: cfg.clone(),
            dn,
            procs,
            pool_alive: CancellationToken::new(),
        };
        (group, cfg.pool.is_some().then_some(pool_rx))
    }

    /// Adds a group (and starts its `autostart` processes). `false` if it was
    /// already in use.
    pub async fn add_group(self: &Arc<Self>, cfg: &GroupConfig) -> bool {
        let (group, pool_stdout) = {
            let mut st = self.lock();
            if st.groups.contains_key(&cfg.name) {
                return false;
            }
            let (g, pool_stdout) = self.make_group(cfg, &st.latest);
            let g = Arc::new(g);
            st.groups.insert(cfg.name.clone(), g.clone());
            st.added_order.push(cfg.name.clone());
            (g, pool_stdout)
        };
        let name = group.dn.rsplit('.').next().unwrap_or_default().to_owned();
        if let Err(e) = self.sup.add_child("root", Child::new(name, root)).await {
            self.log
                .error(&format!("cannot add group {}: {e}", cfg.name));
        }
        for p in &group.procs {
            spawn_monitor(self, p);
        }
        if let (Some(pool), Some(stdout)) = (&cfg.pool, pool_stdout) {
            events::spawn_pool(
                &self.bus,
                self.log.clone(),
                events::PoolSpec {
                    name: cfg.name.clone(),
                    identifier: self.identifier.clone(),
                    subscriptions: pool.events.clone(),
                    buffer_size: pool.buffer_size.max(1) as usize,
                    listeners: group
                        .procs
                        .iter()
                        .map(|p| (p.config.name.clone(), p.handle.clone()))
                        .collect(),
                    stdout,
                    alive: group.pool_alive.clone(),
                },
            );
        }
        // supervisord logs nothing here (its supervisorctl prints the line).
        self.log.debug(&format!("added process group {}", cfg.name));
        self.bus.emit_with("PROCESS_GROUP_ADDED", || {
            format!("groupname:{}\n", cfg.name)
        });
        for p in &group.procs {
            if p.config.autostart {
                if let Err(e) = self.start_proc(p).await {
                    self.log
                        .error(&format!("cannot start {}: {e}", p.config.name));
                }
            }
        }
        true
    }

    /// Starts a process (adds its node on the first start).
    pub async fn start_proc(&self, p: &Proc) -> Result<(), supervisor_core::Error> {
        // supervisord opens the log files when it spawns: they exist (empty)
        // even for a process that never writes.
        p.touch_logs();
        let pending = p.pending.lock().unwrap_or_else(|e| e.into_inner()).take();
        let group_dn = p.dn.rsplit_once('.').map(|(g, _)| g).unwrap_or("root");
        match pending {
            Some(child) => {
                // A process re-added under the DN of one that was stopped
                // before (reload, update) runs: `remove` forgot that stop.
                self.sup.add_child(group_dn, child).await
            }
            None => self.sup.start(&p.dn).await,
        }
    }

    /// Stops a process and waits until it has ended.
    pub async fn stop_proc(&self, p: &Proc) -> Result<(), supervisor_core::Error> {
        if p.is_pending() {
            return Ok(());
        }
        self.sup.stop(&p.dn).await
    }

    /// Removes a group that is in use (its processes must be stopped).
    pub async fn remove_group(&self, name: &str) -> bool {
        let g = {
            let mut st = self.lock();
            let Some(g) = st.groups.remove(name) else {
                return false;
            };
            st.added_order.retain(|n| n != name);
            g
        };
        let _ = self.sup.remove(&g.dn).await;
        g.pool_alive.cancel();
        self.log.debug(&format!("removed process group {name}"));
        self.bus
            .emit_with("PROCESS_GROUP_REMOVED", || format!("groupname:{name}\n"));
        true
    }

    /// Stops every process, groups in descending priority, one group at a time
    /// (supervisord's `ordered_stop_groups_phase_1/2`).
    pub async fn stop_all_ordered(&self) {
        let mut groups = self.groups();
        groups.sort_by(|a, b| {
            b.config
                .priority
                .cmp(&a.config.priority)
                .then_with(|| b.config.name.cmp(&a.config.name))
        });
        // supervisord's shutdown_report: "waiting for a, b to die" at once,
        // then every 3 s while any is not stopped yet.
        let report_now = || async {
            let names = self.unstopped_names().await;
            if !names.is_empty() {
                self.log
                    .info(&format!("waiting for {} to die", names.join(", ")));
            }
        };
        report_now().await;
        let report = async {
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(3)).await;
                report_now().await;
            }
        };
        tokio::select! {
            _ = self.stop_groups(groups) => {}
            _ = report => {}
        }
    }

    /// The processes not in a stopped state, groups by ascending priority.
    async fn unstopped_names(&self) -> Vec<String> {
        let mut groups = self.groups();
        groups.sort_by(|a, b| {
            (a.config.priority, &a.config.name).cmp(&(b.config.priority, &b.config.name))
        });
        let snap = self.snapshot().await;
        let map = snap.as_ref().map(index);
        groups
            .iter()
            .flat_map(|g| g.procs.iter())
            .filter(|p| {
                matches!(
                    self.view(p, map.as_ref()).state,
                    ProcState::Starting
                        | ProcState::Running
                        | ProcState::Backoff
                        | ProcState::Stopping
                )
            })
            .map(|p| p.config.name.clone())
            .collect()
    }

    async fn stop_groups(&self, groups: Vec<Arc<Group>>) {
        for g in groups {
            let mut tasks = Vec::new();
            for p in g.procs.iter().rev() {
                let sup = self.sup.clone();
                let dn = p.dn.clone();
                if !p.is_pending() {
                    tasks.push(tokio::spawn(async move { sup.stop(&dn).await }));
                }
            }
            for t in tasks {
                let _ = t.await;
            }
        }
    }

    /// Re-reads the configuration file (`reloadConfig`): stores it as the latest
    /// and returns `(added, changed, removed)` group names, in supervisord's
    /// `diff_to_active` order: added and changed in the new configuration's
    /// order (priority, then name), removed in the order the groups were
    /// added (stock supervisorctl `update` acts in this order).
    pub fn reread(&self) -> Result<Diff, String> {
        let cfg = crate::load_config(&self.config_path, &self.env, &self.cli)?;
        let mut st = self.lock();
        let mut added = Vec::new();
        let mut changed = Vec::new();
        let mut removed = Vec::new();
        for g in &cfg.groups {
            match st.groups.get(&g.name) {
                None => added.push(g.name.clone()),
                Some(cur) if cur.config != *g => changed.push(g.name.clone()),
                Some(_) => {}
            }
        }
        for name in &st.added_order {
            if !cfg.groups.iter().any(|g| &g.name == name) {
                removed.push(name.clone());
            }
        }
        st.latest = cfg;
        Ok((added, changed, removed))
    }
}

/// Group names `(added, changed, removed)` by a re-read.
pub type Diff = (Vec<String>, Vec<String>, Vec<String>);

/// supervisord's state of `p` from its node and its command's status: STOPPED
/// while it was never started.
fn state_of(p: &Proc, node: Option<&NodeInfo>, status: &ProcessStatus) -> ProcState {
    if p.is_pending() {
        ProcState::Stopped
    } else {
        process::derive_state(node, status)
    }
}

/// Indexes a snapshot by DN.
pub fn index(snap: &Snapshot) -> HashMap<&str, &NodeInfo> {
    snap.nodes.iter().map(|n| (&*n.dn, n)).collect()
}

/// Logs a process's transitions in supervisord's words and publishes its
/// PROCESS_STATE_* events.
fn spawn_monitor(d: &Arc<Daemon>, p: &Arc<Proc>) {
    let mut rx = p.handle.watch();
    let log = d.log.clone();
    let name = p.config.name.clone();
    let startsecs = p.config.startsecs;
    let dref = Arc::downgrade(d);
    let pref = Arc::downgrade(p);
    let wake = p.wake.clone();
    tokio::spawn(async move {
        let mut last = ProcessState::NotStarted;
        let mut spawns = 0;
        let mut seen_exit = None;
        let mut state = ProcState::Stopped;
        let mut last_pid = 0;
        // Runs (spawns and failed spawns) seen, and the run `state` belongs to.
        let mut attempt: u64 = 0;
        let mut state_run: u64 = 0;
        let mut tries = 0u32;
        let mut cur_st = supervisor_exec::ProcessStatus::default();
        loop {
            // Holds no reference to the process while waiting: when its group
            // is removed, the command's status sender drops and this task ends.
            let woke_by_status = tokio::select! {
                r = rx.changed() => { if r.is_err() { return; } true }
                _ = wake.notified() => false,
            };
            let status_changed = woke_by_status || rx.has_changed().unwrap_or(false);
            // States passed through since the last wake, in order (status updates
            // coalesce, but supervisord reports every transition).
            let mut observed: Vec<(ProcState, u32, bool, u64)> = Vec::new();
            if status_changed {
                let st = rx.borrow_and_update().clone();
                let mut exit_seen = None;
                if let Some(e) = &st.last_exit {
                    if seen_exit != Some(e.at) {
                        seen_exit = Some(e.at);
                        exit_seen = Some(e.clone());
                    }
                }
                let spawned = st.spawns != spawns;
                spawns = st.spawns;
                // Whether the exit seen now ended the latest run (rather than
                // the one before it): a short run may already be over when this
                // task looks, as the spawn and exit updates coalesce, and then
                // only its exit record has its pid.
                let exit_ends_run = exit_seen
                    .as_ref()
                    .is_some_and(|e| st.started_at.is_some_and(|s| e.at >= s));
                let run_pid = st.pid.or(if exit_ends_run {
                    exit_seen.as_ref().map(|e| e.pid)
                } else {
                    None
                });
                let log_exit = |e: &supervisor_exec::LastExit| {
                    if e.stopped {
                        // Info for an exit code in exitcodes, else (a signal) warn.
                        let msg = format!("stopped: {name} ({})", e.status);
                        if e.expected {
                            log.info(&msg)
                        } else {
                            log.warn(&msg)
                        }
                    } else {
                        let expected = e.expected && !e.before_ready;
                        let msg = format!(
                            "exited: {name} ({}; {})",
                            e.status,
                            if expected { "expected" } else { "not expected" }
                        );
                        if expected {
                            log.info(&msg)
                        } else {
                            log.warn(&msg)
                        }
                    }
                };
                // supervisord's order: the previous run's exit, the spawn, then
                // the exit of the run that spawn started.
                if let Some(e) = exit_seen.as_ref().filter(|_| !exit_ends_run || !spawned) {
                    log_exit(e);
                }
                if spawned {
                    log.info(&format!(
                        "spawned: '{name}' with pid {}",
                        run_pid.unwrap_or(0)
                    ));
                    if let Some(e) = exit_seen.as_ref().filter(|_| exit_ends_run) {
                        log_exit(e);
                    }
                }
                let new_pid = run_pid.unwrap_or(last_pid);
                let prev_attempt = attempt;
                if spawned {
                    attempt += 1;
                }
                // The states of a run that ended, from RUNNING on (a RUNNING the
                // updates coalesced away is still reported, as supervisord does;
                // the forward rule below drops what was reported already).
                let exit_states = |e: &supervisor_exec::LastExit, run: u64| {
                    let pid = e.pid;
                    let mut v = Vec::with_capacity(3);
                    if !e.before_ready {
                        v.push((ProcState::Running, pid, false, run));
                    }
                    if e.stopped {
                        v.push((ProcState::Stopping, pid, false, run));
                        v.push((ProcState::Stopped, pid, false, run));
                    } else if e.before_ready {
                        v.push((ProcState::Backoff, pid, false, run));
                    } else {
                        v.push((ProcState::Exited, pid, e.expected, run));
                    }
                    v
                };
                match (&exit_seen, spawned) {
                    (Some(e), true) if st.started_at.is_some_and(|s| e.at >= s) => {
                        observed.push((ProcState::Starting, new_pid, false, attempt));
                        observed.extend(exit_states(e, attempt));
                    }
                    (Some(e), true) => {
                        observed.extend(exit_states(e, prev_attempt));
                        observed.push((ProcState::Starting, new_pid, false, attempt));
                    }
                    (Some(e), false) => observed.extend(exit_states(e, attempt)),
                    (None, true) => observed.push((ProcState::Starting, new_pid, false, attempt)),
                    (None, false) => {}
                }
                match st.state {
                    ProcessState::Running if spawned || last != ProcessState::Running => {
                        observed.push((ProcState::Running, new_pid, false, attempt));
                        log.info(&format!(
                            "success: {name} entered RUNNING state, process has stayed up for > than {startsecs} seconds (startsecs)"
                        ))
                    }
                    ProcessState::SpawnFailed if last != ProcessState::SpawnFailed || spawned => {
                        attempt += 1;
                        observed.push((ProcState::Starting, 0, false, attempt));
                        observed.push((ProcState::Backoff, 0, false, attempt));
                        log.info(&format!(
                            "spawnerr: {}",
                            st.spawn_error.clone().unwrap_or_default()
                        ))
                    }
                    _ => {}
                }
                last = st.state;
                last_pid = new_pid;
                cur_st = st;
            }
            let (Some(d), Some(p)) = (dref.upgrade(), pref.upgrade()) else {
                return;
            };
            // The tree's view (FATAL, STOPPED from BACKOFF) with the status
            // processed so far, so both sources agree on the run. Only asked for
            // when the tree woke us: the status alone covers every other change.
            if !woke_by_status {
                // (No snapshot for a process never started: it is STOPPED.)
                let snap = if p.is_pending() {
                    None
                } else {
                    d.snapshot().await
                };
                let node = snap.as_ref().and_then(|s| s.get(&p.dn));
                let derived = state_of(&p, node, &cur_st);
                let expected_now = cur_st.last_exit.as_ref().is_some_and(|e| e.expected);
                observed.push((derived, last_pid, expected_now, attempt));
            }
            for (to, pid, expected, run) in observed {
                // Only forward: a later run, or a later stage of the same run.
                let forward = run > state_run || (run == state_run && rank(to) > rank(state));
                if to == state || !forward {
                    continue;
                }
                state_run = run;
                let from = std::mem::replace(&mut state, to);
                // supervisord's `backoff` count: failed starts since the last
                // RUNNING (or operator stop/start).
                match to {
                    ProcState::Backoff => tries += 1,
                    ProcState::Starting => {}
                    _ => tries = 0,
                }
                if to == ProcState::Fatal {
                    log.info(&format!(
                        "gave up: {name} entered FATAL state, too many start retries too quickly"
                    ));
                }
                d.bus.emit_with(to.event_name(), || {
                    let mut payload = format!(
                        "processname:{name} groupname:{} from_state:{}",
                        p.group,
                        from.name()
                    );
                    match to {
                        ProcState::Starting | ProcState::Backoff => {
                            payload.push_str(&format!(" tries:{tries}"));
                        }
                        ProcState::Exited => {
                            payload
                                .push_str(&format!(" expected:{} pid:{pid}", u8::from(expected)));
                        }
                        ProcState::Running | ProcState::Stopping | ProcState::Stopped => {
                            payload.push_str(&format!(" pid:{pid}"));
                        }
                        _ => {}
                    }
                    payload
                });
            }
        }
    });
}

/// The order of states within one run of a process.
fn rank(s: ProcState) -> u8 {
    match s {
        ProcState::Stopped | ProcState::Fatal | ProcState::Unknown => 4,
        ProcState::Backoff | ProcState::Exited | ProcState::Stopping => 3,
        ProcState::Running => 2,
        ProcState::Starting => 1,
    }
}

/// Wakes the monitor of a process the tree gave up on (FATAL) or stopped.
pub fn spawn_event_logger(d: &Arc<Daemon>) {
    let mut rx = d.sup.subscribe();
    let dref = Arc::downgrade(d);
    tokio::spawn(async move {
        loop {
            let ev = match rx.recv().await {
                Ok(ev) => ev,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(_) => break,
            };
            let Some(d) = dref.upgrade() else { break };
            // Only FATAL and operator stops of a process node (root.<group>.<process>)
            // matter: a stop while waiting in BACKOFF changes no process status.
            if !matches!(ev.kind, EventKind::Failed { .. } | EventKind::Stopped)
                || ev.dn.matches('.').count() != 2
            {
                continue;
            }
            let found = d
                .groups()
                .iter()
                .flat_map(|g| g.procs.iter())
                .find(|p| *p.dn == *ev.dn)
                .cloned();
            let Some(p) = found else { continue };
            // Its monitor logs "gave up" when it reports FATAL: after the
            // exit and spawn lines of the runs before, as supervisord does.
            p.wake.notify_one();
        }
    });
}

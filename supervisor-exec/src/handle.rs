//! The operator's side of a command: its state, pid, signals, stdin and logs.

use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant, SystemTime};

use nix::sys::signal::Signal;
use tokio::io::AsyncWriteExt;
use tokio::process::ChildStdin;
use tokio::sync::{broadcast, watch};

use crate::error::{Error, ExitStatus, Kind};
use crate::output::{LogFile, OutputChunk, Sinks, Stream, TailBuffer};

/// Where a command's process is in its life, as an operator sees it.
///
/// ```text
///  NotStarted ──spawn──► Starting ──ready──► Running ──cancel──► Stopping ──► Stopped
///      │                    │                   │
///      │                    └──────exit─────────┴──────────────► Exited
///      └──spawn error──► SpawnFailed
/// ```
///
/// Each run of the command starts again from `Starting` (or `SpawnFailed`).
/// supervisord's states map as: `STARTING` = `Starting`, `RUNNING` =
/// `Running`, `BACKOFF` = `Exited` with [`LastExit::before_ready`] (or
/// `SpawnFailed`), `EXITED` = `Exited`, `STOPPING` = `Stopping`, `STOPPED` =
/// `Stopped` or `NotStarted`; `FATAL` is the node's `Failed` state in the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ProcessState {
    /// No run has started yet.
    #[default]
    NotStarted,
    /// Spawned, not yet ready (see [`Readiness`](crate::Readiness)).
    Starting,
    /// Ready: the node signalled `Healthy`.
    Running,
    /// Asked to stop: the stop signal was sent, the process has not ended yet.
    Stopping,
    /// Ended after it was asked to stop.
    Stopped,
    /// Ended on its own (see [`ProcessStatus::last_exit`]).
    Exited,
    /// Could not be spawned (see [`ProcessStatus::spawn_error`]).
    SpawnFailed,
}

impl ProcessState {
    /// Whether a process is alive in this state.
    pub fn is_alive(self) -> bool {
        matches!(
            self,
            ProcessState::Starting | ProcessState::Running | ProcessState::Stopping
        )
    }
}

/// How the last process of a command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastExit {
    /// Its pid (the status's `pid` is already `None` when this is published,
    /// and a watcher may never have seen it set: a short run's updates coalesce).
    pub pid: u32,
    /// Its exit code or signal.
    pub status: ExitStatus,
    /// When it was reaped.
    pub at: SystemTime,
    /// How long it ran.
    pub uptime: Duration,
    /// Whether its code is one of the expected ones
    /// ([`Command::exit_codes`](crate::Command::exit_codes)).
    pub expected: bool,
    /// Whether it ended before it was ready (a failed start).
    pub before_ready: bool,
    /// Whether it ended after being asked to stop.
    pub stopped: bool,
}

/// A snapshot of a command's process, as published on
/// [`ProcessHandle::watch`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ProcessStatus {
    /// Where the process is in its life.
    pub state: ProcessState,
    /// Its pid while it is alive.
    pub pid: Option<u32>,
    /// When the current (or last) process was spawned.
    pub started_at: Option<SystemTime>,
    /// When it became ready.
    pub ready_at: Option<SystemTime>,
    /// How the last process ended.
    pub last_exit: Option<LastExit>,
    /// Why the last spawn failed (supervisord's `spawnerr`), cleared by a
    /// successful spawn.
    pub spawn_error: Option<String>,
    /// The last `STATUS=` text sent on `NOTIFY_SOCKET` (sd_notify readiness only).
    pub notify_status: Option<String>,
    /// How many processes were spawned so far.
    pub spawns: u64,
}

/// What the run task shares with every [`ProcessHandle`].
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) status: watch::Sender<ProcessStatus>,
    /// The pid that may be signalled: set while the process is unreaped
    /// (cleared under this lock before reaping, so a signal can never reach
    /// a recycled pid).
    live: Mutex<Option<u32>>,
    pub(crate) started: Mutex<Option<Instant>>,
    /// The stdin pipe of the live process; writers clone the `Arc` so that
    /// dropping it here never waits for a blocked writer.
    pub(crate) stdin: Mutex<Option<Arc<tokio::sync::Mutex<ChildStdin>>>>,
    pub(crate) sinks: RwLock<SinkSet>,
    /// The output channel, shared with the sinks of the streams configured
    /// with [`Output::channel`](crate::Output::channel) (which read it at
    /// each send, so the order of configuring outputs, capacity and
    /// subscribers does not matter).
    pub(crate) channel: Arc<OutputChannel>,
}

/// A command's output channel, made on first subscribe: its ring of
/// `capacity` slots is allocated up front, ~57 KiB at the default, which a
/// command nobody subscribes to should not pay for (a `Command` without it
/// takes ~1 KiB). Held by [`Shared`] and by each [`Sinks`] that sends to it
/// (it refers to neither, so there is no cycle).
#[derive(Debug)]
pub(crate) struct OutputChannel {
    inner: RwLock<ChannelState>,
}

#[derive(Debug)]
struct ChannelState {
    capacity: usize,
    tx: Option<broadcast::Sender<OutputChunk>>,
}

impl OutputChannel {
    fn new(capacity: usize) -> Self {
        Self {
            inner: RwLock::new(ChannelState { capacity, tx: None }),
        }
    }

    /// Sends `chunk()` if someone subscribed (the chunk is not built
    /// otherwise).
    pub(crate) fn send(&self, chunk: impl FnOnce() -> OutputChunk) {
        let c = self.inner.read().unwrap_or_else(|e| e.into_inner());
        if let Some(tx) = c.tx.as_ref().filter(|tx| tx.receiver_count() > 0) {
            let _ = tx.send(chunk());
        }
    }

    /// A new receiver; the channel is made now if it was not yet.
    fn subscribe(&self) -> broadcast::Receiver<OutputChunk> {
        if let Some(tx) = &self.inner.read().unwrap_or_else(|e| e.into_inner()).tx {
            return tx.subscribe();
        }
        let mut c = self.inner.write().unwrap_or_else(|e| e.into_inner());
        let capacity = c.capacity;
        c.tx.get_or_insert_with(|| broadcast::channel(capacity).0)
            .subscribe()
    }

    /// Sets the capacity; a channel made before is replaced (its
    /// subscribers see it closed, the sinks send to the new one).
    pub(crate) fn set_capacity(&self, capacity: usize) {
        let mut c = self.inner.write().unwrap_or_else(|e| e.into_inner());
        c.capacity = capacity.max(1);
        if c.tx.is_some() {
            c.tx = Some(broadcast::channel(c.capacity).0);
        }
    }

    /// Whether the ring was allocated.
    #[cfg(test)]
    fn is_made(&self) -> bool {
        self.inner
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .tx
            .is_some()
    }
}

#[derive(Debug, Default)]
pub(crate) struct SinkSet {
    pub(crate) stdout: Option<Arc<Sinks>>,
    pub(crate) stderr: Option<Arc<Sinks>>,
}

impl Shared {
    pub(crate) fn new() -> Self {
        Self {
            status: watch::Sender::new(ProcessStatus::default()),
            live: Mutex::new(None),
            started: Mutex::new(None),
            stdin: Mutex::new(None),
            sinks: RwLock::new(SinkSet::default()),
            channel: Arc::new(OutputChannel::new(1024)),
        }
    }

    pub(crate) fn live(&self) -> MutexGuard<'_, Option<u32>> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn set_stdin(&self, stdin: Option<ChildStdin>) {
        *self.stdin.lock().unwrap_or_else(|e| e.into_inner()) =
            stdin.map(|s| Arc::new(tokio::sync::Mutex::new(s)));
    }

    fn stdin(&self) -> Option<Arc<tokio::sync::Mutex<ChildStdin>>> {
        self.stdin.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub(crate) fn sinks(&self, stream: Stream) -> Option<Arc<Sinks>> {
        let s = self.sinks.read().unwrap_or_else(|e| e.into_inner());
        match stream {
            Stream::Stdout => s.stdout.clone(),
            Stream::Stderr => s.stderr.clone(),
        }
    }

    pub(crate) fn update(&self, f: impl FnOnce(&mut ProcessStatus)) {
        self.status.send_modify(f);
    }
}

/// The operator's handle on a [`Command`](crate::Command): its state, its
/// pid, signals, stdin and logs, over all its runs.
///
/// Cheap to clone; get one with [`Command::handle`](crate::Command::handle)
/// before handing the command to a supervisor.
#[derive(Debug, Clone)]
pub struct ProcessHandle {
    pub(crate) shared: Arc<Shared>,
}

impl ProcessHandle {
    /// The current status.
    pub fn status(&self) -> ProcessStatus {
        self.shared.status.borrow().clone()
    }

    /// A receiver of every status change (state, pid, exits, spawn errors).
    /// Use [`watch::Receiver::wait_for`] to await a state.
    pub fn watch(&self) -> watch::Receiver<ProcessStatus> {
        self.shared.status.subscribe()
    }

    /// The pid of the process, while one is alive.
    pub fn pid(&self) -> Option<u32> {
        *self.shared.live()
    }

    /// When the current process was spawned.
    pub fn started_at(&self) -> Option<SystemTime> {
        self.shared.status.borrow().started_at
    }

    /// How long the current process has been running.
    pub fn uptime(&self) -> Option<Duration> {
        self.pid()?;
        let started = *self
            .shared
            .started
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        started.map(|s| s.elapsed())
    }

    /// How the last process ended.
    pub fn last_exit(&self) -> Option<LastExit> {
        self.shared.status.borrow().last_exit.clone()
    }

    /// Sends `signal` to the process (or, with `group`, to its whole process
    /// group). Never reaches a recycled pid: the pid is forgotten before the
    /// process is reaped.
    ///
    /// # Errors
    ///
    /// [`Error::is_not_running`] if no process is alive; [`Error::is_io`] if
    /// `kill(2)` failed.
    pub fn signal(&self, signal: Signal, group: bool) -> Result<(), Error> {
        let live = self.shared.live();
        let pid = live.ok_or(Kind::NotRunning)?;
        crate::sys::send_signal(pid, group, signal).map_err(|e| Error::io("kill", e))
    }

    /// Writes `data` to the process's stdin (see [`Command::stdin`](crate::Command::stdin)).
    ///
    /// # Errors
    ///
    /// [`Error::is_not_running`] if no process is alive, [`Error::is_io`] if
    /// stdin is not piped, was closed, or the write failed (the process
    /// closed its end).
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: part of `data` may have been written.
    pub async fn write_stdin(&self, data: &[u8]) -> Result<(), Error> {
        let Some(pipe) = self.shared.stdin() else {
            return Err(if self.pid().is_some() {
                Kind::NoStdin.into()
            } else {
                Kind::NotRunning.into()
            });
        };
        let mut pipe = pipe.lock().await;
        pipe.write_all(data)
            .await
            .map_err(|e| Error::io("write to stdin", e))?;
        pipe.flush()
            .await
            .map_err(|e| Error::io("write to stdin", e))
    }

    /// Closes the process's stdin (it reads end-of-file once a write in
    /// progress, if any, has finished). Returns whether it was open.
    pub fn close_stdin(&self) -> bool {
        self.shared
            .stdin
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .is_some()
    }

    /// The in-memory tail of a stream, if it has one (see [`Output::tail`](crate::Output::tail)).
    pub fn tail(&self, stream: Stream) -> Option<Arc<TailBuffer>> {
        self.shared.sinks(stream)?.tail.clone()
    }

    /// The log file of a stream, if it has one (see [`Output::file`](crate::Output::file)).
    pub fn log_file(&self, stream: Stream) -> Option<Arc<LogFile>> {
        self.shared.sinks(stream)?.file.clone()
    }

    /// Removes both streams' current log files and empties their tail
    /// buffers (supervisord's `clearProcessLogs`).
    ///
    /// # Errors
    ///
    /// The first error of removing a file.
    pub fn clear_logs(&self) -> Result<(), Error> {
        for stream in [Stream::Stdout, Stream::Stderr] {
            if let Some(tail) = self.tail(stream) {
                tail.clear();
            }
            if let Some(file) = self.log_file(stream) {
                file.clear().map_err(|e| Error::io("clear log file", e))?;
            }
        }
        Ok(())
    }

    /// Closes both streams' log files so the next write reopens them
    /// (after an external rotation; supervisord's SIGUSR2).
    pub fn reopen_logs(&self) {
        for stream in [Stream::Stdout, Stream::Stderr] {
            if let Some(file) = self.log_file(stream) {
                file.reopen();
            }
        }
    }

    /// Subscribes to the output chunks of the streams configured with
    /// [`Output::channel`](crate::Output::channel). A subscriber that lags
    /// more than the channel capacity
    /// ([`Command::output_channel_capacity`](crate::Command::output_channel_capacity))
    /// misses chunks (and is told so by the receiver); a consumer that must
    /// see every chunk uses [`Output::callback`](crate::Output::callback).
    pub fn subscribe_output(&self) -> broadcast::Receiver<OutputChunk> {
        self.shared.channel.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_channel_is_made_on_first_subscribe() {
        let shared = Shared::new();
        let chunk = || OutputChunk {
            stream: Stream::Stdout,
            pid: 1,
            offset: 0,
            data: Arc::from(&b"x"[..]),
        };
        assert!(!shared.channel.is_made(), "no ring before a subscriber");
        shared.channel.set_capacity(8);
        shared.channel.send(chunk);
        assert!(!shared.channel.is_made(), "nor for a send or a capacity");
        let mut rx = shared.channel.subscribe();
        assert!(shared.channel.is_made());
        let mut rx2 = shared.channel.subscribe();
        shared.channel.send(chunk);
        assert_eq!(&*rx.try_recv().unwrap().data, b"x");
        assert_eq!(&*rx2.try_recv().unwrap().data, b"x", "one channel for all");
        shared.channel.set_capacity(4);
        assert!(
            matches!(rx.try_recv(), Err(broadcast::error::TryRecvError::Closed)),
            "a new capacity, a new channel"
        );
        let mut rx3 = shared.channel.subscribe();
        shared.channel.send(chunk);
        assert_eq!(&*rx3.try_recv().unwrap().data, b"x");
    }
}

//! OS processes as supervised runnables, with the process control operators
//! know from supervisord, daemontools/s6 and systemd.
//!
//! A [`Command`] is a builder, like [`std::process::Command`], that
//! implements [`supervisor_core::Runnable`]. Each run of its node spawns one
//! process and lasts exactly as long as that process:
//!
//! 1. **Spawn**: argv without a shell (unless [`Command::shell`]), the
//!    environment, working directory, user with its supplementary groups,
//!    umask, rlimits and nice value; the process leads its own process group
//!    (or session), gets `SIGKILL` if the supervisor dies
//!    (`PR_SET_PDEATHSIG`), and inherits no file descriptor but its stdio
//!    (and its notification fd). A missing program, a bad working directory
//!    or user is a spawn error that names it ([`Error::is_spawn`]).
//! 2. **Readiness** ([`Readiness`]): at once, after N seconds up
//!    (supervisord's `startsecs`), on a newline written to a notification
//!    fd (s6), or on `READY=1` sent to `NOTIFY_SOCKET` (sd_notify). Ready is
//!    the node's [`Healthy`](supervisor_core::Signal::Healthy) signal. A
//!    process that exits before it is ready is a failed start
//!    ([`Error::is_failed_start`]).
//! 3. **Exit**: an exit code in [`Command::exit_codes`] returns `Ok(())` and
//!    the node's [restart policy](supervisor_core::Restart) decides what
//!    follows (a permanent node is restarted, a transient one is done);
//!    anything else is an error naming the code or the signal (and whether
//!    it dumped core), and the node restarts after its backoff.
//! 4. **Stop**: when the node is cancelled, the stop signal goes to the
//!    process or its group ([`Command::stop_as_group`]); after
//!    [`Command::stop_timeout`], `SIGKILL` goes to the group (or the
//!    process, [`Command::kill_as_group`]). The run returns only once the
//!    process is reaped: no zombie is left behind.
//!
//! Meanwhile stdout and stderr are drained continuously into their
//! [`Output`] sinks: `tracing` events (inside the node's span), a
//! size-rotated [`LogFile`], an in-memory [`TailBuffer`] with absolute
//! offsets, a broadcast channel of [`OutputChunk`]s (for watchers that must
//! not slow the process down: one that lags loses chunks), and callbacks
//! ([`Output::callback`]) that see every chunk in order, with no loss, on
//! the reading task (a slow one back-pressures the child through its pipe).
//! The sinks belong to the command, not to a run, so no byte is lost or
//! reordered across restarts. A cloneable [`ProcessHandle`] gives the operator's view: a
//! [`watch`](ProcessHandle::watch) of the [`ProcessStatus`] (state, pid,
//! start time, last exit, spawn error), signals, stdin and the logs.
//!
//! # Example
//!
//! ```
//! use std::time::Duration;
//! use supervisor_core::{Context, Signal, Supervisor};
//! use supervisor_exec::{Command, Output, ProcessState, Readiness, Stream};
//!
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // A root that only parents the commands added below.
//! let sup = Supervisor::new(|ctx: Context| async move {
//!     ctx.signal(Signal::Healthy)?;
//!     ctx.cancelled().await;
//!     Ok::<_, supervisor_core::Error>(())
//! });
//!
//! let cmd = Command::shell("echo started; exec sleep 1000")
//!     .readiness(Readiness::After(Duration::from_millis(50)))
//!     .stop_timeout(Duration::from_secs(2))
//!     .stdout(Output::new().tracing(tracing::Level::INFO).tail(4096));
//! let handle = cmd.handle();
//! sup.add_child("root", cmd.child("sleeper")).await?;
//!
//! // RUNNING once it stayed up 50 ms; the node is then Healthy.
//! let status = handle.watch().wait_for(|s| s.state == ProcessState::Running).await?.clone();
//! assert!(status.pid.is_some());
//!
//! // Stopping the node sends SIGTERM; the run returns once `sleep` is reaped.
//! sup.stop("root.sleeper").await?;
//! assert_eq!(handle.status().state, ProcessState::Stopped);
//! let out = handle.tail(Stream::Stdout).map(|t| t.tail(4096).data);
//! assert_eq!(out.as_deref(), Some(&b"started\n"[..]));
//! sup.shutdown(Duration::from_secs(5)).await?;
//! # Ok(())
//! # }
//! ```
//!
//! A tree whose shape is static builds its children inside the parent's
//! runnable, which runs again at each restart of the parent: clone the
//! command there (`ctx.run_group([cmd.clone().child("web")])`). Clones share
//! the status, log files and tail buffers, so one handle follows the process
//! over every rebuild.
//!
//! # Grace period
//!
//! The core aborts a runnable's task when it has not returned `grace` after
//! its cancellation (5 s by default). An aborted run kills its process
//! group with `SIGKILL` at once, so the stop timeout is cut short. A node
//! that runs a command needs a grace period longer than the stop timeout:
//! [`Command::child`] sets it ([`Command::grace`]).
//!
//! # Caveats
//!
//! * Linux only (pidfds, `PR_SET_PDEATHSIG`, `close_range`, abstract sockets).
//! * `PR_SET_PDEATHSIG` fires when the *thread* that spawned the process
//!   exits, not only the process: spawn commands from tokio worker threads
//!   (the usual case), not from `spawn_blocking` threads, which exit when idle.
//!   It only reaches the direct child; its own children die with it only if
//!   [`Command::kill_group_on_exit`] (the default) is on, i.e. if the
//!   supervisor is alive to do it.
//! * Processes that leave their process group (`setsid`, daemonizing) escape
//!   group signals; cgroups are out of scope.
//! * A grandchild orphaned by a process killed outside the stop ladder is
//!   reparented to init (or the nearest subreaper), which reaps it; a
//!   supervisor running as PID 1 must reap orphans itself: call
//!   [`reap_orphans`] on `SIGCHLD`, which reaps only the children
//!   supervisor-exec did not spawn (and so must not be used by a program
//!   that waits for children of its own by other means).
//! * The exit is observed through a pidfd (Linux 5.3+) so that the group is
//!   killed and the pid forgotten *before* the process is reaped: a signal
//!   from a [`ProcessHandle`] never reaches a recycled pid. Without pidfds, the
//!   exit is seen by reaping, and that guarantee is lost.
//! * With [`Readiness::NotifyFd`], the fd number must not be one the
//!   supervisor's spawn machinery uses in the child at that moment; pick a
//!   number such as 3 that the runtime already holds in the parent.
//! * [`Readiness::SdNotify`] uses an abstract unix socket; any process in the
//!   same network namespace that knows its name can send to it.
//! * Log files are written from the output-draining tasks with blocking
//!   `write(2)` calls (page-cache writes: fast, but blocking on a stalled
//!   disk).

#![warn(
    missing_docs,
    missing_debug_implementations,
    unreachable_pub,
    rust_2018_idioms
)]
#![deny(unsafe_op_in_unsafe_fn)]

mod command;
mod error;
mod handle;
mod output;
mod readiness;
mod reaper;
mod run;
mod spawn;
mod stop;
mod sys;

pub use crate::command::{Command, Isolation, Readiness};
pub use crate::error::{Error, ExitStatus};
pub use crate::handle::{LastExit, ProcessHandle, ProcessState, ProcessStatus};
pub use crate::output::{LogFile, Output, OutputChunk, Stream, Tail, TailBuffer};
pub use crate::reaper::{reap_orphans, Orphan, Reaped};
/// Marks every file descriptor of this process above stderr close-on-exec,
/// so that no program spawned afterwards inherits one (descriptors the
/// process inherited from whoever started it, in particular).
///
/// Call it at the start of `main`, before starting threads (another thread
/// may be about to hand one of its descriptors to a child of its own) and
/// before opening any descriptor meant to be inherited (it would be marked
/// too). Rust's standard library and tokio open their descriptors
/// close-on-exec, so a program that calls this and then opens none without
/// close-on-exec can make the [`Command::fds_cloexec`] promise.
///
/// Uses `close_range(2)` with `CLOSE_RANGE_CLOEXEC` (Linux 5.11+); on older
/// kernels, `fcntl(F_SETFD)` on every descriptor number below the soft
/// `RLIMIT_NOFILE` (at most 65536).
pub fn mark_inherited_fds_cloexec() {
    sys::mark_cloexec_from(3);
}

/// Resource kinds for [`Command::rlimit`] (re-exported from `nix`).
pub use nix::sys::resource::Resource;
/// Signals for [`Command::stop_signal`] and [`ProcessHandle::signal`]
/// (re-exported from `nix`; named so as not to clash with
/// [`supervisor_core::Signal`]).
pub use nix::sys::signal::Signal as UnixSignal;

//! Spawning a process: checks done in the parent, the pipes, the child side,
//! and the `Process` a run owns until it is reaped.

use std::ffi::{OsStr, OsString};
use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Instant;

use nix::sys::signal::Signal;
use tokio::io::unix::AsyncFd;
use tokio::net::unix::pipe;
use tokio::task::JoinHandle;
use tracing::Instrument;

use crate::command::{Config, Isolation, Readiness};
use crate::error::{Error, ExitStatus, Kind};
use crate::handle::{ProcessState, Shared};
use crate::output::{self, Stream};
use crate::readiness::Notifier;
use crate::reaper;
use crate::sys::{self, PreExec};

const DEFAULT_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// The program's path, resolved in the parent so that a missing command
/// gives a clear error naming it (supervisord's "can't find command").
fn resolve_program(cfg: &Config) -> Result<PathBuf, Error> {
    let program = Path::new(&cfg.program);
    let shown = || cfg.program.to_string_lossy().into_owned();
    let candidates: Vec<PathBuf> = if cfg.program.as_bytes().contains(&b'/') {
        match (&cfg.cwd, program.is_relative()) {
            (Some(cwd), true) => vec![cwd.join(program)],
            _ => vec![program.to_path_buf()],
        }
    } else {
        let path = child_path(cfg);
        std::env::split_paths(&path)
            .filter(|d| !d.as_os_str().is_empty())
            .map(|d| d.join(program))
            .collect()
    };
    let mut not_executable = None;
    for candidate in candidates {
        match std::fs::metadata(&candidate) {
            Ok(m) if m.is_file() && m.permissions().mode() & 0o111 != 0 => return Ok(candidate),
            Ok(_) => {
                not_executable.get_or_insert(candidate);
            }
            Err(_) => {}
        }
    }
    Err(match not_executable {
        Some(path) => Kind::NotExecutable(path).into(),
        None => Kind::NotFound(shown()).into(),
    })
}

/// The `PATH` the child will have.
fn child_path(cfg: &Config) -> OsString {
    let set = cfg.env.iter().rev().find(|(k, _)| k == OsStr::new("PATH"));
    match set {
        Some((_, Some(v))) => v.clone(),
        Some((_, None)) => OsString::from(DEFAULT_PATH),
        None if cfg.env_clear => OsString::from(DEFAULT_PATH),
        None => std::env::var_os("PATH").unwrap_or_else(|| OsString::from(DEFAULT_PATH)),
    }
}

/// A spawned process, owned by one run until it is reaped. Dropping it
/// unreaped (the run was aborted) kills its process group.
#[derive(Debug)]
pub(crate) struct Process {
    pub(crate) child: tokio::process::Child,
    pub(crate) pid: u32,
    pub(crate) started: Instant,
    /// The readiness channel, taken by the run.
    pub(crate) notifier: Option<Notifier>,
    pidfd: Option<AsyncFd<OwnedFd>>,
    /// The status, when the exit was seen by reaping (no pidfd).
    early: Option<std::process::ExitStatus>,
    exited: bool,
    reaped: bool,
    readers: Vec<JoinHandle<()>>,
    shared: Arc<Shared>,
}

/// Spawns one process of `cfg`.
pub(crate) fn spawn(
    cfg: &Config,
    shared: &Arc<Shared>,
    span: &tracing::Span,
) -> Result<Process, Error> {
    if let Some(cwd) = &cfg.cwd {
        match std::fs::metadata(cwd) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(Kind::BadCwd {
                    path: cwd.clone(),
                    source: io::Error::other("not a directory"),
                }
                .into())
            }
            Err(source) => {
                return Err(Kind::BadCwd {
                    path: cwd.clone(),
                    source,
                }
                .into())
            }
        }
    }
    let program = resolve_program(cfg)?;
    let spawn_err = |source: io::Error| -> Error {
        Kind::Spawn {
            program: program.clone(),
            source,
        }
        .into()
    };
    let creds = match &cfg.user {
        None => None,
        Some(user) => {
            let creds = sys::resolve_user(user, cfg.group).map_err(|reason| Kind::User {
                user: user.clone(),
                reason,
            })?;
            let euid = sys::geteuid();
            if euid == 0 {
                Some(creds)
            } else if creds.uid == euid && cfg.group.is_none() {
                None
            } else {
                return Err(Kind::User {
                    user: user.clone(),
                    reason: "the supervisor is not running as root".to_owned(),
                }
                .into());
            }
        }
    };
    let cwd = match &cfg.cwd {
        Some(dir) => Some(sys::cstring(dir.as_os_str().as_bytes()).ok_or_else(|| {
            Error::from(Kind::BadCwd {
                path: dir.clone(),
                source: io::Error::new(io::ErrorKind::InvalidInput, "path contains a NUL byte"),
            })
        })?),
        None => None,
    };

    let mut cmd = tokio::process::Command::new(&program);
    cmd.arg0(&cfg.program).args(&cfg.args);
    if cfg.env_clear {
        cmd.env_clear();
    }
    for (key, value) in &cfg.env {
        match value {
            Some(v) => cmd.env(key, v),
            None => cmd.env_remove(key),
        };
    }
    cmd.stdin(if cfg.stdin {
        Stdio::piped()
    } else {
        Stdio::null()
    });

    // Output pipes: our read ends are drained by tasks; the write ends go to
    // the child (and are closed here when `cmd` is dropped after spawning).
    let mut pipes: Vec<(OwnedFd, Stream)> = Vec::new();
    match shared.sinks(Stream::Stdout) {
        Some(_) => {
            let (r, w) = sys::pipe().map_err(spawn_err)?;
            if cfg.merge_stderr {
                cmd.stderr(Stdio::from(w.try_clone().map_err(spawn_err)?));
            }
            cmd.stdout(Stdio::from(w));
            pipes.push((r, Stream::Stdout));
        }
        None => {
            cmd.stdout(Stdio::null());
            if cfg.merge_stderr {
                cmd.stderr(Stdio::null());
            }
        }
    }
    if !cfg.merge_stderr {
        match shared.sinks(Stream::Stderr) {
            Some(_) => {
                let (r, w) = sys::pipe().map_err(spawn_err)?;
                cmd.stderr(Stdio::from(w));
                pipes.push((r, Stream::Stderr));
            }
            None => {
                cmd.stderr(Stdio::null());
            }
        }
    }

    let mut notify_fd = None;
    let mut notify_write: Option<OwnedFd> = None;
    let notifier = match cfg.readiness {
        Readiness::NotifyFd(target) => {
            if target < 3 {
                return Err(spawn_err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("notification fd {target} must be 3 or more"),
                )));
            }
            let (r, w) = sys::pipe().map_err(spawn_err)?;
            notify_fd = Some((sys::raw(&w), target));
            notify_write = Some(w);
            Some(Notifier::fd(r).map_err(spawn_err)?)
        }
        Readiness::SdNotify => {
            let (notifier, name) = Notifier::socket().map_err(spawn_err)?;
            cmd.env("NOTIFY_SOCKET", name);
            Some(notifier)
        }
        Readiness::Immediate | Readiness::After(_) => None,
    };

    if cfg.isolation == Isolation::ProcessGroup {
        cmd.process_group(0);
    }
    cmd.kill_on_drop(true);
    // A `pre_exec` hook makes std fork (copying the supervisor's page
    // tables, then copy-on-write faults in the supervisor) instead of
    // posix_spawn (vfork-like): install it only when something needs it.
    // std's own descriptors are close-on-exec, so the descriptor sweep is
    // needed only when an inheritable one is open.
    let pre = PreExec {
        parent: sys::getpid(),
        session: cfg.isolation == Isolation::Session,
        pdeathsig: cfg.pdeathsig,
        notify_fd,
        umask: cfg.umask,
        rlimits: cfg.rlimits.clone(),
        nice: cfg.nice,
        creds,
        cwd,
    };
    if pre.needs_child_side() || (!cfg.fds_cloexec && sys::inheritable_fd_open()) {
        sys::set_pre_exec(&mut cmd, pre);
    } else if let Some(dir) = &cfg.cwd {
        // posix_spawn_file_actions_addchdir_np (glibc 2.29+); std falls
        // back to fork when the C library lacks it.
        cmd.current_dir(dir);
    }
    // Registered before the reaper of orphans can look at it.
    let spawning = reaper::spawning();
    let child = cmd.spawn().map_err(spawn_err)?;
    let pid = child
        .id()
        .ok_or_else(|| spawn_err(io::Error::other("the child has no pid")))?;
    reaper::spawned(pid);
    drop(spawning);
    // Close our copies of the child's ends of the pipes.
    drop(cmd);
    drop(notify_write);
    let started = Instant::now();
    *shared.live() = Some(pid);
    let pidfd = sys::pidfd_open(pid);

    let mut proc = Process {
        child,
        pid,
        started,
        notifier,
        pidfd,
        early: None,
        exited: false,
        reaped: false,
        readers: Vec::new(),
        shared: shared.clone(),
    };
    for (fd, stream) in pipes {
        let Some(sinks) = shared.sinks(stream) else {
            continue;
        };
        // A failure here leaves `proc` to be dropped: its group is killed.
        let rx = pipe::Receiver::from_owned_fd(fd).map_err(spawn_err)?;
        proc.readers.push(tokio::spawn(
            output::drain(rx, sinks, pid).instrument(span.clone()),
        ));
    }
    Ok(proc)
}

impl Process {
    /// Resolves once the process has exited, without reaping it when the
    /// kernel has pidfds (so its pid and group id stay reserved).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub(crate) async fn exited(&mut self) {
        if self.exited {
            return;
        }
        if let Some(fd) = &self.pidfd {
            match fd.readable().await {
                Ok(_guard) => {
                    // A pidfd stays readable once the process has exited.
                    self.exited = true;
                    return;
                }
                Err(_) => self.pidfd = None,
            }
        }
        match self.child.wait().await {
            Ok(status) => self.early = Some(status),
            Err(e) => tracing::error!(pid = self.pid, error = %e, "wait failed"),
        }
        reaper::reaped(self.pid);
        self.exited = true;
    }

    /// Sends `signal` to the process or its group. The process is not reaped
    /// yet, so its pid (and group id) cannot have been reused.
    pub(crate) fn signal(&self, signal: Signal, group: bool) {
        if let Err(e) = sys::send_signal(self.pid, group, signal) {
            tracing::warn!(pid = self.pid, ?signal, error = %e, "cannot signal the process");
        }
    }

    /// Waits for the exit, kills what is left of the group if asked to,
    /// then reaps the process.
    pub(crate) async fn reap(&mut self, kill_group: bool) -> ExitStatus {
        self.exited().await;
        // From now on, handles cannot signal this pid.
        *self.shared.live() = None;
        if kill_group && sys::group_alive(self.pid) {
            self.signal(Signal::SIGKILL, true);
        }
        let status = match self.early.take() {
            Some(s) => Ok(s),
            None => self.child.wait().await,
        };
        reaper::reaped(self.pid);
        self.reaped = true;
        self.shared.set_stdin(None);
        match status {
            Ok(s) => ExitStatus::from_std(s),
            Err(e) => {
                tracing::error!(pid = self.pid, error = %e, "wait failed");
                ExitStatus::Exited(-1)
            }
        }
    }

    /// Waits up to `timeout` for the output pipes to reach end-of-file; the
    /// readers that are still going carry on in the background.
    pub(crate) async fn drain(&mut self, timeout: std::time::Duration) {
        let deadline = tokio::time::Instant::now() + timeout;
        for reader in self.readers.drain(..) {
            if tokio::time::timeout_at(deadline, reader).await.is_err() {
                tracing::debug!(
                    "output still open after the process ended; draining in the background"
                );
            }
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if !self.reaped {
            // The run was aborted (or failed while spawning): kill the whole
            // group while its id is still reserved by the unreaped leader.
            // tokio's `kill_on_drop` then reaps the leader in the background.
            *self.shared.live() = None;
            reaper::abandoned(self.pid);
            let _ = sys::send_signal(self.pid, true, Signal::SIGKILL);
            self.shared.set_stdin(None);
            self.shared.update(|s| {
                if s.pid == Some(self.pid) {
                    s.state = ProcessState::Stopped;
                    s.pid = None;
                }
            });
        }
    }
}

//! The error type of supervisor-exec, and how a process ended.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How a process ended: an exit code, or a signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExitStatus {
    /// It called `exit(code)` (or returned from `main`).
    Exited(i32),
    /// It was terminated by a signal.
    Signaled {
        /// The signal number (`9` for `SIGKILL`).
        signal: i32,
        /// Whether it dumped core.
        core_dumped: bool,
    },
}

impl ExitStatus {
    pub(crate) fn from_std(status: std::process::ExitStatus) -> Self {
        use std::os::unix::process::ExitStatusExt;
        match (status.code(), status.signal()) {
            (Some(code), _) => ExitStatus::Exited(code),
            (None, Some(signal)) => ExitStatus::Signaled {
                signal,
                core_dumped: status.core_dumped(),
            },
            // Stopped/continued statuses are never reported by `wait`.
            (None, None) => ExitStatus::Exited(-1),
        }
    }

    /// The exit code, if the process exited on its own.
    pub fn code(self) -> Option<i32> {
        match self {
            ExitStatus::Exited(code) => Some(code),
            ExitStatus::Signaled { .. } => None,
        }
    }

    /// The signal number, if the process was killed by a signal.
    pub fn signal(self) -> Option<i32> {
        match self {
            ExitStatus::Signaled { signal, .. } => Some(signal),
            ExitStatus::Exited(_) => None,
        }
    }
}

impl fmt::Display for ExitStatus {
    /// `exit status 3`, `terminated by SIGKILL`, `terminated by SIGSEGV (core dumped)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ExitStatus::Exited(code) => write!(f, "exit status {code}"),
            ExitStatus::Signaled {
                signal,
                core_dumped,
            } => {
                match crate::sys::signal_name(signal) {
                    Some(name) => write!(f, "terminated by {name}")?,
                    None => write!(f, "terminated by signal {signal}")?,
                }
                if core_dumped {
                    f.write_str(" (core dumped)")?;
                }
                Ok(())
            }
        }
    }
}

/// Why a command could not be run, or how its process ended badly.
///
/// Use the `is_*` predicates to tell the cases apart. The [`Display`](fmt::Display)
/// text names the program, path or status involved and is meant for humans
/// (supervisord's `spawnerr`); its exact wording is not stable: **do not
/// parse it**. The types of [`source`](std::error::Error::source) errors are
/// not stable either.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct Error(Box<Kind>);

#[derive(Debug, thiserror::Error)]
pub(crate) enum Kind {
    #[error("can't find command '{0}'")]
    NotFound(String),
    #[error("command at '{}' is not executable", .0.display())]
    NotExecutable(PathBuf),
    #[error("can't chdir to '{}': {source}", path.display())]
    BadCwd {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("can't switch to user '{user}': {reason}")]
    User { user: String, reason: String },
    #[error("can't spawn '{}': {source}", program.display())]
    Spawn {
        program: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("exited before it was ready, after {uptime:?}: {status}")]
    ExitedBeforeReady {
        status: ExitStatus,
        uptime: Duration,
    },
    #[error("not ready within {0:?}")]
    ReadyTimeout(Duration),
    #[error("exited unexpectedly: {0}")]
    Exited(ExitStatus),
    #[error("no process is running")]
    NotRunning,
    #[error("stdin is not piped (see Command::stdin)")]
    NoStdin,
    #[error("{op}: {source}")]
    Io {
        op: &'static str,
        #[source]
        source: io::Error,
    },
}

impl From<Kind> for Error {
    fn from(kind: Kind) -> Self {
        Error(Box::new(kind))
    }
}

impl Error {
    pub(crate) fn io(op: &'static str, source: io::Error) -> Self {
        Kind::Io { op, source }.into()
    }

    /// The process could not be started: the command was not found or is not
    /// executable, the working directory or user is bad, or the spawn itself
    /// failed. This is supervisord's `spawnerr` (the process never ran).
    pub fn is_spawn(&self) -> bool {
        matches!(
            *self.0,
            Kind::NotFound(_)
                | Kind::NotExecutable(_)
                | Kind::BadCwd { .. }
                | Kind::User { .. }
                | Kind::Spawn { .. }
        )
    }

    /// The program was not found (no such file, or not on `PATH`).
    pub fn is_not_found(&self) -> bool {
        matches!(*self.0, Kind::NotFound(_))
    }

    /// The process started but ended (or was killed for not becoming ready in
    /// time) before it was ready: a failed start, which supervisord counts
    /// against `startretries` (its `BACKOFF` state).
    pub fn is_failed_start(&self) -> bool {
        matches!(
            *self.0,
            Kind::ExitedBeforeReady { .. } | Kind::ReadyTimeout(_)
        )
    }

    /// The process was ready, then exited with an unexpected code or a signal.
    pub fn is_unexpected_exit(&self) -> bool {
        matches!(*self.0, Kind::Exited(_))
    }

    /// A handle operation needed a running process and there is none.
    pub fn is_not_running(&self) -> bool {
        matches!(*self.0, Kind::NotRunning)
    }

    /// An I/O operation on the process failed (writing to its stdin, sending
    /// a signal, reading its notifications, a log file).
    pub fn is_io(&self) -> bool {
        matches!(*self.0, Kind::Io { .. } | Kind::NoStdin)
    }

    /// How the process ended, for the errors that are about an exit.
    pub fn exit_status(&self) -> Option<ExitStatus> {
        match *self.0 {
            Kind::ExitedBeforeReady { status, .. } | Kind::Exited(status) => Some(status),
            _ => None,
        }
    }

    /// The path a spawn error is about: the missing or non-executable
    /// program, or the bad working directory.
    pub fn path(&self) -> Option<&Path> {
        match &*self.0 {
            Kind::NotExecutable(p) => Some(p),
            Kind::NotFound(p) => Some(Path::new(p)),
            Kind::BadCwd { path, .. } => Some(path),
            Kind::Spawn { program, .. } => Some(program),
            _ => None,
        }
    }
}

//! The `Command` builder: what to run, how, and how to stop it.

use std::ffi::OsString;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use nix::sys::resource::Resource;
use nix::sys::signal::Signal;
use supervisor_core::{Child, Context, Runnable};

use crate::handle::{ProcessHandle, Shared};
use crate::output::{Output, Sinks, Stream};
use crate::Error;

/// When a spawned process counts as ready, which the node reports as
/// [`Signal::Healthy`](supervisor_core::Signal::Healthy).
///
/// A process that exits before it is ready is a failed start
/// ([`Error::is_failed_start`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Readiness {
    /// Ready as soon as it is spawned.
    #[default]
    Immediate,
    /// Ready once it has stayed up this long (supervisord's `startsecs`).
    After(Duration),
    /// Ready when it writes a newline to this file descriptor (s6's
    /// `notification-fd`; it must be 3 or more). End-of-file without a
    /// newline means it will never say so (it is then ready never, or after
    /// [`Command::ready_timeout`] fails).
    NotifyFd(i32),
    /// Ready when it sends `READY=1` to the datagram socket named in its
    /// `NOTIFY_SOCKET` environment variable (systemd's `sd_notify`, with an
    /// abstract socket). `STATUS=` texts are published in
    /// [`ProcessStatus::notify_status`](crate::ProcessStatus::notify_status).
    SdNotify,
}

/// Whether the process gets its own process group or its own session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Isolation {
    /// Its own process group (`setpgid(0, 0)`), in the supervisor's session.
    #[default]
    ProcessGroup,
    /// Its own session (`setsid`), hence its own group and no controlling terminal.
    Session,
}

#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) program: OsString,
    pub(crate) args: Vec<OsString>,
    pub(crate) env_clear: bool,
    pub(crate) env: Vec<(OsString, Option<OsString>)>,
    pub(crate) cwd: Option<PathBuf>,
    pub(crate) user: Option<String>,
    pub(crate) group: Option<u32>,
    pub(crate) umask: Option<u32>,
    pub(crate) rlimits: Vec<(Resource, u64, u64)>,
    pub(crate) nice: Option<i32>,
    pub(crate) isolation: Isolation,
    pub(crate) pdeathsig: bool,
    pub(crate) fds_cloexec: bool,
    pub(crate) stdin: bool,
    pub(crate) merge_stderr: bool,
    pub(crate) readiness: Readiness,
    pub(crate) ready_timeout: Option<Duration>,
    pub(crate) exit_codes: Vec<i32>,
    pub(crate) stop_signal: Signal,
    pub(crate) stop_as_group: bool,
    pub(crate) stop_timeout: Duration,
    pub(crate) kill_as_group: bool,
    pub(crate) kill_group_on_exit: bool,
    pub(crate) drain_timeout: Duration,
}

/// An OS command as a supervised runnable.
///
/// Build it like [`std::process::Command`], add process control, then hand
/// it to a supervisor (it implements [`Runnable`]), usually through
/// [`Command::child`], which also sets the node's grace period to fit the
/// stop timeout. Each run of the node spawns one process and returns once
/// that process is reaped.
///
/// Defaults: inherit the environment and working directory; own process
/// group; killed if the supervising thread dies; stdin, stdout and stderr
/// on `/dev/null`; ready at once; only exit code 0 is expected; stop with
/// `SIGTERM` to the process, `SIGKILL` to its group after 10 s; whatever
/// is left of the group is killed when the process ends.
///
/// ```no_run
/// use std::time::Duration;
/// use supervisor_exec::{Command, Output, Readiness, UnixSignal};
///
/// let cmd = Command::new("nginx")
///     .args(["-g", "daemon off;"])
///     .env("LANG", "C")
///     .current_dir("/srv")
///     .readiness(Readiness::After(Duration::from_secs(1)))
///     .stop_signal(UnixSignal::SIGQUIT)
///     .stop_timeout(Duration::from_secs(5))
///     .stdout(Output::new().tracing(tracing::Level::INFO).tail(64 * 1024));
/// let handle = cmd.handle();
/// let child = cmd.child("nginx"); // add it to a tree
/// # let _ = (handle, child);
/// ```
///
/// A clone shares the state its [`ProcessHandle`]s see (status, log files,
/// tail buffers, output channel): clone a command to hand it to a parent
/// that re-adds its children at each restart. Never run two clones at the
/// same time (the status would mix two processes). The output settings
/// ([`stdout`](Self::stdout), [`stderr`](Self::stderr),
/// [`output_channel_capacity`](Self::output_channel_capacity)) are part of
/// that shared state: setting one on a clone changes it for every clone, so
/// configure the outputs before cloning.
#[derive(Debug, Clone)]
#[must_use]
pub struct Command {
    pub(crate) cfg: Config,
    pub(crate) shared: Arc<Shared>,
}

impl Command {
    /// A command that runs `program` (searched on `PATH` if it has no `/`)
    /// without a shell.
    pub fn new(program: impl Into<OsString>) -> Self {
        Self {
            cfg: Config {
                program: program.into(),
                args: Vec::new(),
                env_clear: false,
                env: Vec::new(),
                cwd: None,
                user: None,
                group: None,
                umask: None,
                rlimits: Vec::new(),
                nice: None,
                isolation: Isolation::default(),
                pdeathsig: true,
                fds_cloexec: false,
                stdin: false,
                merge_stderr: false,
                readiness: Readiness::default(),
                ready_timeout: None,
                exit_codes: vec![0],
                stop_signal: Signal::SIGTERM,
                stop_as_group: false,
                stop_timeout: Duration::from_secs(10),
                kill_as_group: true,
                kill_group_on_exit: true,
                drain_timeout: Duration::from_secs(1),
            },
            shared: Arc::new(Shared::new()),
        }
    }

    /// A command that runs `script` with `/bin/sh -c`.
    pub fn shell(script: impl Into<OsString>) -> Self {
        Self::new("/bin/sh").arg("-c").arg(script)
    }

    /// Adds an argument.
    pub fn arg(mut self, arg: impl Into<OsString>) -> Self {
        self.cfg.args.push(arg.into());
        self
    }

    /// Adds arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.cfg.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Sets an environment variable (on top of the inherited ones, unless
    /// [`env_clear`](Self::env_clear)).
    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.cfg.env.push((key.into(), Some(value.into())));
        self
    }

    /// Removes an inherited environment variable.
    pub fn env_remove(mut self, key: impl Into<OsString>) -> Self {
        self.cfg.env.push((key.into(), None));
        self
    }

    /// Starts from an empty environment instead of the supervisor's.
    pub fn env_clear(mut self) -> Self {
        self.cfg.env_clear = true;
        self.cfg.env.clear();
        self
    }

    /// The working directory, entered as the target user (as supervisord's
    /// `directory`). A relative program path with a `/` is resolved against it.
    pub fn current_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cfg.cwd = Some(dir.into());
        self
    }

    /// Runs as `user` (a name or a numeric uid): its uid, its primary group
    /// and its supplementary groups (as `initgroups` sets them). Requires
    /// running as root, unless `user` is the current user.
    pub fn user(mut self, user: impl Into<String>) -> Self {
        self.cfg.user = Some(user.into());
        self
    }

    /// With [`user`](Self::user): overrides the primary group.
    pub fn group(mut self, gid: u32) -> Self {
        self.cfg.group = Some(gid);
        self
    }

    /// The file mode creation mask, e.g. `0o022`.
    pub fn umask(mut self, mask: u32) -> Self {
        self.cfg.umask = Some(mask);
        self
    }

    /// Sets a resource limit (soft, hard), e.g. `Resource::RLIMIT_NOFILE`.
    pub fn rlimit(mut self, resource: Resource, soft: u64, hard: u64) -> Self {
        self.cfg.rlimits.push((resource, soft, hard));
        self
    }

    /// The scheduling priority (`nice` value, -20 to 19).
    pub fn nice(mut self, nice: i32) -> Self {
        self.cfg.nice = Some(nice);
        self
    }

    /// Own process group (default) or own session.
    pub fn isolation(mut self, isolation: Isolation) -> Self {
        self.cfg.isolation = isolation;
        self
    }

    /// Whether the process gets `SIGKILL` when the supervising thread dies
    /// (`PR_SET_PDEATHSIG`, default `true`). See the crate's Caveats.
    pub fn kill_with_parent(mut self, yes: bool) -> Self {
        self.cfg.pdeathsig = yes;
        self
    }

    /// A promise that every descriptor of this process above stderr is
    /// close-on-exec (default `false`).
    ///
    /// It only matters for a command with nothing else to apply in the
    /// child between `fork` and `exec`, i.e. with
    /// [`kill_with_parent(false)`](Self::kill_with_parent) (it is on by
    /// default) and no session, notification fd, umask, rlimit, nice value
    /// or user to switch to. Any of those makes the child, after `fork`,
    /// mark every descriptor above stderr close-on-exec, promise or not.
    /// Without them the process can be started with `posix_spawn`, and each
    /// spawn first checks the descriptor table: if an inheritable descriptor
    /// is open, it falls back to such a `fork`, so the strays are marked
    /// close-on-exec (not closed) in the child and not inherited. The
    /// promise skips that check. The check is racy: a descriptor made
    /// inheritable by another thread between the check and the spawn is
    /// inherited.
    ///
    /// Rust's standard library and tokio open every descriptor
    /// close-on-exec; a program that also marks those it inherited at start
    /// ([`mark_inherited_fds_cloexec`](crate::mark_inherited_fds_cloexec))
    /// can make the promise. If the promise is broken, the child inherits
    /// the strays.
    pub fn fds_cloexec(mut self, yes: bool) -> Self {
        self.cfg.fds_cloexec = yes;
        self
    }

    /// Pipes stdin, for [`ProcessHandle::write_stdin`] (default: `/dev/null`).
    pub fn stdin(mut self, piped: bool) -> Self {
        self.cfg.stdin = piped;
        self
    }

    /// Where stdout goes (default: `/dev/null`).
    pub fn stdout(self, output: Output) -> Self {
        self.set_output(Stream::Stdout, output)
    }

    /// Where stderr goes (default: `/dev/null`). Ignored with
    /// [`merge_stderr`](Self::merge_stderr).
    pub fn stderr(self, output: Output) -> Self {
        self.set_output(Stream::Stderr, output)
    }

    fn set_output(self, stream: Stream, output: Output) -> Self {
        let channel = output.channel.then(|| self.shared.channel.clone());
        let sinks = Sinks::new(stream, output, channel).map(Arc::new);
        {
            let mut set = self.shared.sinks.write().unwrap_or_else(|e| e.into_inner());
            match stream {
                Stream::Stdout => set.stdout = sinks,
                Stream::Stderr => set.stderr = sinks,
            }
        }
        self
    }

    /// Sends stderr to stdout's pipe, so both go to stdout's sinks, in
    /// order (supervisord's `redirect_stderr`).
    pub fn merge_stderr(mut self, merge: bool) -> Self {
        self.cfg.merge_stderr = merge;
        self
    }

    /// How many output chunks the output channel buffers for a slow
    /// subscriber (default 1024). It may be set before or after the outputs
    /// are configured; set after someone subscribed, it replaces the channel
    /// (those subscribers see it closed and must subscribe again).
    pub fn output_channel_capacity(self, capacity: usize) -> Self {
        self.shared.channel.set_capacity(capacity);
        self
    }

    /// When the process counts as ready (default [`Readiness::Immediate`]).
    pub fn readiness(mut self, readiness: Readiness) -> Self {
        self.cfg.readiness = readiness;
        self
    }

    /// Kills the process (with the stop sequence) if it is not ready within
    /// `timeout`; the run then fails as a failed start. Default: no limit.
    pub fn ready_timeout(mut self, timeout: Duration) -> Self {
        self.cfg.ready_timeout = Some(timeout);
        self
    }

    /// The exit codes that count as a clean exit (default `[0]`): the run
    /// then returns `Ok(())` and the node's restart policy decides (a
    /// permanent node restarts; a transient one is done). Any other code,
    /// and any death by signal, is an error.
    pub fn exit_codes(mut self, codes: impl IntoIterator<Item = i32>) -> Self {
        self.cfg.exit_codes = codes.into_iter().collect();
        self
    }

    /// The signal sent when the node is cancelled (default `SIGTERM`).
    pub fn stop_signal(mut self, signal: Signal) -> Self {
        self.cfg.stop_signal = signal;
        self
    }

    /// Send the stop signal to the whole process group (supervisord's
    /// `stopasgroup`; default `false`: to the process only).
    pub fn stop_as_group(mut self, group: bool) -> Self {
        self.cfg.stop_as_group = group;
        self
    }

    /// How long to wait after the stop signal before `SIGKILL`
    /// (supervisord's `stopwaitsecs`; default 10 s). The node's grace
    /// period must be longer: see [`child`](Self::child).
    pub fn stop_timeout(mut self, timeout: Duration) -> Self {
        self.cfg.stop_timeout = timeout;
        self
    }

    /// Send the final `SIGKILL` to the whole process group (supervisord's
    /// `killasgroup`; default `true`) rather than to the process only.
    pub fn kill_as_group(mut self, group: bool) -> Self {
        self.cfg.kill_as_group = group;
        self
    }

    /// When the process ends (for any reason), `SIGKILL` whatever is left
    /// in its process group, so no grandchild outlives it (default `true`;
    /// supervisord does not do this: set `false` to match it). The group is
    /// killed before the process is reaped, while its id cannot be reused.
    pub fn kill_group_on_exit(mut self, kill: bool) -> Self {
        self.cfg.kill_group_on_exit = kill;
        self
    }

    /// How long a run waits, after reaping the process, for its output
    /// pipes to reach end-of-file (default 1 s). Output still arriving after
    /// that (a grandchild holding the pipe) keeps being drained in the
    /// background.
    pub fn drain_timeout(mut self, timeout: Duration) -> Self {
        self.cfg.drain_timeout = timeout;
        self
    }

    /// The grace period a node running this command needs: the stop
    /// timeout, the drain timeout, and one second of margin.
    pub fn grace(&self) -> Duration {
        self.cfg.stop_timeout + self.cfg.drain_timeout + Duration::from_secs(1)
    }

    /// A handle to the command's processes, over all its runs.
    pub fn handle(&self) -> ProcessHandle {
        ProcessHandle {
            shared: self.shared.clone(),
        }
    }

    /// This command as a child node named `name`, with its grace period set
    /// to [`grace`](Self::grace).
    ///
    /// The core aborts a runnable's task when it has not returned `grace`
    /// after its cancellation (5 s by default). Aborting a command's run
    /// kills its process group at once, skipping the rest of the stop
    /// timeout; so a node that runs a command must have a grace period
    /// longer than the command's stop timeout. This helper sets it; if you
    /// set other options on the child, keep it.
    pub fn child(self, name: impl Into<String>) -> Child {
        let grace = self.grace();
        Child::new(name, self).grace(grace)
    }
}

impl Runnable for Command {
    type Error = Error;

    /// Spawns the process, reports readiness, waits for it to end (or stops
    /// it when `ctx` is cancelled), and returns once it is reaped.
    ///
    /// # Errors
    ///
    /// A spawn error ([`Error::is_spawn`]), a failed start
    /// ([`Error::is_failed_start`]), or an unexpected exit
    /// ([`Error::is_unexpected_exit`]). A stop after cancellation returns
    /// `Ok(())`.
    fn run(&self, ctx: Context) -> impl Future<Output = Result<(), Error>> + Send {
        crate::run::run(&self.cfg, &self.shared, ctx)
    }
}

//! Process policy: how one supervisord process instance maps onto a tree node.
//!
//! Each `[program:x]` instance is a node under its group's node whose runnable is a
//! [`ProcRunnable`]: a supervisor-exec [`Command`] (readiness "up for `startsecs`",
//! `stopsignal`/`stopwaitsecs`/SIGKILL ladder, rotated log files) wrapped with
//! supervisord's restart decision. The node is [`Restart::Transient`] with a
//! [`Retries`] backoff and `stable_after(0)`:
//!
//! * a failed start (spawn error, or an exit before `startsecs`) returns an error:
//!   the node is DEAD and restarts after 1 s, 2 s, 3 s ...; after `startretries`
//!   the policy gives up and the node is FAILED (supervisord's FATAL);
//! * an exit after RUNNING that `autorestart` wants restarted returns an error
//!   too, but first tells the policy so, which answers 0 (supervisord restarts at
//!   once, with a fresh retry count);
//! * an exit that must not be restarted returns `Ok`: the node is DONE (EXITED);
//! * an operator stop cancels the node (STOPPING, then STOPPED).
//!
//! The supervisord state shown to clients is derived from the node's state in a
//! snapshot plus the command's [`ProcessStatus`] (see [`derive_state`]).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use supervisor_core::{
    BackoffPolicy, BoxError, Child, Context, NodeInfo, NodeState, Restart, Runnable,
};
use supervisor_exec::{
    Command, LogFile, Output, ProcessHandle, ProcessState, ProcessStatus, Readiness, Stream,
    UnixSignal,
};

use crate::config::{AutoRestart, ProcessConfig, StreamConfig};
use crate::events::OutputConsumer;

/// supervisord's process states (`supervisor.states.ProcessStates`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcState {
    Stopped = 0,
    Starting = 10,
    Running = 20,
    Backoff = 30,
    Stopping = 40,
    Exited = 100,
    Fatal = 200,
    Unknown = 1000,
}

impl ProcState {
    pub fn name(self) -> &'static str {
        match self {
            ProcState::Stopped => "STOPPED",
            ProcState::Starting => "STARTING",
            ProcState::Running => "RUNNING",
            ProcState::Backoff => "BACKOFF",
            ProcState::Stopping => "STOPPING",
            ProcState::Exited => "EXITED",
            ProcState::Fatal => "FATAL",
            ProcState::Unknown => "UNKNOWN",
        }
    }

    /// The type of the event that reports a change to this state.
    pub fn event_name(self) -> &'static str {
        match self {
            ProcState::Stopped => "PROCESS_STATE_STOPPED",
            ProcState::Starting => "PROCESS_STATE_STARTING",
            ProcState::Running => "PROCESS_STATE_RUNNING",
            ProcState::Backoff => "PROCESS_STATE_BACKOFF",
            ProcState::Stopping => "PROCESS_STATE_STOPPING",
            ProcState::Exited => "PROCESS_STATE_EXITED",
            ProcState::Fatal => "PROCESS_STATE_FATAL",
            ProcState::Unknown => "PROCESS_STATE_UNKNOWN",
        }
    }

    /// `RUNNING_STATES`: what `start` refuses and `stop` accepts.
    pub fn is_running(self) -> bool {
        matches!(
            self,
            ProcState::Running | ProcState::Backoff | ProcState::Starting
        )
    }

    /// `SIGNALLABLE_STATES`.
    pub fn is_signallable(self) -> bool {
        matches!(
            self,
            ProcState::Running | ProcState::Starting | ProcState::Stopping
        )
    }

    /// `STOPPED_STATES`.
    pub fn is_stopped(self) -> bool {
        matches!(
            self,
            ProcState::Stopped | ProcState::Exited | ProcState::Fatal | ProcState::Unknown
        )
    }
}

/// supervisord's start-retry rule as a backoff policy: 1 s, 2 s, 3 s ... and
/// `None` after `startretries` failed starts; 0 for a restart after an exit from
/// RUNNING (signalled through `after_exit`), which also resets the count.
#[derive(Debug)]
pub struct Retries {
    tries: u32,
    max: u32,
    after_exit: Arc<AtomicBool>,
}

impl backoff::backoff::Backoff for Retries {
    fn next_backoff(&mut self) -> Option<Duration> {
        if self.after_exit.swap(false, Ordering::SeqCst) {
            self.tries = 0;
            return Some(Duration::ZERO);
        }
        self.tries += 1;
        if self.tries > self.max {
            None
        } else {
            Some(Duration::from_secs(u64::from(self.tries)))
        }
    }

    fn reset(&mut self) {
        self.tries = 0;
    }
}

/// A command plus supervisord's `autorestart` decision.
pub struct ProcRunnable {
    cmd: Command,
    autorestart: AutoRestart,
    after_exit: Arc<AtomicBool>,
}

/// Why a process that reached RUNNING is restarted.
#[derive(Debug, thiserror::Error)]
#[error("exited after RUNNING; autorestart restarts it")]
struct Restarting;

impl Runnable for ProcRunnable {
    type Error = BoxError;

    async fn run(&self, ctx: Context) -> Result<(), BoxError> {
        let result = self.cmd.run(ctx.clone()).await;
        if ctx.is_cancelled() {
            return Ok(());
        }
        let expected = match &result {
            Err(e) if e.is_spawn() || e.is_failed_start() => return result.map_err(Into::into),
            Ok(()) => true,
            Err(_) => false,
        };
        let restart = match self.autorestart {
            AutoRestart::Always => true,
            AutoRestart::Never => false,
            AutoRestart::Unexpected => !expected,
        };
        if restart {
            self.after_exit.store(true, Ordering::SeqCst);
            Err(Box::new(Restarting))
        } else {
            Ok(())
        }
    }
}

/// Splits a command line as Python's `shlex.split` (POSIX mode, no comments).
pub fn shlex_split(s: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => cur.push(c),
                        None => return Err("No closing quotation".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => cur.push(c),
                            Some('\n') => {}
                            Some(c) => {
                                cur.push('\\');
                                cur.push(c);
                            }
                            None => return Err("No closing quotation".into()),
                        },
                        Some(c) => cur.push(c),
                        None => return Err("No closing quotation".into()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some('\n') => {}
                    Some(c) => cur.push(c),
                    None => return Err("No escaped character".into()),
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    Ok(out)
}

/// A supervisord name as a tree node name (letters, digits, `_`, `-`): other
/// bytes become `_xHH`.
pub fn node_name(name: &str) -> String {
    let ok = |b: u8| b.is_ascii_alphanumeric() || b == b'-';
    if !name.is_empty() && name.bytes().all(|b| ok(b) || b == b'_') && !name.contains("_x") {
        return name.to_owned();
    }
    let mut s = String::new();
    for b in name.bytes() {
        if ok(b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("_x{b:02x}"));
        }
    }
    if s.is_empty() {
        s.push_str("_empty");
    }
    s
}

/// Where a stream's log file is (resolving AUTO names once).
pub fn log_path(
    stream: &StreamConfig,
    proc_name: &str,
    channel: &str,
    childlogdir: &std::path::Path,
    identifier: &str,
) -> Option<PathBuf> {
    match &stream.logfile {
        crate::config::LogFile::None => None,
        crate::config::LogFile::Path(p) => Some(p.clone()),
        crate::config::LogFile::Auto => {
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .subsec_nanos();
            static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
            let n = N.fetch_add(1, Ordering::Relaxed);
            let tag = format!(
                "{:08x}",
                nanos ^ (n.wrapping_mul(0x9e37_79b9)) ^ std::process::id()
            );
            Some(childlogdir.join(format!("{proc_name}-{channel}---{identifier}-{tag}.log")))
        }
    }
}

/// What the daemon knows about one process instance.
pub struct Built {
    pub child: Child,
    pub handle: ProcessHandle,
}

/// Everything a process's environment needs from the daemon.
pub struct SpawnEnv<'a> {
    pub group: &'a str,
    pub serverurl: Option<&'a str>,
    pub stdout_path: Option<&'a PathBuf>,
    pub stderr_path: Option<&'a PathBuf>,
    /// An event listener: stdout is the protocol channel, and (as in
    /// supervisord's `PEventListenerDispatcher`) also written, as read, to
    /// its `stdout_logfile`; `strip_ansi` does not apply to it (it would
    /// strip what the protocol reads too).
    pub listener: bool,
    /// The consumers of each output stream, called for every chunk in the
    /// order given (`Daemon::output_consumers`: syslog, main log copy,
    /// output events, a pool's listener).
    pub consumers: &'a dyn Fn(Stream) -> Vec<OutputConsumer>,
    /// `[supervisord] strip_ansi`: escapes are removed from the output.
    pub strip_ansi: bool,
}

/// Builds the node of a process instance.
pub fn build(cfg: &ProcessConfig, env: &SpawnEnv<'_>) -> Built {
    let argv = shlex_split(&cfg.command).unwrap_or_else(|_| vec![cfg.command.clone()]);
    let (program, args) = match argv.split_first() {
        Some((p, a)) => (p.clone(), a.to_vec()),
        None => (String::new(), Vec::new()),
    };
    // supervisord does not tie its children's lives to its own
    // (PR_SET_PDEATHSIG); without it, and with nothing else to do between
    // fork and exec, supervisor-exec spawns with posix_spawn instead of fork.
    let mut cmd = Command::new(program)
        .args(args)
        .kill_with_parent(false)
        // main() marks the descriptors it inherited close-on-exec at start.
        .fds_cloexec(true);
    cmd = cmd
        .env("SUPERVISOR_ENABLED", "1")
        .env("SUPERVISOR_PROCESS_NAME", &cfg.name)
        .env("SUPERVISOR_GROUP_NAME", env.group);
    if let Some(url) = cfg.serverurl.as_deref().or(env.serverurl) {
        cmd = cmd.env("SUPERVISOR_SERVER_URL", url);
    }
    for (k, v) in &cfg.environment {
        cmd = cmd.env(k, v);
    }
    if let Some(dir) = &cfg.directory {
        cmd = cmd.current_dir(dir);
    }
    if let Some(user) = &cfg.user {
        cmd = cmd.user(user.clone());
    }
    if let Some(mask) = cfg.umask {
        cmd = cmd.umask(mask);
    }
    // The consumers of the output are callback sinks, which lose nothing: a
    // slow one makes the child wait on its pipe, as supervisord (synchronous)
    // does. Each belongs to the command, so it carries on over restarts.
    let with_consumers = |mut out: Output, stream: Stream| {
        for f in (env.consumers)(stream) {
            out = out.callback(f);
        }
        out
    };
    let file = |path: Option<&PathBuf>, s: &StreamConfig, stream: Stream, strip: bool| {
        let mut out = Output::new().strip_ansi(strip);
        if let Some(p) = path {
            out = out.file(
                LogFile::new(p)
                    .max_bytes(s.logfile_maxbytes.max(0) as u64)
                    .backups(s.logfile_backups.clamp(0, u32::MAX as i64) as u32),
            );
        }
        with_consumers(out, stream)
    };
    // A listener's stdout reaches its protocol reader unstripped (Python
    // strips escapes only from the copy in the child log; here the log gets
    // what the protocol reads).
    let stdout = file(
        env.stdout_path,
        &cfg.stdout,
        Stream::Stdout,
        env.strip_ansi && !env.listener,
    );
    cmd = cmd
        .stdin(true)
        .stdout(stdout)
        .merge_stderr(cfg.redirect_stderr);
    if !cfg.redirect_stderr {
        cmd = cmd.stderr(file(
            env.stderr_path,
            &cfg.stderr,
            Stream::Stderr,
            env.strip_ansi,
        ));
    }
    let readiness = if cfg.startsecs <= 0 {
        Readiness::Immediate
    } else {
        Readiness::After(Duration::from_secs(cfg.startsecs as u64))
    };
    let stop_signal = UnixSignal::try_from(cfg.stopsignal).unwrap_or(UnixSignal::SIGTERM);
    cmd = cmd
        .readiness(readiness)
        .exit_codes(cfg.exitcodes.clone())
        .stop_signal(stop_signal)
        .stop_as_group(cfg.stopasgroup)
        .kill_as_group(cfg.killasgroup)
        .stop_timeout(Duration::from_secs(cfg.stopwaitsecs.max(0) as u64))
        .kill_group_on_exit(false)
        .drain_timeout(Duration::from_millis(200));
    let handle = cmd.handle();
    let grace = cmd.grace();
    let after_exit = Arc::new(AtomicBool::new(false));
    let policy = Retries {
        tries: 0,
        max: cfg.startretries.clamp(0, u32::MAX as i64) as u32,
        after_exit: after_exit.clone(),
    };
    let runnable = ProcRunnable {
        cmd,
        autorestart: cfg.autorestart,
        after_exit,
    };
    let child = Child::new(node_name(&cfg.name), runnable)
        .restart(Restart::Transient)
        .backoff(BackoffPolicy::from_backoff(policy))
        .stable_after(Duration::ZERO)
        .grace(grace);
    Built { child, handle }
}

/// supervisord's state of a process from its node (if it was ever started)
/// and its command's status.
pub fn derive_state(node: Option<&NodeInfo>, st: &ProcessStatus) -> ProcState {
    let Some(node) = node else {
        return ProcState::Stopped;
    };
    let failed_start = st.state == ProcessState::SpawnFailed
        || st
            .last_exit
            .as_ref()
            .is_some_and(|e| e.before_ready && !e.stopped);
    if node.running {
        // The run is in progress: the command's own status is the freshest.
        return match st.state {
            ProcessState::Stopped => ProcState::Stopped,
            _ if node.stopping => ProcState::Stopping,
            ProcessState::Running => ProcState::Running,
            ProcessState::Stopping => ProcState::Stopping,
            ProcessState::Exited | ProcessState::SpawnFailed if failed_start => ProcState::Backoff,
            ProcessState::Exited => ProcState::Exited,
            _ => ProcState::Starting,
        };
    }
    match node.state {
        NodeState::Healthy | NodeState::Dead | NodeState::New => {
            if failed_start {
                ProcState::Backoff
            } else {
                // Exited from RUNNING (restarting at once if autorestart says so).
                ProcState::Exited
            }
        }
        NodeState::Done => ProcState::Exited,
        NodeState::Failed => ProcState::Fatal,
        NodeState::Stopped | NodeState::Canceled => ProcState::Stopped,
        _ => ProcState::Unknown,
    }
}

/// Epoch seconds of a time (0 for none), clamped like supervisord's `capped_int`.
pub fn epoch(t: Option<SystemTime>) -> i64 {
    t.and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| (d.as_secs() as i64).min(i64::from(i32::MAX)))
        .unwrap_or(0)
}

/// supervisord's `spawnerr` for a process in `state`.
pub fn spawnerr(state: ProcState, st: &ProcessStatus) -> String {
    match state {
        ProcState::Starting | ProcState::Running | ProcState::Stopping => String::new(),
        _ => {
            if st.state == ProcessState::SpawnFailed {
                return st.spawn_error.clone().unwrap_or_default();
            }
            match &st.last_exit {
                Some(e) if e.before_ready && !e.stopped => {
                    "Exited too quickly (process log may have details)".into()
                }
                Some(e) if !e.stopped && !e.expected && state == ProcState::Exited => {
                    format!("Bad exit code {}", e.status.code().unwrap_or(-1))
                }
                _ => String::new(),
            }
        }
    }
}

/// supervisord's `exitstatus` (0 for none; -1 for a death by signal).
pub fn exitstatus(state: ProcState, st: &ProcessStatus) -> i64 {
    if matches!(
        state,
        ProcState::Starting | ProcState::Running | ProcState::Backoff
    ) {
        return 0;
    }
    match &st.last_exit {
        Some(e) if !e.before_ready || e.stopped => i64::from(e.status.code().unwrap_or(-1)),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use backoff::backoff::Backoff;

    #[test]
    fn shlex() {
        assert_eq!(
            shlex_split("a 'b c' \"d\\\"e\" f\\ g").unwrap(),
            ["a", "b c", "d\"e", "f g"]
        );
        assert_eq!(shlex_split("  ").unwrap(), Vec::<String>::new());
        assert!(shlex_split("'a").is_err());
    }

    #[test]
    fn retries_are_linear_then_give_up_and_zero_after_exit() {
        let flag = Arc::new(AtomicBool::new(false));
        let mut r = Retries {
            tries: 0,
            max: 3,
            after_exit: flag.clone(),
        };
        let secs: Vec<_> = (0..3)
            .map(|_| r.next_backoff().unwrap().as_secs())
            .collect();
        assert_eq!(secs, [1, 2, 3]);
        assert_eq!(r.next_backoff(), None);
        r.reset();
        flag.store(true, Ordering::SeqCst);
        assert_eq!(r.next_backoff(), Some(Duration::ZERO));
        assert_eq!(r.next_backoff(), Some(Duration::from_secs(1)));
    }

    #[test]
    fn node_names() {
        assert_eq!(node_name("cat_1"), "cat_1");
        assert_eq!(node_name("a.b"), "a_x2eb");
    }
}

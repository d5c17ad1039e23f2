//! One run of a command: spawn, readiness, exit or stop, classification.

use std::sync::Arc;
use std::time::SystemTime;

use supervisor_core::{Context, Signal};
use tokio::time::Instant;

use crate::command::{Config, Readiness};
use crate::error::{Error, ExitStatus, Kind};
use crate::handle::{LastExit, ProcessState, Shared};
use crate::readiness::{Note, Notifier};
use crate::spawn::{self, Process};

enum End {
    Cancelled,
    Exited,
    ReadyTimeout,
}

pub(crate) async fn run(cfg: &Config, shared: &Arc<Shared>, ctx: Context) -> Result<(), Error> {
    if ctx.is_cancelled() {
        // Stopped before it started: nothing to spawn.
        return Ok(());
    }
    let mut proc = match spawn::spawn(cfg, shared, ctx.span()) {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(error = %e, "spawn failed");
            shared.update(|s| {
                s.state = ProcessState::SpawnFailed;
                s.pid = None;
                s.spawn_error = Some(e.to_string());
            });
            return Err(e);
        }
    };
    let pid = proc.pid;
    shared.set_stdin(proc.child.stdin.take());
    *shared.started.lock().unwrap_or_else(|e| e.into_inner()) = Some(proc.started);
    shared.update(|s| {
        s.state = ProcessState::Starting;
        s.pid = Some(pid);
        s.started_at = Some(SystemTime::now());
        s.ready_at = None;
        s.spawn_error = None;
        s.notify_status = None;
        s.spawns += 1;
    });
    tracing::info!(pid, program = ?cfg.program, "spawned");

    let started = Instant::from_std(proc.started);
    let mut ready = false;
    if cfg.readiness == Readiness::Immediate {
        ready = mark_ready(&ctx, shared, pid);
    }
    let ready_at = match cfg.readiness {
        Readiness::After(d) => Some(started + d),
        _ => None,
    };
    let deadline = cfg.ready_timeout.map(|d| started + d);

    let mut notifier = proc.notifier.take();
    let end = loop {
        tokio::select! {
            biased;
            _ = ctx.cancelled() => break End::Cancelled,
            _ = proc.exited() => break End::Exited,
            notes = next_notes(&mut notifier) => {
                for note in notes {
                    match note {
                        Note::Ready if !ready => ready = mark_ready(&ctx, shared, pid),
                        Note::Status(text) => shared.update(|s| s.notify_status = Some(text)),
                        Note::Closed => notifier = None,
                        Note::Ready | Note::Other => {}
                    }
                }
            }
            _ = sleep_until(ready_at), if !ready => ready = mark_ready(&ctx, shared, pid),
            _ = sleep_until(deadline), if !ready => break End::ReadyTimeout,
        }
    };

    let stopping = !matches!(end, End::Exited);
    let status = if stopping {
        shared.update(|s| s.state = ProcessState::Stopping);
        crate::stop::stop(cfg, &mut proc).await
    } else {
        proc.reap(cfg.kill_group_on_exit).await
    };
    proc.drain(cfg.drain_timeout).await;
    finish(cfg, shared, &proc, end, status, ready)
}

/// Records the exit and classifies it.
fn finish(
    cfg: &Config,
    shared: &Shared,
    proc: &Process,
    end: End,
    status: ExitStatus,
    ready: bool,
) -> Result<(), Error> {
    let uptime = proc.started.elapsed();
    let expected = status.code().is_some_and(|c| cfg.exit_codes.contains(&c));
    let stopped = matches!(end, End::Cancelled);
    let exit = LastExit {
        pid: proc.pid,
        status,
        at: SystemTime::now(),
        uptime,
        expected,
        before_ready: !ready,
        stopped,
    };
    shared.update(|s| {
        s.state = if stopped {
            ProcessState::Stopped
        } else {
            ProcessState::Exited
        };
        s.pid = None;
        s.last_exit = Some(exit);
    });
    let result = match end {
        End::Cancelled => Ok(()),
        End::ReadyTimeout => Err(Kind::ReadyTimeout(cfg.ready_timeout.unwrap_or_default()).into()),
        End::Exited if !ready => Err(Kind::ExitedBeforeReady { status, uptime }.into()),
        End::Exited if expected => Ok(()),
        End::Exited => Err(Kind::Exited(status).into()),
    };
    match &result {
        Ok(()) => tracing::info!(pid = proc.pid, %status, ?uptime, "process ended"),
        Err(e) => tracing::warn!(pid = proc.pid, ?uptime, "process ended: {e}"),
    }
    result
}

fn mark_ready(ctx: &Context, shared: &Shared, pid: u32) -> bool {
    if let Err(e) = ctx.signal(Signal::Healthy) {
        tracing::error!(error = %e, "cannot signal Healthy");
    }
    shared.update(|s| {
        s.state = ProcessState::Running;
        s.ready_at = Some(SystemTime::now());
    });
    tracing::debug!(pid, "ready");
    true
}

async fn next_notes(notifier: &mut Option<Notifier>) -> Vec<Note> {
    match notifier {
        Some(n) => n.next().await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

//! Helpers shared by the exec tests: a supervisor to run commands under, and
//! waits on events with generous timeouts that only guard against hangs.
#![allow(dead_code, unreachable_pub)]

use std::future::Future;
use std::time::Duration;

use supervisor_core::{Child, Context, EventKind, Exit, Signal, Supervisor};
use supervisor_exec::{ProcessHandle, ProcessStatus};
use tokio::sync::broadcast;

/// Upper bound for any wait in these tests (a failure guard, not a timing).
pub const GUARD: Duration = Duration::from_secs(20);

/// Awaits `fut`, failing the test if it takes longer than [`GUARD`].
pub async fn guard<T>(what: &str, fut: impl Future<Output = T>) -> T {
    match tokio::time::timeout(GUARD, fut).await {
        Ok(v) => v,
        Err(_) => panic!("timed out waiting for {what}"),
    }
}

/// A supervisor whose root only serves as the parent of `child`, added at
/// run time as `root.<name>`, and its events from before the child was
/// added. Runnable panics fail the test.
pub async fn supervise(child: Child) -> (Supervisor, broadcast::Receiver<supervisor_core::Event>) {
    let sup = Supervisor::builder()
        .propagate_panics(true)
        .start(|ctx: Context| async move {
            ctx.signal(Signal::Healthy)?;
            ctx.cancelled().await;
            Ok::<_, supervisor_core::Error>(())
        });
    let events = sup.subscribe();
    sup.add_child("root", child).await.expect("add child");
    (sup, events)
}

/// Waits until the status satisfies `pred`; returns it.
pub async fn wait_status(
    handle: &ProcessHandle,
    what: &str,
    pred: impl FnMut(&ProcessStatus) -> bool,
) -> ProcessStatus {
    let mut rx = handle.watch();
    guard(what, async {
        rx.wait_for(pred)
            .await
            .expect("status sender alive")
            .clone()
    })
    .await
}

/// Waits for the next `Exited` event of `dn`; returns its exit.
pub async fn next_exit(events: &mut broadcast::Receiver<supervisor_core::Event>, dn: &str) -> Exit {
    guard("an Exited event", async {
        loop {
            match events.recv().await {
                Ok(e) if &*e.dn == dn => {
                    if let EventKind::Exited { exit, .. } = e.kind {
                        return exit;
                    }
                }
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(e) => panic!("event channel closed: {e}"),
            }
        }
    })
    .await
}

/// The exec error inside a failed exit.
pub fn exec_error(exit: &Exit) -> &supervisor_exec::Error {
    match exit {
        Exit::Failed(e) => e
            .downcast_ref::<supervisor_exec::Error>()
            .unwrap_or_else(|| panic!("not an exec error: {e}")),
        other => panic!("expected a failed exit, got {other}"),
    }
}

/// Whether `pid` is gone (reaped, or a zombie waiting for its reaper).
pub fn is_dead(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => {
            // The state follows the command name in parentheses.
            let state = stat.rsplit(')').next().unwrap_or("").trim_start();
            state.starts_with('Z') || state.starts_with('X')
        }
    }
}

/// Waits until `pid` is dead (polling /proc: we are not its parent).
pub async fn wait_dead(pid: u32) {
    guard(&format!("pid {pid} to die"), async {
        while !is_dead(pid) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
}

/// Collects what the output channel carries until it contains `needle`.
pub async fn wait_output(
    rx: &mut broadcast::Receiver<supervisor_exec::OutputChunk>,
    seen: &mut Vec<u8>,
    needle: &str,
) {
    guard(&format!("output {needle:?}"), async {
        while !String::from_utf8_lossy(seen).contains(needle) {
            match rx.recv().await {
                Ok(chunk) => seen.extend_from_slice(&chunk.data),
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(e) => panic!("output channel closed: {e}"),
            }
        }
    })
    .await
}

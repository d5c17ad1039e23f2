//! The stop ladder: stop signal, stop timeout, `SIGKILL`, reap.

use nix::sys::signal::Signal;

use crate::command::Config;
use crate::error::ExitStatus;
use crate::spawn::Process;

/// Stops `proc`: the stop signal to the process (or its group), then, if it
/// has not exited within the stop timeout, `SIGKILL` to its group (or the
/// process). Returns once it is reaped: nothing is left behind.
///
/// # Cancel safety
///
/// Not cancel safe in the sense that matters: dropping the future leaves the
/// process to `Process`'s drop, which kills its group at once.
pub(crate) async fn stop(cfg: &Config, proc: &mut Process) -> ExitStatus {
    tracing::debug!(pid = proc.pid, signal = ?cfg.stop_signal, group = cfg.stop_as_group, "stopping");
    proc.signal(cfg.stop_signal, cfg.stop_as_group);
    if tokio::time::timeout(cfg.stop_timeout, proc.exited())
        .await
        .is_err()
    {
        tracing::warn!(
            pid = proc.pid,
            timeout = ?cfg.stop_timeout,
            group = cfg.kill_as_group,
            "process did not stop in time; sending SIGKILL"
        );
        proc.signal(Signal::SIGKILL, cfg.kill_as_group);
        proc.exited().await;
    }
    proc.reap(cfg.kill_group_on_exit).await
}

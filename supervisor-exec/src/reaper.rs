//! Reaping the children a program did not spawn through supervisor-exec:
//! orphans re-parented to it when it runs as PID 1 (in a container) or as a
//! child subreaper. [`reap_orphans`] never takes the exit status of a
//! process supervisor-exec runs: every spawn registers its pid before anyone
//! can see it exit, and a zombie is only looked at (`waitid(P_ALL, WNOWAIT)`)
//! until it is known not to be one of those.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard};

use nix::errno::Errno;
use nix::sys::wait::{waitid, waitpid, Id, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

use crate::error::ExitStatus;

/// Whose a registered pid is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    /// A run owns it and will reap it.
    Run,
    /// Its run was dropped before reaping it; tokio reaps it in the
    /// background (and copes with finding it reaped already).
    Abandoned,
}

/// The processes supervisor-exec spawned and has not reaped.
static OWN: Mutex<BTreeMap<u32, Owner>> = Mutex::new(BTreeMap::new());

/// Held shared from just before a spawn until its pid is registered, and
/// exclusively by [`reap_orphans`]: a child that exits at once is never
/// seen unregistered.
static SPAWN: RwLock<()> = RwLock::new(());

fn own() -> MutexGuard<'static, BTreeMap<u32, Owner>> {
    OWN.lock().unwrap_or_else(|e| e.into_inner())
}

/// Hold while spawning, until [`spawned`] has registered the pid.
pub(crate) fn spawning() -> RwLockReadGuard<'static, ()> {
    SPAWN.read().unwrap_or_else(|e| e.into_inner())
}

/// Registers a process just spawned.
pub(crate) fn spawned(pid: u32) {
    own().insert(pid, Owner::Run);
}

/// Forgets a process its run has reaped.
pub(crate) fn reaped(pid: u32) {
    own().remove(&pid);
}

/// Marks a process whose run was dropped unreaped.
pub(crate) fn abandoned(pid: u32) {
    if let Some(o) = own().get_mut(&pid) {
        *o = Owner::Abandoned;
    }
}

/// A child reaped by [`reap_orphans`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Orphan {
    /// Its pid.
    pub pid: u32,
    /// How it ended (its `Display` is supervisord's wording: `exit status
    /// 0`, `terminated by SIGTERM`).
    pub status: ExitStatus,
}

/// What one call to [`reap_orphans`] did.
#[derive(Debug, Default)]
pub struct Reaped {
    /// The children reaped that supervisor-exec did not spawn, in the order
    /// they were reaped.
    pub orphans: Vec<Orphan>,
    /// An exited process of supervisor-exec's own, not reaped by its run
    /// yet, hid the other exited children (`waitid` shows one at a time):
    /// call again a little later (or at the next `SIGCHLD`).
    pub blocked: bool,
}

/// Reaps every exited child of this process that supervisor-exec did not
/// spawn (supervisord's `reaped unknown pid`), without blocking, and leaves
/// supervisor-exec's own to their runs. Call it on `SIGCHLD`; it is only
/// needed where orphans can be re-parented to the program (PID 1, child
/// subreaper), and it must not be used by a program that spawns and waits
/// for children by other means (it would take their exit statuses).
pub fn reap_orphans() -> Reaped {
    let _no_spawn = SPAWN.write().unwrap_or_else(|e| e.into_inner());
    let mut out = Reaped::default();
    let peek = WaitPidFlag::WEXITED | WaitPidFlag::WNOHANG | WaitPidFlag::WNOWAIT;
    loop {
        let status = match waitid(Id::All, peek) {
            Err(Errno::EINTR) => continue,
            // ECHILD: no children at all.
            Err(_) | Ok(WaitStatus::StillAlive) => return out,
            Ok(s) => s,
        };
        let Some(pid) = status.pid() else {
            return out;
        };
        let raw = pid.as_raw() as u32;
        let owner = own().get(&raw).copied();
        match owner {
            Some(Owner::Run) => {
                out.blocked = true;
                return out;
            }
            Some(Owner::Abandoned) => {
                let _ = waitpid(pid, Some(WaitPidFlag::WNOHANG));
                reaped(raw);
            }
            None => {
                if let Some(status) = reap(pid) {
                    out.orphans.push(Orphan { pid: raw, status });
                }
            }
        }
    }
}

/// Reaps `pid` (a zombie): how it ended.
fn reap(pid: Pid) -> Option<ExitStatus> {
    // WNOHANG: no wait, so no EINTR.
    match waitpid(pid, Some(WaitPidFlag::WNOHANG)) {
        Ok(WaitStatus::Exited(_, code)) => Some(ExitStatus::Exited(code)),
        Ok(WaitStatus::Signaled(_, signal, core_dumped)) => Some(ExitStatus::Signaled {
            signal: signal as i32,
            core_dumped,
        }),
        _ => None,
    }
}

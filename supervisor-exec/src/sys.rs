//! Every system call of the crate, and the code that runs in the child
//! between `fork` and `exec`.
//!
//! Most calls go through `nix`. Three are not in nix 0.29 and use `libc`
//! directly: `pidfd_open` and `close_range` (raw syscalls) and
//! `setpriority` (the `nice` of a command).
//!
//! # The child side
//!
//! [`PreExec::apply`] runs in the forked child, where only async-signal-safe
//! calls are allowed: everything it needs (C strings, group lists, limits) is
//! prepared in the parent by [`PreExec`]'s fields, and it neither allocates
//! nor takes a lock.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use nix::errno::Errno;
use nix::fcntl::{fcntl, FcntlArg, FdFlag, OFlag};
use nix::sys::resource::{setrlimit, Resource};
use nix::sys::signal::{kill, killpg, Signal};
use nix::sys::stat::{umask, Mode};
use nix::unistd::{Gid, Pid, Uid};
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;

/// Sends `signal` to the process `pid`, or to its whole process group.
pub(crate) fn send_signal(pid: u32, group: bool, signal: Signal) -> io::Result<()> {
    let pid = Pid::from_raw(pid as i32);
    let res = if group {
        killpg(pid, signal)
    } else {
        kill(pid, signal)
    };
    match res {
        // The target (or every member of the group) is already gone.
        Ok(()) | Err(Errno::ESRCH) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Whether the process group `pgid` still has a member (a zombie leader counts).
pub(crate) fn group_alive(pgid: u32) -> bool {
    !matches!(killpg(Pid::from_raw(pgid as i32), None), Err(Errno::ESRCH))
}

/// The name of a signal number (`SIGTERM`), if it is a known one.
pub(crate) fn signal_name(signal: i32) -> Option<&'static str> {
    Signal::try_from(signal).ok().map(Signal::as_str)
}

/// A pipe whose both ends are close-on-exec.
pub(crate) fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    Ok(nix::unistd::pipe2(OFlag::O_CLOEXEC)?)
}

/// A pidfd for `pid`, registered with the tokio reactor: readable once the
/// process has exited (before it is reaped), so the exit can be seen while
/// the pid (and its process group id) are still reserved. `None` on kernels
/// older than 5.3.
pub(crate) fn pidfd_open(pid: u32) -> Option<AsyncFd<OwnedFd>> {
    // SAFETY: pidfd_open(2) takes a pid and flags and returns a new fd or -1;
    // it touches no memory of ours.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
    if fd < 0 {
        return None;
    }
    // SAFETY: `fd` was just returned by the kernel and is owned by nobody else.
    let fd = unsafe { OwnedFd::from_raw_fd(fd as RawFd) };
    // SAFETY: an `OwnedFd` keeps its descriptor open, and `as_raw_fd` returns
    // that same descriptor, until the `AsyncFd` drops it.
    unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) }.ok()
}

/// The process's effective uid.
pub(crate) fn geteuid() -> u32 {
    Uid::effective().as_raw()
}

/// The process's own pid.
pub(crate) fn getpid() -> u32 {
    nix::unistd::getpid().as_raw() as u32
}

/// A user's credentials, resolved in the parent (this reads `/etc/passwd`
/// and `/etc/group`, which the child must not do).
#[derive(Debug, Clone)]
pub(crate) struct Creds {
    pub(crate) uid: u32,
    pub(crate) gid: u32,
    pub(crate) groups: Vec<u32>,
}

/// Resolves `user` (a name or a numeric uid) to its uid, primary gid and
/// supplementary groups (what `initgroups` would set). `gid` overrides the
/// primary group.
pub(crate) fn resolve_user(user: &str, gid: Option<u32>) -> Result<Creds, String> {
    let found = match user.parse::<u32>() {
        Ok(uid) => nix::unistd::User::from_uid(Uid::from_raw(uid)),
        Err(_) => nix::unistd::User::from_name(user),
    };
    let entry = match found {
        Ok(Some(u)) => u,
        Ok(None) => return Err("no such user".to_owned()),
        Err(e) => return Err(format!("user lookup failed: {e}")),
    };
    let gid = gid.unwrap_or(entry.gid.as_raw());
    let name = CString::new(entry.name.as_bytes()).map_err(|e| e.to_string())?;
    let groups = nix::unistd::getgrouplist(&name, Gid::from_raw(gid))
        .map_err(|e| format!("getgrouplist failed: {e}"))?;
    Ok(Creds {
        uid: entry.uid.as_raw(),
        gid,
        groups: groups.into_iter().map(Gid::as_raw).collect(),
    })
}

/// Everything the child does between `fork` and `exec`, prepared in the parent.
#[derive(Debug)]
pub(crate) struct PreExec {
    /// The supervising process: if the child's parent is no longer it, the
    /// supervisor died before `PR_SET_PDEATHSIG` took effect.
    pub(crate) parent: u32,
    /// `setsid` (the child is then the leader of a new session and group).
    pub(crate) session: bool,
    /// Kill the child with `SIGKILL` when its parent thread dies.
    pub(crate) pdeathsig: bool,
    /// `(fd in the child now, fd number it must have after exec)`.
    pub(crate) notify_fd: Option<(RawFd, RawFd)>,
    pub(crate) umask: Option<u32>,
    pub(crate) rlimits: Vec<(Resource, u64, u64)>,
    pub(crate) nice: Option<i32>,
    pub(crate) creds: Option<Creds>,
    pub(crate) cwd: Option<CString>,
}

impl PreExec {
    /// Whether any of its settings must be applied in the child, between
    /// `fork` and `exec` (everything but the working directory, which
    /// `posix_spawn` can enter itself).
    pub(crate) fn needs_child_side(&self) -> bool {
        // Exhaustive on purpose: a new field must be classified here.
        let Self {
            parent: _,
            session,
            pdeathsig,
            notify_fd,
            umask,
            rlimits,
            nice,
            creds,
            cwd: _,
        } = self;
        *session
            || *pdeathsig
            || notify_fd.is_some()
            || umask.is_some()
            || !rlimits.is_empty()
            || nice.is_some()
            || creds.is_some()
    }

    /// Runs in the child after `fork`, before `exec`.
    ///
    /// The order matters: session first (so the child leads its group),
    /// then the death signal, then file descriptors, then limits (while the
    /// child is still privileged enough to raise them), then credentials,
    /// and the working directory last, as the target user (as supervisord does).
    pub(crate) fn apply(&self) -> io::Result<()> {
        let err = |e: Errno| io::Error::from_raw_os_error(e as i32);
        if self.session {
            nix::unistd::setsid().map_err(err)?;
        }
        if self.pdeathsig {
            nix::sys::prctl::set_pdeathsig(Signal::SIGKILL).map_err(err)?;
            if nix::unistd::getppid().as_raw() as u32 != self.parent {
                // The supervisor died between fork and prctl.
                return Err(err(Errno::ESRCH));
            }
        }
        mark_cloexec_from(3);
        if let Some((now, target)) = self.notify_fd {
            if now == target {
                fcntl(now, FcntlArg::F_SETFD(FdFlag::empty())).map_err(err)?;
            } else {
                // dup2 clears FD_CLOEXEC on the new descriptor.
                nix::unistd::dup2(now, target).map_err(err)?;
            }
        }
        if let Some(mask) = self.umask {
            umask(Mode::from_bits_truncate(mask as libc::mode_t));
        }
        for &(resource, soft, hard) in &self.rlimits {
            setrlimit(resource, soft, hard).map_err(err)?;
        }
        if let Some(nice) = self.nice {
            // SAFETY: setpriority(2) is a plain syscall with integer arguments.
            let rc = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, nice) };
            if rc != 0 {
                return Err(io::Error::last_os_error());
            }
        }
        if let Some(creds) = &self.creds {
            // SAFETY of the cast: `Gid` is `repr(transparent)` over `gid_t`;
            // nix's own `setgroups` relies on the same layout.
            let groups: &[Gid] = gid_slice(&creds.groups);
            nix::unistd::setgroups(groups).map_err(err)?;
            nix::unistd::setgid(Gid::from_raw(creds.gid)).map_err(err)?;
            nix::unistd::setuid(Uid::from_raw(creds.uid)).map_err(err)?;
        }
        if let Some(cwd) = &self.cwd {
            nix::unistd::chdir(cwd.as_c_str()).map_err(err)?;
        }
        Ok(())
    }
}

fn gid_slice(groups: &[u32]) -> &[Gid] {
    // SAFETY: `Gid` is `#[repr(transparent)]` over `gid_t` (`u32` on Linux),
    // so a slice of one is a slice of the other with the same length.
    unsafe { std::slice::from_raw_parts(groups.as_ptr().cast::<Gid>(), groups.len()) }
}

/// Makes `cmd` run `pre` in the child between `fork` and `exec`.
pub(crate) fn set_pre_exec(cmd: &mut tokio::process::Command, pre: PreExec) {
    // SAFETY: the closure runs in the forked child, where only
    // async-signal-safe calls are allowed. `PreExec::apply` makes only these
    // system calls, each a direct syscall wrapper that neither allocates nor
    // locks: setsid, prctl(PR_SET_PDEATHSIG), getppid, close_range (or
    // getrlimit + fcntl(F_SETFD) as fallback), fcntl(F_SETFD), dup2, umask,
    // setrlimit, setpriority, setgroups, setgid, setuid, chdir. Every buffer
    // it reads (group list, C strings, limits) was built in the parent; its
    // errors are `Errno` values turned into `io::Error::from_raw_os_error`,
    // which does not allocate.
    unsafe {
        cmd.pre_exec(move || pre.apply());
    }
}

/// Marks every descriptor from `first` up close-on-exec, so nothing the
/// supervisor has open leaks into the program. Async-signal-safe.
///
/// With `close_range(2)` (Linux 5.11+) every descriptor is marked; older
/// kernels get `fcntl(F_SETFD)` on each number below the soft
/// `RLIMIT_NOFILE` (at most 65536), open or not.
pub(crate) fn mark_cloexec_from(first: RawFd) {
    // SAFETY: close_range(2) with CLOSE_RANGE_CLOEXEC only sets a flag on
    // descriptors; raw syscall, no memory access.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_close_range,
            first as libc::c_uint,
            libc::c_uint::MAX,
            libc::CLOSE_RANGE_CLOEXEC,
        )
    };
    if rc == 0 {
        return;
    }
    // Older kernels (< 5.11): walk the descriptor table up to the limit.
    let max = nix::sys::resource::getrlimit(Resource::RLIMIT_NOFILE)
        .map(|(soft, _)| soft.min(1 << 16) as RawFd)
        .unwrap_or(1024);
    for fd in first..max {
        let _ = fcntl(fd, FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC));
    }
}

/// Whether the process has a descriptor above stderr open without
/// close-on-exec (which a spawn without [`PreExec::apply`]'s sweep would
/// pass on to the program). If the table cannot be read, assumes there is one.
pub(crate) fn inheritable_fd_open() -> bool {
    let Ok(dir) = std::fs::read_dir("/proc/self/fd") else {
        return true;
    };
    for entry in dir {
        let Ok(entry) = entry else {
            return true;
        };
        let Some(fd) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<RawFd>().ok())
        else {
            continue;
        };
        if fd <= 2 {
            continue;
        }
        // The directory's own descriptor is listed too; `opendir` opens it
        // close-on-exec, so it is skipped like any other such descriptor.
        // EBADF: another thread closed the descriptor since it was listed.
        if let Ok(flags) = fcntl(fd, FcntlArg::F_GETFD) {
            if !FdFlag::from_bits_truncate(flags).contains(FdFlag::FD_CLOEXEC) {
                return true;
            }
        }
    }
    false
}

/// Checks that a C string can be built from a path (no interior NUL).
pub(crate) fn cstring(bytes: &[u8]) -> Option<CString> {
    CString::new(bytes).ok()
}

/// The raw fd of an owned fd (for [`PreExec::notify_fd`]).
pub(crate) fn raw(fd: &OwnedFd) -> RawFd {
    fd.as_raw_fd()
}

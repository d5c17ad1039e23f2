//! What the child sees: environment, working directory, umask, rlimits,
//! nice, user and groups, file descriptors, process group.

mod support;

use std::os::fd::AsRawFd;

use supervisor_core::Restart;
use supervisor_exec::{Command, Isolation, Output, ProcessState, Resource, Stream};
use support::*;

/// Runs `cmd` once to completion and returns its stdout.
async fn output_of(cmd: Command) -> String {
    let cmd = cmd.stdout(Output::new().tail(64 * 1024));
    let handle = cmd.handle();
    let (_sup, _events) = supervise(cmd.child("probe").restart(Restart::Temporary)).await;
    let status = wait_status(&handle, "the probe to end", |s| {
        matches!(s.state, ProcessState::Exited | ProcessState::SpawnFailed)
    })
    .await;
    assert_eq!(status.spawn_error, None);
    let tail = handle.tail(Stream::Stdout).expect("tail").tail(64 * 1024);
    String::from_utf8(tail.data).expect("utf-8")
}

/// Held by the tests that open an inheritable descriptor in this (shared)
/// test process, and by those that need none to be open so that their
/// command is started with `posix_spawn` rather than `fork`.
static INHERITABLE_FDS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Whether a test runs its command with a `pre_exec` hook (`fork`, the
/// default since [`Command::kill_with_parent`] is on) or with `posix_spawn`.
#[derive(Clone, Copy, Debug)]
enum SpawnPath {
    Fork,
    /// `kill_with_parent(false)` and no other child-side setting: with no
    /// inheritable descriptor open, std uses `posix_spawn` (and
    /// `posix_spawn_file_actions_addchdir_np` for the working directory).
    PosixSpawn,
}

#[tokio::test]
async fn env_cwd_umask_rlimit_and_nice_are_visible_to_the_child() {
    env_and_cwd_are_visible_to_the_child(SpawnPath::Fork).await;
}

#[tokio::test]
async fn env_and_cwd_are_visible_to_the_child_started_with_posix_spawn() {
    let _no_inheritable_fd = INHERITABLE_FDS.lock().await;
    // The test process may have inherited descriptors without close-on-exec
    // (from the shell or cargo), which would make the spawn fall back to `fork`.
    supervisor_exec::mark_inherited_fds_cloexec();
    env_and_cwd_are_visible_to_the_child(SpawnPath::PosixSpawn).await;
}

async fn env_and_cwd_are_visible_to_the_child(path: SpawnPath) {
    let dir = tempfile::tempdir().expect("tempdir");
    let cwd = dir.path().canonicalize().expect("canonical");
    let cmd = Command::shell("echo \"$FOO\"; echo \"${HOME-unset}\"; pwd; umask; ulimit -n; nice")
        .env("FOO", "bar baz")
        .env_remove("HOME")
        .current_dir(&cwd);
    // umask, rlimit and nice are applied in the child after `fork`, so the
    // `posix_spawn` run leaves them out (and its child inherits ours).
    let (cmd, rest) = match path {
        SpawnPath::Fork => (
            cmd.umask(0o027)
                .rlimit(Resource::RLIMIT_NOFILE, 123, 456)
                .nice(5),
            ["0027".to_owned(), "123".to_owned(), "5".to_owned()],
        ),
        SpawnPath::PosixSpawn => (cmd.kill_with_parent(false), inherited_umask_nofile_nice()),
    };
    let out = output_of(cmd).await;
    let lines: Vec<&str> = out.lines().collect();
    let mut expected = vec!["bar baz", "unset", cwd.to_str().expect("utf-8")];
    expected.extend(rest.iter().map(String::as_str));
    assert_eq!(lines, expected, "{path:?}: {out}");
}

/// What `umask; ulimit -n; nice` print in a child that inherits them.
fn inherited_umask_nofile_nice() -> [String; 3] {
    let out = std::process::Command::new("/bin/sh")
        .args(["-c", "umask; ulimit -n; nice"])
        .output()
        .expect("sh");
    let out = String::from_utf8(out.stdout).expect("utf-8");
    let lines: Vec<String> = out.lines().map(str::to_owned).collect();
    lines.try_into().unwrap_or_else(|l| panic!("{l:?}"))
}

#[tokio::test]
async fn env_clear_leaves_only_what_is_added() {
    let out = output_of(
        Command::new("/usr/bin/env")
            .env_clear()
            .env("SUPERVISOR_ENABLED", "1")
            .env("SUPERVISOR_PROCESS_NAME", "probe"),
    )
    .await;
    let mut vars: Vec<&str> = out.lines().collect();
    vars.sort_unstable();
    assert_eq!(
        vars,
        ["SUPERVISOR_ENABLED=1", "SUPERVISOR_PROCESS_NAME=probe"]
    );
}

#[tokio::test]
async fn path_of_the_child_environment_is_searched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("hello-probe");
    std::fs::write(&script, "#!/bin/sh\necho \"hello $0 $1\"\n").expect("write");
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let path = format!("{}:/usr/bin:/bin", dir.path().display());
    let out = output_of(Command::new("hello-probe").arg("arg1").env("PATH", path)).await;
    assert_eq!(out, format!("hello {} arg1\n", script.display()));
}

#[tokio::test]
async fn the_child_leads_its_own_group_or_session() {
    let out = output_of(Command::shell("ps -o pid=,pgid=,sid= -p $$")).await;
    let ids: Vec<u32> = out
        .split_whitespace()
        .filter_map(|s| s.parse().ok())
        .collect();
    assert_eq!(ids.len(), 3, "{out}");
    assert_eq!(ids[0], ids[1], "own process group: {out}");
    assert_ne!(ids[0], ids[2], "not a session leader: {out}");

    let out =
        output_of(Command::shell("ps -o pid=,pgid=,sid= -p $$").isolation(Isolation::Session))
            .await;
    let ids: Vec<u32> = out
        .split_whitespace()
        .filter_map(|s| s.parse().ok())
        .collect();
    assert_eq!((ids[0], ids[0]), (ids[1], ids[2]), "own session: {out}");
}

#[tokio::test]
async fn no_file_descriptor_of_the_parent_leaks_into_the_child() {
    no_file_descriptor_leaks(SpawnPath::Fork).await;
}

/// Without a `pre_exec` hook, the spawn must see the inheritable descriptor
/// and fall back to `fork` with the descriptor sweep.
#[tokio::test]
async fn no_file_descriptor_leaks_into_a_child_that_could_use_posix_spawn() {
    no_file_descriptor_leaks(SpawnPath::PosixSpawn).await;
}

async fn no_file_descriptor_leaks(path: SpawnPath) {
    let _inheritable_fd = INHERITABLE_FDS.lock().await;
    // An inheritable descriptor (no close-on-exec), as a careless library
    // might leave open in the supervisor.
    let file = tempfile::tempfile().expect("tempfile");
    let fd = file.as_raw_fd();
    clear_cloexec(fd);
    // `ls` lists the descriptors of the shell that runs it.
    let cmd = Command::shell("ls /proc/$$/fd");
    let cmd = match path {
        SpawnPath::Fork => cmd,
        SpawnPath::PosixSpawn => cmd.kill_with_parent(false),
    };
    let out = output_of(cmd).await;
    let fds: Vec<i32> = out.lines().filter_map(|l| l.parse().ok()).collect();
    assert!(!fds.contains(&fd), "{path:?}: fd {fd} leaked: {fds:?}");
    // dash keeps a copy of its script input at fd 10 or above.
    assert!(fds.iter().all(|&f| f <= 2 || f >= 10), "{path:?}: {fds:?}");
    drop(file);
}

#[tokio::test]
async fn mark_inherited_fds_cloexec_marks_every_descriptor_above_stderr() {
    let _inheritable_fd = INHERITABLE_FDS.lock().await;
    let file = tempfile::tempfile().expect("tempfile");
    let fd = file.as_raw_fd();
    clear_cloexec(fd);
    supervisor_exec::mark_inherited_fds_cloexec();
    let flags = nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_GETFD).expect("F_GETFD");
    assert!(nix::fcntl::FdFlag::from_bits_truncate(flags).contains(nix::fcntl::FdFlag::FD_CLOEXEC));
    drop(file);
}

/// Makes `fd` inheritable.
fn clear_cloexec(fd: i32) {
    nix::fcntl::fcntl(
        fd,
        nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::empty()),
    )
    .expect("clear FD_CLOEXEC");
}

#[tokio::test]
async fn user_and_groups_are_switched_when_running_as_root() {
    if !nix::unistd::Uid::effective().is_root() {
        println!("skipped: not running as root, cannot switch users");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o777),
    )
    .expect("chmod");
    let out = output_of(
        Command::shell("id -u; id -g; id -G; touch f; stat -c %u:%g f")
            .user("nobody")
            .current_dir(dir.path()),
    )
    .await;
    let lines: Vec<&str> = out.lines().collect();
    let expected_gid = out_of_id("-g", "nobody");
    let expected_groups = out_of_id("-G", "nobody");
    assert_eq!(lines[0], "65534", "{out}");
    assert_eq!(lines[1], expected_gid, "{out}");
    assert_eq!(lines[2], expected_groups, "supplementary groups: {out}");
    assert_eq!(lines[3], format!("65534:{expected_gid}"), "{out}");

    // Primary group override; supplementary groups still those of the user.
    let out = output_of(Command::shell("id -u; id -g").user("65534").group(0)).await;
    assert_eq!(out, "65534\n0\n");
}

fn out_of_id(flag: &str, user: &str) -> String {
    let out = std::process::Command::new("id")
        .args([flag, user])
        .output()
        .expect("id");
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_owned()
}

#[tokio::test]
async fn switching_users_requires_root() {
    if nix::unistd::Uid::effective().is_root() {
        // Use an unprivileged helper: a command that itself may not switch.
        println!("skipped: running as root (the refusal path needs a non-root supervisor)");
        return;
    }
    let cmd = Command::new("true").user("0");
    let (_sup, mut events) = supervise(cmd.child("probe").restart(Restart::Temporary)).await;
    let exit = next_exit(&mut events, "root.probe").await;
    let err = exec_error(&exit);
    assert!(
        err.is_spawn() && err.to_string().contains("not running as root"),
        "{err}"
    );
}

#[tokio::test]
async fn unknown_user_is_a_spawn_error() {
    let cmd = Command::new("true").user("no-such-user-xyz");
    let (_sup, mut events) = supervise(cmd.child("probe").restart(Restart::Temporary)).await;
    let exit = next_exit(&mut events, "root.probe").await;
    let err = exec_error(&exit);
    assert!(err.is_spawn(), "{err}");
    assert!(err.to_string().contains("no-such-user-xyz"), "{err}");
}

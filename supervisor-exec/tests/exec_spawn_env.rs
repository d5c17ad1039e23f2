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

#[tokio::test]
async fn env_cwd_umask_rlimit_and_nice_are_visible_to_the_child() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cwd = dir.path().canonicalize().expect("canonical");
    let out = output_of(
        Command::shell("echo \"$FOO\"; echo \"${HOME-unset}\"; pwd; umask; ulimit -n; nice")
            .env("FOO", "bar baz")
            .env_remove("HOME")
            .current_dir(&cwd)
            .umask(0o027)
            .rlimit(Resource::RLIMIT_NOFILE, 123, 456)
            .nice(5),
    )
    .await;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            "bar baz",
            "unset",
            cwd.to_str().expect("utf-8"),
            "0027",
            "123",
            "5"
        ],
        "{out}"
    );
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
    // An inheritable descriptor (no close-on-exec), as a careless library
    // might leave open in the supervisor.
    let file = tempfile::tempfile().expect("tempfile");
    let fd = file.as_raw_fd();
    nix::fcntl::fcntl(
        fd,
        nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::empty()),
    )
    .expect("clear FD_CLOEXEC");
    // `ls` lists the descriptors of the shell that runs it.
    let out = output_of(Command::shell("ls /proc/$$/fd")).await;
    let fds: Vec<i32> = out.lines().filter_map(|l| l.parse().ok()).collect();
    assert!(!fds.contains(&fd), "fd {fd} leaked: {fds:?}");
    // dash keeps a copy of its script input at fd 10 or above.
    assert!(fds.iter().all(|&f| f <= 2 || f >= 10), "{fds:?}");
    drop(file);
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

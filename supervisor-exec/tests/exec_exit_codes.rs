//! Exit classification and spawn errors.

mod support;

use supervisor_core::{Exit, Restart};
use supervisor_exec::{Command, ExitStatus, Output, ProcessState, Stream};
use support::*;

#[tokio::test]
async fn expected_exit_returns_ok() {
    let cmd = Command::shell("echo $$; exit 3")
        .exit_codes([0, 3])
        .stdout(Output::new().tail(64));
    let handle = cmd.handle();
    let (_sup, mut events) = supervise(cmd.child("job").restart(Restart::Temporary)).await;
    let exit = next_exit(&mut events, "root.job").await;
    assert!(matches!(exit, Exit::Returned), "{exit}");
    let last = handle.last_exit().expect("an exit");
    assert_eq!(last.status, ExitStatus::Exited(3));
    assert!(last.expected && !last.before_ready && !last.stopped);
    // The pid stays known after the exit (watchers may have missed it while alive).
    assert!(last.pid > 0 && last.pid != std::process::id(), "{last:?}");
    let echoed = handle.tail(Stream::Stdout).expect("tail").tail(64).data;
    assert_eq!(
        String::from_utf8_lossy(&echoed).trim(),
        last.pid.to_string(),
        "the pid of the process that exited"
    );
    assert_eq!(handle.status().state, ProcessState::Exited);
    assert_eq!(handle.pid(), None);
}

#[tokio::test]
async fn transient_node_is_done_after_expected_exit() {
    let cmd = Command::new("true");
    let handle = cmd.handle();
    let (sup, _events) = supervise(cmd.child("job").restart(Restart::Transient)).await;
    wait_status(&handle, "an exit", |s| s.state == ProcessState::Exited).await;
    sup.settled().await;
    let snap = sup.snapshot().await.expect("snapshot");
    assert_eq!(
        snap.state("root.job"),
        Some(supervisor_core::NodeState::Done)
    );
    assert_eq!(handle.status().spawns, 1);
}

#[tokio::test]
async fn unexpected_exit_is_an_error_naming_the_code() {
    let cmd = Command::shell("exit 7");
    let (_sup, mut events) = supervise(cmd.child("job").restart(Restart::Temporary)).await;
    let exit = next_exit(&mut events, "root.job").await;
    let err = exec_error(&exit);
    assert!(err.is_unexpected_exit(), "{err}");
    assert_eq!(err.exit_status(), Some(ExitStatus::Exited(7)));
    assert!(err.to_string().contains("exit status 7"), "{err}");
}

#[tokio::test]
async fn death_by_signal_is_an_error_naming_the_signal() {
    let cmd = Command::shell("kill -KILL $$").exit_codes(0..=255);
    let handle = cmd.handle();
    let (_sup, mut events) = supervise(cmd.child("job").restart(Restart::Temporary)).await;
    let exit = next_exit(&mut events, "root.job").await;
    let err = exec_error(&exit);
    assert_eq!(
        err.exit_status(),
        Some(ExitStatus::Signaled {
            signal: 9,
            core_dumped: false
        })
    );
    assert!(err.to_string().contains("SIGKILL"), "{err}");
    assert!(!handle.last_exit().expect("exit").expected);
}

#[tokio::test]
async fn missing_executable_is_a_spawn_error_naming_it() {
    let cmd = Command::new("no-such-command-xyz");
    let handle = cmd.handle();
    let (_sup, mut events) = supervise(cmd.child("job").restart(Restart::Temporary)).await;
    let exit = next_exit(&mut events, "root.job").await;
    let err = exec_error(&exit);
    assert!(err.is_spawn() && err.is_not_found(), "{err}");
    assert_eq!(err.to_string(), "can't find command 'no-such-command-xyz'");
    let status = handle.status();
    assert_eq!(status.state, ProcessState::SpawnFailed);
    assert_eq!(
        status.spawn_error.as_deref(),
        Some("can't find command 'no-such-command-xyz'")
    );

    let cmd = Command::new("/nonexistent/bin/prog");
    let (_sup, mut events) = supervise(cmd.child("abs").restart(Restart::Temporary)).await;
    let err_exit = next_exit(&mut events, "root.abs").await;
    let err = exec_error(&err_exit);
    assert!(err.to_string().contains("/nonexistent/bin/prog"), "{err}");
}

#[tokio::test]
async fn non_executable_file_is_a_spawn_error_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("script.sh");
    std::fs::write(&path, "#!/bin/sh\n").expect("write");
    let cmd = Command::new(&path);
    let (_sup, mut events) = supervise(cmd.child("job").restart(Restart::Temporary)).await;
    let exit = next_exit(&mut events, "root.job").await;
    let err = exec_error(&exit);
    assert!(err.is_spawn(), "{err}");
    assert_eq!(err.path(), Some(path.as_path()));
    assert!(err.to_string().contains("not executable"), "{err}");
}

#[tokio::test]
async fn bad_cwd_is_a_spawn_error_naming_it() {
    let cmd = Command::new("true").current_dir("/nonexistent/dir");
    let handle = cmd.handle();
    let (_sup, mut events) = supervise(cmd.child("job").restart(Restart::Temporary)).await;
    let exit = next_exit(&mut events, "root.job").await;
    let err = exec_error(&exit);
    assert!(err.is_spawn(), "{err}");
    assert!(err.to_string().contains("/nonexistent/dir"), "{err}");
    assert_eq!(err.path(), Some(std::path::Path::new("/nonexistent/dir")));
    assert!(handle
        .status()
        .spawn_error
        .is_some_and(|e| e.contains("can't chdir to '/nonexistent/dir'")));
}

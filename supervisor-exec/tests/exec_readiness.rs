//! Readiness modes: immediate, startsecs, s6 notification fd, sd_notify; a
//! process that exits before it is ready is a failed start.

mod support;

use std::time::Duration;

use supervisor_core::{NodeState, Restart, Supervisor};
use supervisor_exec::{Command, ExitStatus, ProcessHandle, ProcessState, Readiness};
use support::*;

const HELPER: &str = "SUPERVISOR_EXEC_TEST_HELPER";

async fn node_state(sup: &Supervisor, dn: &str) -> Option<NodeState> {
    sup.settled().await;
    sup.snapshot().await.expect("snapshot").state(dn)
}

async fn running(handle: &ProcessHandle) {
    wait_status(handle, "Running", |s| s.state == ProcessState::Running).await;
}

#[tokio::test]
async fn immediate_readiness_signals_healthy_at_spawn() {
    let cmd = Command::new("sleep").arg("1000");
    let handle = cmd.handle();
    let (sup, _events) = supervise(cmd.child("svc")).await;
    running(&handle).await;
    assert_eq!(node_state(&sup, "root.svc").await, Some(NodeState::Healthy));
}

#[tokio::test]
async fn startsecs_readiness_waits_for_the_process_to_stay_up() {
    let cmd = Command::new("sleep")
        .arg("1000")
        .readiness(Readiness::After(Duration::from_millis(300)));
    let handle = cmd.handle();
    let (sup, _events) = supervise(cmd.child("svc")).await;
    running(&handle).await;
    let s = handle.status();
    let waited = s
        .ready_at
        .expect("ready_at")
        .duration_since(s.started_at.expect("started_at"));
    assert!(waited.expect("ordered") >= Duration::from_millis(300));
    assert_eq!(node_state(&sup, "root.svc").await, Some(NodeState::Healthy));
}

#[tokio::test]
async fn exit_before_startsecs_is_a_failed_start() {
    // Even an expected exit code: it did not stay up long enough.
    let cmd = Command::shell("exit 0").readiness(Readiness::After(Duration::from_secs(30)));
    let handle = cmd.handle();
    let (_sup, mut events) = supervise(cmd.child("svc").restart(Restart::Temporary)).await;
    let exit = next_exit(&mut events, "root.svc").await;
    let err = exec_error(&exit);
    assert!(err.is_failed_start(), "{err}");
    assert_eq!(err.exit_status(), Some(ExitStatus::Exited(0)));
    let last = handle.last_exit().expect("exit");
    assert!(last.before_ready && last.expected);
}

#[tokio::test]
async fn notify_fd_readiness_waits_for_a_newline() {
    // Ready only once the test writes to its stdin.
    let cmd = Command::shell("read go; echo ready >&5; exec sleep 1000")
        .stdin(true)
        .readiness(Readiness::NotifyFd(5));
    let handle = cmd.handle();
    let (sup, _events) = supervise(cmd.child("svc")).await;
    wait_status(&handle, "spawn", |s| s.state == ProcessState::Starting).await;
    assert_eq!(node_state(&sup, "root.svc").await, Some(NodeState::New));
    handle.write_stdin(b"go\n").await.expect("write stdin");
    running(&handle).await;
    assert_eq!(node_state(&sup, "root.svc").await, Some(NodeState::Healthy));
}

#[tokio::test]
async fn notify_fd_closed_then_exit_is_a_failed_start() {
    let cmd = Command::shell("exec 3>&-; sleep 0; exit 0").readiness(Readiness::NotifyFd(3));
    let (_sup, mut events) = supervise(cmd.child("svc").restart(Restart::Temporary)).await;
    let exit = next_exit(&mut events, "root.svc").await;
    assert!(exec_error(&exit).is_failed_start(), "{exit}");
}

#[tokio::test]
async fn ready_timeout_kills_a_process_that_never_gets_ready() {
    let cmd = Command::new("sleep")
        .arg("1000")
        .readiness(Readiness::NotifyFd(3))
        .ready_timeout(Duration::from_millis(200));
    let handle = cmd.handle();
    let (_sup, mut events) = supervise(cmd.child("svc").restart(Restart::Temporary)).await;
    let pid = wait_status(&handle, "spawn", |s| s.pid.is_some())
        .await
        .pid
        .expect("pid");
    let exit = next_exit(&mut events, "root.svc").await;
    let err = exec_error(&exit);
    assert!(err.is_failed_start(), "{err}");
    assert!(is_dead(pid));
    assert!(handle.last_exit().expect("exit").before_ready);
}

/// Not a test on its own: the sd_notify client used by the tests below.
#[test]
fn helper_sd_notify() {
    if std::env::var_os(HELPER).is_none() {
        return;
    }
    use std::os::linux::net::SocketAddrExt;
    let socket = std::env::var("NOTIFY_SOCKET").expect("NOTIFY_SOCKET");
    let name = socket.strip_prefix('@').expect("an abstract socket");
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(name).expect("address");
    let sock = std::os::unix::net::UnixDatagram::unbound().expect("socket");
    sock.send_to_addr(b"STATUS=warming up", &addr)
        .expect("send");
    sock.send_to_addr(b"STATUS=serving\nREADY=1", &addr)
        .expect("send");
    std::thread::sleep(Duration::from_secs(1000));
}

#[tokio::test]
async fn sd_notify_readiness_waits_for_ready_1() {
    let cmd = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "helper_sd_notify",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(HELPER, "1")
        .readiness(Readiness::SdNotify)
        .stop_timeout(Duration::from_secs(5));
    let handle = cmd.handle();
    let (sup, _events) = supervise(cmd.child("svc")).await;
    running(&handle).await;
    assert_eq!(node_state(&sup, "root.svc").await, Some(NodeState::Healthy));
    let status = wait_status(&handle, "STATUS", |s| s.notify_status.is_some()).await;
    assert_eq!(status.notify_status.as_deref(), Some("serving"));
    guard("stop", sup.stop("root.svc")).await.expect("stop");
}

#[tokio::test]
async fn sd_notify_exit_before_ready_is_a_failed_start() {
    let cmd = Command::shell("test -n \"$NOTIFY_SOCKET\" && exit 3").readiness(Readiness::SdNotify);
    let (_sup, mut events) = supervise(cmd.child("svc").restart(Restart::Temporary)).await;
    let exit = next_exit(&mut events, "root.svc").await;
    let err = exec_error(&exit);
    assert!(err.is_failed_start(), "{err}");
    assert_eq!(err.exit_status(), Some(ExitStatus::Exited(3)));
}

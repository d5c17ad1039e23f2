//! The stop ladder: stop signal, stop timeout, SIGKILL to the group; and the
//! process dies with its supervisor.

mod support;

use std::time::{Duration, Instant};

use supervisor_core::{Exit, Restart};
use supervisor_exec::{Command, ExitStatus, Output, ProcessState, UnixSignal};
use support::*;

const HELPER: &str = "SUPERVISOR_EXEC_TEST_HELPER";

#[tokio::test]
async fn stop_signal_is_honoured() {
    // The script says it is ready on stdout, then exits 42 on SIGUSR1 only.
    let cmd = Command::shell(
        "trap 'echo got-usr1; exit 42' USR1; echo armed; while :; do sleep 0.05; done",
    )
    .stop_signal(UnixSignal::SIGUSR1)
    .stop_timeout(Duration::from_secs(30))
    .stdout(Output::new().channel().tail(1024));
    let handle = cmd.handle();
    let mut out = handle.subscribe_output();
    let (sup, mut events) = supervise(cmd.child("svc")).await;
    let mut seen = Vec::new();
    wait_output(&mut out, &mut seen, "armed").await;

    let started = Instant::now();
    guard("stop", sup.stop("root.svc")).await.expect("stop");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "no SIGKILL escalation needed"
    );
    let exit = next_exit(&mut events, "root.svc").await;
    assert!(matches!(exit, Exit::Canceled), "{exit}");
    let last = handle.last_exit().expect("an exit");
    assert_eq!(last.status, ExitStatus::Exited(42));
    assert!(last.stopped);
    assert_eq!(handle.status().state, ProcessState::Stopped);
    let tail = handle.tail(supervisor_exec::Stream::Stdout).expect("tail");
    assert!(String::from_utf8_lossy(&tail.tail(1024).data).contains("got-usr1"));
}

#[tokio::test]
async fn child_ignoring_sigterm_is_killed_after_the_timeout() {
    let cmd = Command::shell("trap '' TERM; echo armed; while :; do sleep 0.05; done")
        .stop_timeout(Duration::from_millis(300))
        .stdout(Output::new().channel());
    let handle = cmd.handle();
    let mut out = handle.subscribe_output();
    let (sup, _events) = supervise(cmd.child("stubborn")).await;
    let mut seen = Vec::new();
    wait_output(&mut out, &mut seen, "armed").await;
    let pid = handle.pid().expect("a pid");

    let started = Instant::now();
    guard("stop", sup.stop("root.stubborn"))
        .await
        .expect("stop");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(300),
        "stopped before the timeout: {took:?}"
    );
    let last = handle.last_exit().expect("an exit");
    assert_eq!(
        last.status,
        ExitStatus::Signaled {
            signal: 9,
            core_dumped: false
        }
    );
    assert!(is_dead(pid));
    assert_eq!(handle.pid(), None);
}

#[tokio::test]
async fn grandchildren_die_with_the_group() {
    // Two background sleeps that ignore SIGTERM, and a shell that waits.
    let cmd = Command::shell(
        "trap '' TERM; sleep 1000 & echo gc=$!; sleep 1000 & echo gc=$!; echo armed; wait",
    )
    .stop_as_group(true)
    .stop_timeout(Duration::from_millis(200))
    .stdout(Output::new().channel());
    let handle = cmd.handle();
    let mut out = handle.subscribe_output();
    let (sup, _events) = supervise(cmd.child("family")).await;
    let mut seen = Vec::new();
    wait_output(&mut out, &mut seen, "armed").await;
    let pids: Vec<u32> = String::from_utf8_lossy(&seen)
        .lines()
        .filter_map(|l| l.strip_prefix("gc=")?.parse().ok())
        .collect();
    assert_eq!(pids.len(), 2, "{seen:?}");
    guard("stop", sup.stop("root.family")).await.expect("stop");
    for pid in pids {
        wait_dead(pid).await;
    }
}

#[tokio::test]
async fn leftover_group_members_die_when_the_process_exits() {
    // The shell exits at once, leaving a background sleep in its group.
    let cmd = Command::shell("sleep 1000 & echo gc=$!; exit 0").stdout(Output::new().channel());
    let handle = cmd.handle();
    let mut out = handle.subscribe_output();
    let (_sup, _events) = supervise(cmd.child("leaver").restart(Restart::Temporary)).await;
    let mut seen = Vec::new();
    wait_output(&mut out, &mut seen, "gc=").await;
    wait_output(&mut out, &mut seen, "\n").await;
    let pid: u32 = String::from_utf8_lossy(&seen)
        .trim()
        .strip_prefix("gc=")
        .and_then(|p| p.parse().ok())
        .expect("grandchild pid");
    wait_status(&handle, "exit", |s| s.state == ProcessState::Exited).await;
    wait_dead(pid).await;
}

/// Not a test on its own: the helper process of
/// `child_dies_when_its_supervising_process_is_killed`. It supervises a
/// `sleep`, prints its pid, and waits to be killed.
#[test]
fn helper_supervise_sleep() {
    if std::env::var_os(HELPER).is_none() {
        return;
    }
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let cmd = Command::new("sleep").arg("1000");
        let handle = cmd.handle();
        let (_sup, _events) = supervise(cmd.child("sleeper")).await;
        let status = wait_status(&handle, "spawn", |s| s.pid.is_some()).await;
        println!("pid={}", status.pid.expect("pid"));
        std::future::pending::<()>().await;
    });
}

#[tokio::test]
async fn child_dies_when_its_supervising_process_is_killed() {
    use tokio::io::AsyncBufReadExt;
    let mut helper = tokio::process::Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "helper_supervise_sleep",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(HELPER, "1")
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn helper");
    let mut lines = tokio::io::BufReader::new(helper.stdout.take().expect("stdout")).lines();
    // libtest may print "test helper_supervise_sleep ... " on the same line.
    let pid = guard("the helper's child pid", async {
        while let Some(line) = lines.next_line().await.expect("helper output") {
            if let Some((_, pid)) = line.split_once("pid=") {
                return pid.trim().parse::<u32>().expect("pid");
            }
        }
        panic!("the helper ended without printing the pid");
    })
    .await;
    assert!(!is_dead(pid));
    helper.start_kill().expect("SIGKILL the helper");
    guard("the helper to die", helper.wait())
        .await
        .expect("reap the helper");
    wait_dead(pid).await;
}

#[tokio::test]
async fn an_aborted_run_kills_the_group_and_leaves_no_zombie() {
    // A grace period shorter than the stop timeout: the core aborts the run
    // mid-ladder (the misconfiguration `Command::child` prevents).
    let cmd = Command::shell("trap '' TERM; sleep 1000 & echo gc=$!; echo armed; wait")
        .stop_timeout(Duration::from_secs(60))
        .stdout(Output::new().channel());
    let handle = cmd.handle();
    let mut out = handle.subscribe_output();
    let child = supervisor_core::Child::new("short", cmd).grace(Duration::from_millis(200));
    let (sup, _events) = supervise(child).await;
    let mut seen = Vec::new();
    wait_output(&mut out, &mut seen, "armed").await;
    let pid = handle.pid().expect("pid");
    let gc: u32 = String::from_utf8_lossy(&seen)
        .lines()
        .find_map(|l| l.strip_prefix("gc=")?.parse().ok())
        .expect("grandchild pid");
    guard("stop", sup.stop("root.short")).await.expect("stop");
    assert_eq!(handle.status().state, ProcessState::Stopped);
    assert_eq!(handle.pid(), None);
    wait_dead(gc).await;
    // The leader is reaped in the background (tokio's kill_on_drop).
    guard("the aborted leader to be reaped", async {
        while std::path::Path::new(&format!("/proc/{pid}")).exists() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
}

//! 500 restarts of a crashing command: no descriptor leak, no zombie.

mod support;

use std::time::Duration;

use supervisor_core::BackoffPolicy;
use supervisor_exec::{Command, Output};
use support::*;

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .count()
}

/// Our children that are zombies.
fn zombie_children() -> Vec<u32> {
    let me = std::process::id().to_string();
    let mut zombies = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let fields: Vec<&str> = stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .split_whitespace()
            .collect();
        if fields.len() > 1 && fields[0] == "Z" && fields[1] == me {
            zombies.push(entry.file_name().to_string_lossy().parse().unwrap_or(0));
        }
    }
    zombies
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_fd_leak_and_no_zombie_after_500_restarts() {
    let cmd = Command::shell("echo crash; exit 1")
        .stdout(Output::new().tail(1024))
        .stderr(Output::new().tail(1024));
    let handle = cmd.handle();
    let (sup, _events) = supervise(
        cmd.child("crasher")
            .backoff(BackoffPolicy::immediate())
            .stable_after(Duration::from_secs(3600)),
    )
    .await;

    // Warm up (the runtime opens its own descriptors lazily), then measure
    // with the node stopped, so no run is in progress.
    wait_status(&handle, "5 spawns", |s| s.spawns >= 5).await;
    guard("stop", sup.stop("root.crasher")).await.expect("stop");
    let fds_before = open_fds();
    let spawned = handle.status().spawns;

    guard("start", sup.start("root.crasher"))
        .await
        .expect("start");
    wait_status(&handle, "500 more spawns", |s| s.spawns >= spawned + 500).await;
    guard("stop", sup.stop("root.crasher")).await.expect("stop");
    let fds_after = open_fds();
    assert!(
        fds_after <= fds_before,
        "descriptors leaked: {fds_before} before, {fds_after} after"
    );
    assert_eq!(zombie_children(), Vec::<u32>::new(), "zombies left behind");
    let tail = handle.tail(supervisor_exec::Stream::Stdout).expect("tail");
    let spawns = handle.status().spawns;
    assert!(
        tail.end() >= 6 * (spawns - 2),
        "every run's output was drained: {} bytes for {spawns} runs",
        tail.end()
    );
}

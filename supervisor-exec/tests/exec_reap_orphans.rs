//! `reap_orphans`: children spawned by other means are reaped and reported;
//! the processes supervisor-exec runs keep their exit statuses, even with
//! the reaper running all the time. Alone in its test binary: it reaps
//! every child of the test process that supervisor-exec did not spawn.

mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use supervisor_core::Restart;
use supervisor_exec::{reap_orphans, Command, ExitStatus, Orphan, ProcessState};
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orphans_are_reaped_and_our_exit_statuses_are_kept() {
    // Two children that are not supervisor-exec's (std's Child, dropped
    // without waiting: they stay zombies until someone reaps them).
    let unknown: Vec<u32> = ["exit 7", "kill -TERM $$"]
        .iter()
        .map(|script| {
            std::process::Command::new("sh")
                .args(["-c", script])
                .spawn()
                .expect("spawn")
                .id()
        })
        .collect();

    // The reaper, all the time, while supervisor-exec runs commands (until
    // the end of the test, or a failed assertion: the runtime waits for it).
    struct StopOnDrop(Arc<AtomicBool>);
    impl Drop for StopOnDrop {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }
    let stop = Arc::new(AtomicBool::new(false));
    let _stop = StopOnDrop(stop.clone());
    let orphans = Arc::new(Mutex::new(Vec::<Orphan>::new()));
    let reaper = {
        let (stop, orphans) = (stop.clone(), orphans.clone());
        tokio::task::spawn_blocking(move || {
            while !stop.load(Ordering::SeqCst) {
                orphans.lock().unwrap().extend(reap_orphans().orphans);
                std::thread::yield_now();
            }
        })
    };

    let cmd = Command::shell("exit 3");
    let handle = cmd.handle();
    let mut ours = Vec::new();
    for run in 1..=20 {
        let (_sup, _events) = supervise(cmd.clone().child("job").restart(Restart::Temporary)).await;
        let status = wait_status(&handle, "the end of the run", |s| {
            s.spawns == run && s.state == ProcessState::Exited
        })
        .await;
        let exit = status.last_exit.expect("an exit");
        assert_eq!(exit.status, ExitStatus::Exited(3), "run {run}");
        ours.push(exit.pid);
    }

    guard("both orphans reaped", async {
        while orphans.lock().unwrap().len() < 2 {
            tokio::task::yield_now().await;
        }
    })
    .await;
    stop.store(true, Ordering::SeqCst);
    reaper.await.expect("reaper");
    let mut got = orphans.lock().unwrap().clone();
    got.sort_by_key(|o| o.pid);
    let mut want = vec![
        Orphan {
            pid: unknown[0],
            status: ExitStatus::Exited(7),
        },
        Orphan {
            pid: unknown[1],
            status: ExitStatus::Signaled {
                signal: 15,
                core_dumped: false,
            },
        },
    ];
    want.sort_by_key(|o| o.pid);
    assert_eq!(got, want, "only the unknown children (ours: {ours:?})");
    assert_eq!(
        want.iter()
            .find(|o| o.pid == unknown[1])
            .unwrap()
            .status
            .to_string(),
        "terminated by SIGTERM"
    );
    // Nothing left: a call with no child at all reports nothing.
    let r = reap_orphans();
    assert!(r.orphans.is_empty() && !r.blocked, "{r:?}");
}

//! Latency of supervised processes: spawn-to-ready, and restart (SIGKILL to
//! the new process running).
//!
//! ```sh
//! cargo bench --bench exec_latency
//! ```
//!
//! Without `--bench` (as under `cargo test --all-targets`) it runs a few
//! iterations only, as a smoke test.

mod exec_common;

use std::time::{Duration, Instant};

use supervisor::exec::{Command, ProcessState, Readiness, UnixSignal};
use supervisor::{BackoffPolicy, Supervisor};

use exec_common::{parent, runtime};

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let pct = |p: f64| samples[((samples.len() - 1) as f64 * p) as usize];
    println!(
        "{name:<40} n={:<5} median {:>9.3?}  p90 {:>9.3?}  p99 {:>9.3?}  min {:>9.3?}",
        samples.len(),
        pct(0.5),
        pct(0.9),
        pct(0.99),
        samples[0]
    );
}

/// From `add_child` to the process ready (Running).
async fn spawn_to_ready(sup: &Supervisor, n: usize, make: impl Fn() -> Command) -> Vec<Duration> {
    let mut samples = Vec::with_capacity(n);
    for i in 0..n {
        let cmd = make().stop_timeout(Duration::from_secs(1));
        let handle = cmd.handle();
        let mut rx = handle.watch();
        let t0 = Instant::now();
        sup.add_child("root", cmd.child(format!("b{i}")))
            .await
            .expect("add");
        rx.wait_for(|s| s.state == ProcessState::Running)
            .await
            .expect("running");
        samples.push(t0.elapsed());
        sup.remove(&format!("root.b{i}")).await.expect("remove");
    }
    samples
}

/// SIGKILL the process; time until its successor is running.
async fn restart(sup: &Supervisor, n: usize) -> Vec<Duration> {
    let cmd = Command::new("sleep").arg("1000");
    let handle = cmd.handle();
    sup.add_child(
        "root",
        cmd.child("sleeper")
            .backoff(BackoffPolicy::immediate())
            .stable_after(Duration::from_secs(3600)),
    )
    .await
    .expect("add");
    let mut rx = handle.watch();
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let old = rx
            .wait_for(|s| s.state == ProcessState::Running)
            .await
            .expect("running")
            .pid;
        let t0 = Instant::now();
        handle.signal(UnixSignal::SIGKILL, false).expect("kill");
        rx.wait_for(|s| s.state == ProcessState::Running && s.pid != old)
            .await
            .expect("restarted");
        samples.push(t0.elapsed());
    }
    sup.remove("root.sleeper").await.expect("remove");
    samples
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let n = if bench { 300 } else { 3 };
    runtime().block_on(async {
        let sup = parent();
        report(
            "spawn-to-ready (sleep, immediate)",
            spawn_to_ready(&sup, n, || Command::new("sleep").arg("1000")).await,
        );
        report(
            "spawn-to-ready (sh, notify fd)",
            spawn_to_ready(&sup, n, || {
                Command::shell("echo >&3; exec sleep 1000").readiness(Readiness::NotifyFd(3))
            })
            .await,
        );
        report(
            "restart (SIGKILL to new pid running)",
            restart(&sup, n).await,
        );
        sup.shutdown(Duration::from_secs(5))
            .await
            .expect("shutdown");
    });
}

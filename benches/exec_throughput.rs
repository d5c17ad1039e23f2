//! Output throughput: a child writing as fast as it can (`dd` from
//! /dev/zero, 64 KiB writes) into each sink, measured from spawn to the
//! process reaped and its output drained.
//!
//! ```sh
//! cargo bench --bench exec_throughput
//! ```
//!
//! Without `--bench` (as under `cargo test --all-targets`) it moves a few
//! MiB only, as a smoke test.

mod exec_common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use supervisor::exec::{Command, LogFile, Output, ProcessState};
use supervisor::{Restart, Supervisor};

use exec_common::{parent, runtime};

/// Builds the output configuration of one benchmark case.
type MakeOutput = Box<dyn Fn() -> Output>;

async fn run(sup: &Supervisor, name: &str, mib: u64, output: Output) -> Duration {
    let cmd = Command::new("dd")
        .args(["if=/dev/zero", "bs=64k", &format!("count={}", mib * 16)])
        .stdout(output);
    let handle = cmd.handle();
    let mut rx = handle.watch();
    let t0 = Instant::now();
    sup.add_child(
        "root",
        cmd.child(name.to_owned()).restart(Restart::Temporary),
    )
    .await
    .expect("add");
    let s = rx
        .wait_for(|s| s.state == ProcessState::Exited)
        .await
        .expect("exit")
        .clone();
    let took = t0.elapsed();
    assert!(s.last_exit.expect("exit").expected, "dd failed");
    sup.remove(&format!("root.{name}")).await.expect("remove");
    took
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let (mib, rounds) = if bench { (512, 3) } else { (4, 1) };
    let dir: PathBuf = std::env::temp_dir().join(format!("exec-throughput-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    runtime().block_on(async {
        let sup = parent();
        let cases: Vec<(&str, MakeOutput)> = vec![
            ("/dev/null (no sink, baseline)", Box::new(Output::new)),
            (
                "tail buffer (1 MiB)",
                Box::new(|| Output::new().tail(1 << 20)),
            ),
            (
                "file (rotated at 50 MiB, 10 backups)",
                Box::new({
                    let path = dir.join("out.log");
                    move || Output::new().file(LogFile::new(path.clone()))
                }),
            ),
            (
                "callback (counts the bytes)",
                Box::new(|| {
                    let mut seen = 0u64;
                    Output::new().callback(move |c| {
                        seen += c.data.len() as u64;
                        std::hint::black_box(seen);
                    })
                }),
            ),
            (
                "file + tail + channel",
                Box::new({
                    let path = dir.join("all.log");
                    move || {
                        Output::new()
                            .file(LogFile::new(path.clone()))
                            .tail(1 << 20)
                            .channel()
                    }
                }),
            ),
        ];
        for (i, (name, output)) in cases.iter().enumerate() {
            let mut best = Duration::MAX;
            for r in 0..rounds {
                best = best.min(run(&sup, &format!("t{i}-{r}"), mib, output()).await);
            }
            println!(
                "{name:<40} {mib} MiB in {best:>9.3?}: {:>8.1} MiB/s (best of {rounds})",
                mib as f64 / best.as_secs_f64()
            );
        }
        sup.shutdown(Duration::from_secs(5))
            .await
            .expect("shutdown");
    });
    let _ = std::fs::remove_dir_all(&dir);
}

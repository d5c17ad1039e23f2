//! Shutdown of the W2 tree of depth 14 (32767 runnables): from the call to
//! `Supervisor::shutdown` until every runnable has returned
//! (`all_returned_ms`, taken by the last runnable to observe its
//! cancellation) and until `shutdown()` itself returned (`shutdown_call_ms`,
//! the supervisor has seen every task end).
//!
//! ```sh
//! cargo bench --bench core_shutdown
//! ```

mod core_common;

use std::time::{Duration, Instant};

use core_common::*;
use supervisor::Supervisor;

fn run(w: &str, args: &Args) -> String {
    let d = args.get("d", 14) as u32;
    block_on(async {
        let done = TreeDone::new(d);
        let sup = Supervisor::new(TreeNode {
            level: 0,
            depth: d,
            done: done.clone(),
        });
        done.all_healthy().await;
        let c0 = cpu_s();
        let t0 = Instant::now();
        let report = sup
            .shutdown(Duration::from_secs(30))
            .await
            .expect("shutdown");
        let t_call = t0.elapsed();
        let t_all = done.all_returned().await - t0;
        let cpu_ms = (cpu_s() - c0) * 1000.0;
        assert!(report.is_clean(), "{report:?}");
        format!(
            "{{\"peer\":\"{PEER}\",\"tokio_workers\":{},\"workload\":\"{w}\",\"depth\":{d},\"nodes\":{},\"all_returned_ms\":{:.3},\"shutdown_call_ms\":{:.3},\"process_cpu_ms\":{cpu_ms:.0}}}",
            workers(),
            done.nodes,
            t_all.as_secs_f64() * 1000.0,
            t_call.as_secs_f64() * 1000.0,
        )
    })
}

fn main() {
    core_common::main(&["shutdown d=14"], &["shutdown d=4"], run);
}

//! W1 of `../shared/bench/core-workloads.md`: restart latency of a group of
//! two (`root` → group `{a, b}`; `b` dies; time until both are healthy again),
//! with the minimum backoff, `BackoffPolicy::immediate()` (zero delay).
//!
//! ```sh
//! cargo bench --bench core_w1          # R=5 fresh processes per configuration
//! ```

mod core_common;

use std::time::Duration;

use core_common::*;

fn run(w: &str, args: &Args) -> String {
    let n = args.get("n", 1000) as usize;
    let settle_ms = args.get("settle_ms", 1);
    block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let _sup = start_root(move |ctx| {
            let tx = tx.clone();
            async move { ctx.run_group(ab_group(tx)).await }
        });
        let lat = ab_measure(&mut rx, n, Duration::from_millis(settle_ms)).await;
        let settle = if settle_ms == 1 {
            String::new()
        } else {
            format!(",\"settle_ms\":{settle_ms}")
        };
        format!(
            "{{\"peer\":\"{PEER}\",\"tokio_workers\":{},\"workload\":\"{w}\",\"initial_backoff\":\"0s\"{settle},\"latency\":{}}}",
            workers(),
            summarize(lat)
        )
    })
}

fn main() {
    core_common::main(&["w1 n=1000", "w1 n=1000 settle_ms=0"], &["w1 n=20"], run);
}

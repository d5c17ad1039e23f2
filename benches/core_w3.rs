//! W3 of `../shared/bench/core-workloads.md`: W1's group restart next to a
//! full binary tree of depth 14 (32767 runnables) that stays untouched.
//! Backoff: `BackoffPolicy::immediate()` on `a` and `b`.
//!
//! ```sh
//! cargo bench --bench core_w3
//! ```

mod core_common;

use std::time::{Duration, Instant};

use core_common::*;
use supervisor::Child;

fn run(w: &str, args: &Args) -> String {
    let n = args.get("n", 1000) as usize;
    let d = args.get("d", 14) as u32;
    block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let done = TreeDone::new(d);
        let tree = done.clone();
        let t0 = Instant::now();
        let _sup = start_root(move |ctx| {
            let (tx, tree) = (tx.clone(), tree.clone());
            async move {
                let node = TreeNode {
                    level: 0,
                    depth: d,
                    done: tree,
                };
                ctx.run_child(Child::new("tree", node)).await?;
                ctx.run_group(ab_group(tx)).await
            }
        });
        let built = done.all_healthy().await - t0;
        let lat = ab_measure(&mut rx, n, Duration::from_millis(1)).await;
        format!(
            "{{\"peer\":\"{PEER}\",\"tokio_workers\":{},\"workload\":\"{w}\",\"initial_backoff\":\"0s\",\"depth\":{d},\"tree_nodes\":{},\"tree_build_ms\":{:.3},\"latency\":{}}}",
            workers(),
            done.nodes,
            built.as_secs_f64() * 1000.0,
            summarize(lat)
        )
    })
}

fn main() {
    core_common::main(&["w3 d=14 n=1000"], &["w3 d=4 n=20"], run);
}

//! W3 of `../shared/bench/core-workloads.md`: W1's group restart next to a
//! full binary tree of depth 14 (32767 runnables) that stays untouched.
//! Backoff: `BackoffPolicy::immediate()` on `a` and `b`.
//!
//! W3 is defined against W1, and this machine's speed drifts by up to 2×
//! within minutes, so the bench measures both: W1 (the same code without the
//! tree) and W3 alternate, run by run, and a last `#` line gives the ratio
//! of their median latencies in each pair of runs and the median ratio.
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
    // "w1": the control, W1 itself (no tree beside the group).
    let with_tree = w != "w1";
    block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let done = TreeDone::new(d);
        let tree = done.clone();
        let t0 = Instant::now();
        let _sup = start_root(move |ctx| {
            let (tx, tree) = (tx.clone(), tree.clone());
            async move {
                if with_tree {
                    let node = TreeNode {
                        level: 0,
                        depth: d,
                        done: tree,
                    };
                    ctx.run_child(Child::new("tree", node)).await?;
                }
                ctx.run_group(ab_group(tx)).await
            }
        });
        let built = match with_tree {
            true => Some(done.all_healthy().await - t0),
            false => None,
        };
        let lat = ab_measure(&mut rx, n, Duration::from_millis(1)).await;
        let tree = built.map_or_else(String::new, |built| {
            format!(
                ",\"depth\":{d},\"tree_nodes\":{},\"tree_build_ms\":{:.3}",
                done.nodes,
                built.as_secs_f64() * 1000.0
            )
        });
        format!(
            "{{\"peer\":\"{PEER}\",\"tokio_workers\":{},\"workload\":\"{w}\",\"initial_backoff\":\"0s\"{tree},\"latency\":{}}}",
            workers(),
            summarize(lat)
        )
    })
}

fn main() {
    let runs = core_common::main(
        &["w1 n=1000", "w3 d=14 n=1000"],
        &["w1 n=20", "w3 d=4 n=20"],
        run,
    );
    if let [w1, w3] = &runs[..] {
        let median_us = |line: &String| -> f64 {
            let v = &line[line.find("\"MedianUs\":").expect("MedianUs") + 11..];
            v[..v.find(',').expect("field")].parse().expect("number")
        };
        let mut ratios: Vec<f64> = w1
            .iter()
            .zip(w3)
            .map(|(a, b)| median_us(b) / median_us(a))
            .collect();
        let per_pair = ratios.iter().map(|r| format!("{r:.2}")).collect::<Vec<_>>();
        ratios.sort_by(f64::total_cmp);
        if let Some(mid) = ratios.get(ratios.len() / 2) {
            println!(
                "# w3/w1 median latency, pair by pair: {}; median ratio {mid:.2}",
                per_pair.join(" ")
            );
        }
    }
}

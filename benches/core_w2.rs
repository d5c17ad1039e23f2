//! W2 of `../shared/bench/core-workloads.md`: start a full binary tree of
//! depth 10 (2047 nodes) or 14 (32767); time until every node is healthy, and
//! memory per node: VmRSS growth (as the peers measure it), plus, in one
//! extra run per depth, the live heap bytes counted by a counting global
//! allocator (`heap_per_node_bytes`; off in the timed runs).
//!
//! ```sh
//! cargo bench --bench core_w2
//! ```

mod core_common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Instant;

use core_common::*;
use supervisor::Supervisor;

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicI64 = AtomicI64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            LIVE.fetch_add(l.size() as i64, Ordering::Relaxed);
        }
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        if COUNTING.load(Ordering::Relaxed) {
            LIVE.fetch_sub(l.size() as i64, Ordering::Relaxed);
        }
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            LIVE.fetch_add(new as i64 - l.size() as i64, Ordering::Relaxed);
        }
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn run(w: &str, args: &Args) -> String {
    let d = args.get("d", 10) as u32;
    let count = args.get("count_heap", 0) == 1;
    block_on(async {
        let done = TreeDone::new(d);
        let nodes = done.nodes;
        let before = proc_status_kb("VmRSS");
        COUNTING.store(count, Ordering::Relaxed);
        let c0 = cpu_s();
        let t0 = Instant::now();
        let sup = Supervisor::new(TreeNode {
            level: 0,
            depth: d,
            done: done.clone(),
        });
        let end = done.all_healthy().await;
        let cpu_ms = (cpu_s() - c0) * 1000.0;
        let after = proc_status_kb("VmRSS");
        let heap = LIVE.load(Ordering::Relaxed);
        let heap = if count {
            format!(",\"heap_per_node_bytes\":{:.1}", heap as f64 / nodes as f64)
        } else {
            String::new()
        };
        drop(sup);
        format!(
            "{{\"peer\":\"{PEER}\",\"tokio_workers\":{},\"workload\":\"{w}\",\"depth\":{d},\"nodes\":{nodes},\"start_to_all_healthy_ms\":{:.3},\"rss_before_kb\":{before},\"rss_after_kb\":{after},\"peak_rss_kb\":{},\"rss_per_node_bytes\":{:.1},\"process_cpu_ms\":{cpu_ms:.0}{heap}}}",
            workers(),
            (end - t0).as_secs_f64() * 1000.0,
            proc_status_kb("VmHWM"),
            (after - before) as f64 * 1024.0 / nodes as f64
        )
    })
}

fn main() {
    core_common::main(
        &[
            "w2 d=10",
            "w2 d=14",
            "w2 d=10 count_heap=1",
            "w2 d=14 count_heap=1",
        ],
        &["w2 d=4", "w2 d=4 count_heap=1"],
        run,
    );
}

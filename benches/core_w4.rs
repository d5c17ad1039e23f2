//! W4 of `../shared/bench/core-workloads.md`: 1000 one-member groups, each
//! member dying 10 ms after it became healthy; restarts per second sustained
//! over 5 s (after 1 s of warm-up) and the process CPU per restart.
//! Backoff: `BackoffPolicy::immediate()`. Starvation: `worst_wait_us` is the
//! longest time from a member's death to its successor being healthy, and
//! `min_group_restarts_per_s` the rate of the slowest group, over the window.
//! `baseline=1` (workload `w4_timer_only`) runs the same loop in plain tasks,
//! without a supervisor: the rate tokio's 1 ms timer allows (a 10 ms
//! `tokio::time::sleep` lasts 10 to 12 ms: its deadline is rounded up to the
//! next 1 ms tick, and the driver's epoll timeout is rounded up again).
//! `period_ms=0` replaces the timer with one yield: members die as soon as
//! they are healthy, and the rate is what the supervisor itself sustains.
//! `precise=1` waits the 10 ms on a timer without tokio's rounding
//! (`core_common::precise_sleep`, one thread for all deadlines): workloads
//! `w4_precise_timer` and, with `baseline=1`, `w4_precise_timer_only`.
//!
//! ```sh
//! cargo bench --bench core_w4
//! ```

mod core_common;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use core_common::*;
use supervisor::{BackoffPolicy, Child};

fn run(w: &str, args: &Args) -> String {
    let groups = args.get("groups", 1000) as usize;
    let period = Duration::from_millis(args.get("period_ms", 10));
    let warmup = Duration::from_millis(args.get("warmup_ms", 1000));
    let window = Duration::from_millis(args.get("dur_ms", 5000));
    let baseline = args.get("baseline", 0) == 1;
    let timer = match (period.is_zero(), args.get("precise", 0) == 1) {
        (true, _) => ChurnTimer::None,
        (false, false) => ChurnTimer::Tokio,
        (false, true) => ChurnTimer::Precise,
    };
    let w = format!(
        "{w}{}",
        match (timer, baseline) {
            (ChurnTimer::Tokio, false) => "",
            (ChurnTimer::Tokio, true) => "_timer_only",
            (ChurnTimer::Precise, false) => "_precise_timer",
            (ChurnTimer::Precise, true) => "_precise_timer_only",
            (ChurnTimer::None, false) => "_no_timer",
            (ChurnTimer::None, true) => "_no_timer_loop_only",
        }
    );
    block_on(async {
        let shared = Arc::new(ChurnShared {
            base: Instant::now(),
            starts: Default::default(),
            max_wait_ns: Default::default(),
            timer,
            period,
        });
        let slots: Vec<_> = (0..groups).map(|_| ChurnSlot::new()).collect();
        let (sh, sl) = (shared.clone(), slots.clone());
        if baseline {
            // No supervisor: plain tasks looping on the same timer. The bound
            // that tokio's 1 ms timer wheel puts on the workload.
            for slot in &slots {
                let (sh, slot) = (shared.clone(), slot.clone());
                tokio::spawn(async move {
                    loop {
                        sh.starts.fetch_add(1, Ordering::Relaxed);
                        slot.starts.fetch_add(1, Ordering::Relaxed);
                        churn_wait(sh.timer, sh.period).await;
                    }
                });
            }
        }
        let _sup = (!baseline).then(|| {
            start_root(move |ctx| {
                let (sh, sl) = (sh.clone(), sl.clone());
                async move {
                    for (i, slot) in sl.iter().enumerate() {
                        let child = Child::new(format!("g{i}"), churn(sh.clone(), slot.clone()))
                            .backoff(BackoffPolicy::immediate());
                        ctx.run_child(child).await?;
                    }
                    Ok(())
                }
            })
        });
        tokio::time::sleep(warmup).await;
        let per_group = |s: &[Arc<ChurnSlot>]| -> Vec<u64> {
            s.iter().map(|x| x.starts.load(Ordering::Relaxed)).collect()
        };
        let g0 = per_group(&slots);
        shared.max_wait_ns.store(0, Ordering::Relaxed);
        let (s0, c0, t0) = (
            shared.starts.load(Ordering::Relaxed),
            cpu_s(),
            Instant::now(),
        );
        tokio::time::sleep(window).await;
        let (s1, c1, t1) = (
            shared.starts.load(Ordering::Relaxed),
            cpu_s(),
            Instant::now(),
        );
        let worst = shared.max_wait_ns.load(Ordering::Relaxed);
        let g1 = per_group(&slots);
        let wall = (t1 - t0).as_secs_f64();
        let r = (s1 - s0) as f64;
        let min_group = g0.iter().zip(&g1).map(|(a, b)| b - a).min().unwrap_or(0);
        format!(
            "{{\"peer\":\"{PEER}\",\"tokio_workers\":{},\"workload\":\"{w}\",\"initial_backoff\":\"0s\",\"groups\":{groups},\"period_ms\":{},\"window_s\":{wall:.3},\"restarts_per_s\":{:.1},\"ideal_restarts_per_s\":{},\"process_cpu_cores\":{:.3},\"cpu_us_per_restart\":{:.3},\"worst_wait_us\":{:.1},\"min_group_restarts_per_s\":{:.1}}}",
            workers(),
            period.as_millis(),
            r / wall,
            if period.is_zero() {
                "null".to_owned()
            } else {
                format!("{:.1}", groups as f64 / period.as_secs_f64())
            },
            (c1 - c0) / wall,
            (c1 - c0) * 1e6 / r.max(1.0),
            worst as f64 / 1000.0,
            min_group as f64 / wall,
        )
    })
}

fn main() {
    core_common::main(
        &[
            "w4 groups=1000",
            "w4 groups=1000 baseline=1",
            "w4 groups=1000 period_ms=0",
            "w4 groups=1000 precise=1",
            "w4 groups=1000 precise=1 baseline=1",
        ],
        &[
            "w4 groups=10 warmup_ms=50 dur_ms=100",
            "w4 groups=10 warmup_ms=50 dur_ms=100 baseline=1",
            "w4 groups=10 warmup_ms=50 dur_ms=100 precise=1",
        ],
        run,
    );
}

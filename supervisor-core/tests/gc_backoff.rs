//! Backoff, its reset rule, restart budgets, FAILED and escalation.

mod support;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use supervisor_core::testing::{Harness, Puppet};
use supervisor_core::{
    BackoffPolicy, Child, Context, Error, EventKind, NodeState, Signal, Supervisor,
};
use support::*;
use tokio::time::Instant;

/// Start times of each run of `p`, measured from `t0`, in ms.
fn gaps(starts: &[Instant]) -> Vec<u128> {
    starts
        .windows(2)
        .map(|w| (w[1] - w[0]).as_millis())
        .collect()
}

/// A runnable that records its start time, becomes healthy if asked, and dies after `lifetime`.
fn crasher(
    starts: Arc<Mutex<Vec<Instant>>>,
    healthy: bool,
    lifetime: Duration,
) -> impl supervisor_core::Runnable + Clone {
    move |ctx: Context| {
        starts.lock().unwrap().push(Instant::now());
        async move {
            if healthy {
                ctx.signal(Signal::Healthy)?;
            }
            tokio::time::sleep(lifetime).await;
            Err::<(), BoxError>("crash".into())
        }
    }
}

#[tokio::test(start_paused = true)]
async fn backoff_grows_with_repeated_deaths() {
    let starts = Arc::new(Mutex::new(Vec::new()));
    let c = crasher(starts.clone(), false, Duration::ZERO);
    let h = Harness::new(root_with_group(move || {
        vec![Child::new("c", c.clone()).backoff(exact(100, 2.0, 1000))]
    }));
    while starts.lock().unwrap().len() < 7 {
        h.settled().await;
    }
    let s = starts.lock().unwrap().clone();
    assert_eq!(
        gaps(&s[..7]),
        [100, 200, 400, 800, 1000, 1000],
        "exponential, capped"
    );
}

#[tokio::test(start_paused = true)]
async fn backoff_resets_after_a_stable_healthy_period() {
    let p = Puppet::new();
    let r = p.runnable();
    let h = Harness::new(root_with_group(move || {
        vec![Child::new("p", r.clone())
            .backoff(exact(100, 2.0, 10_000))
            .stable_after(Duration::from_secs(1))]
    }));
    // Three deaths without becoming healthy: 100, 200, 400 ms.
    let mut delays = Vec::new();
    for n in 2..=4 {
        let t = Instant::now();
        p.die().await;
        p.wait_starts(n).await;
        h.settled().await;
        delays.push((Instant::now() - t).as_millis());
    }
    assert_eq!(delays, [100, 200, 400]);
    // Healthy for longer than the stable period: the next death waits 100 ms again.
    p.healthy().await.unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let t = Instant::now();
    p.die().await;
    p.wait_starts(5).await;
    assert_eq!(
        (Instant::now() - t).as_millis(),
        100,
        "reset after a stable period"
    );
}

#[tokio::test(start_paused = true)]
async fn healthy_then_dead_at_once_still_backs_off() {
    // The original library reset the backoff on Healthy, so this crash loop
    // restarted every 500 ms forever; with a stable period it backs off.
    let starts = Arc::new(Mutex::new(Vec::new()));
    let c = crasher(starts.clone(), true, Duration::from_millis(10));
    let h = Harness::new(root_with_group(move || {
        vec![Child::new("c", c.clone())
            .backoff(exact(100, 2.0, 10_000))
            .stable_after(Duration::from_secs(1))]
    }));
    // The crasher is running (not waiting for a restart) most of the time,
    // so let virtual time pass rather than wait for settling.
    tokio::time::sleep(Duration::from_secs(3)).await;
    h.settled().await;
    let s = starts.lock().unwrap().clone();
    // Each gap is the 10 ms lifetime plus a growing delay.
    assert_eq!(gaps(&s[..5]), [110, 210, 410, 810]);
}

#[tokio::test(start_paused = true)]
async fn budget_exhausted_means_failed() {
    let starts = Arc::new(Mutex::new(Vec::new()));
    let c = crasher(starts.clone(), true, Duration::from_millis(10));
    let sup = Supervisor::new(root_with_group(move || {
        vec![Child::new("c", c.clone())
            .backoff(BackoffPolicy::immediate())
            .budget(3, Duration::from_secs(60))]
    }));
    let mut events = sup.subscribe();
    sup.settled().await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    sup.settled().await;
    assert_eq!(starts.lock().unwrap().len(), 4, "first run + 3 restarts");
    let snap = sup.snapshot().await.unwrap();
    assert_eq!(snap.state("root.c"), Some(NodeState::Failed));
    assert_eq!(
        snap.state("root"),
        Some(NodeState::Healthy),
        "no escalation by default"
    );
    let failed = drain(&mut events).into_iter().find_map(|e| match e.kind {
        EventKind::Failed { reason } => Some(reason),
        _ => None,
    });
    let reason = failed.expect("a Failed event");
    assert!(
        reason.contains("more than 3 restarts within 60s"),
        "{reason}"
    );
    assert!(reason.contains("crash"), "names the last exit: {reason}");
    // Never resurrected by the necromancer.
    tokio::time::sleep(Duration::from_secs(600)).await;
    assert_eq!(starts.lock().unwrap().len(), 4);
    sup.shutdown(Duration::from_secs(1)).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn budget_window_slides() {
    // 2 restarts per 10 s, one death every 6 s: never more than 2 in a window.
    let starts = Arc::new(Mutex::new(Vec::new()));
    let c = crasher(starts.clone(), true, Duration::from_secs(6));
    let sup = Supervisor::new(root_with_group(move || {
        vec![Child::new("c", c.clone())
            .backoff(BackoffPolicy::immediate())
            .budget(2, Duration::from_secs(10))]
    }));
    tokio::time::sleep(Duration::from_secs(61)).await;
    assert!(starts.lock().unwrap().len() >= 10);
    assert_eq!(
        sup.snapshot().await.unwrap().state("root.c"),
        Some(NodeState::Healthy)
    );
    sup.shutdown(Duration::from_secs(1)).await.unwrap();
}

/// Gives up after `n` delays of 1 s (supervisord's startretries, simplified).
struct Retries(u32);

impl backoff::backoff::Backoff for Retries {
    fn next_backoff(&mut self) -> Option<Duration> {
        self.0 = self.0.checked_sub(1)?;
        Some(Duration::from_secs(1))
    }
    fn reset(&mut self) {}
}

#[tokio::test(start_paused = true)]
async fn backoff_that_gives_up_means_failed() {
    let starts = Arc::new(Mutex::new(Vec::new()));
    let c = crasher(starts.clone(), false, Duration::ZERO);
    let sup = Supervisor::new(root_with_group(move || {
        vec![Child::new("c", c.clone()).backoff(BackoffPolicy::from_backoff(Retries(2)))]
    }));
    tokio::time::sleep(Duration::from_secs(10)).await;
    sup.settled().await;
    assert_eq!(starts.lock().unwrap().len(), 3);
    let snap = sup.snapshot().await.unwrap();
    assert_eq!(snap.state("root.c"), Some(NodeState::Failed));
    // An operator start revives it, with a fresh budget.
    sup.start("root.c").await.unwrap();
    sup.settled().await;
    assert_eq!(starts.lock().unwrap().len(), 4);
    sup.shutdown(Duration::from_secs(1)).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn escalation_restarts_the_parent() {
    // root -> mid -> c; c escalates after its budget; mid is rebuilt.
    let starts = Arc::new(Mutex::new(Vec::new()));
    let mids = Arc::new(AtomicU32::new(0));
    let (c, m) = (
        crasher(starts.clone(), true, Duration::from_millis(10)),
        mids.clone(),
    );
    let mid = move |ctx: Context| {
        m.fetch_add(1, Ordering::SeqCst);
        let c = c.clone();
        async move {
            ctx.run_child(
                Child::new("c", c)
                    .backoff(BackoffPolicy::immediate())
                    .budget(1, Duration::from_secs(60))
                    .escalate(true),
            )
            .await?;
            ctx.signal(Signal::Healthy)?;
            ctx.cancelled().await;
            Ok::<_, BoxError>(())
        }
    };
    let sup = Supervisor::new(root_with_group(move || {
        vec![Child::new("mid", mid.clone()).backoff(exact(1000, 1.0, 1000))]
    }));
    let mut events = sup.subscribe();
    tokio::time::sleep(Duration::from_millis(500)).await;
    sup.settled().await;
    let ev = drain(&mut events);
    let order: Vec<String> = ev
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Failed { .. } => Some(format!("{} failed", e.dn)),
            EventKind::Exited {
                state: NodeState::Dead,
                ..
            } => Some(format!("{} dead", e.dn)),
            _ => None,
        })
        .collect();
    assert_eq!(
        order[..4],
        [
            "root.mid.c dead",
            "root.mid.c dead",
            "root.mid.c failed",
            "root.mid dead"
        ],
        "{order:?}"
    );
    assert!(mids.load(Ordering::SeqCst) >= 2, "mid was restarted");
    assert_eq!(
        sup.snapshot().await.unwrap().state("root"),
        Some(NodeState::Healthy)
    );
    sup.shutdown(Duration::from_secs(1)).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn escalation_to_the_root_ends_the_supervisor() {
    let starts = Arc::new(Mutex::new(Vec::new()));
    let c = crasher(starts.clone(), true, Duration::from_millis(10));
    let root = root_with_group(move || {
        vec![Child::new("c", c.clone())
            .backoff(BackoffPolicy::immediate())
            .budget(2, Duration::from_secs(60))
            .escalate(true)]
    });
    // The root itself may not be restarted at all.
    let sup = Supervisor::builder().start_child(
        Child::new("root", root)
            .backoff(BackoffPolicy::immediate())
            .budget(0, Duration::from_secs(60)),
    );
    let err = tokio::time::timeout(Duration::from_secs(10), sup.wait())
        .await
        .expect("the supervisor ends")
        .expect_err("with an error");
    match &err {
        Error::Failed { dn, reason } => {
            assert_eq!(dn, "root");
            assert!(reason.contains("root.c failed for good"), "{reason}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(sup.is_closed());
    assert!(matches!(sup.snapshot().await, Err(Error::Closed)));
}

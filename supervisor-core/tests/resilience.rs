//! A group of misbehaving runnables does not stop a healthy neighbour group
//! from working and restarting (the Go original's TestResilience).
//!
//! Real time on a multi-thread runtime: a runnable spinning on `yield_now`
//! keeps a paused clock from ever advancing.

mod support;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use supervisor_core::testing::Puppet;
use supervisor_core::{BackoffPolicy, Child, Context, Signal, Supervisor};
use support::*;
use tokio::sync::{mpsc, oneshot, Mutex};
use tokio::time::timeout;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn misbehaving_group_does_not_hurt_its_neighbours() {
    let (ping_tx, ping_rx) = mpsc::channel::<oneshot::Sender<()>>(1);
    let ping_rx = Arc::new(Mutex::new(ping_rx));
    let one_starts = Arc::new(AtomicU32::new(0));
    let (ping, ostarts) = (ping_rx.clone(), one_starts.clone());
    // Answers pings while running.
    let one = move |ctx: Context| {
        let ping = ping.clone();
        ostarts.fetch_add(1, Ordering::SeqCst);
        async move {
            ctx.signal(Signal::Healthy)?;
            let mut rx = ping.lock().await;
            loop {
                tokio::select! {
                    _ = ctx.cancelled() => return Ok::<_, BoxError>(()),
                    r = rx.recv() => if let Some(r) = r { let _ = r.send(()); },
                }
            }
        }
    };
    let sibling = Puppet::new();
    let rs = sibling.runnable();
    let bred = Arc::new(AtomicU32::new(0));
    let b2 = bred.clone();

    let sup = Supervisor::new(root_with_groups(move || {
        let b2 = b2.clone();
        let fast = || BackoffPolicy::constant(Duration::from_millis(5));
        let grace = Duration::from_millis(100);
        vec![
            vec![
                // Ignores cancellation.
                Child::new("deaf", |ctx: Context| async move {
                    ctx.signal(Signal::Healthy)?;
                    loop {
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    }
                    #[allow(unreachable_code)]
                    Ok::<_, BoxError>(())
                })
                .grace(grace)
                .backoff(fast()),
                // Spins without ever looking at its context.
                Child::new("spinner", |_ctx: Context| async move {
                    for i in 0u64.. {
                        if i % 1_000_000 == u64::MAX {
                            break;
                        }
                        tokio::task::yield_now().await;
                    }
                    Ok::<_, BoxError>(())
                })
                .grace(grace)
                .backoff(fast()),
                // Keeps adding children while NEW.
                Child::new("breeder", move |ctx: Context| {
                    let b2 = b2.clone();
                    async move {
                        for i in 0u64.. {
                            let leaf = |ctx: Context| async move {
                                ctx.cancelled().await;
                                Ok::<_, BoxError>(())
                            };
                            ctx.run(format!("c{i}"), leaf).await?;
                            b2.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(1)).await;
                        }
                        Ok::<_, BoxError>(())
                    }
                })
                .grace(grace)
                .backoff(fast()),
                // Panics on every run.
                Child::new("panicker", |_ctx: Context| async move {
                    panic!("on purpose");
                    #[allow(unreachable_code)]
                    Ok::<_, BoxError>(())
                })
                .backoff(fast()),
                // Breaks the signal rules.
                Child::new("misuser", |ctx: Context| async move {
                    let _ = ctx.signal(Signal::Done);
                    ctx.cancelled().await;
                    Ok::<_, BoxError>(())
                })
                .backoff(fast()),
            ],
            vec![
                Child::new("one", one.clone()),
                Child::new("sibling", rs.clone()),
            ],
        ]
    }));

    let ping_once = |tx: mpsc::Sender<oneshot::Sender<()>>| async move {
        let (r, rx) = oneshot::channel();
        tx.send(r).await.unwrap();
        timeout(Duration::from_secs(2), rx).await.is_ok()
    };
    sibling.healthy().await.unwrap();
    for _ in 0..20 {
        assert!(ping_once(ping_tx.clone()).await, "'one' answers");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    // Its group still restarts on a sibling's death.
    sibling.die().await;
    timeout(Duration::from_secs(5), sibling.wait_starts(2))
        .await
        .expect("sibling restarted");
    assert!(
        one_starts.load(Ordering::SeqCst) >= 2,
        "'one' restarted with its group"
    );
    assert!(
        ping_once(ping_tx.clone()).await,
        "'one' answers after its restart"
    );
    assert!(
        bred.load(Ordering::SeqCst) > 10,
        "the breeder was running all along"
    );
    let snap = sup.snapshot().await.unwrap();
    assert!(
        snap.get("root.panicker").unwrap().restarts > 3,
        "the panicker keeps restarting"
    );
    let report = sup.shutdown(Duration::from_secs(5)).await.unwrap();
    assert!(report.stragglers.is_empty(), "{report:?}");
}

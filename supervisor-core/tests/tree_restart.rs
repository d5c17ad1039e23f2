//! Restart semantics of the tree: groups, depth, panics, multi-level failures,
//! slow cancellation, cancel vs. death, done nodes.

mod support;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use supervisor_core::testing::{Harness, Puppet};
use supervisor_core::{
    BackoffPolicy, Child, Context, EventKind, Exit, NodeState, Runnable, Signal, Supervisor,
};
use support::*;
use tokio::time::Instant;

#[tokio::test(start_paused = true)]
async fn simple_group_starts() {
    let (one, two) = (Puppet::new(), Puppet::new());
    let (r1, r2) = (one.runnable(), two.runnable());
    let h = Harness::new(root_with_group(move || {
        vec![Child::new("one", r1.clone()), Child::new("two", r2.clone())]
    }));
    one.healthy().await.unwrap();
    two.healthy().await.unwrap();
    h.settled().await;
    let snap = h.snapshot().await.unwrap();
    let dns: Vec<_> = snap.nodes.iter().map(|n| &*n.dn).collect();
    assert_eq!(dns, ["root", "root.one", "root.two"]);
    assert!(snap
        .nodes
        .iter()
        .all(|n| n.state == NodeState::Healthy && n.running));
    assert_eq!((one.starts(), two.starts()), (1, 1));
}

#[tokio::test(start_paused = true)]
async fn sibling_death_restarts_its_group_only() {
    let (a, b, c) = (Puppet::new(), Puppet::new(), Puppet::new());
    let (ra, rb, rc) = (a.runnable(), b.runnable(), c.runnable());
    let h = Harness::new(root_with_groups(move || {
        vec![
            vec![Child::new("a", ra.clone()), Child::new("b", rb.clone())],
            vec![Child::new("c", rc.clone())],
        ]
    }));
    for p in [&a, &b, &c] {
        p.healthy().await.unwrap();
    }
    b.die().await;
    a.wait_cancels(1).await;
    h.settled().await;
    assert_eq!(a.starts(), 2, "group sibling restarted");
    assert_eq!(b.starts(), 2, "dead member restarted");
    assert_eq!(c.starts(), 1, "other group untouched");
    assert_eq!(c.state().cancels, 0);
    assert_eq!(h.state("root").await, Some(NodeState::Healthy));
}

type Chain = Arc<
    dyn Fn(
            Context,
        )
            -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), BoxError>> + Send>>
        + Send
        + Sync,
>;

/// A chain of `depth` nodes below the caller; the last one is `leaf`.
fn chain(depth: u32, leaf: Puppet, starts: Arc<AtomicU32>) -> Chain {
    Arc::new(move |ctx: Context| {
        let (leaf, starts) = (leaf.clone(), starts.clone());
        Box::pin(async move {
            starts.fetch_add(1, Ordering::SeqCst);
            if depth == 1 {
                ctx.run("leaf", leaf.runnable()).await?;
            } else {
                let next = chain(depth - 1, leaf, starts);
                ctx.run(format!("l{}", depth - 1), move |c| next(c)).await?;
            }
            ctx.signal(Signal::Healthy)?;
            ctx.cancelled().await;
            Ok(())
        })
    })
}

#[tokio::test(start_paused = true)]
async fn death_five_levels_down_restarts_only_its_subtree() {
    // root -> l5 -> l4 -> l3 -> l2 -> l1 -> leaf, and a bystander next to each level.
    let leaf = Puppet::new();
    let chain_starts = Arc::new(AtomicU32::new(0));
    let bystander = Puppet::new();
    let (c, rb) = (
        chain(5, leaf.clone(), chain_starts.clone()),
        bystander.runnable(),
    );
    let h = Harness::new(root_with_groups(move || {
        let c = c.clone();
        vec![
            vec![Child::new("l5", move |ctx| c(ctx))],
            vec![Child::new("bystander", rb.clone())],
        ]
    }));
    leaf.healthy().await.unwrap();
    bystander.healthy().await.unwrap();
    h.settled().await;
    assert_eq!(chain_starts.load(Ordering::SeqCst), 5);
    let deep = "root.l5.l4.l3.l2.l1.leaf";
    assert_eq!(h.state(deep).await, Some(NodeState::Healthy));

    leaf.die().await;
    h.settled().await;
    assert_eq!(leaf.starts(), 2);
    assert_eq!(
        chain_starts.load(Ordering::SeqCst),
        5,
        "no ancestor restarted"
    );
    assert_eq!(bystander.starts(), 1);
    let snap = h.snapshot().await.unwrap();
    assert_eq!(snap.get(deep).unwrap().restarts, 1);
    assert_eq!(snap.get("root.l5.l4.l3.l2.l1").unwrap().restarts, 0);
}

#[tokio::test(start_paused = true)]
async fn death_of_group_sibling_restarts_deep_subtree() {
    // The Go original's TestDeepFailure: a sibling of a 5-level subtree dies;
    // the whole subtree is cancelled and rebuilt.
    let leaf = Puppet::new();
    let chain_starts = Arc::new(AtomicU32::new(0));
    let killer = Puppet::new();
    let (c, rk) = (
        chain(5, leaf.clone(), chain_starts.clone()),
        killer.runnable(),
    );
    let h = Harness::new(root_with_group(move || {
        let c = c.clone();
        vec![
            Child::new("deep", move |ctx| c(ctx)),
            Child::new("killer", rk.clone()),
        ]
    }));
    leaf.healthy().await.unwrap();
    killer.healthy().await.unwrap();
    killer.die().await;
    leaf.wait_starts(2).await;
    leaf.healthy().await.unwrap();
    h.settled().await;
    assert_eq!(
        chain_starts.load(Ordering::SeqCst),
        10,
        "every level rebuilt once"
    );
    assert_eq!(leaf.state().cancels, 1);
    assert_eq!(killer.starts(), 2);
}

#[tokio::test(start_paused = true)]
async fn panic_is_a_death_with_message_and_location() {
    let (one, two) = (Puppet::new(), Puppet::new());
    let (r1, r2) = (one.runnable(), two.runnable());
    // Not the harness: this supervisor catches panics.
    let sup = Supervisor::new(root_with_group(move || {
        vec![Child::new("one", r1.clone()), Child::new("two", r2.clone())]
    }));
    let mut events = sup.subscribe();
    one.healthy().await.unwrap();
    two.healthy().await.unwrap();
    two.panic("at the disco").await;
    sup.settled().await;
    let exit = drain(&mut events)
        .into_iter()
        .find_map(|e| match e.kind {
            EventKind::Exited {
                exit,
                state: NodeState::Dead,
            } if &*e.dn == "root.two" => Some(exit),
            _ => None,
        })
        .expect("an exit event for root.two");
    match &exit {
        Exit::Panicked { message, location } => {
            assert_eq!(message, "at the disco");
            assert!(
                location.as_deref().unwrap_or("").contains(".rs:"),
                "{location:?}"
            );
        }
        other => panic!("expected a panic exit, got {other}"),
    }
    assert!(exit.to_string().contains("panicked at"), "{exit}");
    assert_eq!(
        (one.starts(), two.starts()),
        (2, 2),
        "panic restarts the group"
    );
    sup.shutdown(Duration::from_secs(1)).await.unwrap();
}

#[tokio::test(start_paused = true)]
#[should_panic(expected = "boom in a test")]
async fn harness_propagates_panics() {
    let p = Puppet::new();
    let r = p.runnable();
    let h = Harness::new(root_with_group(move || vec![Child::new("p", r.clone())]));
    p.panic("boom in a test").await;
    h.settled().await;
}

#[tokio::test(start_paused = true)]
async fn failures_at_two_depths_restart_the_top_subtree_once() {
    // root -> x -> y; x and y die at the same moment.
    let kill = Arc::new(tokio::sync::Notify::new());
    let (xs, ys) = (Arc::new(AtomicU32::new(0)), Arc::new(AtomicU32::new(0)));
    let (k, xs2, ys2) = (kill.clone(), xs.clone(), ys.clone());
    let x = move |ctx: Context| {
        let (k, ys) = (k.clone(), ys2.clone());
        xs2.fetch_add(1, Ordering::SeqCst);
        async move {
            let k2 = k.clone();
            ctx.run("y", move |ctx: Context| {
                let k = k2.clone();
                ys.fetch_add(1, Ordering::SeqCst);
                async move {
                    ctx.signal(Signal::Healthy)?;
                    tokio::select! {
                        _ = ctx.cancelled() => Ok(()),
                        _ = k.notified() => Err::<(), BoxError>("y dies".into()),
                    }
                }
            })
            .await?;
            ctx.signal(Signal::Healthy)?;
            tokio::select! {
                _ = ctx.cancelled() => Ok(()),
                _ = k.notified() => Err::<(), BoxError>("x dies".into()),
            }
        }
    };
    let h = Harness::new(root_with_group(move || vec![Child::new("x", x.clone())]));
    h.settled().await;
    let mut events = h.subscribe();
    kill.notify_waiters();
    h.settled().await;
    let scheduled: Vec<String> = drain(&mut events)
        .into_iter()
        .filter(|e| matches!(e.kind, EventKind::RestartScheduled { .. }))
        .map(|e| e.dn.to_string())
        .collect();
    assert_eq!(scheduled, ["root.x"], "only the top subtree is restarted");
    assert_eq!(xs.load(Ordering::SeqCst), 2);
    assert_eq!(
        ys.load(Ordering::SeqCst),
        2,
        "y rebuilt once, by x's restart"
    );
}

/// `x` run with one child, `slow` (an hour's grace: it may ignore its
/// cancellation that long).
fn above_slow_child(
    x: &Puppet,
    slow: &Puppet,
) -> impl Fn(
    Context,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), BoxError>> + Send>>
       + Clone
       + Send
       + Sync
       + 'static {
    let (rx, rs) = (x.runnable(), slow.runnable());
    move |ctx: Context| {
        let (rx, rs) = (rx.clone(), rs.clone());
        Box::pin(async move {
            ctx.run_child(Child::new("slow", rs).grace(Duration::from_secs(3600)))
                .await?;
            rx.run(ctx).await
        })
    }
}

#[tokio::test(start_paused = true)]
async fn slow_member_holds_the_subtree_restart() {
    // root -> x -> {slow, quick}; x dies; slow ignores cancellation.
    let (slow, x) = (Puppet::ignoring_cancel(), Puppet::new());
    let xr = above_slow_child(&x, &slow);
    let h = Harness::new(root_with_group(move || vec![Child::new("x", xr.clone())]));
    slow.healthy().await.unwrap();
    x.healthy().await.unwrap();
    x.die().await;
    slow.wait_cancels(1).await;
    // Not settled: x wants a restart; check the snapshot instead of waiting.
    let snap = h.snapshot().await.unwrap();
    let xi = snap.get("root.x").unwrap();
    assert_eq!(xi.state, NodeState::Dead);
    assert_eq!(xi.blocked_on, ["root.x.slow"]);
    assert!(snap.get("root.x.slow").unwrap().stopping);
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(x.starts(), 1, "not restarted while a member still runs");

    slow.finish().await;
    h.settled().await;
    assert_eq!(x.starts(), 2);
    assert_eq!(slow.starts(), 2);
}

#[tokio::test(start_paused = true)]
async fn cancelled_nodes_restart_without_backoff() {
    let (a, b) = (Recorder::default(), Puppet::new());
    let (ra, rb) = (a.runnable(), b.runnable());
    let h = Harness::new(root_with_group(move || {
        vec![
            Child::new("a", ra.clone()).backoff(exact(1000, 2.0, 10_000)),
            Child::new("b", rb.clone()).backoff(exact(1000, 2.0, 10_000)),
        ]
    }));
    b.healthy().await.unwrap();
    h.settled().await;
    let died_at = Instant::now();
    b.die().await;
    let ctx = b.wait_starts(2).await;
    h.settled().await;
    let a_starts = a.starts();
    assert_eq!(a_starts.len(), 2);
    assert_eq!(
        a_starts[1], died_at,
        "the cancelled sibling restarted at once"
    );
    let snap = h.snapshot().await.unwrap();
    let b_started = snap.get("root.b").unwrap().started_at.unwrap();
    assert_eq!(
        b_started - died_at,
        Duration::from_millis(1000),
        "the dead one waited"
    );
    drop(ctx);
}

#[tokio::test(start_paused = true)]
async fn ok_after_cancel_is_canceled_not_a_death() {
    let (a, b) = (Puppet::new(), Puppet::new());
    let (ra, rb) = (a.runnable(), b.runnable());
    let sup = Supervisor::new(root_with_group(move || {
        vec![Child::new("a", ra.clone()), Child::new("b", rb.clone())]
    }));
    let mut events = sup.subscribe();
    a.healthy().await.unwrap();
    b.healthy().await.unwrap();
    b.die().await;
    sup.settled().await;
    let a_exit = drain(&mut events)
        .into_iter()
        .find_map(|e| match e.kind {
            EventKind::Exited { exit, state } if &*e.dn == "root.a" => Some((exit, state)),
            _ => None,
        })
        .unwrap();
    // The puppet returns Ok(()) when cancelled.
    assert!(
        matches!(a_exit, (Exit::Canceled, NodeState::Canceled)),
        "{a_exit:?}"
    );
    let snap = sup.snapshot().await.unwrap();
    assert!(matches!(
        snap.get("root.a").unwrap().last_exit,
        Some(Exit::Canceled)
    ));
    sup.shutdown(Duration::from_secs(1)).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn done_nodes_stay_done_until_a_related_failure() {
    // root -> x -> {d (done), k}; x is its own group.
    let (d, k, x) = (Puppet::new(), Puppet::new(), Puppet::new());
    let (rd, rk, rx) = (d.runnable(), k.runnable(), x.runnable());
    let xr = move |ctx: Context| {
        let (rd, rk, rx) = (rd.clone(), rk.clone(), rx.clone());
        async move {
            ctx.run_group([Child::new("d", rd), Child::new("k", rk)])
                .await?;
            rx.run(ctx).await
        }
    };
    let h = Harness::new(root_with_group(move || vec![Child::new("x", xr.clone())]));
    x.healthy().await.unwrap();
    d.healthy().await.unwrap();
    d.done().await.unwrap();
    d.finish().await;
    k.healthy().await.unwrap();
    h.settled().await;
    assert_eq!(h.state("root.x.d").await, Some(NodeState::Done));

    // A group sibling's death does not wake a done node.
    k.die().await;
    h.settled().await;
    assert_eq!(k.starts(), 2);
    assert_eq!(d.starts(), 1);
    assert_eq!(h.state("root.x.d").await, Some(NodeState::Done));

    // Its parent's death does: the parent rebuilds it.
    x.die().await;
    h.settled().await;
    assert_eq!(d.starts(), 2);
    assert_eq!(h.state("root.x.d").await, Some(NodeState::New));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 3)]
async fn blocking_child_becomes_zombie_and_parent_still_restarts() {
    // Real time: the stuck child blocks a worker thread for 2 s.
    let x = Puppet::new();
    let rx = x.runnable();
    let xr = move |ctx: Context| {
        let rx = rx.clone();
        async move {
            ctx.run_child(
                Child::new("stuck", |ctx: Context| async move {
                    ctx.signal(Signal::Healthy)?;
                    ctx.cancelled().await;
                    std::thread::sleep(Duration::from_secs(2)); // ignores everything
                    Ok::<_, BoxError>(())
                })
                .grace(Duration::from_millis(50)),
            )
            .await?;
            rx.run(ctx).await
        }
    };
    let sup = Supervisor::new(root_with_group(move || {
        vec![Child::new("x", xr.clone()).backoff(supervisor_core::BackoffPolicy::immediate())]
    }));
    let mut events = sup.subscribe();
    x.healthy().await.unwrap();
    x.die().await;
    let restarted = tokio::time::timeout(Duration::from_secs(10), x.wait_starts(2)).await;
    assert!(
        restarted.is_ok(),
        "parent restarted despite the stuck child"
    );
    let kinds: Vec<_> = drain(&mut events)
        .into_iter()
        .filter(|e| &*e.dn == "root.x.stuck")
        .map(|e| format!("{:?}", e.kind))
        .collect();
    assert!(kinds.iter().any(|k| k.starts_with("Aborted")), "{kinds:?}");
    assert!(kinds.iter().any(|k| k.starts_with("Zombie")), "{kinds:?}");
    let snap = sup.snapshot().await.unwrap();
    assert_eq!(snap.zombies, 1, "the stray task is still counted");
    assert_eq!(snap.get("root.x").unwrap().restarts, 1);
    sup.shutdown(Duration::from_secs(5)).await.unwrap();
}

/// The group `{slow, b}`, both healthy; then b dies, and slow (an hour's
/// grace) has seen its cancellation but ignores it.
async fn b_died_beside_slow() -> (Puppet, Puppet, Harness) {
    let (slow, b) = (Puppet::ignoring_cancel(), Puppet::new());
    let (rs, rb) = (slow.runnable(), b.runnable());
    let h = Harness::new(root_with_group(move || {
        vec![
            Child::new("slow", rs.clone()).grace(Duration::from_secs(3600)),
            Child::new("b", rb.clone()).backoff(BackoffPolicy::immediate()),
        ]
    }));
    slow.healthy().await.unwrap();
    b.healthy().await.unwrap();
    b.die().await;
    slow.wait_cancels(1).await;
    (slow, b, h)
}

#[tokio::test(start_paused = true)]
async fn group_restarts_only_when_every_member_has_returned() {
    // {slow, b}: b dies; slow takes an hour to honour its cancellation. As in
    // OTP's one_for_all, the new b must not run beside the old slow.
    let (slow, b, h) = b_died_beside_slow().await;
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(b.starts(), 1, "b restarted while its sibling still runs");
    let snap = h.snapshot().await.unwrap();
    assert_eq!(snap.get("root.b").unwrap().state, NodeState::Dead);
    assert_eq!(snap.get("root.b").unwrap().blocked_on, ["root.slow"]);

    slow.finish().await;
    h.settled().await;
    assert_eq!((slow.starts(), b.starts()), (2, 2));
    b.healthy().await.unwrap();
    assert_eq!(h.state("root.b").await, Some(NodeState::Healthy));
}

#[tokio::test(start_paused = true)]
async fn group_waits_for_the_subtree_of_a_member_that_is_not_restarted() {
    // {x (temporary) -> slow, k}: k dies; x returns at once but its child
    // takes an hour. k restarts when the last task of its group's subtrees
    // returns, though nothing there wants a restart itself.
    let (slow, x, k) = (Puppet::ignoring_cancel(), Puppet::new(), Puppet::new());
    let (xr, rk) = (above_slow_child(&x, &slow), k.runnable());
    let h = Harness::new(root_with_group(move || {
        vec![
            Child::new("x", xr.clone()).restart(supervisor_core::Restart::Temporary),
            Child::new("k", rk.clone()).backoff(BackoffPolicy::immediate()),
        ]
    }));
    slow.healthy().await.unwrap();
    x.healthy().await.unwrap();
    k.healthy().await.unwrap();
    k.die().await;
    x.wait_cancels(1).await;
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(k.starts(), 1, "k restarted while root.x.slow still runs");
    let snap = h.snapshot().await.unwrap();
    assert_eq!(snap.get("root.k").unwrap().blocked_on, ["root.x.slow"]);

    slow.finish().await;
    h.settled().await;
    assert_eq!((x.starts(), slow.starts(), k.starts()), (1, 1, 2));
}

#[tokio::test(start_paused = true)]
async fn operator_start_of_a_member_does_not_strand_its_stopping_sibling() {
    // {slow, b}: b dies; while slow takes its time, the operator starts b.
    let (slow, b, h) = b_died_beside_slow().await;
    h.start("root.b").await.unwrap();
    assert_eq!(b.starts(), 2, "the operator's start is not deferred");
    slow.finish().await;
    h.settled().await;
    assert_eq!(slow.starts(), 2, "slow restarted once it returned");
}

#[tokio::test(start_paused = true)]
async fn operator_restart_of_the_stopping_member_releases_its_group() {
    // {slow, b}: b dies and waits for slow; the operator restarts slow.
    let (slow, b, h) = b_died_beside_slow().await;
    let h2 = h.clone();
    let restart = tokio::spawn(async move { h2.restart("root.slow").await });
    tokio::task::yield_now().await;
    slow.finish().await;
    restart.await.unwrap().unwrap();
    h.settled().await;
    assert_eq!((slow.starts(), b.starts()), (2, 2));
}

#[tokio::test(start_paused = true)]
async fn a_member_due_after_its_backoff_waits_for_its_stopping_group() {
    // {a (1 s backoff), b -> slow}: a dies; b restarts at once, a after 1 s.
    // Within that second b dies too, and slow ignores its cancellation: a's
    // timer must not start a beside b's old run, and once slow returns both
    // restart.
    let (a, b, slow) = (Puppet::new(), Puppet::new(), Puppet::ignoring_cancel());
    let (ra, br) = (a.runnable(), above_slow_child(&b, &slow));
    let h = Harness::new(root_with_group(move || {
        vec![
            Child::new("a", ra.clone()).backoff(BackoffPolicy::constant(Duration::from_secs(1))),
            Child::new("b", br.clone()).backoff(BackoffPolicy::immediate()),
        ]
    }));
    a.healthy().await.unwrap();
    slow.healthy().await.unwrap();
    b.healthy().await.unwrap();
    a.die().await;
    slow.wait_cancels(1).await;
    slow.finish().await;
    slow.wait_starts(2).await;
    slow.healthy().await.unwrap();
    b.wait_starts(2).await;
    b.healthy().await.unwrap();
    b.die().await;
    slow.wait_cancels(2).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(a.starts(), 1, "a restarted beside b's old run");
    slow.finish().await;
    h.settled().await;
    assert_eq!((a.starts(), b.starts()), (2, 3));
}

#[tokio::test(start_paused = true)]
async fn a_member_that_escalates_does_not_start_its_siblings_first() {
    // {a, b}: b dies with no budget left and escalates: the root restarts,
    // rebuilding a once (not starting a for the group, then again for the
    // root).
    let (a, b) = (Puppet::new(), Puppet::new());
    let (ra, rb) = (a.runnable(), b.runnable());
    let h = Harness::new(root_with_group(move || {
        vec![
            Child::new("a", ra.clone()),
            Child::new("b", rb.clone())
                .budget(0, Duration::from_secs(60))
                .escalate(true),
        ]
    }));
    a.healthy().await.unwrap();
    b.healthy().await.unwrap();
    b.die().await;
    h.settled().await;
    assert_eq!(a.starts(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_done_member_whose_children_serve_restarts_with_its_group() {
    // {a -> c, b}: a only sets up c and is done; b dies: c is cancelled
    // with the group, and a is rebuilt to bring it back.
    let (c, b) = (Puppet::new(), Puppet::new());
    let (rc, rb) = (c.runnable(), b.runnable());
    let ar = move |ctx: Context| {
        let rc = rc.clone();
        async move {
            ctx.run("c", rc).await?;
            ctx.signal(Signal::Healthy)?;
            ctx.signal(Signal::Done)?;
            Ok::<_, BoxError>(())
        }
    };
    let h = Harness::new(root_with_group(move || {
        vec![
            Child::new("a", ar.clone()),
            Child::new("b", rb.clone()).backoff(BackoffPolicy::immediate()),
        ]
    }));
    c.healthy().await.unwrap();
    b.healthy().await.unwrap();
    h.settled().await;
    assert_eq!(h.state("root.a").await, Some(NodeState::Done));
    b.die().await;
    h.settled().await;
    assert_eq!((c.starts(), b.starts()), (2, 2));
}

//! The control plane: operator stop/start/restart, snapshots, events,
//! shutdown, dynamic children, ordered groups.

mod support;

use std::time::Duration;

use supervisor_core::testing::{Harness, Puppet};
use supervisor_core::{
    BackoffPolicy, Child, Context, Error, EventKind, NodeState, Signal, Supervisor,
};
use support::*;
use tokio::time::Instant;

fn two_members() -> (Puppet, Puppet, Harness) {
    let (a, b) = (Puppet::new(), Puppet::new());
    let (ra, rb) = (a.runnable(), b.runnable());
    let h = Harness::new(root_with_group(move || {
        vec![
            Child::new("a", ra.clone()).backoff(exact(1000, 2.0, 10_000)),
            Child::new("b", rb.clone()).backoff(exact(1000, 2.0, 10_000)),
        ]
    }));
    (a, b, h)
}

#[tokio::test(start_paused = true)]
async fn operator_stop_keeps_the_node_stopped() {
    let (a, b, h) = two_members();
    a.healthy().await.unwrap();
    b.healthy().await.unwrap();
    h.stop("root.a").await.unwrap();
    assert_eq!(h.state("root.a").await, Some(NodeState::Stopped));
    assert_eq!(a.state().cancels, 1);
    assert_eq!(
        b.state().cancels,
        0,
        "a stop is not a death: the group sibling runs on"
    );
    // Idempotent.
    h.stop("root.a").await.unwrap();
    // A group sibling's death does not resurrect it.
    b.die().await;
    h.settled().await;
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(a.starts(), 1);
    assert_eq!(b.starts(), 2);
    assert_eq!(h.state("root.a").await, Some(NodeState::Stopped));
    // Neither does its parent rebuilding it: the stop sticks to the DN.
    h.restart("root").await.unwrap();
    h.settled().await;
    assert_eq!(a.starts(), 1);
    assert_eq!(h.state("root.a").await, Some(NodeState::Stopped));
    // Start brings it back.
    h.start("root.a").await.unwrap();
    a.wait_starts(2).await;
    h.settled().await;
    assert_eq!(h.state("root.a").await, Some(NodeState::New));
}

#[tokio::test(start_paused = true)]
async fn operator_start_and_restart() {
    let (a, b, h) = two_members();
    a.healthy().await.unwrap();
    b.healthy().await.unwrap();
    let err = h.start("root.a").await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidState {
                op: "start",
                state: NodeState::Healthy,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(matches!(h.start("root.nope").await, Err(Error::NotFound(dn)) if dn == "root.nope"));

    // Restart: cancel, wait, start at once without backoff.
    let t = Instant::now();
    h.restart("root.a").await.unwrap();
    assert_eq!(a.starts(), 2);
    assert_eq!(Instant::now(), t, "no backoff for an operator restart");
    assert_eq!(
        b.starts(),
        1,
        "siblings are not touched by an operator restart"
    );
    let snap = h.snapshot().await.unwrap();
    assert_eq!(snap.get("root.a").unwrap().restarts, 1);

    // A restart of a subtree rebuilds it.
    h.restart("root").await.unwrap();
    h.settled().await;
    assert_eq!((a.starts(), b.starts()), (3, 2));
}

#[tokio::test(start_paused = true)]
async fn snapshot_reports_the_tree() {
    let (a, b, h) = two_members();
    a.healthy().await.unwrap();
    b.healthy().await.unwrap();
    h.settled().await;
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_secs(3)).await;
    b.die().await;
    let snap = h.snapshot().await.unwrap();
    let names: Vec<_> = snap
        .nodes
        .iter()
        .map(|n| (&*n.dn, n.depth, n.group))
        .collect();
    assert_eq!(names, [("root", 0, 0), ("root.a", 1, 0), ("root.b", 1, 0)]);
    let root = snap.get("root").unwrap();
    assert_eq!(root.state, NodeState::Healthy);
    assert_eq!(root.uptime(snap.at), Some(Duration::from_secs(3)));
    let bi = snap.get("root.b").unwrap();
    assert_eq!(bi.state, NodeState::Dead);
    assert!(!bi.running);
    assert_eq!(
        bi.restart_at,
        Some(t0 + Duration::from_secs(4)),
        "due after its 1 s backoff"
    );
    assert!(bi
        .last_exit
        .as_ref()
        .unwrap()
        .to_string()
        .contains("died on request"));
    let text = snap.to_string();
    assert!(text.contains("  b DEAD"), "{text}");
    assert!(text.contains("restart in 1s"), "{text}");
    h.settled().await;
    let snap = h.snapshot().await.unwrap();
    let bi = snap.get("root.b").unwrap();
    assert_eq!(
        (bi.state, bi.restarts, bi.restart_at),
        (NodeState::New, 1, None)
    );
    assert_eq!(snap.get("root.a").unwrap().restarts, 1);
}

#[tokio::test(start_paused = true)]
async fn events_of_a_death_and_restart_come_in_order() {
    let (a, b, h) = two_members();
    a.healthy().await.unwrap();
    b.healthy().await.unwrap();
    h.settled().await;
    let mut rx = h.subscribe();
    b.die().await;
    h.settled().await;
    let seen: Vec<String> = drain(&mut rx)
        .into_iter()
        .map(|e| {
            let what = match e.kind {
                EventKind::Exited { state, .. } => format!("exited {state}"),
                EventKind::RestartScheduled { delay } => format!("restart in {delay:?}"),
                EventKind::Started { restarts } => format!("started #{restarts}"),
                EventKind::Cancelling => "cancelling".into(),
                other => format!("{other:?}"),
            };
            format!("{} {what}", &e.dn[5..])
        })
        .collect();
    assert_eq!(
        seen,
        [
            "b exited DEAD",
            "a cancelling",
            // The group restarts as one: once its last member returned.
            "a exited CANCELED",
            "a restart in 0ns",
            "a started #1",
            "b restart in 1s",
            "b started #1",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn shutdown_is_clean_when_everyone_listens() {
    let (a, b, h) = two_members();
    a.healthy().await.unwrap();
    b.healthy().await.unwrap();
    let report = h.shutdown(Duration::from_secs(10)).await.unwrap();
    assert!(report.is_clean(), "{report:?}");
    assert_eq!(report.elapsed, Duration::ZERO);
    assert!(h.is_closed());
    h.wait().await.unwrap();
    assert!(matches!(h.snapshot().await, Err(Error::Closed)));
}

#[tokio::test(start_paused = true)]
async fn shutdown_names_the_runnables_that_ignore_cancellation() {
    let (deaf, slowpoke, good) = (
        Puppet::ignoring_cancel(),
        Puppet::ignoring_cancel(),
        Puppet::new(),
    );
    let (rd, rs, rg) = (deaf.runnable(), slowpoke.runnable(), good.runnable());
    let sup = Supervisor::new(root_with_groups(move || {
        vec![
            vec![Child::new("deaf", rd.clone()).grace(Duration::from_secs(3600))],
            vec![Child::new("slowpoke", rs.clone()).grace(Duration::from_secs(2))],
            vec![Child::new("good", rg.clone())],
        ]
    }));
    sup.settled().await;
    let report = sup.shutdown(Duration::from_secs(5)).await.unwrap();
    assert_eq!(
        report.elapsed,
        Duration::from_secs(5),
        "waited until the deadline"
    );
    assert_eq!(
        report.aborted,
        ["root.slowpoke"],
        "aborted after its 2 s grace"
    );
    assert_eq!(
        report.stragglers,
        ["root.deaf"],
        "still running at the deadline"
    );
    assert!(!report.is_clean());
    assert_eq!(good.state().cancels, 1);
    assert!(sup.is_closed());
}

#[tokio::test(start_paused = true)]
async fn dynamic_children_are_added_and_removed() {
    let p = Puppet::new();
    let h = Harness::new(|ctx: Context| async move {
        ctx.signal(Signal::Healthy)?;
        ctx.cancelled().await;
        Ok::<_, Error>(())
    });
    let mut rx = h.subscribe();
    h.add_child("root", Child::new("dyn", p.runnable()))
        .await
        .unwrap();
    p.healthy().await.unwrap();
    h.settled().await;
    let snap = h.snapshot().await.unwrap();
    let info = snap.get("root.dyn").unwrap();
    assert!(info.dynamic);
    assert_eq!(info.state, NodeState::Healthy);

    let err = h
        .add_child("root", Child::new("dyn", Puppet::new().runnable()))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::DuplicateName { .. }), "{err:?}");
    let err = h
        .add_child("root.nope", Child::new("x", Puppet::new().runnable()))
        .await
        .unwrap_err();
    assert_eq!(err, Error::NotFound("root.nope".into()));
    let err = h
        .add_child("root", Child::new("bad.name", Puppet::new().runnable()))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidName { .. }));

    // Dynamic children restart like any other.
    p.die().await;
    h.settled().await;
    assert_eq!(p.starts(), 2);

    h.remove("root.dyn").await.unwrap();
    assert_eq!(p.state().ends, 2);
    assert!(h.snapshot().await.unwrap().get("root.dyn").is_none());
    assert!(matches!(
        h.remove("root.dyn").await,
        Err(Error::NotFound(_))
    ));
    assert!(matches!(h.remove("root").await, Err(Error::Root(_))));
    let kinds: Vec<_> = drain(&mut rx)
        .into_iter()
        .filter(|e| matches!(e.kind, EventKind::Added | EventKind::Removed))
        .map(|e| format!("{:?}", e.kind))
        .collect();
    assert_eq!(kinds, ["Added", "Removed"]);
}

#[tokio::test(start_paused = true)]
async fn ordered_group_starts_in_order_and_stops_in_reverse() {
    let ps = [
        Puppet::ignoring_cancel(),
        Puppet::ignoring_cancel(),
        Puppet::ignoring_cancel(),
    ];
    let rs: Vec<_> = ps.iter().map(Puppet::runnable).collect();
    let mid = move |ctx: Context| {
        let rs = rs.clone();
        async move {
            let children = ["first", "second", "third"]
                .into_iter()
                .zip(rs)
                .map(|(n, r)| Child::new(n, r).grace(Duration::from_secs(3600)));
            ctx.run_ordered_group(children).await?;
            ctx.signal(Signal::Healthy)?;
            ctx.cancelled().await;
            Ok::<_, Error>(())
        }
    };
    let h = Harness::new(root_with_group(move || {
        vec![Child::new("mid", mid.clone())]
    }));
    h.settled().await;
    let starts = |ps: &[Puppet; 3]| ps.iter().map(Puppet::starts).collect::<Vec<_>>();
    assert_eq!(starts(&ps), [1, 0, 0], "only the first member starts");
    ps[0].healthy().await.unwrap();
    ps[1].wait_starts(1).await;
    assert_eq!(starts(&ps), [1, 1, 0]);
    ps[1].healthy().await.unwrap();
    ps[2].wait_starts(1).await;
    ps[2].healthy().await.unwrap();

    // Stop the parent: members are cancelled last to first, each after the
    // next one has ended.
    let sup = (*h).clone();
    let stop = tokio::spawn(async move { sup.stop("root.mid").await });
    let cancels = |ps: &[Puppet; 3]| ps.iter().map(|p| p.state().cancels).collect::<Vec<_>>();
    ps[2].wait_cancels(1).await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(cancels(&ps), [0, 0, 1]);
    ps[2].finish().await;
    ps[1].wait_cancels(1).await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(cancels(&ps), [0, 1, 1]);
    ps[1].finish().await;
    ps[0].wait_cancels(1).await;
    ps[0].finish().await;
    stop.await.unwrap().unwrap();
    assert_eq!(h.state("root.mid").await, Some(NodeState::Stopped));
}

#[tokio::test(start_paused = true)]
async fn ordered_group_restarts_in_order_after_a_death() {
    let ps = [Puppet::new(), Puppet::new()];
    let rs: Vec<_> = ps.iter().map(Puppet::runnable).collect();
    let h = Harness::new(move |ctx: Context| {
        let rs = rs.clone();
        async move {
            ctx.run_ordered_group([
                Child::new("a", rs[0].clone())
                    .backoff(BackoffPolicy::constant(Duration::from_secs(1))),
                Child::new("b", rs[1].clone()).backoff(BackoffPolicy::immediate()),
            ])
            .await?;
            ctx.signal(Signal::Healthy)?;
            ctx.cancelled().await;
            Ok::<_, Error>(())
        }
    });
    ps[0].healthy().await.unwrap();
    ps[1].wait_starts(1).await;
    ps[1].healthy().await.unwrap();
    // a dies: b is cancelled, restarts at once, but must wait for a to be healthy.
    ps[0].die().await;
    ps[0].wait_starts(2).await;
    h.settled().await;
    assert_eq!(ps[1].starts(), 1, "b waits for a");
    assert_eq!(h.state("root.b").await, Some(NodeState::New));
    ps[0].healthy().await.unwrap();
    ps[1].wait_starts(2).await;
}

#[tokio::test(start_paused = true)]
async fn grace_is_exact_after_many_cancellations() {
    // Each cancelled member arms a grace step; those of members that return
    // in time are forgotten lazily. After thousands of them, the one member
    // that ignores cancellation must still be aborted exactly at its grace.
    let (deaf, trigger) = (Puppet::ignoring_cancel(), Puppet::new());
    let (rd, rt) = (deaf.runnable(), trigger.runnable());
    let sup = Supervisor::new(root_with_group(move || {
        // Siblings are cancelled last to first: the deaf member's step is
        // the oldest entry when the ladder is compacted.
        let mut group = vec![Child::new("trigger", rt.clone()).backoff(BackoffPolicy::immediate())];
        group.extend((0..1500).map(|i| {
            Child::new(format!("m{i}"), |ctx: Context| async move {
                ctx.signal(Signal::Healthy)?;
                ctx.cancelled().await;
                Ok::<_, Error>(())
            })
        }));
        group.push(Child::new("deaf", rd.clone()).grace(Duration::from_secs(2)));
        group
    }));
    sup.settled().await;
    for round in 1..=3u32 {
        trigger.wait_starts(round).await;
        let t0 = Instant::now();
        trigger.die().await;
        tokio::time::timeout(Duration::from_secs(60), deaf.wait_starts(round + 1))
            .await
            .expect("the deaf member was aborted and restarted with its group");
        assert_eq!(
            t0.elapsed(),
            Duration::from_secs(2),
            "round {round}: the group restarted when the deaf member was aborted"
        );
        assert_eq!(deaf.state().cancels, round);
        sup.settled().await;
    }
    let report = sup.shutdown(Duration::from_secs(5)).await.unwrap();
    assert_eq!(report.aborted, ["root.deaf"]);
    assert_eq!(report.elapsed, Duration::from_secs(2));
}

#[tokio::test(start_paused = true)]
async fn a_removed_node_added_again_forgets_its_operator_stop() {
    let h = Harness::new(|ctx: Context| async move {
        ctx.signal(Signal::Healthy)?;
        ctx.cancelled().await;
        Ok::<_, Error>(())
    });
    let (p, q) = (Puppet::new(), Puppet::new());
    let (rp, rq) = (p.runnable(), q.runnable());
    let branch = move |ctx: Context| {
        let rq = rq.clone();
        async move {
            ctx.run_child(Child::new("leaf", rq)).await?;
            ctx.signal(Signal::Healthy)?;
            ctx.cancelled().await;
            Ok::<_, Error>(())
        }
    };
    h.add_child("root", Child::new("dyn", branch.clone()))
        .await
        .unwrap();
    h.add_child("root", Child::new("other", rp)).await.unwrap();
    h.settled().await;
    h.stop("root.dyn.leaf").await.unwrap();
    h.stop("root.other").await.unwrap();
    assert_eq!(h.state("root.dyn.leaf").await, Some(NodeState::Stopped));

    h.remove("root.dyn").await.unwrap();
    h.add_child("root", Child::new("dyn", branch))
        .await
        .unwrap();
    h.settled().await;
    tokio::time::timeout(Duration::from_secs(60), q.wait_starts(2))
        .await
        .expect("the leaf of the re-added branch started");
    assert_eq!(
        h.state("root.dyn.leaf").await,
        Some(NodeState::New),
        "the new leaf runs"
    );
    assert_eq!(
        h.state("root.other").await,
        Some(NodeState::Stopped),
        "a stop outside the removed subtree is kept"
    );
    assert_eq!(p.starts(), 1);
}

//! Restart policies: permanent, transient, temporary; Fatal errors.

mod support;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use supervisor_core::testing::{Harness, Puppet};
use supervisor_core::{BackoffPolicy, Child, Context, Exit, Fatal, NodeState, Restart};
use support::*;

async fn run_policy(restart: Restart, end: &str) -> (u32, NodeState, Exit) {
    let p = Puppet::new();
    let r = p.runnable();
    let h = Harness::new(root_with_group(move || {
        vec![Child::new("p", r.clone())
            .restart(restart)
            .backoff(BackoffPolicy::immediate())]
    }));
    p.healthy().await.unwrap();
    match end {
        "ok" => p.finish().await,
        "err" => p.die().await,
        _ => unreachable!(),
    }
    h.settled().await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    let snap = h.snapshot().await.unwrap();
    let info = snap.get("root.p").unwrap();
    // After a restart, last_exit is still the exit we caused.
    (p.starts(), info.state, info.last_exit.clone().unwrap())
}

#[tokio::test(start_paused = true)]
async fn permanent_restarts_after_ok_and_error() {
    let (starts, state, exit) = run_policy(Restart::Permanent, "ok").await;
    assert_eq!(
        (starts, state),
        (2, NodeState::New),
        "Ok without Done is a death"
    );
    assert!(matches!(exit, Exit::Returned), "{exit}");
    let (starts, _, exit) = run_policy(Restart::Permanent, "err").await;
    assert_eq!(starts, 2);
    assert!(matches!(exit, Exit::Failed(_)));
}

#[tokio::test(start_paused = true)]
async fn transient_restarts_only_after_failure() {
    let (starts, state, exit) = run_policy(Restart::Transient, "ok").await;
    assert_eq!(
        (starts, state),
        (1, NodeState::Done),
        "a clean return ends it"
    );
    assert!(matches!(exit, Exit::Returned));
    let (starts, state, _) = run_policy(Restart::Transient, "err").await;
    assert_eq!((starts, state), (2, NodeState::New));
}

#[tokio::test(start_paused = true)]
async fn temporary_never_restarts() {
    let (starts, state, _) = run_policy(Restart::Temporary, "ok").await;
    assert_eq!((starts, state), (1, NodeState::Done));
    let (starts, state, exit) = run_policy(Restart::Temporary, "err").await;
    assert_eq!((starts, state), (1, NodeState::Dead), "dead and left alone");
    assert!(matches!(exit, Exit::Failed(_)));
}

#[tokio::test(start_paused = true)]
async fn temporary_member_is_not_restarted_with_its_group() {
    let (t, k) = (Puppet::new(), Puppet::new());
    let (rt, rk) = (t.runnable(), k.runnable());
    let h = Harness::new(root_with_group(move || {
        vec![
            Child::new("t", rt.clone()).restart(Restart::Temporary),
            Child::new("k", rk.clone()).backoff(BackoffPolicy::immediate()),
        ]
    }));
    t.healthy().await.unwrap();
    k.healthy().await.unwrap();
    k.die().await;
    h.settled().await;
    assert_eq!(k.starts(), 2);
    assert_eq!(t.starts(), 1);
    assert_eq!(h.state("root.t").await, Some(NodeState::Canceled));
}

#[tokio::test(start_paused = true)]
async fn fatal_error_means_failed_at_once() {
    let runs = Arc::new(AtomicU32::new(0));
    let r2 = runs.clone();
    let bad = move |_ctx: Context| {
        r2.fetch_add(1, Ordering::SeqCst);
        async move { Err::<(), BoxError>(Fatal::new("config is invalid").into()) }
    };
    let h = Harness::new(root_with_group(move || {
        vec![Child::new("bad", bad.clone()).backoff(BackoffPolicy::immediate())]
    }));
    h.settled().await;
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    let snap = h.snapshot().await.unwrap();
    let info = snap.get("root.bad").unwrap();
    assert_eq!(info.state, NodeState::Failed);
    assert!(info
        .last_exit
        .as_ref()
        .unwrap()
        .to_string()
        .contains("config is invalid"));
}

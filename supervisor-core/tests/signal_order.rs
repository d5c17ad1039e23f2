//! Names and signals: misuse is rejected with an error naming the node and
//! the rule, and kills only the misbehaving node.

mod support;

use std::sync::{Arc, Mutex};

use supervisor_core::testing::{Harness, Puppet};
use supervisor_core::{Child, Context, Error, Exit, NodeState, Signal, Supervisor};
use support::*;

/// Runs `body` as the child `bad` of the root, next to a healthy puppet
/// `good`; returns what `body` got back, the exit of `bad`, and the puppet.
async fn misbehave<F, Fut>(body: F) -> (Result<(), Error>, Exit, Puppet)
where
    F: Fn(Context) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<(), Error>> + Send + 'static,
{
    let seen: Arc<Mutex<Option<Result<(), Error>>>> = Arc::default();
    let seen2 = seen.clone();
    let body = Arc::new(body);
    let bad = move |ctx: Context| {
        let (seen, body) = (seen2.clone(), body.clone());
        async move {
            let r = body(ctx.clone()).await;
            seen.lock().unwrap().get_or_insert(r);
            // Pretend all is well: the supervisor must still treat it as dead.
            ctx.cancelled().await;
            Ok::<_, BoxError>(())
        }
    };
    let good = Puppet::new();
    let rg = good.runnable();
    let sup = Supervisor::new(root_with_groups(move || {
        vec![
            vec![Child::new("bad", bad.clone()).backoff(exact(60_000, 1.0, 60_000))],
            vec![Child::new("good", rg.clone())],
        ]
    }));
    good.healthy().await.unwrap();
    sup.settled().await;
    let snap = sup.snapshot().await.unwrap();
    let info = snap.get("root.bad").expect("root.bad exists");
    assert_eq!(info.state, NodeState::Dead, "the misbehaving node is dead");
    assert!(info.restart_at.is_some(), "and waits for its backoff");
    assert_eq!(
        snap.state("root.good"),
        Some(NodeState::Healthy),
        "its neighbour is untouched"
    );
    assert_eq!(snap.state("root"), Some(NodeState::Healthy));
    let exit = info.last_exit.clone().unwrap();
    let r = seen.lock().unwrap().take().unwrap();
    sup.shutdown(std::time::Duration::from_secs(1))
        .await
        .unwrap();
    (r, exit, good)
}

#[tokio::test(start_paused = true)]
async fn invalid_names_are_rejected() {
    for (name, rule) in [
        ("a.b", "'.' separates names"),
        ("", "must not be empty"),
        ("sp ace", "ASCII letters, digits"),
        ("é", "ASCII letters, digits"),
    ] {
        let n = name.to_owned();
        let (r, exit, _) = misbehave(move |ctx| {
            let n = n.clone();
            async move {
                ctx.run(n, |_ctx: Context| async { Ok::<_, Error>(()) })
                    .await
            }
        })
        .await;
        let err = r.unwrap_err();
        assert!(
            matches!(&err, Error::InvalidName { parent, .. } if parent == "root.bad"),
            "{err:?}"
        );
        let msg = err.to_string();
        assert!(
            msg.contains("root.bad") && msg.contains(rule),
            "{name:?}: {msg}"
        );
        assert!(
            exit.to_string().contains(rule),
            "the exit names the rule: {exit}"
        );
    }
    let long = "x".repeat(65);
    let (r, _, _) = misbehave(move |ctx| {
        let long = long.clone();
        async move {
            ctx.run(long, |_ctx: Context| async { Ok::<_, Error>(()) })
                .await
        }
    })
    .await;
    assert!(r.unwrap_err().to_string().contains("at most 64"));
}

#[tokio::test(start_paused = true)]
async fn duplicate_names_are_rejected() {
    let (r, exit, _) = misbehave(|ctx| async move {
        let idle = |ctx: Context| async move {
            ctx.cancelled().await;
            Ok::<_, Error>(())
        };
        ctx.run("twin", idle).await?;
        ctx.run("twin", idle).await
    })
    .await;
    let err = r.unwrap_err();
    assert_eq!(
        err,
        Error::DuplicateName {
            parent: "root.bad".into(),
            name: "twin".into()
        }
    );
    assert!(err.to_string().contains("unique among siblings"));
    assert!(matches!(exit, Exit::Failed(_)));

    // Within one group as well.
    let (r, _, _) = misbehave(|ctx| async move {
        let idle = |ctx: Context| async move {
            ctx.cancelled().await;
            Ok::<_, Error>(())
        };
        ctx.run_group([Child::new("x", idle), Child::new("x", idle)])
            .await
    })
    .await;
    assert!(matches!(r, Err(Error::DuplicateName { .. })));
}

#[tokio::test(start_paused = true)]
async fn children_after_healthy_are_rejected() {
    let (r, exit, _) = misbehave(|ctx| async move {
        ctx.signal(Signal::Healthy)?;
        ctx.run("late", |_ctx: Context| async { Ok::<_, Error>(()) })
            .await
    })
    .await;
    let err = r.unwrap_err();
    assert!(
        matches!(
            err,
            Error::NotNew {
                state: NodeState::Healthy,
                ..
            }
        ),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("root.bad") && msg.contains("only be added while the node is NEW"),
        "{msg}"
    );
    assert!(exit.to_string().contains("NEW"), "{exit}");
}

#[tokio::test(start_paused = true)]
async fn out_of_order_signals_are_rejected() {
    // Done before Healthy.
    let (r, _, _) = misbehave(|ctx| async move { ctx.signal(Signal::Done) }).await;
    let err = r.unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidSignal {
                signal: Signal::Done,
                state: NodeState::New,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("root.bad") && err.to_string().contains("after Healthy"));

    // Healthy twice.
    let (r, _, _) = misbehave(|ctx| async move {
        ctx.signal(Signal::Healthy)?;
        ctx.signal(Signal::Healthy)
    })
    .await;
    assert!(matches!(
        r,
        Err(Error::InvalidSignal {
            signal: Signal::Healthy,
            state: NodeState::Healthy,
            ..
        })
    ));

    // Done twice.
    let (r, _, _) = misbehave(|ctx| async move {
        ctx.signal(Signal::Healthy)?;
        ctx.signal(Signal::Done)?;
        ctx.signal(Signal::Done)
    })
    .await;
    assert!(matches!(
        r,
        Err(Error::InvalidSignal {
            signal: Signal::Done,
            state: NodeState::Done,
            ..
        })
    ));
}

#[tokio::test(start_paused = true)]
async fn valid_signals_move_the_state() {
    let p = Puppet::new();
    let r = p.runnable();
    let h = Harness::new(root_with_group(move || vec![Child::new("p", r.clone())]));
    h.settled().await;
    assert_eq!(h.state("root.p").await, Some(NodeState::New));
    p.healthy().await.unwrap();
    h.settled().await;
    assert_eq!(h.state("root.p").await, Some(NodeState::Healthy));
    p.done().await.unwrap();
    h.settled().await;
    assert_eq!(h.state("root.p").await, Some(NodeState::Done));
    p.finish().await;
    h.settled().await;
    let snap = h.snapshot().await.unwrap();
    let info = snap.get("root.p").unwrap();
    assert_eq!(info.state, NodeState::Done);
    assert!(!info.running);
    assert!(matches!(info.last_exit, Some(Exit::Done)));
}

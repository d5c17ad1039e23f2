//! Property test: random trees, random simultaneous deaths; the subtrees the
//! necromancer restarts must be exactly those of a simple reference model of
//! the rule (restart the smallest set of largest fully-ended subtrees that
//! contain a dead node or a cancelled group sibling).

mod support;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use proptest::prelude::*;
use supervisor_core::testing::Harness;
use supervisor_core::{BackoffPolicy, Child, Context, EventKind, Runnable, Signal};
use support::*;
use tokio::sync::watch;

#[derive(Debug, Clone)]
struct Spec {
    groups: Vec<Vec<Spec>>,
}

fn spec() -> impl Strategy<Value = Spec> {
    let leaf = Just(Spec { groups: vec![] });
    leaf.prop_recursive(3, 24, 3, |inner| {
        prop::collection::vec(prop::collection::vec(inner, 1..=3), 1..=2)
            .prop_map(|groups| Spec { groups })
    })
}

/// Every node: (dn, parent dn, group siblings' dns).
fn nodes(spec: &Spec, dn: &str, out: &mut Vec<(String, Option<String>, Vec<String>)>) {
    for (gi, g) in spec.groups.iter().enumerate() {
        let dns: Vec<String> = (0..g.len()).map(|mi| format!("{dn}.g{gi}m{mi}")).collect();
        for (mi, child) in g.iter().enumerate() {
            let siblings = dns.iter().filter(|d| **d != dns[mi]).cloned().collect();
            out.push((dns[mi].clone(), Some(dn.to_owned()), siblings));
            nodes(child, &dns[mi], out);
        }
    }
}

#[derive(Clone)]
struct Env {
    kills: watch::Receiver<HashSet<String>>,
    starts: Arc<Mutex<HashMap<String, u32>>>,
}

#[derive(Clone)]
struct Node {
    spec: Arc<Spec>,
    env: Env,
}

impl Runnable for Node {
    type Error = BoxError;

    fn run(&self, ctx: Context) -> impl std::future::Future<Output = Result<(), BoxError>> + Send {
        let me = self.clone();
        async move {
            *me.env
                .starts
                .lock()
                .unwrap()
                .entry(ctx.dn().to_owned())
                .or_default() += 1;
            let mut kills = me.env.kills.clone();
            kills.borrow_and_update();
            for (gi, g) in me.spec.groups.iter().enumerate() {
                let children = g.iter().enumerate().map(|(mi, s)| {
                    let node = Node {
                        spec: Arc::new(s.clone()),
                        env: me.env.clone(),
                    };
                    Child::new(format!("g{gi}m{mi}"), node)
                        .backoff(BackoffPolicy::constant(Duration::from_secs(1)))
                });
                ctx.run_group(children).await?;
            }
            ctx.signal(Signal::Healthy)?;
            loop {
                tokio::select! {
                    _ = ctx.cancelled() => return Ok(()),
                    r = kills.changed() => {
                        if r.is_err() { ctx.cancelled().await; return Ok(()); }
                        if kills.borrow_and_update().contains(ctx.dn()) {
                            return Err("killed".into());
                        }
                    }
                }
            }
        }
    }
}

/// Waits (in virtual time, up to an hour) until every node is healthy.
async fn all_healthy(h: &Harness) -> bool {
    let wait = async {
        loop {
            let snap = h.snapshot().await.unwrap();
            if snap
                .nodes
                .iter()
                .all(|n| n.state == supervisor_core::NodeState::Healthy)
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(3600), wait)
        .await
        .is_ok()
}

fn is_ancestor(a: &str, d: &str) -> bool {
    d.len() > a.len() && d.starts_with(a) && d.as_bytes()[a.len()] == b'.'
}

fn check(spec: Spec, kill_idx: Vec<usize>) -> Result<(), TestCaseError> {
    let mut all = Vec::new();
    nodes(&spec, "root", &mut all);
    let killed: BTreeSet<String> = kill_idx
        .iter()
        .map(|&i| all[i % all.len()].0.clone())
        .collect();

    // The reference model.
    let mut hit: BTreeSet<String> = killed.clone();
    for (dn, _, sib) in &all {
        if killed.contains(dn) {
            hit.extend(sib.iter().cloned());
        }
    }
    let roots: BTreeSet<String> = hit
        .iter()
        .filter(|x| !hit.iter().any(|a| is_ancestor(a, x)))
        .cloned()
        .collect();

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    rt.block_on(async move {
        let (tx, rx) = watch::channel(HashSet::new());
        let env = Env {
            kills: rx,
            starts: Arc::default(),
        };
        let root = Node {
            spec: Arc::new(spec),
            env: env.clone(),
        };
        let h = Harness::new(root);
        h.settled().await;
        // Settled means nothing is left to do for the processor; the tasks it
        // started last may not have run yet (and a kill they have not seen
        // would be missed).
        prop_assert!(all_healthy(&h).await, "the tree never became healthy");
        let mut events = h.subscribe();
        tx.send_replace(killed.iter().cloned().collect());
        // Virtual time: a necromancer that leaves a wanting node behind
        // never settles; fail rather than hang.
        let settled = tokio::time::timeout(Duration::from_secs(3600), h.settled()).await;
        prop_assert!(settled.is_ok(), "never settled after killing {:?}", killed);
        prop_assert!(
            all_healthy(&h).await,
            "not all healthy after killing {:?}",
            killed
        );
        let scheduled: BTreeSet<String> = drain(&mut events)
            .into_iter()
            .filter(|e| matches!(e.kind, EventKind::RestartScheduled { .. }))
            .map(|e| e.dn.to_string())
            .collect();
        prop_assert_eq!(&scheduled, &roots, "killed {:?}", killed);
        let restarted = |dn: &str| roots.iter().any(|r| r == dn || is_ancestor(r, dn));
        let starts = env.starts.lock().unwrap().clone();
        for (dn, _, _) in &all {
            let want = if restarted(dn) { 2 } else { 1 };
            prop_assert_eq!(
                starts.get(dn).copied(),
                Some(want),
                "{} (killed {:?})",
                dn,
                killed
            );
        }
        Ok(())
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn necromancer_matches_the_reference_model(
        spec in spec().prop_filter("a tree with children", |s| !s.groups.is_empty()),
        kill_idx in prop::collection::vec(0usize..1000, 1..=3),
    ) {
        check(spec, kill_idx)?;
    }
}

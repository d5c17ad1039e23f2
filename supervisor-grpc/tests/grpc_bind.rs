//! A bind failure is a death that names the address; the node restarts with
//! backoff and serves once the port is free.
#![cfg(feature = "tonic")]

mod support;

use std::time::Duration;

use supervisor_core::{BackoffPolicy, EventKind, Exit, NodeState};
use supervisor_grpc::{GrpcServer, Listen};
use support::echo::echo_client::EchoClient;
use support::echo::SleepRequest;
use support::{echo_service, event, healthy, within};

#[tokio::test]
async fn address_in_use_is_a_death_then_a_restart_after_the_port_frees() {
    // Someone else holds the port.
    let (holder, addr) = support::loopback();
    let (svc, _probes) = echo_service();
    let server = GrpcServer::new(Listen::tcp(addr), svc);
    let child = server
        .child("grpc")
        .backoff(BackoffPolicy::constant(Duration::from_millis(50)));
    let sup = support::tree(vec![child]);
    let mut events = sup.subscribe();

    // It dies with an error that names the address, and is not Healthy.
    let died = event(&mut events, "root.grpc", "Exited", |k| {
        matches!(k, EventKind::Exited { .. } | EventKind::Healthy)
    })
    .await;
    let EventKind::Exited { exit, state } = died.kind else {
        panic!("Healthy while the port is taken");
    };
    assert_eq!(state, NodeState::Dead);
    let Exit::Failed(err) = &exit else {
        panic!("not a failure: {exit}")
    };
    let msg = err.to_string();
    assert!(msg.contains(&addr.to_string()), "{msg}");
    assert!(msg.contains("cannot bind"), "{msg}");
    // ... and is restarted with backoff, again and again.
    event(
        &mut events,
        "root.grpc",
        "RestartScheduled",
        |k| matches!(k, EventKind::RestartScheduled { delay } if !delay.is_zero()),
    )
    .await;
    event(
        &mut events,
        "root.grpc",
        "Started",
        |k| matches!(k, EventKind::Started { restarts } if *restarts >= 1),
    )
    .await;

    // The port frees: the next restart binds it and serves.
    drop(holder);
    healthy(&mut events, "root.grpc").await;
    let mut client = EchoClient::new(support::channel(addr));
    within("call", client.sleep(SleepRequest { millis: 1 }))
        .await
        .expect("serving after the restart");
    let snap = sup.snapshot().await.unwrap();
    assert_eq!(snap.state("root.grpc"), Some(NodeState::Healthy));
    assert!(snap.get("root.grpc").unwrap().restarts >= 1);

    let report = sup.shutdown(Duration::from_secs(10)).await.unwrap();
    assert!(report.is_clean(), "{report:?}");
}

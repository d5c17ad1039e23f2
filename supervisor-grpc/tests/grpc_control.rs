//! The control-plane service: snapshot, watch, stop/start/restart, status codes.
#![cfg(feature = "tonic")]

mod support;

use std::time::Duration;

use supervisor_core::{Child, Context, Signal};
use supervisor_grpc::control::proto::control_client::ControlClient;
use supervisor_grpc::control::proto::{
    Event, EventKind, NodeRequest, NodeState, SnapshotRequest, WatchRequest,
};
use supervisor_grpc::{ControlService, GrpcServer};
use support::{healthy_all, within};
use tonic::{Code, Streaming};

async fn worker(ctx: Context) -> Result<(), supervisor_core::Error> {
    ctx.signal(Signal::Healthy)?;
    ctx.cancelled().await;
    Ok(())
}

async fn next_event(stream: &mut Streaming<Event>, dn: &str, kind: EventKind) -> Event {
    loop {
        let e = within("watch", stream.message())
            .await
            .expect("watch ok")
            .expect("watch open");
        if e.dn == dn && e.kind() == kind {
            return e;
        }
    }
}

fn req(dn: &str) -> NodeRequest {
    NodeRequest { dn: dn.into() }
}

#[tokio::test]
async fn control_service_snapshot_watch_stop_start_restart() {
    let (listener, addr) = support::loopback();
    let sup = supervisor_core::Supervisor::new(move |ctx: Context| {
        let control = ControlService::new(ctx.supervisor().clone()).into_server();
        let server = GrpcServer::new(listener.try_clone().expect("dup listener"), control);
        async move {
            ctx.run_child(server.child("control")).await?;
            ctx.run_child(Child::new("worker", worker)).await?;
            ctx.signal(Signal::Healthy)?;
            ctx.signal(Signal::Done)?;
            Ok::<_, supervisor_core::Error>(())
        }
    });
    let mut events = sup.subscribe();
    healthy_all(&mut events, &["root.worker", "root.control"]).await;
    let mut client = ControlClient::new(support::channel(addr));

    // Snapshot.
    let snap = within("snapshot", client.snapshot(SnapshotRequest {}))
        .await
        .expect("snapshot")
        .into_inner();
    let dns: Vec<_> = snap.nodes.iter().map(|n| n.dn.as_str()).collect();
    assert_eq!(dns, ["root", "root.control", "root.worker"]);
    let worker = &snap.nodes[2];
    assert_eq!(worker.state(), NodeState::Healthy);
    assert_eq!(
        (worker.depth, worker.restarts, worker.running),
        (1, 0, true)
    );

    // Watch sees a restart.
    let mut watch = client
        .watch(WatchRequest {
            dn: "root.worker".into(),
        })
        .await
        .expect("watch")
        .into_inner();
    client.restart(req("root.worker")).await.expect("restart");
    next_event(&mut watch, "root.worker", EventKind::Cancelling).await;
    let exited = next_event(&mut watch, "root.worker", EventKind::Exited).await;
    assert_eq!(exited.state(), NodeState::Canceled);
    let started = next_event(&mut watch, "root.worker", EventKind::Started).await;
    assert_eq!(started.restarts, 1);
    next_event(&mut watch, "root.worker", EventKind::Healthy).await;

    // Stop keeps the node stopped.
    client.stop(req("root.worker")).await.expect("stop");
    next_event(&mut watch, "root.worker", EventKind::Stopped).await;
    sup.settled().await;
    let snap = client
        .snapshot(SnapshotRequest {})
        .await
        .unwrap()
        .into_inner();
    let worker = snap.nodes.iter().find(|n| n.dn == "root.worker").unwrap();
    assert_eq!(worker.state(), NodeState::Stopped);
    assert!(!worker.running);
    // Starting a stopped node works; starting a running one is a precondition failure.
    client.start(req("root.worker")).await.expect("start");
    next_event(&mut watch, "root.worker", EventKind::Healthy).await;
    let err = client
        .start(req("root.worker"))
        .await
        .expect_err("already running");
    assert_eq!(err.code(), Code::FailedPrecondition, "{err:?}");

    // Unknown DN, empty DN.
    for call in ["stop", "start", "restart"] {
        let r = match call {
            "stop" => client.stop(req("root.nope")).await,
            "start" => client.start(req("root.nope")).await,
            _ => client.restart(req("root.nope")).await,
        };
        let err = r.expect_err("unknown dn");
        assert_eq!(err.code(), Code::NotFound, "{call}: {err:?}");
        assert!(err.message().contains("root.nope"), "{}", err.message());
    }
    let err = client.stop(req("")).await.expect_err("empty dn");
    assert_eq!(err.code(), Code::InvalidArgument);

    // The watch of the whole tree ends cleanly when the serving node stops.
    let mut all = client
        .watch(WatchRequest { dn: String::new() })
        .await
        .unwrap()
        .into_inner();
    let report = sup.shutdown(Duration::from_secs(10)).await.unwrap();
    assert!(report.is_clean(), "{report:?}");
    loop {
        match within("watch end", all.message()).await {
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(status) => panic!("watch ended with {status:?}"),
        }
    }
}

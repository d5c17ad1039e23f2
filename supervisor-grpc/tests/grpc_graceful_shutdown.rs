//! The gRPC server runnable: Healthy only once it listens, graceful shutdown
//! lets calls in flight finish, a call past the deadline is cut off.
#![cfg(feature = "tonic")]

mod support;

use std::time::{Duration, Instant};

use supervisor_core::{EventKind, NodeState};
use supervisor_grpc::{GrpcServer, Listen};
use support::echo::echo_client::EchoClient;
use support::echo::{SleepRequest, TicksRequest};
use support::{echo_service, event, healthy, probe, within, Probe};

#[tokio::test]
async fn healthy_only_after_bind() {
    let (svc, _probes) = echo_service();
    let server = GrpcServer::new(Listen::tcp("127.0.0.1:0".parse().unwrap()), svc);
    let bound = server.local_addr();
    assert_eq!(*bound.borrow(), None, "nothing bound before the node runs");
    let sup = support::tree(vec![server.child("grpc")]);
    let mut events = sup.subscribe();

    healthy(&mut events, "root.grpc").await;
    // The listener exists when Healthy is reported: a call succeeds at once.
    let addr = bound.borrow().expect("bound before Healthy");
    let mut client = EchoClient::new(support::channel(addr));
    let reply = within("sleep(0)", client.sleep(SleepRequest { millis: 0 }))
        .await
        .expect("call right after Healthy");
    assert_eq!(reply.into_inner().millis, 0);

    let report = sup.shutdown(Duration::from_secs(10)).await.unwrap();
    assert!(report.is_clean(), "{report:?}");
    assert_eq!(*bound.borrow(), None, "cleared when the run ended");
    // The port is closed after the run.
    assert!(std::net::TcpStream::connect(addr).is_err());
}

#[tokio::test]
async fn graceful_shutdown_lets_in_flight_calls_finish() {
    let (svc, mut probes) = echo_service();
    let (listener, addr) = support::loopback();
    let server = GrpcServer::new(listener, svc).shutdown_deadline(Duration::from_secs(20));
    let sup = support::tree(vec![server.child("grpc")]);
    let mut events = sup.subscribe();
    healthy(&mut events, "root.grpc").await;

    let channel = support::channel(addr);
    // A unary call that takes 500 ms, and a stream that ends itself when the
    // node is cancelled.
    let mut unary_client = EchoClient::new(channel.clone());
    let unary = tokio::spawn(async move { unary_client.sleep(SleepRequest { millis: 500 }).await });
    let mut stream = EchoClient::new(channel.clone())
        .ticks(TicksRequest { every_millis: 20 })
        .await
        .expect("ticks")
        .into_inner();
    probe(&mut probes, Probe::SleepStarted).await;
    probe(&mut probes, Probe::TicksStarted).await;

    let stop = tokio::spawn({
        let sup = sup.clone();
        async move { sup.stop("root.grpc").await }
    });
    event(&mut events, "root.grpc", "Cancelling", |k| {
        matches!(k, EventKind::Cancelling)
    })
    .await;

    // The unary call completes normally.
    let reply = within("unary", unary)
        .await
        .unwrap()
        .expect("in-flight unary call");
    assert_eq!(reply.into_inner().millis, 500);
    // The stream ends cleanly with its last tick.
    let mut last = None;
    while let Some(tick) = within("next tick", stream.message())
        .await
        .expect("stream ok")
    {
        last = Some(tick);
    }
    assert!(
        last.expect("ticks").last,
        "the stream ended with its last tick"
    );
    probe(&mut probes, Probe::TicksEnded).await;

    within("stop", stop).await.unwrap().expect("stop");
    let snap = sup.snapshot().await.unwrap();
    assert_eq!(snap.state("root.grpc"), Some(NodeState::Stopped));
    sup.shutdown(Duration::from_secs(10)).await.unwrap();
}

#[tokio::test]
async fn call_past_the_deadline_is_cut_off() {
    let (svc, mut probes) = echo_service();
    let (listener, addr) = support::loopback();
    let deadline = Duration::from_millis(300);
    let server = GrpcServer::new(listener, svc).shutdown_deadline(deadline);
    let sup = support::tree(vec![server.child("grpc")]);
    let mut events = sup.subscribe();
    healthy(&mut events, "root.grpc").await;

    let mut client = EchoClient::new(support::channel(addr));
    let call = tokio::spawn(async move { client.sleep(SleepRequest { millis: 60_000 }).await });
    probe(&mut probes, Probe::SleepStarted).await;

    let t0 = Instant::now();
    within("stop", sup.stop("root.grpc")).await.expect("stop");
    let took = t0.elapsed();
    assert!(took >= deadline, "waited for the deadline ({took:?})");
    assert!(
        took < Duration::from_secs(10),
        "did not wait for the call ({took:?})"
    );

    let status = within("cut-off call", call)
        .await
        .unwrap()
        .expect_err("cut off");
    assert!(
        matches!(
            status.code(),
            tonic::Code::Unavailable
                | tonic::Code::Cancelled
                | tonic::Code::Unknown
                | tonic::Code::Internal
        ),
        "{status:?}"
    );
    // The handler was dropped, not leaked.
    probe(&mut probes, Probe::SleepDropped).await;
    // The runnable returned on its own (no abort by the core's grace period).
    let snap = sup.snapshot().await.unwrap();
    let node = snap.get("root.grpc").unwrap();
    assert_eq!(node.state, NodeState::Stopped);
    assert!(
        matches!(node.last_exit, Some(supervisor_core::Exit::Canceled)),
        "{:?}",
        node.last_exit
    );
    sup.shutdown(Duration::from_secs(10)).await.unwrap();
}

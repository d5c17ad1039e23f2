//! The gRPC runnable on unix sockets: a path bound on each run, and a ready
//! listener kept across restarts, with real tonic clients.
#![cfg(feature = "tonic")]

mod support;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use hyper_util::rt::TokioIo;
use supervisor_core::{EventKind, NodeState};
use supervisor_grpc::{GrpcServer, Listen};
use support::echo::echo_client::EchoClient;
use support::echo::SleepRequest;
use support::{echo_service, event, healthy, within};
use tonic::transport::{Channel, Endpoint, Uri};

/// A tonic connector that dials one unix socket, whatever the URI.
#[derive(Clone)]
struct UnixConnector(PathBuf);

impl tower_service::Service<Uri> for UnixConnector {
    type Response = TokioIo<tokio::net::UnixStream>;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = std::io::Result<Self::Response>> + Send>>;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Uri) -> Self::Future {
        let path = self.0.clone();
        Box::pin(async move { Ok(TokioIo::new(tokio::net::UnixStream::connect(path).await?)) })
    }
}

fn unix_channel(path: &Path) -> Channel {
    Endpoint::from_static("http://localhost")
        .connect_with_connector_lazy(UnixConnector(path.to_owned()))
}

#[tokio::test]
async fn grpc_over_a_unix_socket_path() {
    let path = support::socket_path("grpc-path", "grpc.sock");
    let (svc, _probes) = echo_service();
    let server = GrpcServer::new(Listen::unix(&path), svc);
    let sup = support::tree(vec![server.child("grpc")]);
    let mut events = sup.subscribe();
    healthy(&mut events, "root.grpc").await;
    assert!(path.exists(), "the socket exists once Healthy");

    let mut client = EchoClient::new(unix_channel(&path));
    let reply = within("sleep over unix", client.sleep(SleepRequest { millis: 1 }))
        .await
        .expect("call over the unix socket");
    assert_eq!(reply.into_inner().millis, 1);

    // A restart removes the socket file and binds it again; a client that
    // reconnects is served by the new run.
    within("restart", sup.restart("root.grpc"))
        .await
        .expect("restart");
    healthy(&mut events, "root.grpc").await;
    let mut client = EchoClient::new(unix_channel(&path));
    within(
        "sleep after restart",
        client.sleep(SleepRequest { millis: 1 }),
    )
    .await
    .expect("call after the restart");

    let report = sup.shutdown(Duration::from_secs(10)).await.unwrap();
    assert!(report.is_clean(), "{report:?}");
    assert!(!path.exists(), "socket file removed when the run ended");
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[tokio::test]
async fn grpc_on_a_ready_unix_listener_across_a_restart() {
    let path = support::socket_path("grpc-listener", "grpc.sock");
    let _ = std::fs::remove_file(&path);
    let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    let (svc, _probes) = echo_service();
    let server = GrpcServer::new(listener, svc);
    let sup = support::tree(vec![server.child("grpc")]);
    let mut events = sup.subscribe();
    healthy(&mut events, "root.grpc").await;

    let mut client = EchoClient::new(unix_channel(&path));
    within("first call", client.sleep(SleepRequest { millis: 1 }))
        .await
        .expect("first call");

    within("restart", sup.restart("root.grpc"))
        .await
        .expect("restart");
    event(&mut events, "root.grpc", "Started", |k| {
        matches!(k, EventKind::Started { restarts: 1 })
    })
    .await;
    // The listener (and its socket file) stayed: a new connection is served
    // by the new run.
    assert!(
        path.exists(),
        "a ready listener's socket file is left alone"
    );
    let mut client = EchoClient::new(unix_channel(&path));
    within(
        "call after restart",
        client.sleep(SleepRequest { millis: 1 }),
    )
    .await
    .expect("call after the restart");
    assert_eq!(
        sup.snapshot().await.unwrap().state("root.grpc"),
        Some(NodeState::Healthy)
    );

    let report = sup.shutdown(Duration::from_secs(10)).await.unwrap();
    assert!(report.is_clean(), "{report:?}");
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

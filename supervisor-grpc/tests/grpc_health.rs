//! The standard health service follows the tree: SERVING while the node is
//! healthy, NOT_SERVING while it restarts or is stopped.
#![cfg(feature = "tonic")]

mod support;

use std::sync::Arc;
use std::time::Duration;

use supervisor_core::{BackoffPolicy, BoxError, Child, Context, EventKind, Runnable};
use supervisor_grpc::{GrpcServer, HealthBinding};
use support::{echo_service, event, healthy, within};
use tokio::sync::Notify;
use tonic::Streaming;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse};

const ECHO: &str = "echo.v1.Echo";

async fn next_status(stream: &mut Streaming<HealthCheckResponse>) -> ServingStatus {
    within("health watch", stream.message())
        .await
        .expect("watch stream ok")
        .expect("watch stream open")
        .status()
}

/// Reads the watch stream until `want` (intermediate statuses are allowed
/// only if they are in `via`).
async fn until(
    stream: &mut Streaming<HealthCheckResponse>,
    want: ServingStatus,
    via: &[ServingStatus],
) {
    loop {
        let s = next_status(stream).await;
        if s == want {
            return;
        }
        assert!(
            via.contains(&s),
            "unexpected {s:?} while waiting for {want:?}"
        );
    }
}

#[tokio::test]
async fn health_follows_the_node_across_a_restart_and_a_stop() {
    // The admin server serves health; the api server is the watched node,
    // which the test can crash.
    let (reporter, health_svc) = tonic_health::server::health_reporter();
    let (admin_listener, admin_addr) = support::loopback();
    let admin = GrpcServer::new(admin_listener, health_svc);
    let binding = HealthBinding::new(reporter)
        .node(ECHO, "root.api")
        .subtree("", "root");

    let (echo, _probes) = echo_service();
    let (api_listener, _api_addr) = support::loopback();
    let api = Arc::new(GrpcServer::new(api_listener, echo));
    let crash = Arc::new(Notify::new());
    let crashing_api = {
        let crash = crash.clone();
        move |ctx: Context| {
            let (api, crash) = (api.clone(), crash.clone());
            async move {
                tokio::select! {
                    r = api.run(ctx) => r.map_err(BoxError::from),
                    () = crash.notified() => Err("crashed on request".into()),
                }
            }
        }
    };
    let sup = support::tree(vec![
        Child::new("health", binding),
        admin.child("admin"),
        Child::new("api", crashing_api)
            .backoff(BackoffPolicy::constant(Duration::from_millis(300))),
    ]);
    let mut events = sup.subscribe();
    healthy(&mut events, "root.admin").await;

    let mut client = HealthClient::new(support::channel(admin_addr));
    let mut watch = within(
        "watch",
        client.watch(HealthCheckRequest {
            service: ECHO.into(),
        }),
    )
    .await
    .expect("watch")
    .into_inner();
    use ServingStatus::{NotServing, Serving};
    until(&mut watch, Serving, &[NotServing]).await;
    let check = client
        .check(HealthCheckRequest {
            service: ECHO.into(),
        })
        .await
        .unwrap();
    assert_eq!(check.into_inner().status(), Serving);

    // A crash: NOT_SERVING while the node waits for its backoff, then SERVING again.
    crash.notify_one();
    until(&mut watch, NotServing, &[]).await;
    let restarted = event(&mut events, "root.api", "Started", |k| {
        matches!(k, EventKind::Started { restarts: 1 })
    })
    .await;
    let _ = restarted;
    until(&mut watch, Serving, &[]).await;

    // An operator stop: NOT_SERVING and it stays so; start: SERVING.
    sup.stop("root.api").await.unwrap();
    until(&mut watch, NotServing, &[]).await;
    sup.settled().await;
    let check = client
        .check(HealthCheckRequest {
            service: ECHO.into(),
        })
        .await
        .unwrap();
    assert_eq!(check.into_inner().status(), NotServing);
    let overall = client
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .unwrap();
    assert_eq!(
        overall.into_inner().status(),
        NotServing,
        "the root subtree has a stopped node"
    );
    sup.start("root.api").await.unwrap();
    until(&mut watch, Serving, &[]).await;
    let overall = client
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .unwrap();
    assert_eq!(overall.into_inner().status(), Serving);

    // tonic-health's watch streams never end on their own: close ours so the
    // admin server drains at once instead of at its deadline.
    drop(watch);
    sup.shutdown(Duration::from_secs(10)).await.unwrap();
}

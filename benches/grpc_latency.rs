//! Latency of gRPC servers supervised by the tree (supervisor-grpc), on loopback:
//!
//! * `unary_echo`: one unary call (`echo.v1.Echo/Sleep` with 0 ms, an echo)
//!   through a supervised [`GrpcServer`], one call at a time on one HTTP/2
//!   connection; `unary_echo_x16` is 16 callers sharing that connection
//!   (latency per call and calls per second);
//! * `control_snapshot`: the `supervisor.control.v1.Control/Snapshot` call
//!   of a ~100-node tree, next to `snapshot_in_process`, the same snapshot
//!   taken through the `Supervisor` handle without gRPC;
//! * `death_to_serving`: the gRPC server node dies (its run is dropped with
//!   an error) and restarts at once (immediate backoff) on its kept
//!   listener; timed from the death to a `grpc.health.v1` watch client (on a
//!   separate admin server) seeing `NOT_SERVING`, then `SERVING` again, and,
//!   for comparison, to the restarted node's `Healthy` event in the tree.
//!
//! Each case prints a JSON line (`{"bench":"grpc_latency","case":...}`, times
//! in microseconds) and a human summary line.
//!
//! ```sh
//! cargo bench --bench grpc_latency
//! ```
//!
//! Without `--bench` (as under `cargo test --all-targets`) it runs a few
//! iterations of each case only, as a smoke test. Client and server share one
//! multi-threaded tokio runtime (one worker per core).

use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use supervisor::grpc::control::proto::control_client::ControlClient;
use supervisor::grpc::control::proto::SnapshotRequest;
use supervisor::grpc::{ControlService, GrpcServer, HealthBinding, Listen};
use supervisor::{BackoffPolicy, Child, Context, EventKind, Runnable, Signal, Supervisor};
use tokio::sync::{broadcast, Notify};
use tonic::transport::{Channel, Endpoint};
use tonic::{Request, Response, Status, Streaming};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse};

/// The test service of supervisor-grpc (generated from
/// `supervisor-grpc/tests/support/echo.proto`).
#[allow(missing_docs, clippy::all, clippy::pedantic)]
#[rustfmt::skip]
mod echo {
    include!("../supervisor-grpc/tests/support/echo.v1.rs");
}

use echo::echo_client::EchoClient;
use echo::echo_server::{Echo, EchoServer};
use echo::{SleepReply, SleepRequest, Tick, TicksRequest};

const ECHO: &str = "echo.v1.Echo";
/// Failure guard for every wait (never reached on a working build).
const PATIENCE: Duration = Duration::from_secs(30);

/// Echoes at once (`Sleep` with 0 ms); `Ticks` is not used here.
#[derive(Clone, Copy)]
struct EchoNow;

#[tonic::async_trait]
impl Echo for EchoNow {
    async fn sleep(&self, req: Request<SleepRequest>) -> Result<Response<SleepReply>, Status> {
        let millis = req.into_inner().millis;
        if millis > 0 {
            tokio::time::sleep(Duration::from_millis(millis)).await;
        }
        Ok(Response::new(SleepReply { millis }))
    }

    type TicksStream =
        Pin<Box<dyn tonic::codegen::tokio_stream::Stream<Item = Result<Tick, Status>> + Send>>;

    async fn ticks(
        &self,
        _req: Request<TicksRequest>,
    ) -> Result<Response<Self::TicksStream>, Status> {
        Err(Status::unimplemented("not used by the benchmark"))
    }
}

struct Sizes {
    unary: usize,
    concurrent_for: Duration,
    snapshot: usize,
    restarts: usize,
}

fn stats(samples: &mut [Duration]) -> (Duration, Duration, Duration, Duration, Duration) {
    samples.sort();
    let pct = |p: f64| samples[((samples.len() - 1) as f64 * p).round() as usize];
    let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
    (samples[0], pct(0.5), pct(0.9), pct(0.99), mean)
}

fn report(case: &str, mut samples: Vec<Duration>, extra: &str) {
    let n = samples.len();
    let (min, median, p90, p99, mean) = stats(&mut samples);
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "{{\"bench\":\"grpc_latency\",\"case\":\"{case}\",\"n\":{n},\"min_us\":{:.1},\"median_us\":{:.1},\"p90_us\":{:.1},\"p99_us\":{:.1},\"mean_us\":{:.1}{extra}}}",
        us(min),
        us(median),
        us(p90),
        us(p99),
        us(mean)
    );
    println!(
        "  {case:<30} n={n:<6} median {median:>10.3?}  p90 {p90:>10.3?}  p99 {p99:>10.3?}  min {min:>10.3?}"
    );
}

async fn within<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, f)
        .await
        .unwrap_or_else(|_| panic!("{what}: not done within {PATIENCE:?}"))
}

async fn connect(addr: std::net::SocketAddr) -> Channel {
    let endpoint = Endpoint::from_shared(format!("http://{addr}")).expect("uri");
    within("connect", endpoint.connect())
        .await
        .expect("connect")
}

async fn wait_healthy(events: &mut broadcast::Receiver<supervisor::Event>, dn: &str) {
    within(&format!("{dn} Healthy"), async {
        loop {
            match events.recv().await {
                Ok(e) if &*e.dn == dn && matches!(e.kind, EventKind::Healthy) => return,
                Ok(_) => {}
                Err(e) => panic!("event stream: {e}"),
            }
        }
    })
    .await;
}

/// Waits until `dn` is HEALTHY (whether or not it already was).
async fn until_healthy(sup: &Supervisor, dn: &str) {
    let mut events = sup.subscribe();
    let snap = sup.snapshot().await.expect("snapshot");
    if snap.state(dn) != Some(supervisor::NodeState::Healthy) {
        wait_healthy(&mut events, dn).await;
    }
}

async fn worker(ctx: Context) -> Result<(), supervisor::Error> {
    ctx.signal(Signal::Healthy)?;
    ctx.cancelled().await;
    Ok(())
}

/// Unary echo (sequential and 16 concurrent callers) and control snapshots.
async fn unary_and_snapshot(sizes: &Sizes) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let listen = Listen::tcp_listener(listener);
    const WORKERS: usize = 100;
    let sup = Supervisor::new(move |ctx: Context| {
        let control = ControlService::new(ctx.supervisor().clone()).into_server();
        let routes = tonic::service::Routes::new(EchoServer::new(EchoNow)).add_service(control);
        let server = GrpcServer::new(listen.clone(), routes);
        async move {
            ctx.run_child(server.child("grpc")).await?;
            for i in 0..WORKERS {
                ctx.run_child(Child::new(format!("w{i:03}"), worker))
                    .await?;
            }
            ctx.signal(Signal::Healthy)?;
            ctx.signal(Signal::Done)?;
            Ok::<_, supervisor::Error>(())
        }
    });
    until_healthy(&sup, "root.grpc").await;
    let channel = connect(addr).await;

    // Sequential unary calls.
    let mut client = EchoClient::new(channel.clone());
    let warmup = (sizes.unary / 10).max(10);
    let mut samples = Vec::with_capacity(sizes.unary);
    for i in 0..warmup + sizes.unary {
        let t0 = Instant::now();
        client
            .sleep(SleepRequest { millis: 0 })
            .await
            .expect("echo");
        if i >= warmup {
            samples.push(t0.elapsed());
        }
    }
    report("unary_echo", samples, "");

    // 16 concurrent callers on the same connection.
    const CALLERS: usize = 16;
    let deadline = Instant::now() + sizes.concurrent_for;
    let started = Instant::now();
    let tasks: Vec<_> = (0..CALLERS)
        .map(|_| {
            let mut client = EchoClient::new(channel.clone());
            tokio::spawn(async move {
                let mut samples = Vec::new();
                while Instant::now() < deadline {
                    let t0 = Instant::now();
                    client
                        .sleep(SleepRequest { millis: 0 })
                        .await
                        .expect("echo");
                    samples.push(t0.elapsed());
                }
                samples
            })
        })
        .collect();
    let mut samples = Vec::new();
    for t in tasks {
        samples.extend(t.await.expect("caller"));
    }
    let rate = samples.len() as f64 / started.elapsed().as_secs_f64();
    println!("  (unary_echo_x16: {rate:.0} calls/s)");
    report(
        "unary_echo_x16",
        samples,
        &format!(",\"callers\":{CALLERS},\"calls_per_s\":{rate:.0}"),
    );

    // Control snapshots of the whole tree.
    let nodes = sup.snapshot().await.expect("snapshot").nodes.len();
    let mut control = ControlClient::new(channel.clone());
    let mut samples = Vec::with_capacity(sizes.snapshot);
    for i in 0..warmup + sizes.snapshot {
        let t0 = Instant::now();
        let snap = control
            .snapshot(SnapshotRequest {})
            .await
            .expect("snapshot")
            .into_inner();
        if i >= warmup {
            samples.push(t0.elapsed());
        }
        assert_eq!(snap.nodes.len(), nodes);
    }
    report(
        "control_snapshot",
        samples,
        &format!(",\"tree_nodes\":{nodes}"),
    );
    let mut samples = Vec::with_capacity(sizes.snapshot);
    for i in 0..warmup + sizes.snapshot {
        let t0 = Instant::now();
        let snap = sup.snapshot().await.expect("snapshot");
        if i >= warmup {
            samples.push(t0.elapsed());
        }
        assert_eq!(snap.nodes.len(), nodes);
    }
    report(
        "snapshot_in_process",
        samples,
        &format!(",\"tree_nodes\":{nodes}"),
    );

    drop((client, control, channel));
    let report = sup
        .shutdown(Duration::from_secs(10))
        .await
        .expect("shutdown");
    assert!(report.is_clean(), "{report:?}");
}

async fn next_status(watch: &mut Streaming<HealthCheckResponse>) -> ServingStatus {
    within("health watch", watch.message())
        .await
        .expect("health watch ok")
        .expect("health watch open")
        .status()
}

/// Death of the server node to the health client seeing SERVING again.
async fn death_to_serving(sizes: &Sizes) {
    let (reporter, health) = tonic_health::server::health_reporter();
    let admin_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let admin_addr = admin_listener.local_addr().expect("addr");
    let admin = GrpcServer::new(admin_listener, health);
    let binding = HealthBinding::new(reporter).node(ECHO, "root.api");

    let api_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let api = Arc::new(GrpcServer::new(api_listener, EchoServer::new(EchoNow)));
    let crash = Arc::new(Notify::new());
    let crashing_api = {
        let crash = crash.clone();
        move |ctx: Context| {
            let (api, crash) = (api.clone(), crash.clone());
            async move {
                tokio::select! {
                    r = api.run(ctx) => r.map_err(supervisor::core::BoxError::from),
                    () = crash.notified() => Err("crashed on purpose".into()),
                }
            }
        }
    };
    let children = std::sync::Mutex::new(Some(vec![
        Child::new("health", binding),
        admin.child("admin"),
        Child::new("api", crashing_api)
            .backoff(BackoffPolicy::immediate())
            .stable_after(Duration::ZERO),
    ]));
    let sup = Supervisor::new(move |ctx: Context| {
        let kids = children.lock().expect("lock").take();
        async move {
            for child in kids.into_iter().flatten() {
                ctx.run_child(child).await?;
            }
            ctx.signal(Signal::Healthy)?;
            ctx.signal(Signal::Done)?;
            Ok::<_, supervisor::Error>(())
        }
    });
    until_healthy(&sup, "root.admin").await;

    let mut client = HealthClient::new(connect(admin_addr).await);
    let mut watch = within(
        "health watch",
        client.watch(HealthCheckRequest {
            service: ECHO.into(),
        }),
    )
    .await
    .expect("health watch")
    .into_inner();
    while next_status(&mut watch).await != ServingStatus::Serving {}

    let (mut to_not_serving, mut to_serving, mut to_healthy) = (vec![], vec![], vec![]);
    for _ in 0..sizes.restarts {
        let mut events = sup.subscribe();
        let t0 = Instant::now();
        crash.notify_one();
        let mut healthy = Box::pin(wait_healthy(&mut events, "root.api"));
        let mut healthy_at = None;
        let mut not_serving_at = None;
        loop {
            tokio::select! {
                () = &mut healthy, if healthy_at.is_none() => healthy_at = Some(t0.elapsed()),
                s = next_status(&mut watch) => match s {
                    ServingStatus::NotServing => not_serving_at = Some(t0.elapsed()),
                    ServingStatus::Serving => {
                        to_serving.push(t0.elapsed());
                        break;
                    }
                    other => panic!("unexpected health status {other:?}"),
                },
            }
        }
        if healthy_at.is_none() {
            healthy.await;
            healthy_at = Some(t0.elapsed());
        }
        // The health service's watch streams coalesce changes (a watch
        // channel per service): a client may see SERVING again without the
        // NOT_SERVING before it when the restart is quick.
        to_not_serving.extend(not_serving_at);
        to_healthy.push(healthy_at.expect("healthy"));
    }
    let seen = to_not_serving.len();
    if seen > 0 {
        report(
            "death_to_not_serving",
            to_not_serving,
            &format!(",\"seen_in\":{seen},\"of\":{}", sizes.restarts),
        );
    }
    report("death_to_node_healthy", to_healthy, "");
    report("death_to_serving", to_serving, "");

    drop((watch, client));
    let report = sup
        .shutdown(Duration::from_secs(10))
        .await
        .expect("shutdown");
    assert!(report.is_clean(), "{report:?}");
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let sizes = if bench {
        Sizes {
            unary: 20_000,
            concurrent_for: Duration::from_secs(3),
            snapshot: 5_000,
            restarts: 300,
        }
    } else {
        Sizes {
            unary: 50,
            concurrent_for: Duration::from_millis(100),
            snapshot: 20,
            restarts: 3,
        }
    };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    println!(
        "grpc_latency ({}, {cores} cores): supervised tonic servers on 127.0.0.1",
        if bench { "full run" } else { "smoke run" }
    );
    let t0 = Instant::now();
    runtime.block_on(async {
        unary_and_snapshot(&sizes).await;
        death_to_serving(&sizes).await;
    });
    println!("  done in {:.1?}", t0.elapsed());
}

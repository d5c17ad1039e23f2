//! A supervised gRPC server next to a crashing sibling.
//!
//! ```text
//! cargo run --example grpc_server                  # a 5 s demo on an ephemeral port, then a graceful shutdown
//! cargo run --example grpc_server -- --for 30      # the same demo for 30 s
//! cargo run --example grpc_server -- --serve       # serve on 127.0.0.1:50051 until Ctrl-C
//! cargo run --example grpc_server -- --serve --addr 127.0.0.1:6000 --for 60
//! cargo run --example treectl                      # in another terminal: the tree, then its events
//! ```
//!
//! The tree:
//!
//! ```text
//! root            DONE (only sets up its children)
//!   health        HEALTHY: keeps grpc.health.v1 in step with the tree
//!   grpc          HEALTHY: serves grpc.health.v1.Health and supervisor.control.v1.Control
//!   flaky         crashes 1 s after each start, restarts after its backoff
//! ```
//!
//! The health service reports `""` (the server) as SERVING while `root.grpc`
//! is healthy, and `flaky` as SERVING only while `root.flaky` is up. The demo
//! watches `flaky` through a real gRPC health client and prints every
//! change next to the tree's events; with `--serve`, watch it with any health
//! client (`grpc_health_probe -addr=127.0.0.1:50051 -service=flaky`) or with
//! `treectl`. Ctrl-C ends either mode with a graceful shutdown.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use supervisor::grpc::{ControlService, GrpcServer, HealthBinding, Listen};
use supervisor::{BackoffPolicy, Child, Context, EventKind, Signal, Supervisor};
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

const USAGE: &str = "usage: grpc_server [--serve] [--addr ADDR] [--for SECS]";

async fn flaky(ctx: Context) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    ctx.signal(Signal::Healthy)?;
    tokio::select! {
        () = ctx.cancelled() => Ok(()),
        () = tokio::time::sleep(Duration::from_secs(1)) => Err("simulated crash".into()),
    }
}

struct Args {
    serve: bool,
    addr: SocketAddr,
    run_for: Option<Duration>,
}

fn args() -> Result<Args, Box<dyn std::error::Error>> {
    let mut serve = false;
    let mut addr = None;
    let mut run_for = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--serve" => serve = true,
            "--addr" => addr = Some(args.next().ok_or(USAGE)?.parse()?),
            "--for" => run_for = Some(Duration::from_secs_f64(args.next().ok_or(USAGE)?.parse()?)),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            _ => return Err(format!("unexpected argument {arg:?}\n{USAGE}").into()),
        }
    }
    let default_addr = if serve {
        "127.0.0.1:50051"
    } else {
        "127.0.0.1:0"
    };
    Ok(Args {
        serve,
        addr: addr.unwrap_or(default_addr.parse()?),
        run_for: run_for.or((!serve).then_some(Duration::from_secs(5))),
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "error".into()),
        )
        .init();
    let args = args()?;

    // Bind once: the port stays ours across restarts of the server node.
    let listener = std::net::TcpListener::bind(args.addr)?;
    let addr = listener.local_addr()?;
    let listen = Listen::tcp_listener(listener);
    let (reporter, health) = tonic_health::server::health_reporter();
    let binding = HealthBinding::new(reporter)
        .node("", "root.grpc")
        .node("flaky", "root.flaky");

    let sup = Supervisor::new(move |ctx: Context| {
        let control = ControlService::new(ctx.supervisor().clone()).into_server();
        let routes = tonic::service::Routes::new(health.clone()).add_service(control);
        let server =
            GrpcServer::new(listen.clone(), routes).shutdown_deadline(Duration::from_secs(2));
        let binding = binding.clone();
        async move {
            ctx.run("health", binding).await?;
            // `child` sets the node's grace period above the shutdown deadline.
            ctx.run_child(server.child("grpc")).await?;
            ctx.run_child(
                Child::new("flaky", flaky).backoff(BackoffPolicy::exponential(
                    Duration::from_millis(300),
                    2.0,
                    0.1,
                    Duration::from_secs(4),
                )),
            )
            .await?;
            ctx.signal(Signal::Healthy)?;
            ctx.signal(Signal::Done)?;
            Ok::<_, supervisor::Error>(())
        }
    });
    let t0 = Instant::now();
    let stamp = move || format!("{:6.2}s", t0.elapsed().as_secs_f64());
    let mut events = sup.subscribe();
    println!("gRPC (health + control) on http://{addr}");
    println!("  cargo run --example treectl -- --addr http://{addr}");

    // The tree's events, as the supervisor reports them.
    tokio::spawn(async move {
        while let Ok(e) = events.recv().await {
            let what = match &e.kind {
                EventKind::Started { restarts } => format!("started (restarts={restarts})"),
                EventKind::Healthy => "healthy".into(),
                EventKind::Done => "done".into(),
                EventKind::Exited { exit, state } => format!("exited: {exit} -> {state}"),
                EventKind::RestartScheduled { delay } => format!("restart in {delay:?}"),
                EventKind::Cancelling => "cancelling".into(),
                other => format!("{other:?}"),
            };
            println!("{} tree    {:<12} {what}", stamp(), e.dn);
        }
    });
    // The `flaky` service's health, as a gRPC health client sees it.
    let health_watch = (!args.serve).then(|| {
        tokio::spawn(async move {
            let watch = async {
                let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))?
                    .connect()
                    .await?;
                let mut client = HealthClient::new(channel);
                let request = HealthCheckRequest {
                    service: "flaky".into(),
                };
                let mut statuses = client.watch(request).await?.into_inner();
                while let Some(reply) = statuses.message().await? {
                    println!(
                        "{} health service \"flaky\": {}",
                        stamp(),
                        reply.status().as_str_name()
                    );
                }
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
            };
            if let Err(e) = watch.await {
                println!("{} health watch ended: {e}", stamp());
            }
        })
    });

    let stop = async {
        match args.run_for {
            Some(d) => tokio::select! {
                () = tokio::time::sleep(d) => {}
                _ = tokio::signal::ctrl_c() => {}
            },
            None => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    };
    stop.await;
    println!("{}\n{}", stamp(), sup.snapshot().await?);
    // tonic-health's watch streams never end on their own: close ours, or the
    // server would wait for it until its shutdown deadline.
    if let Some(task) = health_watch {
        task.abort();
    }
    let report = sup.shutdown(Duration::from_secs(10)).await?;
    println!(
        "shut down in {:?} ({})",
        report.elapsed,
        if report.is_clean() {
            "clean"
        } else {
            "some runnables were aborted"
        }
    );
    Ok(())
}

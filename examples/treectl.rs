//! A command-line client of the control-plane gRPC service
//! (`supervisor.control.v1.Control`, served by `supervisor_grpc::ControlService`).
//!
//! ```text
//! cargo run --example treectl -- [--addr http://127.0.0.1:50051] [COMMAND]
//!
//! COMMAND:
//!   (none)        print the tree, then follow its events (Ctrl-C to quit)
//!   status        print the tree
//!   watch [DN]    follow the events (of DN's subtree)
//!   stop DN | start DN | restart DN
//! ```
//!
//! Exits 1 with the gRPC status on an error (e.g. `NotFound` for an unknown DN).
//! Run `cargo run --example grpc_server -- --serve` for a server to talk to.

use supervisor::grpc::control::proto::control_client::ControlClient;
use supervisor::grpc::control::proto::{
    Event, EventKind, NodeRequest, NodeState, SnapshotRequest, WatchRequest,
};
use tonic::transport::{Channel, Endpoint};
use tonic::{Status, Streaming};

type Client = ControlClient<Channel>;

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        match e.downcast_ref::<Status>() {
            Some(s) => eprintln!("treectl: {:?}: {}", s.code(), s.message()),
            None => eprintln!("treectl: {e}"),
        }
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut addr = "http://127.0.0.1:50051".to_owned();
    if let Some(i) = args.iter().position(|a| a == "--addr") {
        if i + 1 >= args.len() {
            return Err("--addr needs a value, e.g. http://127.0.0.1:50051".into());
        }
        addr = args.remove(i + 1);
        args.remove(i);
    }
    let channel = Endpoint::from_shared(addr.clone())?
        .connect()
        .await
        .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    let mut client = ControlClient::new(channel);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        [] => {
            // Subscribe first, so no event between the snapshot and the
            // watch is lost (the watch call returns once it is subscribed).
            let stream = watch(&mut client, "").await?;
            print_tree(&mut client).await?;
            follow(stream).await
        }
        ["status"] => print_tree(&mut client).await,
        ["watch"] => follow(watch(&mut client, "").await?).await,
        ["watch", dn] => follow(watch(&mut client, dn).await?).await,
        [op @ ("stop" | "start" | "restart"), dn] => {
            let req = NodeRequest {
                dn: (*dn).to_owned(),
            };
            match *op {
                "stop" => client.stop(req).await?,
                "start" => client.start(req).await?,
                _ => client.restart(req).await?,
            };
            println!("{dn}: {op} ok");
            Ok(())
        }
        _ => Err(
            "usage: treectl [--addr URL] [status | watch [DN] | stop DN | start DN | restart DN]"
                .into(),
        ),
    }
}

async fn print_tree(client: &mut Client) -> Result<(), Box<dyn std::error::Error>> {
    let snap = client.snapshot(SnapshotRequest {}).await?.into_inner();
    for n in &snap.nodes {
        let name = n.dn.rsplit('.').next().unwrap_or(&n.dn);
        let mut line = format!(
            "{:indent$}{name:<w$} {:<9}",
            "",
            state(n.state()),
            indent = 2 * n.depth as usize,
            w = 20usize.saturating_sub(2 * n.depth as usize),
        );
        if n.stopping {
            line.push_str(" (stopping)");
        }
        if n.running {
            line.push_str(&format!(" up {:.1}s", n.uptime_ms as f64 / 1000.0));
        }
        if n.restarts > 0 {
            line.push_str(&format!(" restarts={}", n.restarts));
        }
        if let Some(ms) = n.restart_in_ms {
            line.push_str(&format!(" restart in {ms} ms"));
        }
        if !n.last_exit.is_empty() {
            line.push_str(&format!(" last exit: {}", n.last_exit));
        }
        if !n.blocked_on.is_empty() {
            line.push_str(&format!(" blocked on: {}", n.blocked_on.join(", ")));
        }
        println!("{line}");
    }
    if snap.zombies > 0 {
        println!("zombies: {}", snap.zombies);
    }
    Ok(())
}

async fn watch(client: &mut Client, dn: &str) -> Result<Streaming<Event>, Status> {
    let request = WatchRequest { dn: dn.to_owned() };
    Ok(client.watch(request).await?.into_inner())
}

async fn follow(mut stream: Streaming<Event>) -> Result<(), Box<dyn std::error::Error>> {
    while let Some(e) = stream.message().await? {
        println!("{}", describe(&e));
    }
    println!("(the server ended the watch)");
    Ok(())
}

fn state(s: NodeState) -> &'static str {
    s.as_str_name().trim_start_matches("NODE_STATE_")
}

fn describe(e: &Event) -> String {
    let what = match e.kind() {
        EventKind::Started => format!("started (restarts={})", e.restarts),
        EventKind::Healthy => "healthy".to_owned(),
        EventKind::Done => "done".to_owned(),
        EventKind::Exited => format!("exited: {} -> {}", e.detail, state(e.state())),
        EventKind::Cancelling => "cancelling".to_owned(),
        EventKind::RestartScheduled => format!("restart in {} ms", e.delay_ms),
        EventKind::Stopped => "stopped".to_owned(),
        EventKind::Failed => format!("FAILED: {}", e.detail),
        EventKind::Aborted => "aborted (ignored cancellation)".to_owned(),
        EventKind::Zombie => "zombie".to_owned(),
        EventKind::Added => "added".to_owned(),
        EventKind::Removed => "removed".to_owned(),
        EventKind::Lagged => return format!("-- missed {} events: run `treectl status`", e.missed),
        EventKind::Unspecified => "(unknown event)".to_owned(),
    };
    format!("{} {:<20} {what}", clock(e.unix_ms), e.dn)
}

/// `HH:MM:SS.mmm` (UTC) of a time in milliseconds since the epoch.
fn clock(unix_ms: u64) -> String {
    let ms = unix_ms % 86_400_000;
    let (h, m, s) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60);
    format!("{h:02}:{m:02}:{s:02}.{:03}Z", ms % 1000)
}

//! The supervision tree's control plane as a gRPC service
//! (`supervisor.control.v1.Control`, see `proto/control.proto`).
//!
//! [`ControlService`] serves a [`Supervisor`] handle: a snapshot of the tree,
//! a server-streaming watch of state-change events, and operator
//! stop/start/restart by DN. Errors of the core map to gRPC status codes
//! ([`status_from_error`]): an unknown DN is `NOT_FOUND`, an operation that
//! does not apply in the node's state `FAILED_PRECONDITION`, a supervisor that
//! has ended `UNAVAILABLE`.
//!
//! The generated messages, server and client are in [`proto`]; the client
//! (`proto::control_client::ControlClient`) takes any tonic channel.
//! `examples/treectl.rs` in the repository is a command-line client.
//!
//! # Caveats
//!
//! * `Stop` returns once the node's subtree has ended. Stopping the node that
//!   serves the control service (or an ancestor of it) from that very service
//!   waits for a call that the server drains: the call is cut off at the
//!   server's shutdown deadline, after the stop has happened.
//! * A watch that falls more than the supervisor's event capacity behind
//!   gets a `LAGGED` event with the number of events it missed: take a new
//!   snapshot.

use std::pin::Pin;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use supervisor_core::{
    Context, Event as CoreEvent, EventKind as CoreKind, NodeState as CoreState, Supervisor,
};
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

/// The messages, server and client generated from `proto/control.proto`.
///
/// Checked in (no protoc at build time). Regenerate after editing the proto:
/// `cargo run --manifest-path supervisor-grpc/codegen/Cargo.toml`
/// (needs a `protoc` in `PATH`, e.g. Debian's `protobuf-compiler`).
#[allow(
    missing_docs,
    unreachable_pub,
    clippy::all,
    clippy::pedantic,
    rustdoc::invalid_html_tags
)]
#[rustfmt::skip]
pub mod proto {
    include!("generated/supervisor.control.v1.rs");
}

use proto::control_server::{Control, ControlServer};
use proto::{
    Event, EventKind, Node, NodeRequest, NodeResponse, NodeState, SnapshotRequest,
    SnapshotResponse, WatchRequest,
};

/// The control-plane gRPC service for a [`Supervisor`].
///
/// Serve it with [`into_server`](Self::into_server) from a
/// [`GrpcServer`](crate::GrpcServer), in the tree it controls or outside it.
///
/// # Examples
///
/// ```
/// use supervisor_core::{Context, Signal, Supervisor};
/// use supervisor_grpc::{ControlService, GrpcServer, Listen};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
/// let sup = Supervisor::new(move |ctx: Context| {
///     // The control service of the tree this node belongs to.
///     let control = ControlService::new(ctx.supervisor().clone()).into_server();
///     let server = GrpcServer::new(Listen::tcp_listener(listener.try_clone().expect("dup")), control);
///     async move {
///         ctx.run_child(server.child("control")).await?;
///         ctx.signal(Signal::Healthy)?;
///         ctx.signal(Signal::Done)?;
///         Ok::<_, supervisor_core::Error>(())
///     }
/// });
/// # sup.shutdown(std::time::Duration::from_secs(5)).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[cfg_attr(docsrs, doc(cfg(feature = "tonic")))]
pub struct ControlService {
    sup: Supervisor,
}

impl ControlService {
    /// The control service of the tree behind `sup`.
    pub fn new(sup: Supervisor) -> Self {
        Self { sup }
    }

    /// The service wrapped in its generated tonic server, ready for a
    /// [`GrpcServer`](crate::GrpcServer) or a `tonic::service::Routes`.
    pub fn into_server(self) -> ControlServer<Self> {
        ControlServer::new(self)
    }
}

/// Maps an error of the core to a gRPC status: `NotFound` → `NOT_FOUND`,
/// `InvalidState` and `Failed` → `FAILED_PRECONDITION`, `Root` and
/// `InvalidName` → `INVALID_ARGUMENT`, `DuplicateName` → `ALREADY_EXISTS`,
/// `Closed` → `UNAVAILABLE`, anything else → `INTERNAL`. The message is the
/// error's text.
pub fn status_from_error(err: &supervisor_core::Error) -> Status {
    use supervisor_core::Error as E;
    let msg = err.to_string();
    match err {
        E::NotFound(_) => Status::not_found(msg),
        E::InvalidState { .. } | E::Failed { .. } => Status::failed_precondition(msg),
        E::Root(_) | E::InvalidName { .. } => Status::invalid_argument(msg),
        E::DuplicateName { .. } => Status::already_exists(msg),
        E::Closed => Status::unavailable(msg),
        _ => Status::internal(msg),
    }
}

fn dn_of(req: Request<NodeRequest>) -> Result<String, Status> {
    let dn = req.into_inner().dn;
    if dn.is_empty() {
        return Err(Status::invalid_argument(
            "dn must name a node, e.g. root.api",
        ));
    }
    Ok(dn)
}

#[tonic::async_trait]
impl Control for ControlService {
    async fn snapshot(
        &self,
        _req: Request<SnapshotRequest>,
    ) -> Result<Response<SnapshotResponse>, Status> {
        let s = self
            .sup
            .snapshot()
            .await
            .map_err(|e| status_from_error(&e))?;
        let nodes = s
            .nodes
            .iter()
            .map(|n| Node {
                dn: n.dn.to_string(),
                depth: u32::try_from(n.depth).unwrap_or(u32::MAX),
                group: u32::try_from(n.group).unwrap_or(u32::MAX),
                state: state(n.state) as i32,
                running: n.running,
                stopping: n.stopping,
                dynamic: n.dynamic,
                restarts: n.restarts,
                last_exit: n
                    .last_exit
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                uptime_ms: n.uptime(s.at).map_or(0, millis),
                restart_in_ms: n
                    .restart_at
                    .map(|at| millis(at.saturating_duration_since(s.at))),
                blocked_on: n.blocked_on.clone(),
            })
            .collect();
        Ok(Response::new(SnapshotResponse {
            nodes,
            zombies: s.zombies as u64,
        }))
    }

    type WatchStream = Pin<Box<dyn tokio_stream::Stream<Item = Result<Event, Status>> + Send>>;

    /// Forwards events until the client goes away, the supervisor ends, or
    /// the node serving the call is cancelled (so a graceful shutdown of the
    /// server ends the stream cleanly).
    async fn watch(
        &self,
        req: Request<WatchRequest>,
    ) -> Result<Response<Self::WatchStream>, Status> {
        // Outside a supervised server: a token that is never cancelled.
        let token = req
            .extensions()
            .get::<Context>()
            .map_or_else(CancellationToken::new, |c| c.token().clone());
        let prefix = req.into_inner().dn;
        let mut events = self.sup.subscribe();
        let (tx, rx) = mpsc::channel::<Result<Event, Status>>(64);
        tokio::spawn(async move {
            loop {
                let event = tokio::select! {
                    () = token.cancelled() => break,
                    () = tx.closed() => break,
                    e = events.recv() => e,
                };
                let msg = match event {
                    Ok(e) if wanted(&e.dn, &prefix) => event_to_proto(&e),
                    Ok(_) => continue,
                    Err(broadcast::error::RecvError::Lagged(missed)) => Event {
                        kind: EventKind::Lagged as i32,
                        missed,
                        unix_ms: unix_ms(Duration::ZERO),
                        ..Event::default()
                    },
                    Err(broadcast::error::RecvError::Closed) => break,
                };
                if tx.send(Ok(msg)).await.is_err() {
                    break;
                }
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }

    async fn stop(&self, req: Request<NodeRequest>) -> Result<Response<NodeResponse>, Status> {
        let dn = dn_of(req)?;
        tracing::info!(%dn, "control: stop");
        self.sup
            .stop(&dn)
            .await
            .map_err(|e| status_from_error(&e))?;
        Ok(Response::new(NodeResponse {}))
    }

    async fn start(&self, req: Request<NodeRequest>) -> Result<Response<NodeResponse>, Status> {
        let dn = dn_of(req)?;
        tracing::info!(%dn, "control: start");
        self.sup
            .start(&dn)
            .await
            .map_err(|e| status_from_error(&e))?;
        Ok(Response::new(NodeResponse {}))
    }

    async fn restart(&self, req: Request<NodeRequest>) -> Result<Response<NodeResponse>, Status> {
        let dn = dn_of(req)?;
        tracing::info!(%dn, "control: restart");
        self.sup
            .restart(&dn)
            .await
            .map_err(|e| status_from_error(&e))?;
        Ok(Response::new(NodeResponse {}))
    }
}

fn wanted(dn: &str, prefix: &str) -> bool {
    prefix.is_empty() || dn == prefix || crate::health::is_below(dn, prefix)
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Wall-clock milliseconds since the epoch, `ago` before now.
fn unix_ms(ago: Duration) -> u64 {
    SystemTime::now()
        .checked_sub(ago)
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, millis)
}

fn state(s: CoreState) -> NodeState {
    match s {
        CoreState::New => NodeState::New,
        CoreState::Healthy => NodeState::Healthy,
        CoreState::Done => NodeState::Done,
        CoreState::Dead => NodeState::Dead,
        CoreState::Canceled => NodeState::Canceled,
        CoreState::Stopped => NodeState::Stopped,
        CoreState::Failed => NodeState::Failed,
        CoreState::Zombie => NodeState::Zombie,
        _ => NodeState::Unspecified,
    }
}

fn event_to_proto(e: &CoreEvent) -> Event {
    let mut out = Event {
        dn: e.dn.to_string(),
        unix_ms: unix_ms(e.at.elapsed()),
        ..Event::default()
    };
    let kind = match &e.kind {
        CoreKind::Started { restarts } => {
            out.restarts = *restarts;
            EventKind::Started
        }
        CoreKind::Healthy => EventKind::Healthy,
        CoreKind::Done => EventKind::Done,
        CoreKind::Exited { exit, state: s } => {
            out.state = state(*s) as i32;
            out.detail = exit.to_string();
            EventKind::Exited
        }
        CoreKind::Cancelling => EventKind::Cancelling,
        CoreKind::RestartScheduled { delay } => {
            out.delay_ms = millis(*delay);
            EventKind::RestartScheduled
        }
        CoreKind::Stopped => EventKind::Stopped,
        CoreKind::Failed { reason } => {
            out.detail = reason.clone();
            EventKind::Failed
        }
        CoreKind::Aborted => EventKind::Aborted,
        CoreKind::Zombie => EventKind::Zombie,
        CoreKind::Added => EventKind::Added,
        CoreKind::Removed => EventKind::Removed,
        _ => EventKind::Unspecified,
    };
    out.kind = kind as i32;
    out
}

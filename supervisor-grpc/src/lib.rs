//! Network servers as nodes of a supervision tree, and the tree's control
//! plane over gRPC.
//!
//! A service's gRPC and HTTP servers are runnables like any other
//! ([`supervisor_core::Runnable`]): the tree starts them, restarts them when
//! they die, and stops them gracefully.
//!
//! * [`GrpcServer`] serves a tonic service (a generated server, or a
//!   `tonic::service::Routes` of several) on TCP or a unix socket;
//!   [`HttpServer`] does the same for any hyper or tower service, such as an
//!   axum `Router`. Each run binds (or takes a ready [`Listen`]er), signals
//!   `Healthy` once the listener accepts, and on cancellation stops
//!   accepting, lets calls in flight finish up to a deadline, then cuts off
//!   the rest and returns. A bind failure (address in use) is a death with an
//!   error naming the address, so the node restarts with backoff.
//! * [`HealthBinding`] drives the standard `grpc.health.v1.Health` service
//!   (tonic-health) from the tree: a service is `SERVING` while its node (or
//!   subtree) is healthy, and `NOT_SERVING` while it starts, restarts, stops
//!   or has failed.
//! * [`ControlService`] exposes a [`Supervisor`](supervisor_core::Supervisor)
//!   handle over gRPC: snapshot, a streaming watch of events, and
//!   stop/start/restart by DN, with the core's errors mapped to gRPC status
//!   codes.
//!
//! # Example
//!
//! A tree with a health binding and one gRPC server that serves the health
//! and control services; a client waits until the whole tree is `SERVING`.
//!
//! ```
//! # #[cfg(feature = "tonic")]
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use supervisor_core::{Context, Signal, Supervisor};
//! use supervisor_grpc::{ControlService, GrpcServer, HealthBinding, Listen};
//! use tonic_health::pb::{health_client::HealthClient, HealthCheckRequest};
//!
//! // A ready listener keeps its port across restarts of the server.
//! let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
//! let addr = listener.local_addr()?;
//! let listen = Listen::tcp_listener(listener);
//!
//! let (reporter, health) = tonic_health::server::health_reporter();
//! let binding = HealthBinding::new(reporter).subtree("", "root");
//!
//! let sup = Supervisor::new(move |ctx: Context| {
//!     let control = ControlService::new(ctx.supervisor().clone()).into_server();
//!     let routes = tonic::service::Routes::new(health.clone()).add_service(control);
//!     let server = GrpcServer::new(listen.clone(), routes)
//!         .shutdown_deadline(Duration::from_secs(2));
//!     let binding = binding.clone();
//!     async move {
//!         ctx.run("health", binding).await?;
//!         // The grace period of the node is set above the shutdown deadline.
//!         ctx.run_child(server.child("grpc")).await?;
//!         ctx.signal(Signal::Healthy)?;
//!         ctx.signal(Signal::Done)?;
//!         Ok::<_, supervisor_core::Error>(())
//!     }
//! });
//!
//! let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))?
//!     .connect()
//!     .await?;
//! let mut client = HealthClient::new(channel);
//! let request = HealthCheckRequest { service: String::new() };
//! let mut statuses = client.watch(request).await?.into_inner();
//! while let Some(reply) = statuses.message().await? {
//!     if reply.status() == tonic_health::pb::health_check_response::ServingStatus::Serving {
//!         break;
//!     }
//! }
//!
//! let report = sup.shutdown(Duration::from_secs(5)).await?;
//! assert!(report.is_clean());
//! # Ok(())
//! # }
//! # #[cfg(not(feature = "tonic"))]
//! # fn main() {}
//! ```
//!
//! # Feature flags
//!
//! No feature is on by default (`default = []`): without features the crate
//! only has its [`Error`] type.
//!
//! * `hyper`: [`HttpServer`] and [`Listen`] (hyper 1, hyper-util).
//! * `tonic`: [`GrpcServer`], [`HealthBinding`] and [`ControlService`] (tonic
//!   0.14 with only its `codegen` feature, prost, tonic-health); implies `hyper`.
//! * `full`: all of the above.
//!
//! The control-plane code generated from `proto/control.proto` is checked in
//! (`src/generated/`), so building needs no `protoc`. Regenerate it with
//! `cargo run --manifest-path supervisor-grpc/codegen/Cargo.toml` (with a
//! `protoc` in `PATH`, e.g. Debian's `protobuf-compiler`).
//!
//! # Caveats
//!
//! * **What graceful means.** On cancellation a server stops accepting at
//!   once, sends HTTP/2 GOAWAY (HTTP/1: closes each connection after its
//!   response in flight), and waits for the calls in flight, up to its
//!   shutdown deadline. A streaming call ends only when its handler ends the
//!   stream: handlers find the node's [`Context`](supervisor_core::Context)
//!   in the request's extensions and should end streams when it is
//!   cancelled. At the deadline, every connection and request task the run
//!   spawned is dropped: clients see their calls fail.
//! * **Grace period.** The core aborts a cancelled runnable after the node's
//!   grace period (5 s by default). It must exceed the server's shutdown
//!   deadline, or the drain is cut short by the abort (which still drops
//!   every task of the server): use the servers' `child(name)` helpers,
//!   which set it to the deadline plus 2 s.
//! * **Restarts and addresses.** A server that binds an address binds it
//!   again on each run; with port 0 each run gets a new port (see
//!   `local_addr()`). A ready listener keeps its port, and clients that
//!   connect during a restart wait in the backlog.
//! * **Health.** `HealthReporter::new()` starts the overall service `""` as
//!   `SERVING`; bind it (e.g. to the subtree `root`) to make it follow the
//!   tree.

#![forbid(unsafe_code)]
#![warn(
    missing_docs,
    missing_debug_implementations,
    unreachable_pub,
    rust_2018_idioms
)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod error;
#[cfg(feature = "hyper")]
mod hyper;
#[cfg(feature = "hyper")]
mod listen;
#[cfg(feature = "hyper")]
mod shutdown;

#[cfg(feature = "tonic")]
#[cfg_attr(docsrs, doc(cfg(feature = "tonic")))]
pub mod control;
#[cfg(feature = "tonic")]
mod health;
#[cfg(feature = "tonic")]
mod tonic;

pub use crate::error::Error;
#[cfg(feature = "hyper")]
pub use crate::hyper::HttpServer;
#[cfg(feature = "hyper")]
#[cfg_attr(docsrs, doc(cfg(feature = "hyper")))]
pub use crate::listen::Listen;

#[cfg(feature = "tonic")]
pub use crate::control::ControlService;
#[cfg(feature = "tonic")]
pub use crate::health::HealthBinding;
#[cfg(feature = "tonic")]
pub use crate::tonic::GrpcServer;

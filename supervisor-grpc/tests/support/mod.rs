//! Shared helpers of the supervisor-grpc tests: the `echo.v1.Echo` test
//! service (slow unary calls and context-aware streams), clients, and waiting
//! for tree events with generous timeouts (failure guards, never sleeps).
#![allow(dead_code, unreachable_pub)]

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Duration;

use supervisor_core::{Context, Event, EventKind, Supervisor};
use tokio::sync::{broadcast, mpsc};
use tonic::transport::{Channel, Endpoint};
use tonic::{Request, Response, Status};

#[allow(missing_docs, clippy::all, clippy::pedantic)]
#[rustfmt::skip]
pub mod echo {
    include!("echo.v1.rs");
}

use echo::echo_server::{Echo, EchoServer};
use echo::{SleepReply, SleepRequest, Tick, TicksRequest};

/// Failure guard for every wait: far above anything a loaded machine needs.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// What the echo handlers report to the test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    /// A `Sleep` call entered its handler.
    SleepStarted,
    /// A `Sleep` handler finished its sleep and replied.
    SleepFinished,
    /// A `Sleep` handler was dropped before it finished (cut off).
    SleepDropped,
    /// A `Ticks` stream sent its first tick.
    TicksStarted,
    /// A `Ticks` stream saw its node cancelled and sent its last tick.
    TicksEnded,
}

#[derive(Clone)]
pub struct EchoService {
    probes: mpsc::UnboundedSender<Probe>,
}

/// The echo service and the receiver of its probes.
pub fn echo_service() -> (EchoServer<EchoService>, mpsc::UnboundedReceiver<Probe>) {
    let (probes, rx) = mpsc::unbounded_channel();
    (EchoServer::new(EchoService { probes }), rx)
}

struct DropProbe {
    probes: mpsc::UnboundedSender<Probe>,
    armed: bool,
}

impl Drop for DropProbe {
    fn drop(&mut self) {
        if self.armed {
            let _ = self.probes.send(Probe::SleepDropped);
        }
    }
}

#[tonic::async_trait]
impl Echo for EchoService {
    async fn sleep(&self, req: Request<SleepRequest>) -> Result<Response<SleepReply>, Status> {
        let millis = req.into_inner().millis;
        let _ = self.probes.send(Probe::SleepStarted);
        let mut guard = DropProbe {
            probes: self.probes.clone(),
            armed: true,
        };
        tokio::time::sleep(Duration::from_millis(millis)).await;
        guard.armed = false;
        let _ = self.probes.send(Probe::SleepFinished);
        Ok(Response::new(SleepReply { millis }))
    }

    type TicksStream = Pin<Box<dyn tokio_stream::Stream<Item = Result<Tick, Status>> + Send>>;

    async fn ticks(
        &self,
        req: Request<TicksRequest>,
    ) -> Result<Response<Self::TicksStream>, Status> {
        let ctx = req
            .extensions()
            .get::<Context>()
            .cloned()
            .ok_or_else(|| Status::internal("no supervisor Context in the request"))?;
        let every = Duration::from_millis(req.into_inner().every_millis);
        let probes = self.probes.clone();
        let (tx, rx) = mpsc::channel(4);
        tokio::spawn(async move {
            let mut seq = 0;
            loop {
                tokio::select! {
                    () = ctx.cancelled() => {
                        // Finish the stream cleanly, after a little more work.
                        tokio::time::sleep(every).await;
                        let _ = tx.send(Ok(Tick { seq, last: true })).await;
                        let _ = probes.send(Probe::TicksEnded);
                        return;
                    }
                    () = tokio::time::sleep(every) => {
                        if tx.send(Ok(Tick { seq, last: false })).await.is_err() {
                            return;
                        }
                        if seq == 0 {
                            let _ = probes.send(Probe::TicksStarted);
                        }
                        seq += 1;
                    }
                }
            }
        });
        Ok(Response::new(Box::pin(
            tokio_stream::wrappers::ReceiverStream::new(rx),
        )))
    }
}

/// Waits for a probe (failing the test after [`PATIENCE`]).
pub async fn probe(rx: &mut mpsc::UnboundedReceiver<Probe>, want: Probe) {
    let wait = async {
        loop {
            match rx.recv().await {
                Some(p) if p == want => return,
                Some(_) => {}
                None => panic!("probe channel closed while waiting for {want:?}"),
            }
        }
    };
    tokio::time::timeout(PATIENCE, wait)
        .await
        .unwrap_or_else(|_| panic!("no {want:?} within {PATIENCE:?}"));
}

/// Waits for the first event of `dn` that `pred` accepts.
pub async fn event(
    events: &mut broadcast::Receiver<Event>,
    dn: &str,
    what: &str,
    mut pred: impl FnMut(&EventKind) -> bool,
) -> Event {
    let wait = async {
        loop {
            match events.recv().await {
                Ok(e) if &*e.dn == dn && pred(&e.kind) => return e,
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(n)) => panic!("missed {n} events"),
                Err(broadcast::error::RecvError::Closed) => panic!("supervisor ended"),
            }
        }
    };
    tokio::time::timeout(PATIENCE, wait)
        .await
        .unwrap_or_else(|_| panic!("no {what} event of {dn} within {PATIENCE:?}"))
}

pub async fn healthy(events: &mut broadcast::Receiver<Event>, dn: &str) -> Event {
    event(events, dn, "Healthy", |k| matches!(k, EventKind::Healthy)).await
}

/// A lazily connecting channel to a loopback address.
pub fn channel(addr: SocketAddr) -> Channel {
    Endpoint::from_shared(format!("http://{addr}"))
        .expect("valid uri")
        .connect_lazy()
}

/// A fresh ready listener on an ephemeral loopback port.
pub fn loopback() -> (std::net::TcpListener, SocketAddr) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let addr = l.local_addr().expect("local addr");
    (l, addr)
}

/// Runs `f` with a timeout failure guard.
pub async fn within<T>(what: &str, f: impl Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, f)
        .await
        .unwrap_or_else(|_| panic!("{what}: not done within {PATIENCE:?}"))
}

/// A fresh directory for this test process and `test`, and the path of a
/// socket file `file` in it.
pub fn socket_path(test: &str, file: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("supervisor-grpc-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(file)
}

/// Starts a tree whose root adds `children` (in order) and is then done.
pub fn tree(children: Vec<supervisor_core::Child>) -> Supervisor {
    let children = std::sync::Mutex::new(Some(children));
    Supervisor::builder().start(move |ctx: Context| {
        let kids = children.lock().unwrap().take();
        async move {
            if let Some(kids) = kids {
                for child in kids {
                    ctx.run_child(child).await?;
                }
            }
            ctx.signal(supervisor_core::Signal::Healthy)?;
            ctx.signal(supervisor_core::Signal::Done)?;
            Ok::<_, supervisor_core::Error>(())
        }
    })
}

/// Waits until every node in `dns` has signalled Healthy, in any order.
pub async fn healthy_all(events: &mut broadcast::Receiver<Event>, dns: &[&str]) {
    let mut left: Vec<&str> = dns.to_vec();
    let wait = async {
        while !left.is_empty() {
            match events.recv().await {
                Ok(e) if matches!(e.kind, EventKind::Healthy) => left.retain(|d| *d != &*e.dn),
                Ok(_) => {}
                Err(e) => panic!("event stream: {e}"),
            }
        }
    };
    tokio::time::timeout(PATIENCE, wait)
        .await
        .unwrap_or_else(|_| panic!("not all of {dns:?} Healthy within {PATIENCE:?}"));
}

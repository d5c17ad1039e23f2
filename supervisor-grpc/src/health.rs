//! The standard gRPC health service (`grpc.health.v1.Health`, from
//! tonic-health) driven by the supervision tree.

use std::collections::HashMap;
use std::fmt;

use supervisor_core::{
    Context, Event, EventKind, NodeState, Runnable, Signal, Snapshot, Supervisor,
};
use tokio::sync::broadcast::error::RecvError;
use tonic_health::server::HealthReporter;
use tonic_health::ServingStatus;

use crate::Error;

/// Keeps the statuses of a tonic-health [`HealthReporter`] in step with the
/// tree: a runnable that reports a gRPC service name as `SERVING` while its
/// node (or a whole subtree) is healthy, and `NOT_SERVING` while it is
/// starting, restarting, stopping, stopped or failed.
///
/// * [`node`](Self::node): `SERVING` while the node is HEALTHY (or DONE) and
///   no stop of it is in progress.
/// * [`subtree`](Self::subtree): `SERVING` while every node of the subtree,
///   its root included, is HEALTHY or DONE and none is stopping.
///
/// A stop turns the service `NOT_SERVING` as soon as the node is cancelled,
/// before its server has drained, so load balancers stop sending new calls
/// first. When the binding itself is cancelled it reports every bound service
/// `NOT_SERVING` and returns.
///
/// Run it as a node of the tree it watches, before the servers (it reads the
/// tree through [`Context::supervisor`]), and serve the `HealthServer` of the
/// same reporter from a server that stays up while the watched node
/// restarts (an admin server, or the same server when a subtree is watched
/// from outside it). Service names are strings: use the generated servers'
/// `NamedService::NAME`, or `""` for the whole server.
///
/// # Examples
///
/// ```
/// use supervisor_core::{Child, Context, Signal, Supervisor};
/// use supervisor_grpc::HealthBinding;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let (reporter, health_server) = tonic_health::server::health_reporter();
/// let binding = HealthBinding::new(reporter)
///     .node("echo.v1.Echo", "root.api")   // one server node
///     .subtree("", "root");                 // the whole tree
/// let sup = Supervisor::new(move |ctx: Context| {
///     let binding = binding.clone();
///     async move {
///         ctx.run("health", binding).await?;
///         // ... ctx.run_child(GrpcServer::new(addr, routes).child("api")) ...
///         ctx.signal(Signal::Healthy)?;
///         ctx.signal(Signal::Done)?;
///         Ok::<_, supervisor_core::Error>(())
///     }
/// });
/// # let _ = health_server;
/// # sup.shutdown(std::time::Duration::from_secs(1)).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
#[cfg_attr(docsrs, doc(cfg(feature = "tonic")))]
pub struct HealthBinding {
    reporter: HealthReporter,
    bindings: Vec<Binding>,
}

#[derive(Clone, Debug)]
struct Binding {
    service: String,
    dn: String,
    subtree: bool,
}

impl HealthBinding {
    /// A binding that updates `reporter` (from `tonic_health::server::health_reporter()`).
    pub fn new(reporter: HealthReporter) -> Self {
        Self {
            reporter,
            bindings: Vec::new(),
        }
    }

    /// Reports `service` as `SERVING` while the node `dn` is HEALTHY or DONE
    /// and not stopping.
    #[must_use]
    pub fn node(mut self, service: impl Into<String>, dn: impl Into<String>) -> Self {
        self.bindings.push(Binding {
            service: service.into(),
            dn: dn.into(),
            subtree: false,
        });
        self
    }

    /// Reports `service` as `SERVING` while every node of the subtree rooted
    /// at `dn` is HEALTHY or DONE and none is stopping.
    #[must_use]
    pub fn subtree(mut self, service: impl Into<String>, dn: impl Into<String>) -> Self {
        self.bindings.push(Binding {
            service: service.into(),
            dn: dn.into(),
            subtree: true,
        });
        self
    }

    fn watches(&self, dn: &str) -> bool {
        self.bindings
            .iter()
            .any(|b| dn == b.dn || (b.subtree && is_below(dn, &b.dn)))
    }

    /// Sets every status that changed since the last call.
    async fn publish(&self, model: &Model, published: &mut HashMap<String, ServingStatus>) {
        let mut wanted: HashMap<&str, ServingStatus> = HashMap::new();
        for b in &self.bindings {
            let serving = model.serving(&b.dn, b.subtree);
            // A service bound twice is serving only if both say so.
            let entry = wanted.entry(&b.service).or_insert(ServingStatus::Serving);
            if !serving {
                *entry = ServingStatus::NotServing;
            }
        }
        for (service, status) in wanted {
            if published.get(service) != Some(&status) {
                tracing::debug!(service, ?status, "health");
                self.reporter.set_service_status(service, status).await;
                published.insert(service.to_owned(), status);
            }
        }
    }

    async fn not_serving(&self, published: &mut HashMap<String, ServingStatus>) {
        for b in &self.bindings {
            if published.get(&b.service) != Some(&ServingStatus::NotServing) {
                self.reporter
                    .set_service_status(&b.service, ServingStatus::NotServing)
                    .await;
                published.insert(b.service.clone(), ServingStatus::NotServing);
            }
        }
    }
}

impl Runnable for HealthBinding {
    type Error = Error;

    /// Follows the tree's events until cancelled.
    ///
    /// # Errors
    ///
    /// [`Error::Supervisor`] if the supervisor has ended.
    async fn run(&self, ctx: Context) -> Result<(), Error> {
        let sup = ctx.supervisor().clone();
        let mut published = HashMap::new();
        let mut events = sup.subscribe();
        let mut model = Model::load(&sup).await?;
        self.publish(&model, &mut published).await;
        ctx.signal(Signal::Healthy)?;
        loop {
            let event = tokio::select! {
                () = ctx.cancelled() => break,
                e = events.recv() => e,
            };
            match event {
                Ok(event) => {
                    if !self.watches(&event.dn) {
                        continue;
                    }
                    if !model.apply(&event) {
                        model = Model::load(&sup).await?;
                    }
                }
                Err(RecvError::Lagged(missed)) => {
                    tracing::debug!(missed, "health binding lagged: reloading the tree");
                    model = Model::load(&sup).await?;
                }
                Err(RecvError::Closed) => break,
            }
            self.publish(&model, &mut published).await;
        }
        self.not_serving(&mut published).await;
        Ok(())
    }
}

impl fmt::Debug for HealthBinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut l = f.debug_list();
        for b in &self.bindings {
            let scope = if b.subtree { "subtree" } else { "node" };
            l.entry(&format_args!("{:?} <- {scope} {}", b.service, b.dn));
        }
        l.finish()
    }
}

/// Whether `dn` is strictly below `root`.
pub(crate) fn is_below(dn: &str, root: &str) -> bool {
    dn.len() > root.len() && dn.starts_with(root) && dn.as_bytes()[root.len()] == b'.'
}

/// The part of the tree the binding needs: per DN, its state and whether a
/// stop is in progress. Built from a snapshot taken after subscribing, then
/// kept up to date by replaying events (replaying an event the snapshot
/// already reflects converges to the same state).
struct Model {
    nodes: HashMap<String, (NodeState, bool)>,
}

impl Model {
    async fn load(sup: &Supervisor) -> Result<Self, Error> {
        let snapshot: Snapshot = sup.snapshot().await?;
        Ok(Self {
            nodes: snapshot
                .nodes
                .iter()
                .map(|n| (n.dn.to_string(), (n.state, n.stopping)))
                .collect(),
        })
    }

    /// Applies one event; `false` if it does not know the event (reload).
    fn apply(&mut self, e: &Event) -> bool {
        let dn = &*e.dn;
        match &e.kind {
            EventKind::Started { .. } => {
                // A (re)started node has no children until it adds them again.
                self.nodes.retain(|k, _| !is_below(k, dn));
                self.nodes.insert(dn.to_owned(), (NodeState::New, false));
            }
            EventKind::Added => {
                self.nodes
                    .entry(dn.to_owned())
                    .or_insert((NodeState::New, false));
            }
            EventKind::Healthy => self.set(dn, NodeState::Healthy),
            EventKind::Done => self.set(dn, NodeState::Done),
            EventKind::Exited { state, .. } => {
                self.nodes.insert(dn.to_owned(), (*state, false));
            }
            EventKind::Cancelling => {
                if let Some(n) = self.nodes.get_mut(dn) {
                    n.1 = true;
                }
            }
            EventKind::Stopped => {
                self.nodes
                    .insert(dn.to_owned(), (NodeState::Stopped, false));
            }
            EventKind::Failed { .. } => {
                self.nodes.insert(dn.to_owned(), (NodeState::Failed, false));
            }
            EventKind::Zombie => {
                self.nodes.insert(dn.to_owned(), (NodeState::Zombie, false));
            }
            EventKind::Removed => {
                self.nodes.retain(|k, _| k != dn && !is_below(k, dn));
            }
            EventKind::RestartScheduled { .. } | EventKind::Aborted => {}
            _ => return false,
        }
        true
    }

    fn set(&mut self, dn: &str, state: NodeState) {
        let stopping = self.nodes.get(dn).is_some_and(|n| n.1);
        self.nodes.insert(dn.to_owned(), (state, stopping));
    }

    fn serving(&self, dn: &str, subtree: bool) -> bool {
        let up = |&(state, stopping): &(NodeState, bool)| {
            matches!(state, NodeState::Healthy | NodeState::Done) && !stopping
        };
        match self.nodes.get(dn) {
            Some(n) if up(n) => {
                !subtree
                    || self
                        .nodes
                        .iter()
                        .filter(|(k, _)| is_below(k, dn))
                        .all(|(_, n)| up(n))
            }
            _ => false,
        }
    }
}

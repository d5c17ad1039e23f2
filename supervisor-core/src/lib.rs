//! An OTP-style supervision tree for tokio.
//!
//! A **runnable** is an async function of a [`Context`] that a supervisor runs,
//! and runs again after each restart, for its whole life. Each runnable has a
//! **node** in a named **tree**: the root is `root`, and a child `http` of a
//! child `net` of the root has the distinguished name (DN) `root.net.http`.
//!
//! * A runnable adds children while it is NEW, with [`Context::run`] (a group
//!   of one) or [`Context::run_group`] (a group that fails and restarts
//!   together: OTP's `one_for_all` within a group, `one_for_one` between groups).
//!   The shape of a subtree is thus a pure function of its runnables: a
//!   restart rebuilds it identically.
//! * It reports [`Signal::Healthy`] when set up and [`Signal::Done`] when it has
//!   nothing more to do.
//! * When it **dies** (returns an error, returns without `Done`, or panics), its
//!   subtree and its group siblings are cancelled. The supervisor's
//!   **necromancer** then restarts the smallest set of largest subtrees that are
//!   entirely ended: a node that died after its backoff, a node that was only
//!   cancelled at once; the members of a group once all of them have ended.
//!
//! On top of that model (the Monogon supervisor's, 2020), nodes have OTP
//! [restart policies](Restart), backoff with jitter and a cap that resets only
//! after a stable healthy period, restart budgets leading to a terminal
//! [`Failed`](NodeState::Failed) state with optional escalation, a stop ladder
//! (cancel, abort after a grace period, give up as [`Zombie`](NodeState::Zombie))
//! so nothing can wedge the tree, ordered groups, children added and removed at
//! run time, and a control plane on the cloneable [`Supervisor`] handle:
//! [snapshots](Supervisor::snapshot), [events](Supervisor::subscribe),
//! operator [stop](Supervisor::stop)/[start](Supervisor::start)/[restart](Supervisor::restart)
//! and a [shutdown](Supervisor::shutdown) that names the runnables that ignored
//! cancellation.
//!
//! One task, the processor, owns the whole tree; contexts and the handle talk
//! to it through a channel, and it never awaits a runnable. The cost of a
//! restart does not grow with the untouched rest of the tree.
//!
//! # Example
//!
//! ```
//! use std::time::Duration;
//! use supervisor_core::{Child, Context, NodeState, Signal, Supervisor};
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sup = Supervisor::new(|ctx: Context| async move {
//!     // Two workers that fail and restart together.
//!     ctx.run_group([
//!         Child::new("reader", worker),
//!         Child::new("writer", worker),
//!     ])
//!     .await?;
//!     ctx.signal(Signal::Healthy)?;
//!     ctx.signal(Signal::Done)?;
//!     Ok::<_, supervisor_core::Error>(())
//! });
//!
//! async fn worker(ctx: Context) -> Result<(), std::io::Error> {
//!     ctx.signal(Signal::Healthy).map_err(std::io::Error::other)?;
//!     ctx.cancelled().await;
//!     Ok(())
//! }
//!
//! sup.settled().await;
//! let snapshot = sup.snapshot().await?;
//! assert_eq!(snapshot.state("root.reader"), Some(NodeState::Healthy));
//! print!("{snapshot}");
//!
//! let report = sup.shutdown(Duration::from_secs(5)).await?;
//! assert!(report.is_clean());
//! # Ok(())
//! # }
//! ```
//!
//! # When not to use this
//!
//! For a fixed set of tasks that should simply all stop together, a
//! [`tokio_util::task::TaskTracker`] with a [`tokio_util::sync::CancellationToken`]
//! is enough. Use a supervisor when tasks must be restarted, in a structure,
//! with failure isolation and an operator's view of their state.
//!
//! # Caveats
//!
//! * A runnable must honour its context: one that ignores cancellation is
//!   aborted after its grace period; one stuck in blocking code cannot be
//!   aborted and is left behind as a zombie (its subtree restarts anyway).
//! * Panics are caught and treated as deaths. A panic hook, installed once and
//!   chained to the previous one, records the location and keeps caught panics
//!   off stderr (they are logged through `tracing` instead).
//! * Dropping every [`Supervisor`] handle does not stop the tree.

#![forbid(unsafe_code)]
#![warn(
    missing_docs,
    missing_debug_implementations,
    unreachable_pub,
    rust_2018_idioms
)]

mod backoff;
mod context;
mod error;
mod event;
mod node;
mod panic;
mod processor;
mod runnable;
mod supervisor;
pub mod testing;

pub use crate::backoff::BackoffPolicy;
pub use crate::context::Context;
pub use crate::error::{BoxError, Error};
pub use crate::event::{Event, EventKind, NodeInfo, ShutdownReport, Snapshot};
pub use crate::node::{Child, Exit, Fatal, NodeState, Restart, Signal};
pub use crate::runnable::Runnable;
pub use crate::supervisor::{Builder, Supervisor};
pub use tokio_util::sync::CancellationToken;

//! An OTP-style supervision tree for tokio, in one import.
//!
//! This facade re-exports the crates of the workspace:
//!
//! * [`core`] ([`supervisor_core`]): the tree, its necromancer and control plane;
//! * [`exec`] ([`supervisor_exec`]): OS processes as supervised runnables;
//! * [`grpc`] ([`supervisor_grpc`]): network servers as supervised runnables.
//!
//! The most used items of the core are re-exported at the top level.
//!
//! ```
//! use supervisor::{Context, Signal, Supervisor};
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sup = Supervisor::new(|ctx: Context| async move {
//!     ctx.signal(Signal::Healthy)?;
//!     ctx.cancelled().await;
//!     Ok::<_, supervisor::Error>(())
//! });
//! sup.settled().await;
//! sup.shutdown(std::time::Duration::from_secs(1)).await?;
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use supervisor_core as core;
pub use supervisor_core::{
    BackoffPolicy, Child, Context, Error, Event, EventKind, Exit, NodeState, Restart, Runnable,
    Signal, Snapshot, Supervisor,
};
pub use supervisor_exec as exec;
pub use supervisor_grpc as grpc;

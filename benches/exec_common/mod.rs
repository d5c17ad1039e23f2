//! Shared by the supervisor-exec benches (`exec_latency`, `exec_throughput`).

use supervisor::{Context, Signal, Supervisor};

/// A supervisor whose root only parents the commands the bench adds.
pub fn parent() -> Supervisor {
    Supervisor::new(|ctx: Context| async move {
        ctx.signal(Signal::Healthy)?;
        ctx.cancelled().await;
        Ok::<_, supervisor::Error>(())
    })
}

/// The benches' runtime: multi-thread, 2 workers (the machine's cores).
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

//! Two shell commands under a supervisor, their output printed through
//! `tracing`: a clock that runs until shutdown, and a ticker that crashes
//! after a second and is restarted after its backoff.
//!
//! ```sh
//! cargo run --example exec
//! ```

use std::time::Duration;

use supervisor::core::BoxError;
use supervisor::exec::{Command, Output, ProcessState, Readiness};
use supervisor::{BackoffPolicy, Context, Signal, Supervisor};
use tracing::Level;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_target(false)
        .init();

    // The root only parents the commands, which are added at run time.
    let sup = Supervisor::new(|ctx: Context| async move {
        ctx.signal(Signal::Healthy)?;
        ctx.cancelled().await;
        Ok::<_, supervisor::Error>(())
    });

    let clock = Command::shell("while :; do echo \"it is $(date +%T)\"; sleep 1; done")
        .stop_timeout(Duration::from_secs(2))
        .stdout(Output::new().tracing(Level::INFO).tail(4096));
    let ticker = Command::shell(
        "for i in 1 2 3 4 5; do echo tick $i; sleep 0.2; done; echo 'out of ticks' >&2; exit 3",
    )
    .readiness(Readiness::After(Duration::from_millis(500)))
    .stop_timeout(Duration::from_secs(2))
    .stdout(Output::new().tracing(Level::INFO))
    .stderr(Output::new().tracing(Level::WARN));
    let clock_handle = clock.handle();
    let ticker_handle = ticker.handle();

    sup.add_child("root", clock.child("clock")).await?;
    sup.add_child(
        "root",
        ticker
            .child("ticker")
            .backoff(BackoffPolicy::constant(Duration::from_secs(1))),
    )
    .await?;

    // Follow the ticker's process state for a few seconds.
    let mut states = ticker_handle.watch();
    let until = tokio::time::sleep(Duration::from_secs(5));
    tokio::pin!(until);
    let mut last = ProcessState::NotStarted;
    loop {
        tokio::select! {
            _ = &mut until => break,
            changed = states.changed() => {
                changed?;
                let s = states.borrow_and_update().clone();
                if s.state != last {
                    last = s.state;
                    let exit = s.last_exit.map(|e| format!(" (last exit: {})", e.status));
                    println!("ticker: {:?} pid={:?}{}", s.state, s.pid, exit.unwrap_or_default());
                }
            }
        }
    }

    println!("\n{}", sup.snapshot().await?);
    if let Some(tail) = clock_handle.tail(supervisor::exec::Stream::Stdout) {
        let t = tail.tail(4096);
        println!(
            "clock's tail (bytes {}..{}):\n{}",
            t.start,
            t.end,
            String::from_utf8_lossy(&t.data)
        );
    }
    let report = sup.shutdown(Duration::from_secs(10)).await?;
    println!("shutdown clean: {}", report.is_clean());
    Ok(())
}

//! A small supervision tree: prints its snapshot, kills a worker, and shows
//! the group restarting with backoff.
//!
//! ```sh
//! cargo run --example tree
//! ```

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use supervisor::{BackoffPolicy, Child, Context, EventKind, Signal, Supervisor};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Serves until cancelled.
async fn server(ctx: Context) -> Result<(), BoxError> {
    ctx.signal(Signal::Healthy)?;
    tracing::info!("serving");
    ctx.cancelled().await;
    Ok(())
}

/// Crashes on its first two runs, a little after becoming healthy.
fn flaky(
    runs: Arc<AtomicU32>,
) -> impl Fn(
    Context,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), BoxError>> + Send>>
       + Send
       + Sync
       + 'static {
    move |ctx: Context| {
        let runs = runs.clone();
        Box::pin(async move {
            ctx.signal(Signal::Healthy)?;
            let run = runs.fetch_add(1, Ordering::SeqCst) + 1;
            if run <= 2 {
                tokio::time::sleep(Duration::from_millis(300)).await;
                return Err(format!("simulated crash on run {run}").into());
            }
            ctx.cancelled().await;
            Ok(())
        })
    }
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_target(false)
        .init();

    let runs = Arc::new(AtomicU32::new(0));
    let sup = Supervisor::new(move |ctx: Context| {
        let runs = runs.clone();
        async move {
            // root.net: a subtree with one server.
            ctx.run("net", |ctx: Context| async move {
                ctx.run("http", server).await?;
                ctx.signal(Signal::Healthy)?;
                ctx.signal(Signal::Done)?;
                Ok::<_, BoxError>(())
            })
            .await?;
            // root.db and root.cache fail and restart together.
            ctx.run_group([
                Child::new("db", flaky(runs)).backoff(BackoffPolicy::exponential(
                    Duration::from_millis(200),
                    2.0,
                    0.0,
                    Duration::from_secs(2),
                )),
                Child::new("cache", server),
            ])
            .await?;
            ctx.signal(Signal::Healthy)?;
            ctx.cancelled().await;
            Ok::<_, BoxError>(())
        }
    });

    let mut events = sup.subscribe();
    let printer = tokio::spawn(async move {
        while let Ok(e) = events.recv().await {
            match e.kind {
                EventKind::Exited { exit, state } => println!("event: {} {state}: {exit}", e.dn),
                EventKind::RestartScheduled { delay } => {
                    println!("event: {} restart in {delay:?}", e.dn)
                }
                _ => {}
            }
        }
    });

    tokio::time::sleep(Duration::from_millis(100)).await;
    println!("--- tree after start:\n{}", sup.snapshot().await?);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    println!(
        "--- tree after two crashes of root.db:\n{}",
        sup.snapshot().await?
    );

    let report = sup.shutdown(Duration::from_secs(5)).await?;
    println!(
        "--- shut down in {:?}, clean: {}",
        report.elapsed,
        report.is_clean()
    );
    printer.abort();
    Ok(())
}

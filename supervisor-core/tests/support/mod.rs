//! Helpers shared by the integration tests.
#![allow(dead_code, unreachable_pub)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use supervisor_core::{BackoffPolicy, Child, Context, Event, Runnable, Signal};
use tokio::sync::broadcast;
use tokio::time::Instant;

pub type BoxError = supervisor_core::BoxError;

/// An exponential policy without jitter, for exact delays under paused time.
pub fn exact(initial_ms: u64, multiplier: f64, max_ms: u64) -> BackoffPolicy {
    BackoffPolicy::exponential(
        Duration::from_millis(initial_ms),
        multiplier,
        0.0,
        Duration::from_millis(max_ms),
    )
}

/// A root runnable that starts `children` as one group, then is healthy until cancelled.
pub fn root_with_group<F>(children: F) -> impl Runnable
where
    F: Fn() -> Vec<Child> + Send + Sync + 'static,
{
    move |ctx: Context| {
        let group = children();
        async move {
            ctx.run_group(group).await?;
            ctx.signal(Signal::Healthy)?;
            ctx.cancelled().await;
            Ok::<_, BoxError>(())
        }
    }
}

/// A root runnable that starts each entry of `groups` as a group of its own.
pub fn root_with_groups<F>(groups: F) -> impl Runnable
where
    F: Fn() -> Vec<Vec<Child>> + Send + Sync + 'static,
{
    move |ctx: Context| {
        let groups = groups();
        async move {
            for g in groups {
                ctx.run_group(g).await?;
            }
            ctx.signal(Signal::Healthy)?;
            ctx.cancelled().await;
            Ok::<_, BoxError>(())
        }
    }
}

/// Records the (virtual) time of each start; healthy until cancelled.
#[derive(Clone, Default)]
pub struct Recorder {
    starts: Arc<Mutex<Vec<Instant>>>,
}

impl Recorder {
    pub fn runnable(&self) -> impl Runnable + Clone {
        let starts = self.starts.clone();
        move |ctx: Context| {
            starts.lock().unwrap().push(Instant::now());
            async move {
                ctx.signal(Signal::Healthy)?;
                ctx.cancelled().await;
                Ok::<_, BoxError>(())
            }
        }
    }

    pub fn starts(&self) -> Vec<Instant> {
        self.starts.lock().unwrap().clone()
    }
}

/// Drains the events received so far.
pub fn drain(rx: &mut broadcast::Receiver<Event>) -> Vec<Event> {
    let mut out = Vec::new();
    while let Ok(e) = rx.try_recv() {
        out.push(e);
    }
    out
}

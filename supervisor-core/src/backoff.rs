//! The restart-delay policy of a node.

use std::fmt;
use std::time::Duration;

/// How long a node that died waits before it is restarted.
///
/// A policy follows the contract of the [`backoff`] crate's `Backoff` trait:
/// [`next_backoff`](backoff::backoff::Backoff::next_backoff) gives the delay
/// before the next restart, or `None` to give up (the node then becomes
/// [`Failed`](crate::NodeState::Failed)); [`reset`](backoff::backoff::Backoff::reset)
/// starts over. The supervisor resets the policy when a node that died had
/// been healthy for at least its stable period (see
/// [`Child::stable_after`](crate::Child::stable_after)), so a crash loop that
/// signals `Healthy` first still backs off.
///
/// Only deaths consume the policy: a node that was merely cancelled (because
/// a group sibling died, for instance) restarts at once.
///
/// The default is the policy of the original Go library: exponential from
/// 500 ms, multiplier 1.5, jitter ±50 %, capped at 60 s, never giving up.
pub struct BackoffPolicy {
    inner: Policy,
}

/// The common policies are stored inline: every node has a policy, and most
/// never die, so the default one is built only when first needed.
enum Policy {
    /// The default exponential policy, not built yet (its state is fresh).
    Default,
    Constant(Duration),
    Custom(Box<dyn backoff::backoff::Backoff + Send>),
}

impl BackoffPolicy {
    /// An exponential policy starting at `initial`, growing by `multiplier`
    /// per death, with a relative `jitter` (0.0 to 1.0), capped at `max`,
    /// never giving up.
    #[must_use]
    pub fn exponential(initial: Duration, multiplier: f64, jitter: f64, max: Duration) -> Self {
        let mut b = backoff::ExponentialBackoff {
            current_interval: initial,
            initial_interval: initial,
            randomization_factor: jitter.clamp(0.0, 1.0),
            multiplier,
            max_interval: max,
            // The crate's default gives up after 15 minutes; a supervisor never should.
            max_elapsed_time: None,
            ..backoff::ExponentialBackoff::default()
        };
        backoff::backoff::Backoff::reset(&mut b);
        Self::from_backoff(b)
    }

    /// The same delay after every death.
    #[must_use]
    pub fn constant(delay: Duration) -> Self {
        Self {
            inner: Policy::Constant(delay),
        }
    }

    /// Restart at once after every death (no delay at all).
    #[must_use]
    pub fn immediate() -> Self {
        Self::constant(Duration::ZERO)
    }

    /// Wrap any policy implementing the `backoff` crate's trait, for example
    /// one that returns `None` after N tries (supervisord's `startretries`).
    #[must_use]
    pub fn from_backoff(policy: impl backoff::backoff::Backoff + Send + 'static) -> Self {
        Self {
            inner: Policy::Custom(Box::new(policy)),
        }
    }

    pub(crate) fn next(&mut self) -> Option<Duration> {
        match &mut self.inner {
            Policy::Default => {
                *self = Self::exponential(
                    Duration::from_millis(500),
                    1.5,
                    0.5,
                    Duration::from_secs(60),
                );
                self.next()
            }
            Policy::Constant(d) => Some(*d),
            Policy::Custom(b) => b.next_backoff(),
        }
    }

    pub(crate) fn reset(&mut self) {
        match &mut self.inner {
            Policy::Default | Policy::Constant(_) => {}
            Policy::Custom(b) => b.reset(),
        }
    }
}

impl Default for BackoffPolicy {
    /// Exponential from 500 ms, multiplier 1.5, jitter ±50 %, capped at 60 s.
    fn default() -> Self {
        Self {
            inner: Policy::Default,
        }
    }
}

impl fmt::Debug for BackoffPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BackoffPolicy").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_without_jitter_grows_and_caps() {
        let mut p = BackoffPolicy::exponential(
            Duration::from_millis(100),
            2.0,
            0.0,
            Duration::from_millis(500),
        );
        let got: Vec<_> = (0..5).map(|_| p.next().unwrap().as_millis()).collect();
        assert_eq!(got, [100, 200, 400, 500, 500]);
        p.reset();
        assert_eq!(p.next(), Some(Duration::from_millis(100)));
    }

    #[test]
    fn default_never_gives_up() {
        let mut p = BackoffPolicy::default();
        for _ in 0..200 {
            let d = p.next().expect("default policy must never give up");
            assert!(d <= Duration::from_secs(90), "{d:?}");
        }
    }
}

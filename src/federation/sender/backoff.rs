//! How long to leave a failing destination alone: exponential, capped.

use std::time::Duration;

/// Retry delays: `initial` after the first failure, doubling with each further consecutive
/// failure, never more than `max` (a dead server is tried once per `max`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
}

impl Backoff {
    /// Delays from `initial` up to `max`.
    pub fn new(initial: Duration, max: Duration) -> Self {
        Self { initial, max }
    }

    /// The wait after `failures` consecutive failures (at least one).
    pub fn delay(&self, failures: i64) -> Duration {
        let doublings = u32::try_from(failures.saturating_sub(1).clamp(0, 62)).unwrap_or(62);
        let factor = 1u64.checked_shl(doublings).unwrap_or(u64::MAX);
        let millis = u64::try_from(self.initial.as_millis())
            .unwrap_or(u64::MAX)
            .saturating_mul(factor);
        Duration::from_millis(millis).min(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_maximum() {
        let backoff = Backoff::new(Duration::from_secs(5), Duration::from_secs(60));
        let delays: Vec<u64> = (0..7).map(|n| backoff.delay(n).as_secs()).collect();
        assert_eq!(delays, [5, 5, 10, 20, 40, 60, 60]);
        assert_eq!(backoff.delay(i64::MAX), Duration::from_secs(60));
    }
}

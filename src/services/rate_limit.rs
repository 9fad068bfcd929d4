//! Rate limiting with the semantics of Synapse's `Ratelimiter`: per key, a count of actions
//! and the time counting started; the count drains at `per_second`, and an action is allowed
//! while the drained count plus one stays within `burst_count`. A refusal is 429
//! `M_LIMIT_EXCEEDED` with `retry_after_ms` (spec § "Rate limiting").

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use axum::http::StatusCode;
use client_api::MatrixError;

use crate::config::RateLimit;

/// Keys are pruned once the map holds this many, dropping the fully drained ones.
const PRUNE_AT: usize = 10_000;

/// One key's bucket.
#[derive(Clone, Copy, Debug)]
struct Bucket {
    /// Actions counted since `start`.
    count: f64,
    /// When counting started, in seconds since the limiter's epoch.
    start: f64,
}

/// A rate limiter for one kind of action, keyed by user, account or address.
#[derive(Debug)]
pub struct RateLimiter {
    limit: RateLimit,
    epoch: Instant,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    /// A limiter enforcing `limit`.
    pub fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            epoch: Instant::now(),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one action for `key` if it is allowed; refuses it otherwise.
    pub fn acquire(&self, key: &str) -> Result<(), MatrixError> {
        self.check(key, true, self.now())
    }

    /// Whether one action for `key` would be allowed, without counting it.
    pub fn would_allow(&self, key: &str) -> Result<(), MatrixError> {
        self.check(key, false, self.now())
    }

    /// Counts one action for `key` whether or not it is allowed (a failed login attempt).
    pub fn record(&self, key: &str) {
        let now = self.now();
        let mut buckets = self.lock();
        let bucket = Self::drained(buckets.get(key).copied(), now, self.limit.per_second);
        buckets.insert(
            key.to_owned(),
            Bucket {
                count: bucket.count + 1.0,
                ..bucket
            },
        );
    }

    fn now(&self) -> f64 {
        self.epoch.elapsed().as_secs_f64()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Bucket>> {
        self.buckets.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The bucket as Synapse sees it at `now`: an emptied bucket restarts counting.
    fn drained(bucket: Option<Bucket>, now: f64, rate: f64) -> Bucket {
        let bucket = bucket.unwrap_or(Bucket {
            count: 0.0,
            start: now,
        });
        if bucket.count - (now - bucket.start) * rate <= 0.0 {
            Bucket {
                count: 0.0,
                start: now,
            }
        } else {
            bucket
        }
    }

    fn check(&self, key: &str, update: bool, now: f64) -> Result<(), MatrixError> {
        let RateLimit {
            per_second: rate,
            burst_count: burst,
        } = self.limit;
        let mut buckets = self.lock();
        let bucket = Self::drained(buckets.get(key).copied(), now, rate);
        let performed = bucket.count - (now - bucket.start) * rate;
        if performed + 1.0 > burst {
            // The time at which the drained count leaves room for one more action.
            let allowed_at = bucket.start + (bucket.count - burst + 1.0) / rate;
            let retry_after_ms = ((allowed_at - now).max(0.0) * 1000.0).ceil() as u64;
            return Err(limit_exceeded(retry_after_ms));
        }
        if update {
            if buckets.len() >= PRUNE_AT {
                buckets.retain(|_, b| b.count - (now - b.start) * rate > 0.0);
            }
            buckets.insert(
                key.to_owned(),
                Bucket {
                    count: bucket.count + 1.0,
                    start: bucket.start,
                },
            );
        }
        Ok(())
    }
}

/// 429 `M_LIMIT_EXCEEDED` with `retry_after_ms`.
fn limit_exceeded(retry_after_ms: u64) -> MatrixError {
    MatrixError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "M_LIMIT_EXCEEDED",
        "Too many requests",
    )
    .with_field("retry_after_ms", retry_after_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(per_second: f64, burst_count: f64) -> RateLimiter {
        RateLimiter::new(RateLimit {
            per_second,
            burst_count,
        })
    }

    fn retry_after(error: &MatrixError) -> u64 {
        error.extra["retry_after_ms"].as_u64().unwrap_or_default()
    }

    #[test]
    fn a_burst_is_allowed_then_refused_with_the_time_to_wait() {
        let limiter = limiter(0.5, 3.0);
        for _ in 0..3 {
            assert!(limiter.check("@a:x", true, 10.0).is_ok());
        }
        let refused = limiter.check("@a:x", true, 10.0).unwrap_err();
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(refused.errcode, "M_LIMIT_EXCEEDED");
        // One action drains in 2 s.
        assert_eq!(retry_after(&refused), 2000);
        // Other keys are independent.
        assert!(limiter.check("@b:x", true, 10.0).is_ok());
    }

    #[test]
    fn the_bucket_drains_at_the_rate() {
        let limiter = limiter(1.0, 2.0);
        assert!(limiter.check("k", true, 0.0).is_ok());
        assert!(limiter.check("k", true, 0.0).is_ok());
        assert!(limiter.check("k", true, 0.5).is_err());
        assert!(limiter.check("k", true, 1.0).is_ok());
        assert!(limiter.check("k", true, 1.0).is_err());
        // Fully drained: a whole burst again.
        assert!(limiter.check("k", true, 10.0).is_ok());
        assert!(limiter.check("k", true, 10.0).is_ok());
    }

    #[test]
    fn checking_without_update_counts_nothing() {
        let limiter = limiter(0.1, 1.0);
        for _ in 0..5 {
            assert!(limiter.check("k", false, 0.0).is_ok());
        }
        assert!(limiter.check("k", true, 0.0).is_ok());
        assert!(limiter.check("k", false, 0.0).is_err());
    }
}

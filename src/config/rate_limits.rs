//! `rc_message` and `rc_login`: request rate limits, with the keys and semantics of Synapse's
//! options of the same names, so an operator's Synapse settings carry over.

use serde::Deserialize;

use super::InvalidValue;

/// One limit: a bucket that holds `burst_count` actions and drains at `per_second`.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Sustained actions per second.
    pub per_second: f64,
    /// Actions allowed at once before the rate applies.
    pub burst_count: f64,
}

/// `validate` rejects NaN and infinities, so equality is an equivalence.
impl Eq for RateLimit {}

impl RateLimit {
    const fn new(per_second: f64, burst_count: f64) -> Self {
        Self {
            per_second,
            burst_count,
        }
    }

    fn validate(&self, key: &str) -> Result<(), InvalidValue> {
        if !(self.per_second.is_finite() && self.per_second > 0.0) {
            return Err(InvalidValue::new(
                format!("{key}.per_second"),
                "must be a number above 0",
            ));
        }
        if !(self.burst_count.is_finite() && self.burst_count >= 1.0) {
            return Err(InvalidValue::new(
                format!("{key}.burst_count"),
                "must be a number of at least 1",
            ));
        }
        Ok(())
    }
}

/// `rc_message`: events sent by one user (`/send`, `/state`, `/redact`). Synapse ships 0.2/s
/// with a burst of 10, which throttles ordinary bots and test clients; ours lets an interactive
/// user or a bot send 10 events a second in bursts of 50.
pub fn default_message() -> RateLimit {
    RateLimit::new(10.0, 50.0)
}

/// `rc_login`: login attempts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRateLimits {
    /// Per client IP address, every login request.
    #[serde(default = "default_login_address")]
    pub address: RateLimit,
    /// Per account, every login to it.
    #[serde(default = "default_login_account")]
    pub account: RateLimit,
    /// Per account, failed password checks (brute-force protection).
    #[serde(default = "default_login_failed_attempts")]
    pub failed_attempts: RateLimit,
}

impl Default for LoginRateLimits {
    fn default() -> Self {
        Self {
            address: default_login_address(),
            account: default_login_account(),
            failed_attempts: default_login_failed_attempts(),
        }
    }
}

/// Synapse ships 0.003/s (one login every 5.5 minutes after a burst of 5) per address and per
/// account, which locks out anyone running clients or tests from one address; ours allows a
/// login a second in bursts of 20. Failed attempts keep Synapse's limits.
fn default_login_address() -> RateLimit {
    RateLimit::new(1.0, 20.0)
}

fn default_login_account() -> RateLimit {
    RateLimit::new(1.0, 20.0)
}

fn default_login_failed_attempts() -> RateLimit {
    RateLimit::new(0.17, 3.0)
}

impl LoginRateLimits {
    pub(super) fn validate(&self) -> Result<(), InvalidValue> {
        self.address.validate("rc_login.address")?;
        self.account.validate("rc_login.account")?;
        self.failed_attempts.validate("rc_login.failed_attempts")
    }
}

/// Checks `rc_message`.
pub(super) fn validate_message(limit: &RateLimit) -> Result<(), InvalidValue> {
    limit.validate("rc_message")
}

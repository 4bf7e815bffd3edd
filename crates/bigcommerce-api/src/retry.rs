//! When to send a request again: a pure function of what happened, the method and the
//! attempts so far, tested without clocks or servers.
//!
//! - `429`: BigCommerce did not process the request, so any method waits for the reset
//!   (`X-Rate-Limit-Time-Reset-Ms`, or capped exponential backoff when it is missing) and
//!   is sent again, for as long as the step's deadline allows (the send path stops when
//!   the wait would pass it). After [`RetryPolicy::max_rate_limited`] 429s in a row each
//!   wait is at least the backoff, so that a server answering 429 with a tiny reset is not
//!   asked again at once.
//! - `5xx` (only 500–599), timeouts and lost connections: idempotent requests (GET, PUT,
//!   DELETE) are retried with capped exponential backoff.
//! - A POST is sent again only when the connection was never made (nothing reached the
//!   server); when it may have reached BigCommerce, the outcome is uncertain and it is not
//!   repeated.

use std::time::Duration;

use crate::RetryPolicy;

/// What one attempt came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// An answer with this status, and the rate-limit reset it announced.
    Answered {
        /// The HTTP status.
        status: u16,
        /// `X-Rate-Limit-Time-Reset-Ms`, as usable.
        reset: Option<Duration>,
    },
    /// No connection was made: nothing reached the server.
    NotConnected,
    /// The request was (or may have been) sent, then the connection failed or the answer
    /// could not be read whole.
    Lost,
    /// The request timed out.
    TimedOut,
}

/// What to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Hand the answer (or the failure) to the caller.
    Stop,
    /// Send again after this backoff.
    Retry(Duration),
    /// The store's quota is used up: everyone waits this long, then this request is sent
    /// again.
    WaitForQuota(Duration),
    /// A write that may have reached BigCommerce got no answer: do not repeat it.
    Uncertain,
}

/// The attempts so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Retries after failures (5xx, timeouts, lost connections).
    pub failures: u32,
    /// Retries after 429s.
    pub rate_limited: u32,
}

/// Decides what follows `outcome`. `jitter` (from 0 to 1) spreads concurrent backoffs
/// by up to a quarter, so that callers do not retry in lockstep.
pub fn decide(policy: &RetryPolicy, idempotent: bool, outcome: Outcome, tally: Tally, jitter: f64) -> Decision {
    match outcome {
        Outcome::Answered { status: 429, reset } => {
            let mut wait = reset.unwrap_or_else(|| backoff(policy, tally.rate_limited + 1, jitter));
            if tally.rate_limited >= policy.max_rate_limited {
                let beyond = tally.rate_limited + 1 - policy.max_rate_limited;
                wait = wait.max(backoff(policy, beyond, jitter));
            }
            Decision::WaitForQuota(wait.clamp(Duration::from_millis(1), policy.max_rate_wait))
        }
        Outcome::Answered { status: 500..=599, .. } if idempotent && tally.failures < policy.max_retries => {
            Decision::Retry(backoff(policy, tally.failures + 1, jitter))
        }
        Outcome::Answered { .. } => Decision::Stop,
        Outcome::NotConnected if tally.failures < policy.max_retries => {
            Decision::Retry(backoff(policy, tally.failures + 1, jitter))
        }
        Outcome::NotConnected => Decision::Stop,
        Outcome::Lost | Outcome::TimedOut if !idempotent => Decision::Uncertain,
        Outcome::Lost | Outcome::TimedOut if tally.failures < policy.max_retries => {
            Decision::Retry(backoff(policy, tally.failures + 1, jitter))
        }
        Outcome::Lost | Outcome::TimedOut => Decision::Stop,
    }
}

/// The capped exponential backoff before retry number `attempt` (from 1), plus up to 25%
/// of it as jitter.
pub fn backoff(policy: &RetryPolicy, attempt: u32, jitter: f64) -> Duration {
    let exponential = policy
        .base_delay
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
    let capped = exponential.min(policy.max_delay);
    capped + capped.mul_f64(jitter.clamp(0.0, 1.0) / 4.0)
}

/// A random jitter from 0 to 1, from the operating system's random source.
pub fn jitter() -> f64 {
    let mut bytes = [0u8; 2];
    match getrandom::fill(&mut bytes) {
        Ok(()) => f64::from(u16::from_le_bytes(bytes)) / f64::from(u16::MAX),
        Err(_) => 0.5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: RetryPolicy = RetryPolicy {
        max_retries: 3,
        max_rate_limited: 5,
        base_delay: Duration::from_millis(250),
        max_delay: Duration::from_secs(8),
        max_rate_wait: Duration::from_secs(60),
    };

    fn answered(status: u16) -> Outcome {
        Outcome::Answered { status, reset: None }
    }

    fn tally(failures: u32, rate_limited: u32) -> Tally {
        Tally { failures, rate_limited }
    }

    #[test]
    fn a_429_waits_for_the_reset_whatever_the_method() {
        let outcome = Outcome::Answered {
            status: 429,
            reset: Some(Duration::from_millis(1500)),
        };
        for idempotent in [true, false] {
            assert_eq!(
                decide(&POLICY, idempotent, outcome, Tally::default(), 0.0),
                Decision::WaitForQuota(Duration::from_millis(1500))
            );
        }
        assert_eq!(
            decide(&POLICY, true, outcome, tally(0, 40), 0.0),
            Decision::WaitForQuota(Duration::from_secs(8)),
            "never given up by count (the deadline ends it); after five in a row, at least the backoff"
        );
        let tiny = Outcome::Answered {
            status: 429,
            reset: Some(Duration::from_millis(1)),
        };
        assert_eq!(
            decide(&POLICY, true, tiny, tally(0, 4), 0.0),
            Decision::WaitForQuota(Duration::from_millis(1))
        );
        assert_eq!(
            decide(&POLICY, true, tiny, tally(0, 5), 0.0),
            Decision::WaitForQuota(Duration::from_millis(250))
        );
    }

    #[test]
    fn a_429_without_headers_backs_off_and_an_absurd_reset_is_capped() {
        assert_eq!(
            decide(&POLICY, true, answered(429), tally(0, 2), 0.0),
            Decision::WaitForQuota(Duration::from_secs(1))
        );
        let years = Outcome::Answered {
            status: 429,
            reset: Some(Duration::from_secs(60 * 60 * 24 * 365)),
        };
        assert_eq!(
            decide(&POLICY, true, years, Tally::default(), 0.0),
            Decision::WaitForQuota(Duration::from_secs(60))
        );
    }

    #[test]
    fn only_real_5xx_are_retried_and_only_when_idempotent() {
        for status in [500, 502, 503, 599] {
            assert_eq!(
                decide(&POLICY, true, answered(status), Tally::default(), 0.0),
                Decision::Retry(Duration::from_millis(250)),
                "{status}"
            );
            assert_eq!(
                decide(&POLICY, false, answered(status), Tally::default(), 0.0),
                Decision::Stop
            );
        }
        for status in [200, 204, 301, 400, 404, 422, 600, 799, 999] {
            assert_eq!(
                decide(&POLICY, true, answered(status), Tally::default(), 0.0),
                Decision::Stop,
                "{status}"
            );
        }
        assert_eq!(decide(&POLICY, true, answered(503), tally(3, 0), 0.0), Decision::Stop);
    }

    #[test]
    fn a_write_that_may_have_arrived_is_never_repeated() {
        for outcome in [Outcome::Lost, Outcome::TimedOut] {
            assert_eq!(
                decide(&POLICY, false, outcome, Tally::default(), 0.0),
                Decision::Uncertain
            );
            assert_eq!(
                decide(&POLICY, true, outcome, Tally::default(), 0.0),
                Decision::Retry(Duration::from_millis(250))
            );
        }
        assert_eq!(
            decide(&POLICY, false, Outcome::NotConnected, Tally::default(), 0.0),
            Decision::Retry(Duration::from_millis(250)),
            "nothing reached the server"
        );
        assert_eq!(
            decide(&POLICY, false, Outcome::NotConnected, tally(3, 0), 0.0),
            Decision::Stop
        );
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_with_at_most_a_quarter_of_jitter() {
        let waits: Vec<Duration> = (1..=7).map(|a| backoff(&POLICY, a, 0.0)).collect();
        assert_eq!(
            waits,
            [250, 500, 1000, 2000, 4000, 8000, 8000].map(Duration::from_millis)
        );
        assert_eq!(backoff(&POLICY, 1, 1.0), Duration::from_micros(312_500));
        assert_eq!(backoff(&POLICY, 40, 1.0), Duration::from_secs(10));
        let j = jitter();
        assert!((0.0..=1.0).contains(&j));
    }
}

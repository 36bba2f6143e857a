//! Exponential backoff with jitter, bounded by a total time budget.
//!
//! "Full jitter" (a uniform delay between half the exponential step and the step) keeps many
//! workers that were rejected together from coming back together.

use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Backoff {
    pub initial: Duration,
    pub max_delay: Duration,
    /// Give up when the next wait would end after this much time since the first failure.
    pub budget: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { initial: Duration::from_millis(250), max_delay: Duration::from_secs(30), budget: Duration::from_secs(600) }
    }
}

impl Backoff {
    pub fn start(&self) -> Attempts {
        Attempts { policy: self.clone(), started: Instant::now(), attempt: 0 }
    }
}

/// The retry state of one operation.
#[derive(Debug)]
pub struct Attempts {
    policy: Backoff,
    started: Instant,
    attempt: u32,
}

impl Attempts {
    /// The wait before the next attempt, or `None` once the budget is spent.
    pub fn next_delay(&mut self) -> Option<Duration> {
        let step = self.policy.initial.saturating_mul(1u32 << self.attempt.min(16)).min(self.policy.max_delay);
        self.attempt += 1;
        let half = step / 2;
        let delay = half + Duration::from_nanos(fastrand::u64(0..=half.as_nanos() as u64));
        (self.started.elapsed() + delay <= self.policy.budget).then_some(delay)
    }

    /// Failed attempts so far.
    pub fn failures(&self) -> u32 {
        self.attempt
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_stay_jittered_and_stop_at_the_budget() {
        let policy = Backoff { initial: Duration::from_millis(100), max_delay: Duration::from_millis(800), budget: Duration::from_secs(3) };
        let mut a = policy.start();
        let steps = [100u64, 200, 400, 800, 800, 800];
        for step in steps {
            let d = a.next_delay().unwrap();
            assert!(d >= Duration::from_millis(step / 2) && d <= Duration::from_millis(step), "{d:?} for step {step}");
        }
        let none = Backoff { initial: Duration::from_secs(2), max_delay: Duration::from_secs(2), budget: Duration::from_millis(500) };
        assert_eq!(none.start().next_delay(), None, "a wait past the budget is not offered");
    }
}

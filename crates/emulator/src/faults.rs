//! Injected failures on `_bulk` (all personalities), drawn from a seeded PRNG so a run with one
//! client is reproducible.
//!
//! Each kind of fault has its own stream (seed-derived) so that changing one fraction does not
//! move the others' draws. Shapes of the failures come from the personality (facts §2.3(1) for
//! the per-item 429; the whole-request 503 is a `cluster_block_exception`, see `bulk.rs`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Failure injection for `_bulk` requests.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Faults {
    /// Fraction of bulk items rejected with a per-item 429 (not applied).
    pub item_429_fraction: f64,
    /// Fraction of `_bulk` requests answered with a whole-request 503 (nothing applied).
    pub request_503_fraction: f64,
    /// Fraction of `_bulk` requests whose items are applied but whose connection is closed
    /// after the status line, headers and part of the body.
    pub drop_connection_fraction: f64,
    /// Added before answering each `_bulk`.
    pub delay: Duration,
}

impl Faults {
    /// Parse the control endpoint's JSON: `{"item_429_fraction":0.1, "request_503_fraction":0,
    /// "drop_connection_fraction":0, "delay_ms":0}` (missing fields are 0).
    pub fn from_json(v: &serde_json::Value) -> Result<Faults, String> {
        let obj = v.as_object().ok_or("faults must be a JSON object")?;
        let mut f = Faults::default();
        for (k, val) in obj {
            let num = val.as_f64().ok_or_else(|| format!("[{k}] must be a number"))?;
            match k.as_str() {
                "item_429_fraction" => f.item_429_fraction = fraction(k, num)?,
                "request_503_fraction" => f.request_503_fraction = fraction(k, num)?,
                "drop_connection_fraction" => f.drop_connection_fraction = fraction(k, num)?,
                "delay_ms" if num >= 0.0 => f.delay = Duration::from_micros((num * 1000.0) as u64),
                _ => return Err(format!("unknown or invalid fault [{k}]")),
            }
        }
        Ok(f)
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "item_429_fraction": self.item_429_fraction,
            "request_503_fraction": self.request_503_fraction,
            "drop_connection_fraction": self.drop_connection_fraction,
            "delay_ms": self.delay.as_secs_f64() * 1000.0,
        })
    }
}

fn fraction(k: &str, v: f64) -> Result<f64, String> {
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("[{k}] must be between 0 and 1"))
    }
}

/// splitmix64: tiny, well-mixed, and good enough for fault sampling.
pub(crate) fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A counter-based random stream: draw `n` is `splitmix64(seed ⊕ n)`, so draws need no lock.
pub(crate) struct Stream {
    seed: u64,
    counter: AtomicU64,
}

impl Stream {
    pub fn new(seed: u64, salt: u64) -> Self {
        Stream { seed: splitmix64(seed ^ splitmix64(salt)), counter: AtomicU64::new(0) }
    }

    /// Uniform in [0, 1).
    pub fn next_f64(&self) -> f64 {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let bits = splitmix64(self.seed.wrapping_add(n.wrapping_mul(0x9E37_79B9_7F4A_7C15)));
        (bits >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p` (never draws when `p` is 0, so a fault-free run does not
    /// shift the stream).
    pub fn hit(&self, p: f64) -> bool {
        p > 0.0 && self.next_f64() < p
    }

    pub fn next_u64(&self) -> u64 {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        splitmix64(self.seed.wrapping_add(n.wrapping_mul(0x9E37_79B9_7F4A_7C15)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_are_close_and_deterministic() {
        let a = Stream::new(7, 1);
        let b = Stream::new(7, 1);
        let hits_a: Vec<bool> = (0..10_000).map(|_| a.hit(0.1)).collect();
        let hits_b: Vec<bool> = (0..10_000).map(|_| b.hit(0.1)).collect();
        assert_eq!(hits_a, hits_b);
        let n = hits_a.iter().filter(|h| **h).count();
        assert!((800..1200).contains(&n), "{n}");
    }

    #[test]
    fn json_round_trip() {
        let f = Faults::from_json(&serde_json::json!({"item_429_fraction": 0.5, "delay_ms": 20})).unwrap();
        assert_eq!(f.item_429_fraction, 0.5);
        assert_eq!(f.delay, Duration::from_millis(20));
        assert!(Faults::from_json(&serde_json::json!({"item_429_fraction": 2})).is_err());
    }
}

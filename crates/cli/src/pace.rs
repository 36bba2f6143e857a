//! Rate limits shared by concurrent tasks.

use std::time::Duration;

/// Paces work to a rate in documents and/or bytes per second (`--max-docs-per-sec`,
/// `--max-bytes-per-sec`, `--bwlimit`): each piece of work reserves its share of time on a shared
/// clock and waits for its slot, so concurrent tasks together stay under the limit.
pub struct Pacer {
    docs_per_sec: Option<f64>,
    bytes_per_sec: Option<f64>,
    next: tokio::sync::Mutex<Option<tokio::time::Instant>>,
}

impl Pacer {
    pub fn new(docs_per_sec: Option<f64>, bytes_per_sec: Option<f64>) -> Pacer {
        Pacer { docs_per_sec: docs_per_sec.filter(|r| *r > 0.0), bytes_per_sec: bytes_per_sec.filter(|r| *r > 0.0), next: tokio::sync::Mutex::new(None) }
    }

    pub async fn pace(&self, docs: f64, bytes: f64) {
        let cost = self.docs_per_sec.map_or(0.0, |r| docs / r).max(self.bytes_per_sec.map_or(0.0, |r| bytes / r));
        if cost == 0.0 {
            return;
        }
        let slot = {
            let mut next = self.next.lock().await;
            let now = tokio::time::Instant::now();
            let slot = next.map_or(now, |n| n.max(now));
            *next = Some(slot + Duration::from_secs_f64(cost));
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn pacing_spreads_requests() {
        let p = Pacer::new(Some(100.0), None);
        let t0 = tokio::time::Instant::now();
        for _ in 0..5 {
            p.pace(50.0, 0.0).await;
        }
        // Five reservations of 0.5 s each: the fifth starts at 2 s.
        assert_eq!(t0.elapsed(), Duration::from_secs(2));
    }
}

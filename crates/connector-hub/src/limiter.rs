//! Slows down guessing: failed authentications are counted per client address in one-minute
//! windows, and an address over the limit gets 429 until its window ends.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Counts failures per address.
#[derive(Debug)]
pub struct FailureLimiter {
    per_minute: u32,
    windows: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

const WINDOW: Duration = Duration::from_secs(60);
/// Addresses tracked at most; past it, expired windows are dropped first.
const MAX_TRACKED: usize = 100_000;

impl FailureLimiter {
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// How long `addr` must wait, when it is over the limit.
    pub fn blocked(&self, addr: IpAddr) -> Option<Duration> {
        let windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let (start, count) = windows.get(&addr)?;
        let elapsed = start.elapsed();
        (elapsed < WINDOW && *count >= self.per_minute).then(|| WINDOW - elapsed)
    }

    /// Counts one failure from `addr`.
    pub fn failed(&self, addr: IpAddr) {
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() >= MAX_TRACKED {
            windows.retain(|_, (start, _)| start.elapsed() < WINDOW);
        }
        let entry = windows.entry(addr).or_insert((Instant::now(), 0));
        if entry.0.elapsed() >= WINDOW {
            *entry = (Instant::now(), 0);
        }
        entry.1 = entry.1.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_blocked_after_the_limit_and_others_are_not() {
        let limiter = FailureLimiter::new(3);
        let (a, b) = (IpAddr::from([127, 0, 0, 1]), IpAddr::from([127, 0, 0, 2]));
        for _ in 0..2 {
            limiter.failed(a);
        }
        assert!(limiter.blocked(a).is_none());
        limiter.failed(a);
        let wait = limiter.blocked(a).expect("blocked");
        assert!(wait <= WINDOW && wait > Duration::from_secs(50));
        assert!(limiter.blocked(b).is_none());
    }
}

//! Slows down guessing: failed authentications are counted per client address in one-minute
//! windows, and an address over the limit gets 429 for its invalid attempts until its window
//! ends. A valid key is never refused here: the limiter is asked only after a key failed.
//!
//! Memory is bounded: at most [`MAX_TRACKED`] addresses, spread over shards that each have their
//! own lock, so a flood of addresses neither grows the map nor stalls every request on one lock.
//! IPv6 clients are counted per /64, the block one subscriber usually holds.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);
/// Addresses tracked at most, over every shard.
pub const MAX_TRACKED: usize = 65_536;
const SHARDS: usize = 16;

/// Counts failures per address.
#[derive(Debug)]
pub struct FailureLimiter {
    per_minute: u32,
    hasher: RandomState,
    shards: Vec<Mutex<HashMap<IpAddr, (Instant, u32)>>>,
}

impl FailureLimiter {
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            hasher: RandomState::new(),
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }

    fn shard(&self, key: &IpAddr) -> &Mutex<HashMap<IpAddr, (Instant, u32)>> {
        &self.shards[self.hasher.hash_one(key) as usize % SHARDS]
    }

    /// How long `addr` must wait, when it is over the limit.
    pub fn blocked(&self, addr: IpAddr) -> Option<Duration> {
        let key = counted_as(addr);
        let windows = self.shard(&key).lock().unwrap_or_else(|p| p.into_inner());
        let (start, count) = windows.get(&key)?;
        let elapsed = start.elapsed();
        (elapsed < WINDOW && *count >= self.per_minute).then(|| WINDOW - elapsed)
    }

    /// Counts one failure from `addr`.
    pub fn failed(&self, addr: IpAddr) {
        let key = counted_as(addr);
        let mut windows = self.shard(&key).lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() >= MAX_TRACKED / SHARDS && !windows.contains_key(&key) {
            windows.retain(|_, (start, _)| start.elapsed() < WINDOW);
            if windows.len() >= MAX_TRACKED / SHARDS {
                // Still full of live windows: the older half has the least left; dropping half
                // at once keeps the cost of a full shard spread over many failures.
                let mut starts: Vec<Instant> = windows.values().map(|(start, _)| *start).collect();
                let middle = starts.len() / 2;
                let (_, cut, _) = starts.select_nth_unstable(middle);
                let cut = *cut;
                windows.retain(|_, (start, _)| *start > cut);
            }
        }
        let entry = windows.entry(key).or_insert((Instant::now(), 0));
        if entry.0.elapsed() >= WINDOW {
            *entry = (Instant::now(), 0);
        }
        entry.1 = entry.1.saturating_add(1);
    }

    /// Addresses tracked now.
    pub fn tracked(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(|p| p.into_inner()).len())
            .sum()
    }
}

/// The address a failure is counted under: IPv4 as it is (an IPv4-mapped IPv6 address too),
/// IPv6 by its /64.
fn counted_as(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V4(_) => addr,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                IpAddr::from(segments)
            }
        },
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

    #[test]
    fn memory_stays_bounded_however_many_addresses_fail() {
        let limiter = FailureLimiter::new(1);
        for n in 0..(MAX_TRACKED as u32 * 2) {
            limiter.failed(IpAddr::from(n.to_be_bytes()));
        }
        assert!(limiter.tracked() <= MAX_TRACKED, "{}", limiter.tracked());
        // The most recent addresses are still counted.
        let last = IpAddr::from((MAX_TRACKED as u32 * 2 - 1).to_be_bytes());
        assert!(limiter.blocked(last).is_some());
    }

    #[test]
    fn ipv6_clients_are_counted_per_64_and_mapped_ipv4_as_ipv4() {
        let limiter = FailureLimiter::new(2);
        limiter.failed("2001:db8:1:2::1".parse().expect("v6"));
        limiter.failed("2001:db8:1:2:ffff::9".parse().expect("v6"));
        assert!(limiter
            .blocked("2001:db8:1:2::77".parse().expect("v6"))
            .is_some());
        assert!(limiter
            .blocked("2001:db8:1:3::1".parse().expect("v6"))
            .is_none());
        limiter.failed("::ffff:192.0.2.1".parse().expect("mapped"));
        limiter.failed(IpAddr::from([192, 0, 2, 1]));
        assert!(limiter.blocked(IpAddr::from([192, 0, 2, 1])).is_some());
    }
}

//! Requests counted per key, for the latency benches: each key carries its line's index
//! (`bench-token-` and 16 hex digits), so the server keeps one counter per line and a bench can
//! tell that no account was checked twice, or never.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// What every key starts with; its line's index follows in 16 hex digits.
pub(super) const KEY_PREFIX: &str = "bench-token-";

/// Requests seen per key index, and requests whose key is none of them.
#[derive(Debug, Default)]
pub(super) struct KeyCounts {
    counts: Vec<AtomicU32>,
    unknown: AtomicU64,
    /// Requests recorded since the last reset, known key or not.
    recorded: AtomicU64,
}

/// How many keys were asked for how many times.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct Tally {
    pub(super) never: u64,
    pub(super) once: u64,
    pub(super) more: u64,
    /// The first few keys asked more than once, with their counts.
    pub(super) repeated: Vec<(usize, u32)>,
    /// Requests with no known key.
    pub(super) unknown: u64,
}

impl KeyCounts {
    pub(super) fn new(keys: u64) -> Self {
        Self {
            counts: (0..keys).map(|_| AtomicU32::new(0)).collect(),
            unknown: AtomicU64::new(0),
            recorded: AtomicU64::new(0),
        }
    }

    /// Counts a request by its `Authorization` header's value.
    pub(super) fn record(&self, authorization: Option<&str>) {
        self.recorded.fetch_add(1, Ordering::Relaxed);
        match authorization
            .and_then(key_index)
            .and_then(|i| self.counts.get(i))
        {
            Some(count) => {
                count.fetch_add(1, Ordering::Relaxed);
            }
            None => {
                self.unknown.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    pub(super) fn reset(&self) {
        for count in &self.counts {
            count.store(0, Ordering::SeqCst);
        }
        self.unknown.store(0, Ordering::SeqCst);
        self.recorded.store(0, Ordering::SeqCst);
    }

    /// Requests recorded since the last reset.
    pub(super) fn recorded(&self) -> u64 {
        self.recorded.load(Ordering::Relaxed)
    }

    /// The counts of the first `keys` keys, summed up.
    pub(super) fn tally(&self, keys: usize) -> Tally {
        let mut tally = Tally {
            unknown: self.unknown.load(Ordering::SeqCst),
            ..Tally::default()
        };
        for (index, count) in self.counts.iter().take(keys).enumerate() {
            match count.load(Ordering::SeqCst) {
                0 => tally.never += 1,
                1 => tally.once += 1,
                n => {
                    tally.more += 1;
                    if tally.repeated.len() < 5 {
                        tally.repeated.push((index, n));
                    }
                }
            }
        }
        tally.never += keys.saturating_sub(self.counts.len()) as u64;
        tally
    }
}

/// The line index a `Bearer bench-token-…` value carries.
fn key_index(authorization: &str) -> Option<usize> {
    let hex = authorization
        .strip_prefix("Bearer ")?
        .strip_prefix(KEY_PREFIX)?;
    usize::from_str_radix(hex, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(index: u64) -> String {
        format!("{KEY_PREFIX}{index:016x}")
    }

    #[test]
    fn requests_are_counted_by_the_index_their_key_carries() {
        let counts = KeyCounts::new(4);
        for index in [0, 1, 1, 3, 3, 3] {
            counts.record(Some(&format!("Bearer {}", key(index))));
        }
        counts.record(Some("Bearer other"));
        counts.record(Some(&format!("Bearer {}", key(9))));
        counts.record(None);
        assert_eq!(key_index(&format!("Bearer {}", key(42))), Some(42));
        assert_eq!(
            counts.tally(4),
            Tally {
                never: 1,
                once: 1,
                more: 2,
                repeated: vec![(1, 2), (3, 3)],
                unknown: 3,
            }
        );
        assert_eq!(
            counts.tally(6).never,
            3,
            "keys past the table were never seen"
        );
        counts.reset();
        assert_eq!(counts.tally(4).never, 4);
        assert_eq!(counts.tally(4).unknown, 0);
    }
}

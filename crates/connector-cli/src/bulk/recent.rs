//! Deduplication: the checks of the most recent distinct credentials, so a credential that
//! appears on several lines is verified once. Bounded, so memory does not grow with the input.

use std::collections::VecDeque;

use foldhash::HashMap;
use std::hash::Hash;

/// Up to `capacity` values by key, forgetting the oldest first. A forgotten key is simply
/// checked again if it comes back, so the bound costs requests, never correctness.
#[derive(Debug)]
pub struct Recent<K, V> {
    values: HashMap<K, V>,
    order: VecDeque<K>,
    capacity: usize,
}

impl<K: Hash + Eq + Clone, V: Clone> Recent<K, V> {
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            values: HashMap::with_capacity_and_hasher(capacity + 1, Default::default()),
            order: VecDeque::with_capacity(capacity + 1),
            capacity,
        }
    }

    /// The value for `key`, and whether it was already there; otherwise makes it with `make`,
    /// remembers it and forgets the oldest if the cache is full.
    pub fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> (V, bool) {
        if let Some(value) = self.values.get(&key) {
            return (value.clone(), true);
        }
        let value = make();
        self.values.insert(key.clone(), value.clone());
        self.order.push_back(key);
        if self.order.len() > self.capacity {
            if let Some(oldest) = self.order.pop_front() {
                self.values.remove(&oldest);
            }
        }
        (value, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_most_recent_keys_only() {
        let mut recent = Recent::new(2);
        assert_eq!(recent.get_or_insert_with(1, || "a"), ("a", false));
        assert_eq!(recent.get_or_insert_with(1, || "x"), ("a", true));
        recent.get_or_insert_with(2, || "b");
        recent.get_or_insert_with(3, || "c");
        assert_eq!(recent.get_or_insert_with(1, || "a2"), ("a2", false));
        assert_eq!(recent.get_or_insert_with(3, || "x"), ("c", true));
        assert_eq!(recent.values.len(), 2);
    }
}

//! The exact search behind the redactor's pairs: every [`RUN`]-byte window of every form, folded,
//! built the first time a text may hold one.

use zeroize::Zeroize;

use super::{push_folded, FOLD, RUN};

/// Every [`RUN`]-byte window of every form of every secret.
pub(super) struct Windows {
    /// Each window folded ([`FOLD`]) and packed into a `u128` (12 bytes fit).
    windows: Vec<u128>,
    /// Two bits per window ([`filter_bits`]): text windows missing either are skipped without
    /// searching `windows`. Cheaper to build than sorting.
    filter: [u64; FILTER_WORDS],
}

impl Drop for Windows {
    fn drop(&mut self) {
        self.windows.zeroize();
        self.filter.zeroize();
    }
}

/// The filter's size in 64-bit words: 4,096 bits, so a few hundred windows leave most clear.
const FILTER_WORDS: usize = 64;

/// A window's two bits in the filter (word and bit each), from two parts of one hash: a text
/// window that is no secret's passes only when both are set, so few reach the search of
/// `windows` (about 1% with a few hundred windows, against 5% with one bit).
fn filter_bits(window: u128) -> [(usize, u64); 2] {
    let folded = (window as u64) ^ ((window >> 64) as u64);
    let hash = folded.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let bit = |h: u64| ((h >> 6) as usize & (FILTER_WORDS - 1), 1u64 << (h & 63));
    [bit(hash >> 52), bit((hash >> 40) & 0xFFF)]
}

impl Windows {
    pub(super) fn new() -> Self {
        Self {
            windows: Vec::new(),
            filter: [0; FILTER_WORDS],
        }
    }

    pub(super) fn add_form(&mut self, form: &[u8]) {
        if form.len() < RUN {
            return;
        }
        let mut window = 0u128;
        let (first, rest) = form.split_at(RUN - 1);
        for &byte in first {
            window = push_folded(window, FOLD[usize::from(byte)]);
        }
        self.windows.reserve(rest.len());
        for &byte in rest {
            window = push_folded(window, FOLD[usize::from(byte)]);
            let [(word_a, bit_a), (word_b, bit_b)] = filter_bits(window);
            self.filter[word_a] |= bit_a;
            self.filter[word_b] |= bit_b;
            self.windows.push(window);
        }
    }

    pub(super) fn holds(&self, window: u128) -> bool {
        filter_bits(window)
            .iter()
            .all(|&(word, bit)| self.filter[word] & bit != 0)
            && self.windows.contains(&window)
    }
}

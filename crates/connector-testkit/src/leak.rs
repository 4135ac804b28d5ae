//! Finding a secret in output the way an attacker would read it: any run of [`RUN`] characters of
//! the secret, or of a form a provider may echo it in (upper- or lower-cased, base64 with and
//! without the Basic colon, percent-encoded). Written apart from connector-core's redactor so a
//! mistake there cannot hide itself here.

use std::collections::HashMap;

use base64::Engine as _;

/// The shortest run that counts as showing a secret.
pub const RUN: usize = 12;

/// The forms of `secret` a provider may send back, each with its name for failure messages.
pub fn forms(secret: &str) -> Vec<(&'static str, String)> {
    let standard = &base64::engine::general_purpose::STANDARD;
    let url_safe = &base64::engine::general_purpose::URL_SAFE;
    let percent = |keep: &[char]| -> String {
        secret
            .bytes()
            .map(|b| {
                let c = char::from(b);
                if b.is_ascii_alphanumeric() || keep.contains(&c) {
                    c.to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    vec![
        ("as is", secret.to_owned()),
        ("upper-cased", secret.to_uppercase()),
        ("lower-cased", secret.to_lowercase()),
        ("base64", standard.encode(secret)),
        (
            "base64 with a trailing `:`",
            standard.encode(format!("{secret}:")),
        ),
        ("URL-safe base64", url_safe.encode(secret)),
        ("percent-encoded", percent(&['-', '_', '.', '~'])),
        ("fully percent-encoded", percent(&[])),
    ]
}

/// Searches text for the secrets it was built with: every run of [`RUN`] characters of every
/// form in one table, so a long log is read once. Secrets under 4 characters are not searched:
/// they would match by chance.
#[derive(Debug, Default)]
pub struct Finder {
    /// Runs of Latin-1 characters packed a byte each into a `u128`, with their form's name;
    /// sorted for binary search.
    packed: Vec<(u128, &'static str)>,
    /// One bit per value of a packed run's last two bytes: most windows of a long log are
    /// ruled out by one bit test instead of a search.
    filter: Vec<u64>,
    /// Runs holding other characters, and forms shorter than a run (matched whole).
    other: HashMap<String, &'static str>,
    /// Whether every packed run is ASCII, so texts can be searched as bytes.
    ascii_runs: bool,
}

/// The filter bit of a packed run: its last two bytes.
fn filter_bit(packed: u128) -> (usize, u64) {
    let low = (packed & 0xFFFF) as usize;
    (low / 64, 1u64 << (low % 64))
}

/// A run packed a byte per character, if every character fits in a byte.
fn pack(run: &[char]) -> Option<u128> {
    run.iter().try_fold(0u128, |packed, c| {
        u8::try_from(u32::from(*c))
            .ok()
            .map(|b| (packed << 8) | u128::from(b))
    })
}

impl Finder {
    pub fn new(secrets: &[String]) -> Self {
        let mut finder = Self::default();
        for secret in secrets.iter().filter(|s| s.chars().count() >= 4) {
            for (name, form) in forms(secret) {
                let chars: Vec<char> = form.chars().collect();
                if chars.len() < RUN {
                    finder.other.entry(form).or_insert(name);
                    continue;
                }
                for window in chars.windows(RUN) {
                    match pack(window) {
                        Some(packed) => finder.packed.push((packed, name)),
                        None => {
                            finder.other.entry(window.iter().collect()).or_insert(name);
                        }
                    }
                }
            }
        }
        finder.packed.sort_by_key(|(packed, _)| *packed);
        finder.ascii_runs = finder
            .packed
            .iter()
            .all(|(p, _)| p.to_be_bytes().iter().all(|b| *b < 0x80));
        finder.filter = vec![0; 1024];
        for (packed, _) in &finder.packed {
            let (word, bit) = filter_bit(*packed);
            finder.filter[word] |= bit;
        }
        finder
    }

    /// Whether `text` holds no run of a secret, decided on its bytes without collecting
    /// characters: the common case, so most texts are read once, cheaply. Exact when every
    /// packed run is ASCII, since an ASCII byte never occurs inside a longer UTF-8 sequence;
    /// `None` otherwise (the character walk decides then).
    fn clear_ascii(&self, text: &str) -> Option<bool> {
        if !self.ascii_runs {
            return None;
        }
        if self.other.keys().any(|form| text.contains(form.as_str())) {
            return Some(false);
        }
        if self.packed.is_empty() {
            return Some(true);
        }
        const MASK: u128 = (1u128 << (8 * RUN)) - 1;
        let mut packed = 0u128;
        for (i, byte) in text.bytes().enumerate() {
            packed = ((packed << 8) | u128::from(byte)) & MASK;
            if i + 1 < RUN {
                continue;
            }
            let (word, bit) = filter_bit(packed);
            if self.filter[word] & bit != 0
                && self
                    .packed
                    .binary_search_by_key(&packed, |(p, _)| *p)
                    .is_ok()
            {
                return Some(false);
            }
        }
        Some(true)
    }

    /// The first run of a secret in `text`, as `(form, run)`.
    pub fn find(&self, text: &str) -> Option<(&'static str, String)> {
        if self.packed.is_empty() && self.other.is_empty() || self.clear_ascii(text) == Some(true) {
            return None;
        }
        let chars: Vec<char> = text.chars().collect();
        let (form, start, end) = self.runs(&chars).next()?;
        Some((form, chars[start..end].iter().collect()))
    }

    /// Every run of a secret in `chars`, as `(form, start, end)` in characters, in order.
    fn runs<'a>(
        &'a self,
        chars: &'a [char],
    ) -> impl Iterator<Item = (&'static str, usize, usize)> + 'a {
        let mut whole: Vec<(&'static str, usize, usize)> = Vec::new();
        for (form, name) in &self.other {
            let form_chars: Vec<char> = form.chars().collect();
            for start in 0..chars.len().saturating_sub(form_chars.len() - 1) {
                if chars[start..start + form_chars.len()] == form_chars[..] {
                    whole.push((name, start, start + form_chars.len()));
                }
            }
        }
        // A rolling window: each character shifts in once; `last_wide` is the last character
        // that does not fit in a byte, which no packed run can hold.
        const MASK: u128 = (1u128 << (8 * RUN)) - 1;
        let mut packed = 0u128;
        let mut last_wide: Option<usize> = None;
        let rolling = chars.iter().enumerate().filter_map(move |(i, c)| {
            let byte = u8::try_from(u32::from(*c)).unwrap_or_else(|_| {
                last_wide = Some(i);
                0
            });
            packed = ((packed << 8) | u128::from(byte)) & MASK;
            let start = (i + 1).checked_sub(RUN)?;
            if last_wide.is_some_and(|w| w >= start) || self.packed.is_empty() {
                return None;
            }
            let (word, bit) = filter_bit(packed);
            if self.filter[word] & bit == 0 {
                return None;
            }
            let at = self
                .packed
                .binary_search_by_key(&packed, |(p, _)| *p)
                .ok()?;
            Some((self.packed[at].1, start, i + 1))
        });
        whole.into_iter().chain(rolling)
    }

    /// `text` with every stretch covered by runs of a secret replaced by `<key>`.
    pub fn mask(&self, text: &str) -> String {
        let chars: Vec<char> = text.chars().collect();
        let mut covered = vec![false; chars.len()];
        for (_, start, end) in self.runs(&chars) {
            covered[start..end].iter_mut().for_each(|c| *c = true);
        }
        let mut out = String::with_capacity(text.len());
        for (i, c) in chars.iter().enumerate() {
            if !covered[i] {
                out.push(*c);
            } else if i == 0 || !covered[i - 1] {
                out.push_str("<key>");
            }
        }
        out
    }

    /// Where a leak was found in `text`, for a failure message: the form, and the line with
    /// every run of a secret replaced by `<key>`, cut to a readable length.
    pub fn describe(&self, text: &str) -> Option<String> {
        let (form, _) = self.find(text)?;
        let line = text
            .lines()
            .find(|line| self.find(line).is_some())
            .unwrap_or("(spread over several lines)");
        Some(format!(
            "the key ({form}) appears: {}",
            around_first_key(&self.mask(line))
        ))
    }
}

/// About 240 characters of a masked line, centred on its first `<key>`.
fn around_first_key(masked: &str) -> String {
    const BEFORE: usize = 120;
    const WIDTH: usize = 240;
    let chars: Vec<char> = masked.chars().collect();
    let at = masked
        .find("<key>")
        .map_or(0, |byte| masked[..byte].chars().count());
    let start = at.saturating_sub(BEFORE);
    let end = (start + WIDTH).min(chars.len());
    let mut excerpt: String = chars[start..end].iter().collect();
    if start > 0 {
        excerpt.insert(0, '…');
    }
    if end < chars.len() {
        excerpt.push('…');
    }
    excerpt
}

/// [`Finder::find`] for one search.
pub fn find(text: &str, secrets: &[String]) -> Option<(&'static str, String)> {
    Finder::new(secrets).find(text)
}

/// [`Finder::describe`] for one search.
pub fn describe(text: &str, secrets: &[String]) -> Option<String> {
    Finder::new(secrets).describe(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "sk-live-abcdefgh1234";

    #[test]
    fn finds_runs_of_every_form() {
        let secrets = vec![KEY.to_owned()];
        for (name, form) in forms(KEY) {
            let text = format!("xx {} yy", &form[2..2 + RUN]);
            assert!(find(&text, &secrets).is_some(), "{name}: {text}");
        }
        assert!(find("sk-live-abcdefgh12", &secrets).is_some());
        assert!(find("sk-live-abcd", &secrets).is_some());
        assert!(find("sk-live-abc", &secrets).is_none());
        assert!(find("nothing here", &secrets).is_none());
    }

    #[test]
    fn the_byte_search_agrees_with_the_character_walk_around_wide_characters() {
        let secrets = vec![KEY.to_owned()];
        let finder = Finder::new(&secrets);
        assert_eq!(finder.clear_ascii("key ••••1234 — fine"), Some(true));
        let leaked = format!("key •• {} — é", &KEY[1..1 + RUN]);
        assert_eq!(finder.clear_ascii(&leaked), Some(false));
        assert!(finder.find(&leaked).is_some());
        let wide = Finder::new(&["clé-secrète-très-longue".to_owned()]);
        assert_eq!(
            wide.clear_ascii("anything"),
            None,
            "non-ASCII runs need the walk"
        );
        assert!(wide.find("x clé-secrète-très y").is_some());
    }

    #[test]
    fn the_description_never_repeats_the_key() {
        let secrets = vec![KEY.to_owned()];
        let text = format!("denied {}", KEY.to_uppercase());
        let shown = describe(&text, &secrets).unwrap();
        assert!(find(&shown, &secrets).is_none(), "{shown}");
        assert!(shown.contains("upper-cased"), "{shown}");
    }
}

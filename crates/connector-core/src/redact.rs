//! Keeping secrets out of everything the program writes: a [`Redactor`] finds any run of
//! [`RUN`] or more characters of a secret in any text, in the forms a provider may send it back
//! (as is, upper- or lower-cased, base64 as in a Basic header, percent-encoded), and masks it.
//!
//! Order matters: redact first, then sanitize and truncate. Truncating first can cut a key so
//! that no whole copy is left to find, while most of it still shows.

use std::borrow::Cow;
use std::fmt;
use std::sync::OnceLock;

use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value};
use zeroize::Zeroize;

use self::forms::each_form;
use self::windows::Windows;

use crate::secret::mask;
use crate::text::printable;

mod forms;
mod windows;

/// The shortest run of a secret's characters that counts as showing it.
pub const RUN: usize = 12;

/// Secrets shorter than this are not searched for: they would match ordinary text by chance.
const MIN_SEARCHED: usize = 4;

/// What replaces a run that is not a whole secret (a part, or an encoded form).
const MASKED: &str = "••••";

/// Finds and masks secrets in text. Built once per check from the credential values and the
/// credential-bearing header values actually sent; Debug never shows anything derived from them.
///
/// Building every window of every form costs more than most checks' scans, which usually find
/// nothing, so a redactor first keeps only which pairs of consecutive bytes its forms hold
/// ([`CLASS`]). A text window can be a form's only if all its pairs are among them; the windows
/// are built the first time a text has such a run, and only inside such runs are they looked up.
pub struct Redactor {
    /// One bit per pair of byte classes ([`CLASS`]) that follow each other in some form:
    /// `pairs[first] >> second & 1`.
    pairs: [u64; 64],
    /// Whether any form is long enough to hold a window.
    searched: bool,
    /// The windows of every form, built on first need.
    windows: OnceLock<Box<Windows>>,
    /// The values given to [`Redactor::add_secret`], from which the forms are derived.
    secrets: Vec<SecretString>,
    /// The values given to [`Redactor::add_sent`], each a form of its own.
    sent: Vec<SecretString>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("secrets", &(self.secrets.len() + self.sent.len()))
            .finish_non_exhaustive()
    }
}

impl Default for Redactor {
    fn default() -> Self {
        Self {
            pairs: [0; 64],
            searched: false,
            windows: OnceLock::new(),
            secrets: Vec::new(),
            sent: Vec::new(),
        }
    }
}

impl Drop for Redactor {
    fn drop(&mut self) {
        self.pairs.zeroize();
    }
}

impl Redactor {
    /// A redactor for these secrets and every form a provider may echo them in.
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a SecretString>) -> Self {
        let mut redactor = Self::default();
        for secret in secrets {
            redactor.add_secret(secret.expose_secret());
        }
        redactor
    }

    /// Adds a secret value and its derived forms ([`each_form`]).
    pub fn add_secret(&mut self, value: &str) {
        if value.len() < MIN_SEARCHED {
            return;
        }
        self.secrets.push(SecretString::from(value.to_owned()));
        let (pairs, searched) = (&mut self.pairs, &mut self.searched);
        each_form(value.as_bytes(), |form| add_pairs(pairs, searched, form));
        if let Some(windows) = self.windows.get_mut() {
            each_form(value.as_bytes(), |form| windows.add_form(form));
        }
    }

    /// Adds the exact value of a credential-bearing header or query parameter that was sent
    /// (e.g. `Basic ZGVtbzo=`), so an echo of the whole value is found too.
    pub fn add_sent(&mut self, value: &str) {
        if value.len() < MIN_SEARCHED {
            return;
        }
        self.sent.push(SecretString::from(value.to_owned()));
        add_pairs(&mut self.pairs, &mut self.searched, value.as_bytes());
        if let Some(windows) = self.windows.get_mut() {
            windows.add_form(value.as_bytes());
        }
    }

    /// The windows of every form, built the first time they are needed.
    fn windows(&self) -> &Windows {
        self.windows.get_or_init(|| {
            let mut windows = Box::new(Windows::new());
            for secret in &self.secrets {
                each_form(secret.expose_secret().as_bytes(), |form| {
                    windows.add_form(form)
                });
            }
            for sent in &self.sent {
                windows.add_form(sent.expose_secret().as_bytes());
            }
            windows
        })
    }

    /// The values a run is compared with whole: every secret, for the friendlier `••••860c`
    /// mask, and sent values shorter than [`RUN`], which have no window.
    fn whole(&self) -> impl Iterator<Item = &str> {
        let short_sent = self.sent.iter().filter(|s| s.expose_secret().len() < RUN);
        self.secrets
            .iter()
            .chain(short_sent)
            .map(|s| s.expose_secret())
    }

    /// Whether `text` holds a run of [`RUN`] characters of any form of any secret (or a whole
    /// short secret).
    pub fn holds_secret(&self, text: &str) -> bool {
        self.covered(text).is_some()
    }

    /// `text` with every run of a secret masked: a run that is exactly a whole secret becomes
    /// its mask (`••••860c`), anything else `••••`.
    pub fn redact<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let Some(covered) = self.covered(text) else {
            return Cow::Borrowed(text);
        };
        let mut out = String::with_capacity(text.len());
        let mut i = 0;
        while i < text.len() {
            if !covered[i] {
                let end = (i..text.len()).find(|&j| covered[j]).unwrap_or(text.len());
                out.push_str(&text[i..end]);
                i = end;
                continue;
            }
            let end = (i..text.len()).find(|&j| !covered[j]).unwrap_or(text.len());
            let run = &text[i..end];
            match self.whole().find(|s| *s == run) {
                Some(secret) => out.push_str(&mask(secret)),
                None => out.push_str(MASKED),
            }
            i = end;
        }
        Cow::Owned(out)
    }

    fn holds_window(&self, window: u128) -> bool {
        self.windows().holds(window)
    }

    /// `text` as a report may say it to people: redacted first, then with control and bidi
    /// characters escaped ([`printable`]), in that order so an escape cannot split a run.
    pub fn for_people(&self, text: &str) -> String {
        printable(&self.redact(text)).into_owned()
    }

    /// Which bytes of `text` belong to a run of a secret, widened to whole characters; `None`
    /// when none do.
    fn covered(&self, text: &str) -> Option<Vec<bool>> {
        let bytes = text.as_bytes();
        let mut covered: Option<Vec<bool>> = None;
        let mut mark = |start: usize, end: usize| {
            let covered = covered.get_or_insert_with(|| vec![false; bytes.len()]);
            covered[start..end].iter_mut().for_each(|c| *c = true);
        };
        if self.searched && bytes.len() >= RUN {
            // Whether the two bytes ending at `i` are a pair some form has.
            let class = |i: usize| usize::from(CLASS[usize::from(bytes[i])]) & 63;
            let paired = |i: usize| self.pairs[class(i - 1)] >> class(i) & 1 != 0;
            // Where the next window that may be a form's starts. Its pairs are tried from its
            // end: where one is missing no window holding it can be a form's, so the next
            // candidate starts there, and most text is passed over a window at a time.
            let mut start = 0;
            while start + RUN <= bytes.len() {
                let last = start + RUN - 1;
                if let Some(missing) = (start + 1..=last).rev().find(|&i| !paired(i)) {
                    start = missing;
                    continue;
                }
                let mut window = bytes[start..=last]
                    .iter()
                    .fold(0, |w, b| push_folded(w, FOLD[usize::from(*b)]));
                let mut end = last;
                loop {
                    if self.holds_window(window) {
                        mark(end + 1 - RUN, end + 1);
                    }
                    end += 1;
                    if end == bytes.len() || !paired(end) {
                        break;
                    }
                    window = push_folded(window, FOLD[usize::from(bytes[end])]);
                }
                start = end;
            }
        }
        for secret in self.whole() {
            if secret.len() < RUN {
                for (at, _) in text.match_indices(secret) {
                    mark(at, at + secret.len());
                }
            }
        }
        let mut covered = covered?;
        // A run may start or end inside a multi-byte character: mask the whole character.
        for i in 0..bytes.len() {
            if covered[i] && !text.is_char_boundary(i) {
                let mut start = i;
                while !text.is_char_boundary(start) {
                    start -= 1;
                    covered[start] = true;
                }
            }
        }
        for i in 1..bytes.len() {
            if covered[i - 1] && !text.is_char_boundary(i) {
                covered[i] = true;
            }
        }
        Some(covered)
    }

    /// A JSON value with every string (keys included) redacted, for reading a provider's answer
    /// after the secrets are gone from it.
    pub fn redact_json(&self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.redact(s).into_owned()),
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.redact_json(v)).collect())
            }
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (self.redact(k).into_owned(), self.redact_json(v)))
                    .collect::<Map<String, Value>>(),
            ),
            other => other.clone(),
        }
    }
}

/// Adds the pairs of byte classes that follow each other in `form` ([`CLASS`]), when it is
/// long enough to hold a window.
fn add_pairs(pairs: &mut [u64; 64], searched: &mut bool, form: &[u8]) {
    let Some((first, rest)) = form.split_first().filter(|_| form.len() >= RUN) else {
        return;
    };
    *searched = true;
    // Classes are below 64: the masks let the compiler drop the bounds checks.
    let mut previous = usize::from(CLASS[usize::from(*first)]);
    for &byte in rest {
        let class = usize::from(CLASS[usize::from(byte)]);
        pairs[previous & 63] |= 1 << (class & 63);
        previous = class;
    }
}

/// Each byte folded so that one comparison covers several forms: ASCII case is ignored (upper-
/// and lower-cased echoes, hex digits of percent-encoding), and the URL-safe base64 alphabet
/// (`-`, `_`) reads as the standard one (`+`, `/`). Folding only ever makes more text match,
/// never less.
static FOLD: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = match byte as u8 {
            b'-' => b'+',
            b'_' => b'/',
            other => other.to_ascii_lowercase(),
        };
        byte += 1;
    }
    table
};

/// Each byte's class, 0 to 63, for the pairs a redactor keeps: a function of its folded form
/// ([`FOLD`]), so bytes that fold alike share a class and a form's window and its echo have the
/// same pairs. Letters, digits and the bytes of encodings have classes of their own; other bytes
/// share the rest.
static CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut byte = 0;
    while byte < 256 {
        let folded = FOLD[byte];
        table[byte] = match folded {
            b'a'..=b'z' => folded - b'a',
            b'0'..=b'9' => 26 + folded - b'0',
            b'+' => 36,
            b'/' => 37,
            b'=' => 38,
            b'%' => 39,
            b' ' => 40,
            b'.' => 41,
            b'~' => 42,
            b':' => 43,
            other => 44 + other % 20,
        };
        byte += 1;
    }
    table
};

/// Shifts one folded byte ([`FOLD`]) into a window of the last [`RUN`] bytes.
fn push_folded(window: u128, folded: u8) -> u128 {
    const MASK: u128 = (1u128 << (8 * RUN)) - 1;
    ((window << 8) | u128::from(folded)) & MASK
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
    use proptest::prelude::*;

    const KEY: &str = "sk-live-abcdefgh1234";

    fn redactor() -> Redactor {
        Redactor::new([&SecretString::from(KEY)])
    }

    /// Whether `text` holds any run of `RUN` characters of `form`, exactly.
    fn has_run(text: &str, form: &str) -> bool {
        let chars: Vec<char> = form.chars().collect();
        chars.len() >= RUN
            && chars
                .windows(RUN)
                .any(|w| text.contains(&w.iter().collect::<String>()))
    }

    fn forms(key: &str) -> Vec<String> {
        let b64 = |s: String| base64::engine::general_purpose::STANDARD.encode(s);
        vec![
            key.to_owned(),
            key.to_uppercase(),
            key.to_lowercase(),
            b64(key.to_owned()),
            b64(format!("{key}:")),
            // As a Basic password after usernames of each length modulo 3, without the groups
            // the username shares with the key's first bytes (those are not the key's).
            b64(format!("us:{key}"))[4..].to_owned(),
            b64(format!("usr:{key}"))[8..].to_owned(),
            b64(format!("user:{key}"))[8..].to_owned(),
            utf8_percent_encode(key, NON_ALPHANUMERIC).to_string(),
        ]
    }

    #[test]
    fn a_whole_key_shows_as_its_mask() {
        let text = "bad key sk-live-abcdefgh1234 (sk-live-abcdefgh1234)";
        assert_eq!(redactor().redact(text), "bad key ••••1234 (••••1234)");
    }

    #[test]
    fn every_form_and_part_is_masked() {
        let r = redactor();
        for form in forms(KEY) {
            for text in [
                format!("echo: {form}"),
                format!("{form}!"),
                format!("cut {}", &form[..form.len() - 3]),
                format!("cut {}", &form[3..]),
                format!("Basic {form}"),
            ] {
                let out = r.redact(&text);
                assert!(!has_run(&out, &form), "{text} -> {out}");
            }
        }
    }

    #[test]
    fn a_key_as_a_basic_password_is_found_after_any_username() {
        // The key's tail, base64-encoded two bytes into a group and padded at the end, as in
        // `Basic base64(user:KEY)`: it was missed when only the unshifted form had no colon.
        let key = "=a+Aa_=A=~_A";
        let r = Redactor::new([&SecretString::from(key)]);
        assert_eq!(r.redact("echo YV89QT1+X0E= end"), "echo •••• end");
        for user in ["u", "us", "usr", "user"] {
            let header = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{key}"));
            let out = r.redact(&header);
            assert!(out.contains("••••"), "{user}: {header} -> {out}");
        }
    }

    #[test]
    fn the_sent_header_value_is_masked() {
        let mut r = Redactor::default();
        r.add_sent("Token token=abc");
        assert_eq!(r.redact("got Token token=abc"), "got ••••");
    }

    #[test]
    fn other_text_is_untouched() {
        let r = redactor();
        let text = "The key works: it reads the organization (sk-live-abc).";
        assert!(matches!(r.redact(text), Cow::Borrowed(_)));
        assert!(!r.holds_secret(text));
    }

    #[test]
    fn multi_byte_characters_next_to_a_run_stay_whole() {
        let r = Redactor::new([&SecretString::from("é0123456789abcdé")]);
        let out = r.redact("xé0123456789abcdéx");
        assert_eq!(out, "x••••bcdéx");
        let out = r.redact("é0123456789ab");
        assert!(!out.contains("0123456789ab"), "{out}");
    }

    #[test]
    fn json_keys_and_values_are_redacted() {
        let body = serde_json::json!({"a": [KEY, {"sk-live-abcdefgh1234": 1}], "b": "ok"});
        let out = redactor().redact_json(&body).to_string();
        assert!(!out.contains("abcdefgh"), "{out}");
        assert!(out.contains("\"b\":\"ok\""), "{out}");
    }

    #[test]
    fn windows_are_built_only_for_a_text_that_may_hold_one() {
        let r = redactor();
        assert!(!r.holds_secret("The key works: it reads the organization."));
        assert!(r.windows.get().is_none(), "built for prose");
        assert!(r.holds_secret("echo sk-live-abcdefgh"));
        assert!(r.windows.get().is_some());
    }

    #[test]
    fn a_secret_added_after_the_windows_were_built_is_found() {
        let mut r = redactor();
        assert!(r.holds_secret("echo sk-live-abcdefgh"));
        r.add_secret("tok_0123456789abcdef");
        assert_eq!(r.redact("got tok_0123456789abcdef"), "got ••••cdef");
        r.add_sent("Bearer tok_0123");
        assert_eq!(r.redact("got Bearer tok_0123"), "got ••••");
    }

    #[test]
    fn debug_shows_nothing_derived_from_a_secret() {
        let shown = format!("{:?}", redactor());
        assert!(!shown.contains("abcdefgh"), "{shown}");
    }

    proptest! {
        /// Whatever surrounds it, no run of any form of the key survives.
        #[test]
        fn no_run_survives(
            key in "[A-Za-z0-9_.~+/=-]{12,48}",
            before in ".{0,40}",
            after in ".{0,40}",
            which in 0usize..9,
            cut_start in 0usize..6,
            cut_end in 0usize..6,
        ) {
            let r = Redactor::new([&SecretString::from(key.clone())]);
            let form = &forms(&key)[which];
            let end = form.len().saturating_sub(cut_end).max(cut_start);
            let piece = &form[cut_start..end];
            let text = format!("{before}{piece}{after}");
            let out = r.redact(&text);
            prop_assert!(!has_run(&out, form), "{} -> {}", text, out);
        }

        /// Looking windows up only inside chains of pairs the forms have finds exactly what
        /// looking up every window finds.
        #[test]
        fn the_pair_skip_finds_what_every_window_finds(
            key in "[A-Za-z0-9_.~+/=-]{12,40}",
            pieces in prop::collection::vec((0usize..9, 0usize..40, 0usize..40, "[ -~]{0,3}"), 1..5),
        ) {
            let r = Redactor::new([&SecretString::from(key.clone())]);
            let forms = forms(&key);
            let mut text = String::new();
            for (which, from, len, between) in &pieces {
                let form = &forms[*which];
                let from = (*from).min(form.len());
                let to = (from + len).min(form.len());
                text.push_str(form.get(from..to).unwrap_or_default());
                text.push_str(between);
            }
            let mut window = 0u128;
            let every_window = text.bytes().enumerate().any(|(i, b)| {
                window = push_folded(window, FOLD[usize::from(b)]);
                i + 1 >= RUN && r.holds_window(window)
            });
            prop_assert_eq!(r.holds_secret(&text), every_window, "{}", text);
        }

        /// Redaction never panics and leaves text holding no secret unchanged.
        #[test]
        fn text_without_secrets_is_unchanged(text in ".{0,200}") {
            let r = Redactor::new([&SecretString::from("Zq9!Zq9!Zq9!Zq9!Zq9!")]);
            if !r.holds_secret(&text) {
                prop_assert_eq!(r.redact(&text), text.as_str());
            }
        }
    }
}

//! Text for people: provider text made safe to print on a terminal, and descriptions of values
//! that must not be quoted.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether a character can change how a terminal shows what follows it: C0 and C1 controls
/// (ESC sequences, OSC title sets, BEL, carriage return, backspace), DEL, and the bidirectional
/// controls that reorder text (U+202E and friends).
pub fn is_unsafe_for_terminal(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

/// The bidirectional formatting characters: embeddings, overrides, isolates and marks.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every control and bidi character shown as an escape (`\u{1b}`), so provider text
/// cannot move the cursor, set a title, ring a bell or reorder a line. Newlines and tabs are
/// escaped too: one message stays one line.
pub fn printable(text: &str) -> Cow<'_, str> {
    // Most text is printable ASCII, which a byte loop tells apart quickly.
    if is_visible_ascii(text.as_bytes()) || !text.chars().any(is_unsafe_for_terminal) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe_for_terminal(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Whether every byte is visible ASCII or a space (`' '..='~'`). Blocks of 32 bytes are tested
/// without stopping early, which the compiler turns into vector instructions.
pub fn is_visible_ascii(bytes: &[u8]) -> bool {
    let outside = |b: &u8| b.wrapping_sub(b' ') > b'~' - b' ';
    let mut blocks = bytes.chunks_exact(32);
    blocks.all(|block| !block.iter().fold(false, |any, b| any | outside(b)))
        && !blocks.remainder().iter().any(outside)
}

/// Describes a value given where it does not belong, without quoting it (it may be a key put in
/// the wrong place): `a 36-character value`.
pub fn describe_value(value: &str) -> String {
    let count = value.chars().count();
    match count {
        0 => "an empty value".to_owned(),
        1 => "a 1-character value".to_owned(),
        n => format!("a {n}-character value"),
    }
}

/// An ordinal for positions in messages: `1st`, `2nd`, `3rd`, `11th`.
pub fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_bidi_characters_are_escaped() {
        let forged = "denied\r\u{1b}[2K\u{1b}]0;title\u{7}✓ verified \u{202e}kcab";
        let shown = printable(forged);
        assert!(!shown.chars().any(is_unsafe_for_terminal), "{shown}");
        assert_eq!(
            shown,
            "denied\\u{d}\\u{1b}[2K\\u{1b}]0;title\\u{7}✓ verified \\u{202e}kcab"
        );
        assert!(matches!(printable("plain ✓ text"), Cow::Borrowed(_)));
    }

    #[test]
    fn visible_ascii_is_told_apart_at_every_position() {
        let plain = "The key works: it reads the organization (acme) and its 12 users.~";
        assert!(is_visible_ascii(plain.as_bytes()));
        for at in 0..plain.len() {
            for odd in [0x1f, 0x7f, 0x80, 0x0a, 0xff] {
                let mut bytes = plain.as_bytes().to_vec();
                bytes[at] = odd;
                assert!(!is_visible_ascii(&bytes), "{odd:#x} at {at}");
            }
        }
        assert!(is_visible_ascii(b""));
    }

    #[test]
    fn values_are_described_by_length_only() {
        assert_eq!(
            describe_value("sk-live-abcdefgh1234"),
            "a 20-character value"
        );
        assert_eq!(describe_value(""), "an empty value");
        assert_eq!(ordinal(1), "1st");
        assert_eq!(ordinal(12), "12th");
        assert_eq!(ordinal(22), "22nd");
    }
}

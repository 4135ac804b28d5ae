//! The forms of a secret a provider may echo it in, listed once for the redactor's pairs and its
//! windows alike.

use base64::Engine as _;
use zeroize::Zeroize;

use super::RUN;

/// Calls `add` with every form of a secret a provider may echo: the value, base64 (at every
/// alignment, with and without the trailing `:` of a Basic username) and percent-encoding (RFC
/// 3986 and encode-all). Upper- and lower-cased forms and the URL-safe base64 alphabet are
/// covered by how windows are compared ([`FOLD`]).
pub(super) fn each_form(bytes: &[u8], mut add: impl FnMut(&[u8])) {
    add(bytes);

    // Percent-encoding: encoders differ on `-_.~`, so both the RFC 3986 form and the
    // encode-everything form, where they differ from the value (a form that would encode
    // nothing is not built).
    let kept = |b: u8, keep_unreserved: bool| {
        b.is_ascii_alphanumeric() || (keep_unreserved && matches!(b, b'-' | b'_' | b'.' | b'~'))
    };
    let mut buffer: Vec<u8> = Vec::with_capacity(bytes.len() * 3 + 8);
    for keep_unreserved in [true, false] {
        if bytes.iter().all(|&b| kept(b, keep_unreserved)) {
            continue;
        }
        buffer.clear();
        for &b in bytes {
            if kept(b, keep_unreserved) {
                buffer.push(b);
            } else {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                buffer.extend_from_slice(&[
                    b'%',
                    HEX[usize::from(b >> 4)],
                    HEX[usize::from(b & 15)],
                ]);
            }
        }
        add(&buffer);
    }

    // Base64 of `value:` with 0, 1 or 2 bytes before it: after a prefix the encoding starts
    // mid-group, so its first group mixes in the prefix and the rest is the secret's own.
    buffer.clear();
    buffer.extend_from_slice(&[0, 0]);
    buffer.extend_from_slice(bytes);
    buffer.push(b':');
    let mut encoded = vec![0u8; buffer.len().div_ceil(3) * 4 + 4];
    let engine = &base64::engine::general_purpose::STANDARD;
    for offset in 0..3 {
        let skip = if offset == 0 { 0 } else { 4 };
        if let Ok(len) = engine.encode_slice(&buffer[2 - offset..], &mut encoded) {
            add(&encoded[skip.min(len)..len]);
        }
        // Without the colon (the key as a Basic password, `user:KEY`) only the last group
        // differs, and it differs at every offset: add the windows that reach it.
        let without_colon = &buffer[2 - offset..buffer.len() - 1];
        if let Some(tail) = encoded_tail(without_colon, skip, &mut encoded) {
            add(tail);
        }
    }
    buffer.zeroize();
    encoded.zeroize();
}

/// The last [`RUN`] + 3 characters of the standard base64 of `bytes` (none of the first `skip`),
/// written into `out`: only the 3-byte groups they come from are encoded, which give the same
/// characters as in the whole encoding.
fn encoded_tail<'o>(bytes: &[u8], skip: usize, out: &'o mut [u8]) -> Option<&'o [u8]> {
    let whole = bytes.len().div_ceil(3) * 4;
    let from = whole.saturating_sub(RUN + 3).max(skip).min(whole);
    let group = from / 4;
    let tail = bytes.get(group * 3..).unwrap_or_default();
    let len = base64::engine::general_purpose::STANDARD
        .encode_slice(tail, out)
        .ok()?;
    out.get(from - group * 4..len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The tail of an encoding, encoded alone, is the tail of the whole encoding.
        #[test]
        fn an_encoded_tail_is_the_end_of_the_whole_encoding(
            bytes in prop::collection::vec(any::<u8>(), 0..64),
            skip in prop::sample::select(vec![0usize, 4]),
        ) {
            let whole = base64::engine::general_purpose::STANDARD.encode(&bytes);
            let from = whole.len().saturating_sub(RUN + 3).max(skip).min(whole.len());
            let mut out = vec![0u8; bytes.len().div_ceil(3) * 4 + 4];
            let tail = encoded_tail(&bytes, skip, &mut out).map(<[u8]>::to_vec);
            prop_assert_eq!(tail.as_deref(), Some(&whole.as_bytes()[from..]));
        }

    }
}

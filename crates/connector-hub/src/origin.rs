//! Web origins the hub sends a browser or a message to: a connect session's `return_url` (where
//! the browser goes back to) and `origin` (the page that embeds or opened the connect page), and
//! the settings listing which are allowed (`allowed_return_origins`, `frame_ancestors`). One
//! parser for all of them, so a setting and a request are compared in the same form: the origin
//! as a browser serializes it, `scheme://host[:port]` (host lower-cased and in ASCII, default port
//! left out).
//!
//! Only `https://` is taken, or `http://` on a loopback host (127.0.0.0/8, `[::1]`,
//! `localhost`); never a user name or password before the host (`https://allowed.example@evil.example`
//! is a URL of `evil.example`), spaces, control characters, backslashes or a `*`; and the text
//! must spell the scheme and `//` itself (`https:evil.example`, which a browser reads as
//! `https://evil.example/`, is refused rather than interpreted).

use std::net::Ipv6Addr;

use url::{Host, Url};

/// Longest URL accepted, in bytes.
pub const MAX_URL: usize = 2000;

/// Why a URL or an origin was refused; the text completes a sentence naming the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OriginError {
    #[error("must be an absolute URL starting with https:// (or http:// on a loopback host)")]
    NotAbsolute,
    #[error("must be https:// (http:// only on a loopback host: 127.0.0.1, [::1] or localhost)")]
    Scheme,
    #[error("must not carry a user name or password (`user@`) before the host")]
    Userinfo,
    #[error("must not contain spaces, control characters, backslashes or `*`")]
    Characters,
    #[error("must be under {MAX_URL} bytes")]
    TooLong,
    #[error("must be an origin only (https://host or https://host:port), without a path, query or fragment")]
    NotOrigin,
}

/// Parses an absolute URL the hub may send a browser to, under the rules above.
pub fn parse_web_url(text: &str) -> Result<Url, OriginError> {
    if text.len() > MAX_URL {
        return Err(OriginError::TooLong);
    }
    if text
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '\\' || c == '*')
    {
        return Err(OriginError::Characters);
    }
    let lower = text.get(..8).unwrap_or(text).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &text[8..]
    } else if lower.starts_with("http://") {
        &text[7..]
    } else if text.contains(':') && !text.starts_with("//") {
        return Err(OriginError::Scheme);
    } else {
        return Err(OriginError::NotAbsolute);
    };
    // The authority ends at the first `/`, `?` or `#` (a backslash is refused above); an `@` in
    // it, even with nothing before it, is userinfo.
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return Err(OriginError::Userinfo);
    }
    let url = Url::parse(text).map_err(|_| OriginError::NotAbsolute)?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(OriginError::Userinfo);
    }
    match url.scheme() {
        "https" if url.host().is_some() => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        _ => Err(OriginError::Scheme),
    }
}

/// Whether a URL's host is a loopback one: 127.0.0.0/8, `::1` or `localhost`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip == Ipv6Addr::LOCALHOST,
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// The origin of a parsed URL, as a browser serializes it (`https://host[:port]`).
pub fn origin_of(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// Parses an origin (`https://app.example.com`, a trailing `/` allowed) into its serialized form.
pub fn parse_origin(text: &str) -> Result<String, OriginError> {
    let url = parse_web_url(text)?;
    let tail = text
        .split_once("//")
        .map(|(_, rest)| rest.find('/').map_or("", |at| &rest[at..]))
        .unwrap_or("");
    if !(tail.is_empty() || tail == "/") || url.query().is_some() || url.fragment().is_some() {
        return Err(OriginError::NotOrigin);
    }
    Ok(origin_of(&url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_normalized_as_browsers_serialize_them() {
        for (given, origin) in [
            ("https://App.Example.com", "https://app.example.com"),
            ("https://app.example.com/", "https://app.example.com"),
            ("HTTPS://app.example.com:443", "https://app.example.com"),
            (
                "https://app.example.com:8443",
                "https://app.example.com:8443",
            ),
            ("http://127.0.0.1:3000", "http://127.0.0.1:3000"),
            ("http://localhost:3000/", "http://localhost:3000"),
            ("http://[::1]:8080", "http://[::1]:8080"),
            ("https://bücher.example", "https://xn--bcher-kva.example"),
        ] {
            assert_eq!(parse_origin(given).as_deref(), Ok(origin), "{given}");
        }
    }

    #[test]
    fn anything_else_is_refused() {
        for (given, why) in [
            ("https://app.example.com/path", OriginError::NotOrigin),
            ("https://app.example.com/?", OriginError::NotOrigin),
            ("https://app.example.com#x", OriginError::NotOrigin),
            ("http://app.example.com", OriginError::Scheme),
            ("http://127.0.0.1.example.com", OriginError::Scheme),
            ("http://localhost.", OriginError::Scheme),
            ("http://[::ffff:127.0.0.1]", OriginError::Scheme),
            ("javascript:alert(1)", OriginError::Scheme),
            ("data:text/html,x", OriginError::Scheme),
            ("ftp://app.example.com", OriginError::Scheme),
            ("https:app.example.com", OriginError::Scheme),
            ("//evil.example", OriginError::NotAbsolute),
            ("/relative", OriginError::NotAbsolute),
            ("", OriginError::NotAbsolute),
            (
                "https://allowed.example@evil.example",
                OriginError::Userinfo,
            ),
            ("https://@evil.example", OriginError::Userinfo),
            ("https://a:b@evil.example", OriginError::Userinfo),
            ("https://*.example.com", OriginError::Characters),
            (" https://app.example.com", OriginError::Characters),
            (
                "https://app.example.com\\@evil.example",
                OriginError::Characters,
            ),
            ("https://app.example.com\t", OriginError::Characters),
        ] {
            assert_eq!(parse_origin(given), Err(why), "{given:?}");
        }
    }

    #[test]
    fn a_return_url_keeps_its_path_query_and_fragment() {
        let url = parse_web_url("https://app.example.com/back?x=1#done").expect("valid");
        assert_eq!(origin_of(&url), "https://app.example.com");
        assert_eq!(url.query(), Some("x=1"));
        assert_eq!(url.fragment(), Some("done"));
        assert_eq!(
            parse_web_url(&format!("https://a.example/{}", "x".repeat(MAX_URL))),
            Err(OriginError::TooLong)
        );
        // The userinfo trick with the `@` after a path is a path, on the allowed host.
        let url = parse_web_url("https://allowed.example/@evil.example").expect("a path");
        assert_eq!(origin_of(&url), "https://allowed.example");
    }
}

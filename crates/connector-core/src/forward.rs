//! Forwarding a caller's request to an account's API (the hub's proxy): the caller's path kept
//! under the base URL's path, nothing that could leave it accepted, and the credential applied
//! by the one builder exactly as a check applies it.

use reqwest::header::{HeaderMap, ACCEPT};
use url::Url;

use crate::build::{BuildError, Call, Credential, Target, Token};
use crate::prepare::redactor_for;
use crate::redact::Redactor;
use crate::spec::request::RequestSpec;
use crate::spec::{Auth, Repeat};

/// Why a forwarded path was refused. Nothing is sent; the message says what to write instead
/// and never quotes the path (it could carry anything).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PathRefused {
    #[error("the path starts with `/` after the account id (an absolute or protocol-relative path); give the path relative to the account's API base URL")]
    Absolute,
    #[error("the path has an empty segment (`//`); remove the doubled `/`")]
    EmptySegment,
    #[error("the path has a `.` or `..` segment, which would leave the account's API base path; give the path from the base without them")]
    DotSegment,
    #[error("the path's first segment holds `:` as a scheme would (an absolute URL); give the path relative to the account's API base URL")]
    Scheme,
    #[error(
        "the path holds `@`, `\\` or a character URLs do not carry; percent-encode it or remove it"
    )]
    Character,
    #[error("the path holds a percent-encoded `/`, `\\`, `.`, `@`, `%` or control character, which a server could read as leaving the base path; write `.` as itself and split segments with a plain `/`")]
    Encoded,
    #[error("the path holds a `%` not followed by two hexadecimal digits; percent-encode the character it stands for, or remove it")]
    BadEscape,
}

/// Characters a forwarded path may hold as they are, besides `/` and `%`-escapes: RFC 3986's
/// unreserved characters and sub-delimiters, and `:`.
fn plain(c: u8) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            b'-' | b'.'
                | b'_'
                | b'~'
                | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
        )
}

/// A byte that must not arrive percent-encoded: it would split, climb or restart the path for a
/// server that decodes before routing.
fn dangerous_encoded(byte: u8) -> bool {
    matches!(byte, b'/' | b'\\' | b'.' | b'@' | b'%') || byte < 0x20 || byte == 0x7f
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// Checks a path as the caller sent it (still percent-encoded), to be joined under a base URL's
/// path: no way out of the base (`..`, `%2e%2e`, an encoded slash or backslash, an absolute URL,
/// `@`, a scheme, `//`), and nothing a URL does not carry. A trailing `/` is kept.
pub fn check_path(path: &str) -> Result<(), PathRefused> {
    if path.starts_with('/') {
        return Err(PathRefused::Absolute);
    }
    let bytes = path.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let (Some(hi), Some(lo)) = (
                    bytes.get(i + 1).copied().and_then(hex),
                    bytes.get(i + 2).copied().and_then(hex),
                ) else {
                    return Err(PathRefused::BadEscape);
                };
                if dangerous_encoded(hi << 4 | lo) {
                    return Err(PathRefused::Encoded);
                }
                i += 3;
            }
            b'/' => i += 1,
            c if plain(c) => i += 1,
            _ => return Err(PathRefused::Character),
        }
    }
    let segments: Vec<&str> = path.split('/').collect();
    if segments[0].contains(':') {
        return Err(PathRefused::Scheme);
    }
    let last = segments.len() - 1;
    for (n, segment) in segments.iter().enumerate() {
        if segment.is_empty() && n != last {
            return Err(PathRefused::EmptySegment);
        }
        if *segment == "." || *segment == ".." {
            return Err(PathRefused::DotSegment);
        }
    }
    Ok(())
}

/// `base` with `path` (checked by [`check_path`]) joined under its path and `query` as the
/// query. The result is on `base`'s origin and under its path, or the path is refused.
pub fn forward_url(base: &str, path: &str, query: Option<&str>) -> Result<Url, ForwardError> {
    check_path(path)?;
    let base = Url::parse(base).map_err(|e| ForwardError::Base(e.to_string()))?;
    let mut url = base.clone();
    let base_path = base.path().trim_end_matches('/');
    url.set_path(&format!("{base_path}/{path}"));
    url.set_query(query.filter(|q| !q.is_empty()));
    url.set_fragment(None);
    // Belt and braces: whatever the parser made of it, it stays where the base is.
    let under = url.path() == base_path || url.path().starts_with(&format!("{base_path}/"));
    if url.origin() != base.origin() || !under {
        return Err(ForwardError::Path(PathRefused::DotSegment));
    }
    Ok(url)
}

/// Why a forwarded request could not be made. Nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ForwardError {
    #[error(transparent)]
    Path(#[from] PathRefused),
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error("the account's API base URL is not a URL ({0}); check the hub's `base_urls` setting")]
    Base(String),
    /// The variant sends its key inside each request's JSON body, which a forwarded request's
    /// body (the caller's, passed on as it is) does not hold.
    #[error("{0} takes its key inside each request's JSON body, which the proxy passes on as the caller sent it; read the account's credentials and call the provider directly")]
    BodyCredential(String),
}

/// A forwarded request's destination and credential: the URL (the caller's path and query under
/// the account's API base URL, a query-string key added), the headers the variant sends
/// (credential ones marked sensitive, then its extra headers), and what must never come back
/// out (the account's secrets and exactly what was sent).
pub struct Forward {
    pub url: Url,
    pub headers: HeaderMap,
    pub redactor: Redactor,
}

impl std::fmt::Debug for Forward {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Forward")
            .field("origin", &self.url.origin().ascii_serialization())
            .field("path", &self.url.path())
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}

/// The request the builder makes to find what the variant adds: nothing of its own.
const BARE: RequestSpec = RequestSpec::get("", "the credential as a forwarded request sends it");

impl Target<'_> {
    /// The request forwarding `path` and `query` (as the caller sent them, percent-encoded) to
    /// the account's API base URL, with the credential the variant sends (`token`: an exchanged
    /// token, for an exchange). A key the variant puts in the query replaces any parameter of
    /// that name the caller sent.
    pub fn forward(
        &self,
        token: Token<'_>,
        path: &str,
        query: Option<&str>,
    ) -> Result<Forward, ForwardError> {
        if let Auth::JsonBody { .. } = self.variant.auth {
            return Err(ForwardError::BodyCredential(self.spec.name.to_owned()));
        }
        // `forward_url` below checks `path` before anything can be sent.
        let built = self.request(&Call {
            request: &BARE,
            origin: None,
            credential: Credential::Variant(token),
            extra_query: &[],
            inputs: None,
            repeat: Repeat::Safe,
        })?;
        let mut redactor = redactor_for(self.credentials, &built);
        if let Token::Value(token) = token {
            redactor.add_secret(secrecy::ExposeSecret::expose_secret(token));
        }
        let mut pairs: Vec<&str> = query
            .unwrap_or_default()
            .split('&')
            .filter(|p| !p.is_empty())
            .collect();
        if let Auth::Query { param, .. } = self.variant.auth {
            pairs.retain(|pair| {
                let name = pair.split_once('=').map_or(*pair, |(n, _)| n);
                percent_encoding::percent_decode_str(name).decode_utf8_lossy() != param
            });
        }
        if let Some(key) = built.url.query() {
            pairs.push(key);
        }
        let query = pairs.join("&");
        let base = self.base_url(None)?;
        let url = forward_url(&base, path, Some(&query))?;
        let mut headers = built.headers;
        // The builder's default `Accept: application/json` is the caller's to choose here.
        let declares_accept = self
            .variant
            .extra_headers
            .iter()
            .any(|h| h.name.eq_ignore_ascii_case("accept"));
        if !declares_accept {
            headers.remove(ACCEPT);
        }
        Ok(Forward {
            url,
            headers,
            redactor,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_stay_under_the_base_are_accepted() {
        for path in [
            "",
            "v1/candidates",
            "v1/candidates/",
            "users/123/jobs:search",
            "files/report.final.pdf",
            "a%20b/c%3Fd",
            "~x/-_.!$&'()*+,;=",
        ] {
            assert_eq!(check_path(path), Ok(()), "{path}");
        }
    }

    #[test]
    fn every_way_out_of_the_base_is_refused() {
        let cases = [
            ("/etc/passwd", PathRefused::Absolute),
            ("//evil.example/x", PathRefused::Absolute),
            ("..", PathRefused::DotSegment),
            ("a/../../b", PathRefused::DotSegment),
            ("a/./b", PathRefused::DotSegment),
            ("%2e%2e/x", PathRefused::Encoded),
            (".%2E/x", PathRefused::Encoded),
            ("a%2fb", PathRefused::Encoded),
            ("a%5Cb", PathRefused::Encoded),
            ("a%252e%252e", PathRefused::Encoded),
            ("a%00b", PathRefused::Encoded),
            ("a\\b", PathRefused::Character),
            ("user@evil.example", PathRefused::Character),
            ("a%40b", PathRefused::Encoded),
            ("http://evil.example/", PathRefused::Scheme),
            ("https:evil.example", PathRefused::Scheme),
            ("a//b", PathRefused::EmptySegment),
            ("a b", PathRefused::Character),
            ("a#b", PathRefused::Character),
            ("a?b", PathRefused::Character),
            ("a%zz", PathRefused::BadEscape),
            ("a%2", PathRefused::BadEscape),
            ("é", PathRefused::Character),
        ];
        for (path, why) in cases {
            assert_eq!(check_path(path), Err(why), "{path}");
        }
    }

    #[test]
    fn the_url_joins_under_the_base_path_with_the_query() {
        let url =
            forward_url("https://api.example.com/v2/", "people/1", Some("a=1&b=2")).expect("joins");
        assert_eq!(url.as_str(), "https://api.example.com/v2/people/1?a=1&b=2");
        let url = forward_url("https://api.example.com", "", None).expect("joins");
        assert_eq!(url.as_str(), "https://api.example.com/");
    }

    proptest::proptest! {
        /// Whatever the caller sends, an accepted path lands on the base's origin, under its path.
        #[test]
        fn an_accepted_path_never_leaves_the_base(path in "[a-zA-Z0-9./%@:\\\\?#&=_~-]{0,24}") {
            let base = "https://api.example.com/base";
            if let Ok(url) = forward_url(base, &path, None) {
                proptest::prop_assert_eq!(url.host_str(), Some("api.example.com"));
                proptest::prop_assert!(url.path().starts_with("/base/"), "{}", url);
                proptest::prop_assert!(!url.path().contains("/../"));
            }
        }
    }
}

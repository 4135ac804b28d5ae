//! `{field}` templates: finding placeholders (at run time and in `const` checks), the rules for a
//! value that lands in a host name or a path, and base URL templates given as overrides.

use std::fmt;

use url::Url;

/// Where a placeholder's value lands, which decides what it may contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Placement {
    /// One path segment: letters, digits, `-` and `_`.
    PathSegment,
    /// One DNS label of a host name: letters, digits and `-`, 1 to 63 characters.
    HostLabel,
}

impl Placement {
    /// Whether `value` may be put there as it is. Anything that could end the label or segment
    /// (`.`, `/`, `#`, `?`, `@`, `:`, `%`, whitespace) or an empty value is refused.
    pub fn allows(self, value: &str) -> bool {
        let ok_char = |c: char| match self {
            Placement::HostLabel => c.is_ascii_alphanumeric() || c == '-',
            Placement::PathSegment => c.is_ascii_alphanumeric() || c == '-' || c == '_',
        };
        let max = match self {
            Placement::HostLabel => 63,
            Placement::PathSegment => 255,
        };
        !value.is_empty() && value.len() <= max && value.chars().all(ok_char)
    }

    /// What the value must look like, for messages.
    pub fn rule(self) -> &'static str {
        match self {
            Placement::HostLabel => {
                "goes into the host name, so it must be one DNS label: letters, digits and `-`, 1 to 63 characters"
            }
            Placement::PathSegment => {
                "goes into the URL path, so it must be one path segment: letters, digits, `-` and `_`"
            }
        }
    }
}

/// The placeholders of `template` in order, as `(name, byte range of {name})`.
pub fn placeholders(template: &str) -> impl Iterator<Item = (&str, std::ops::Range<usize>)> {
    let mut from = 0;
    std::iter::from_fn(move || {
        let (start, end) = next_placeholder(template.as_bytes(), from)?;
        from = end;
        Some((&template[start + 1..end - 1], start..end))
    })
}

/// The next `{name}` at or after `from`, as the byte range including the braces. Usable in
/// `const` checks.
pub const fn next_placeholder(bytes: &[u8], from: usize) -> Option<(usize, usize)> {
    let mut i = from;
    while i < bytes.len() {
        if bytes[i] == b'{' {
            let mut j = i + 1;
            while j < bytes.len() && bytes[j] != b'}' {
                j += 1;
            }
            if j < bytes.len() {
                return Some((i, j + 1));
            }
            return None;
        }
        i += 1;
    }
    None
}

/// Where each placeholder of a base URL template lands: in the host until the first `/` after
/// `://`, in the path after it.
pub fn base_placement(template: &str, range_start: usize) -> Placement {
    let after_scheme = template.find("://").map_or(0, |i| i + 3);
    let host_end = template[after_scheme..]
        .find('/')
        .map_or(template.len(), |i| after_scheme + i);
    if range_start < host_end {
        Placement::HostLabel
    } else {
        Placement::PathSegment
    }
}

/// Fills every placeholder of `template` with `value(name)`; `Err(name)` for the first one it
/// cannot fill.
pub fn fill<'t>(
    template: &'t str,
    mut value: impl FnMut(&'t str, std::ops::Range<usize>) -> Option<String>,
) -> Result<String, &'t str> {
    let mut out = String::with_capacity(template.len() + 16);
    let mut last = 0;
    for (name, range) in placeholders(template) {
        out.push_str(&template[last..range.start]);
        out.push_str(&value(name, range.clone()).ok_or(name)?);
        last = range.end;
    }
    out.push_str(&template[last..]);
    Ok(out)
}

/// A base URL given by the user, possibly with the same placeholders as the connector's default
/// (`http://127.0.0.1:8080/{company_domain}/v1`). Checked once when parsed; filled per check.
#[derive(Clone, PartialEq, Eq)]
pub struct UrlTemplate {
    text: String,
    /// The parsed URL when the template has no placeholders, so bulk checks skip the parse.
    fixed: Option<Url>,
}

/// Why a base URL template is unusable. Never quotes the text (it may hold credentials).
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum UrlTemplateError {
    #[error("is not a valid URL ({0})")]
    Invalid(String),
    #[error("must start with http:// or https://")]
    Scheme,
    #[error("must not carry a user name or password; credentials go in the credentials file")]
    UserInfo,
    #[error("has a placeholder that is not a field name (`{{` without a matching `}}`, or characters other than a-z, 0-9 and `_`)")]
    Placeholder,
}

impl UrlTemplate {
    pub fn parse(text: &str) -> Result<Self, UrlTemplateError> {
        let mut has_placeholders = false;
        for (name, _) in placeholders(text) {
            has_placeholders = true;
            if name.is_empty()
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            {
                return Err(UrlTemplateError::Placeholder);
            }
        }
        let unmatched = fill(text, |_, _| Some(String::new()))
            .map_or(true, |rest| rest.contains('{') || rest.contains('}'));
        if unmatched {
            return Err(UrlTemplateError::Placeholder);
        }
        // A stand-in value shows whether the template is a URL once filled.
        let sample =
            fill(text, |_, _| Some("x".to_owned())).map_err(|_| UrlTemplateError::Placeholder)?;
        let url = Url::parse(&sample).map_err(|e| UrlTemplateError::Invalid(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(UrlTemplateError::Scheme);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(UrlTemplateError::UserInfo);
        }
        Ok(Self {
            text: text.to_owned(),
            fixed: (!has_placeholders).then_some(url),
        })
    }

    /// The template as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The URL when there is nothing to fill.
    pub fn fixed(&self) -> Option<&Url> {
        self.fixed.as_ref()
    }
}

impl From<Url> for UrlTemplate {
    fn from(url: Url) -> Self {
        Self {
            text: url.as_str().to_owned(),
            fixed: Some(url),
        }
    }
}

impl fmt::Debug for UrlTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Origin and shape only: an override could carry something secret in its path.
        match &self.fixed {
            Some(url) => write!(f, "UrlTemplate({})", url.origin().ascii_serialization()),
            None => write!(
                f,
                "UrlTemplate({} characters, with placeholders)",
                self.text.len()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_found_in_order_with_their_place() {
        let t = "https://{subdomain}.workable.com/spi/{version}";
        let found: Vec<(&str, Placement)> = placeholders(t)
            .map(|(name, range)| (name, base_placement(t, range.start)))
            .collect();
        assert_eq!(
            found,
            [
                ("subdomain", Placement::HostLabel),
                ("version", Placement::PathSegment)
            ]
        );
    }

    #[test]
    fn escaping_values_are_refused_in_hosts_and_paths() {
        for bad in [
            "",
            "acme.evil.example#",
            "acme/../x",
            "acme@evil",
            "%2e%2e",
            "a b",
            "a:1",
            "a?b",
        ] {
            assert!(!Placement::HostLabel.allows(bad), "{bad}");
            assert!(!Placement::PathSegment.allows(bad), "{bad}");
        }
        assert!(Placement::HostLabel.allows("acme-1"));
        assert!(!Placement::HostLabel.allows("acme_1"));
        assert!(Placement::PathSegment.allows("acme_1"));
        assert!(!Placement::HostLabel.allows(&"a".repeat(64)));
    }

    #[test]
    fn url_templates_are_checked_once_filled() {
        assert!(UrlTemplate::parse("http://127.0.0.1:9/{company_domain}/v1").is_ok());
        assert!(UrlTemplate::parse("http://{subdomain}.localhost:9").is_ok());
        assert!(UrlTemplate::parse("http://127.0.0.1:9")
            .expect("valid in this test")
            .fixed()
            .is_some());
        assert_eq!(
            UrlTemplate::parse("http://{Sub}.x"),
            Err(UrlTemplateError::Placeholder)
        );
        assert_eq!(
            UrlTemplate::parse("http://{sub.x"),
            Err(UrlTemplateError::Placeholder)
        );
        assert_eq!(UrlTemplate::parse("ftp://x"), Err(UrlTemplateError::Scheme));
        assert_eq!(
            UrlTemplate::parse("https://u:p@x"),
            Err(UrlTemplateError::UserInfo)
        );
    }

    #[test]
    fn fill_names_the_first_placeholder_it_cannot_fill() {
        let filled = fill("/a/{x}/b", |n, _| (n == "x").then(|| "1".to_owned()));
        assert_eq!(filled.expect("valid in this test"), "/a/1/b");
        assert_eq!(fill("/{y}", |_, _| None), Err("y"));
    }
}

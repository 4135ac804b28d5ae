//! Credentials as secrets: parsing without echoing values, and masking to the last four
//! characters. Finding secrets in text is `redact.rs`'s job.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

/// Keys shorter than this are masked completely: showing four characters of them gives too much away.
pub const MIN_LEN_TO_SHOW_TAIL: usize = 12;

/// Masks a key to its last four characters, e.g. `••••860c`; short keys are fully masked.
pub fn mask(key: &str) -> String {
    if key.chars().nth(MIN_LEN_TO_SHOW_TAIL - 1).is_none() {
        return "••••".to_owned();
    }
    let start = key.char_indices().rev().nth(3).map_or(0, |(i, _)| i);
    format!("••••{}", &key[start..])
}

/// A credential value as supplied by the user, before validation.
pub enum RawValue {
    Text(SecretString),
    /// A JSON value that is not a string, number or boolean; only its kind is kept.
    Unsupported(&'static str),
}

impl fmt::Debug for RawValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RawValue::Text(_) => f.write_str("Text([REDACTED])"),
            RawValue::Unsupported(kind) => write!(f, "Unsupported({kind})"),
        }
    }
}

/// Field values as the user supplied them, keyed by field key. Values are secrets from the moment
/// they are parsed, so Debug never shows them.
#[derive(Debug, Default)]
pub struct RawCredentials {
    values: BTreeMap<String, RawValue>,
}

/// Why a credentials document could not be read. Never contains a value.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsParseError {
    #[error(
        "credentials are not valid JSON ({0}); expected an object such as {{\"api_key\": \"…\"}}"
    )]
    Syntax(String),
    #[error("credentials must be a JSON object such as {{\"api_key\": \"…\"}}, not {0}")]
    NotAnObject(&'static str),
}

/// `(field, value)` pairs, as [`RawCredentials::insert`] takes them one by one.
impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for RawCredentials {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(pairs: I) -> Self {
        let mut creds = Self::new();
        for (key, value) in pairs {
            creds.insert(key, value);
        }
        creds
    }
}

impl RawCredentials {
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses a JSON object of field values. Errors name positions and kinds, never values.
    pub fn from_json(text: &str) -> Result<Self, CredentialsParseError> {
        // Editors on some systems start a UTF-8 file with a byte-order mark.
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
        let value: Value = serde_json::from_str(text).map_err(|e| {
            CredentialsParseError::Syntax(format!("line {}, column {}", e.line(), e.column()))
        })?;
        Self::from_value(value)
    }

    /// Takes the fields of a JSON object; consumes it so no plain copy of a secret lingers.
    pub fn from_value(value: Value) -> Result<Self, CredentialsParseError> {
        let Value::Object(map) = value else {
            return Err(CredentialsParseError::NotAnObject(json_kind(&value)));
        };
        Ok(Self::from_pairs(map))
    }

    /// The fields of a JSON object, as `(name, value)` pairs read from it; a name given twice
    /// keeps its last value. Texts are kept as given; booleans and integers as their text; any
    /// other value is kept as unsupported, for validation to name.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, Value)>) -> Self {
        let mut creds = Self::new();
        for (key, value) in pairs {
            let raw = match value {
                Value::String(s) => RawValue::Text(SecretString::from(s)),
                Value::Bool(b) => RawValue::Text(SecretString::from(b.to_string())),
                // Integers keep their exact digits; any other number has already been rounded
                // by the JSON reader, so sending it would send another value.
                Value::Number(n) if n.is_i64() || n.is_u64() => {
                    RawValue::Text(SecretString::from(n.to_string()))
                }
                Value::Number(_) => RawValue::Unsupported(
                    "a number with a fraction or exponent, which JSON cannot carry exactly (put the value in quotes)",
                ),
                other => RawValue::Unsupported(json_kind(&other)),
            };
            creds.values.insert(key, raw);
        }
        creds
    }

    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.values
            .insert(key.into(), RawValue::Text(SecretString::from(value.into())));
    }

    pub fn get(&self, key: &str) -> Option<&RawValue> {
        self.values.get(key)
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }

    /// Every text value, for redacting output (any value may be a key put in the wrong field).
    pub fn secrets(&self) -> impl Iterator<Item = &SecretString> {
        self.values.values().filter_map(|v| match v {
            RawValue::Text(s) => Some(s),
            RawValue::Unsupported(_) => None,
        })
    }

    /// A stable fingerprint of the values, for deduplicating identical credentials without keeping
    /// a second plain copy. Not a security hash: only used in memory within one run.
    pub fn fingerprint(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        for (key, value) in &self.values {
            key.hash(&mut hasher);
            match value {
                RawValue::Text(s) => s.expose_secret().hash(&mut hasher),
                RawValue::Unsupported(kind) => kind.hash(&mut hasher),
            }
        }
        hasher.finish()
    }
}

/// A JSON value's kind in words (`a string`, `an array`…), for messages that must not quote it.
pub fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Validated field values, ready to be sent. Debug never shows a value.
pub struct Credentials<'a> {
    values: BTreeMap<&'a str, SecretString>,
    /// The fields holding secrets: the ones declared secret, and the one the auth scheme sends.
    secret: BTreeSet<&'a str>,
}

impl fmt::Debug for Credentials<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.values.keys().map(|k| (k, "[REDACTED]")))
            .finish()
    }
}

impl<'a> Credentials<'a> {
    pub(crate) fn new(values: BTreeMap<&'a str, SecretString>, secret: BTreeSet<&'a str>) -> Self {
        Self { values, secret }
    }

    /// Counts `key` among the secret fields (the field an auth scheme sends always is one).
    pub(crate) fn mark_secret(&mut self, key: &'a str) {
        self.secret.insert(key);
    }

    pub fn get(&self, key: &str) -> Option<&SecretString> {
        self.values.get(key)
    }

    /// Whether `key` holds a secret.
    pub fn is_secret(&self, key: &str) -> bool {
        self.secret.contains(key)
    }

    /// The non-secret fields and their values, e.g. for `{api_version}` in a message.
    pub fn public(&self) -> impl Iterator<Item = (&'a str, String)> + '_ {
        self.values
            .iter()
            .filter(|(key, _)| !self.secret.contains(*key))
            .map(|(key, value)| (*key, value.expose_secret().to_owned()))
    }

    /// The values of the secret fields.
    pub fn secrets(&self) -> impl Iterator<Item = &SecretString> {
        self.values
            .iter()
            .filter(|(key, _)| self.secret.contains(*key))
            .map(|(_, value)| value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_keeps_only_the_last_four_characters() {
        assert_eq!(mask("0123456789abcdef860c"), "••••860c");
        assert_eq!(mask("short"), "••••");
        assert_eq!(mask("01234567890é"), "••••890é");
        assert_eq!(mask("0123456789a"), "••••");
        assert_eq!(mask(""), "••••");
    }

    #[test]
    fn parse_errors_never_echo_values() {
        let err = RawCredentials::from_json("\"sk-live-abcdefgh1234\"").unwrap_err();
        assert!(!err.to_string().contains("sk-live"), "{err}");
        let err = RawCredentials::from_json("{\"api_key\": sk-live-abcdefgh1234}").unwrap_err();
        assert!(!err.to_string().contains("sk-live"), "{err}");
    }

    #[test]
    fn a_byte_order_mark_is_skipped_and_rounded_numbers_are_refused() {
        let raw =
            RawCredentials::from_json("\u{FEFF}{\"api_key\": \"k\", \"n\": 12345678901234567890}")
                .unwrap();
        assert!(matches!(raw.get("api_key"), Some(RawValue::Text(_))));
        match raw.get("n") {
            Some(RawValue::Text(n)) => assert_eq!(n.expose_secret(), "12345678901234567890"),
            other => panic!("{other:?}"),
        }
        let raw = RawCredentials::from_json("{\"api_key\": 1234567890123456789012345}").unwrap();
        assert!(matches!(raw.get("api_key"), Some(RawValue::Unsupported(_))));
        let raw = RawCredentials::from_json("{\"api_key\": 1.5}").unwrap();
        assert!(matches!(raw.get("api_key"), Some(RawValue::Unsupported(_))));
    }

    #[test]
    fn debug_never_shows_values() {
        let mut raw = RawCredentials::new();
        raw.insert("api_key", "sk-live-abcdefgh1234");
        assert!(!format!("{raw:?}").contains("sk-live"));
    }
}

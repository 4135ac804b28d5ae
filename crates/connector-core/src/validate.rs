//! Local validation: everything that can be said about a credential without sending it anywhere.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{OnceLock, RwLock};

use regex::Regex;
use secrecy::{ExposeSecret, SecretString};

use crate::secret::{mask, Credentials, RawCredentials, RawValue};
use crate::spec::{CredentialVariant, Field, Format};
use crate::text::{describe_value, ordinal};

/// Longest value accepted in any field.
pub const MAX_FIELD_BYTES: usize = 4096;

/// Credentials that passed local validation.
#[derive(Debug)]
pub struct Validated<'a> {
    pub credentials: Credentials<'a>,
    pub warnings: Vec<String>,
    /// The key field's value, masked.
    pub masked_key: Option<String>,
}

/// Why credentials were refused before any request. Names the field and the fix, never the value.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct InvalidInput {
    pub field: Option<String>,
    pub message: String,
    pub warnings: Vec<String>,
    pub masked_key: Option<String>,
}

/// Checks field values against a variant's fields: required fields present, surrounding ASCII
/// whitespace trimmed, no other whitespace, control or invisible characters, size bounded,
/// choices respected; format hints yield warnings.
pub fn validate<'a>(
    variant: &'a CredentialVariant<'a>,
    raw: &RawCredentials,
) -> Result<Validated<'a>, InvalidInput> {
    let mut validated = validate_fields(
        variant.fields,
        raw,
        masked_key(variant, raw),
        Form::Credentials,
    )?;
    if let Some(field) = variant.key_field() {
        validated.credentials.mark_secret(field.key);
    }
    Ok(validated)
}

/// Validates values against any list of fields (credential fields or an action's inputs).
pub fn validate_fields<'a>(
    fields: &'a [Field<'a>],
    raw: &RawCredentials,
    masked_key: Option<String>,
    form: Form,
) -> Result<Validated<'a>, InvalidInput> {
    let noun = form.noun();
    let mut warnings = Vec::new();
    let invalid = |field: &Field, message: String, warnings: &Vec<String>| InvalidInput {
        field: Some(field.key.to_owned()),
        message,
        warnings: warnings.clone(),
        masked_key: masked_key.clone(),
    };

    for (position, key) in raw.keys().enumerate() {
        if !fields.iter().any(|f| f.key == key) {
            // The name is not quoted: a key pasted as a field name would be shown.
            let known: Vec<&str> = fields.iter().map(|f| f.key).collect();
            warnings.push(format!(
                "ignored an unknown {noun} (the {} name in alphabetical order, {}); the known {noun}s are: {}",
                ordinal(position + 1),
                describe_value(key),
                known.join(", ")
            ));
        }
    }

    let mut values = BTreeMap::new();
    let mut secret = BTreeSet::new();
    for field in fields {
        let supplied = match raw.get(field.key) {
            Some(RawValue::Unsupported(kind)) => {
                return Err(invalid(
                    field,
                    format!(
                        "{noun} `{}` ({}) must be a string, not {kind}",
                        field.key, field.label
                    ),
                    &warnings,
                ));
            }
            Some(RawValue::Text(value)) => Some(value.expose_secret()),
            None => None,
        };
        // Only ASCII whitespace is a paste artifact worth forgiving; anything else is refused below.
        let trimmed = supplied
            .map(|v| v.trim_matches(|c: char| c.is_ascii_whitespace()))
            .filter(|v| !v.is_empty());
        if let (Some(original), Some(trimmed)) = (supplied, trimmed) {
            if original.len() != trimmed.len() {
                warnings.push(format!(
                    "{noun} `{}` had surrounding whitespace (often a pasted newline); it was removed",
                    field.key
                ));
            }
        }
        // An environment the key's prefix names: filled in when left empty, checked when given.
        let trimmed = match key_prefix(field, raw) {
            None => trimmed,
            Some((named, prefix, key)) => match trimmed {
                None => Some(named),
                Some(given) if given == named => trimmed,
                Some(given) if field.format.choices().is_some_and(|c| c.contains(&given)) => {
                    return Err(invalid(
                        field,
                        format!(
                            "{noun} `{}` is `{given}`, but the key in `{key}` starts with `{prefix}`, which is a {named} key; leave `{}` empty to follow the key, or give a {given} key",
                            field.key, field.key
                        ),
                        &warnings,
                    ));
                }
                Some(_) => trimmed,
            },
        };
        let value = match (trimmed, field.default) {
            (Some(v), _) => v,
            (None, Some(default)) => default,
            (None, None) if field.required => {
                return Err(invalid(field, missing_message(field, form), &warnings));
            }
            (None, None) => continue,
        };
        check_value(field, value, noun, &mut warnings).map_err(|m| invalid(field, m, &warnings))?;
        values.insert(field.key, SecretString::from(value.to_owned()));
        if field.secret {
            secret.insert(field.key);
        }
    }

    Ok(Validated {
        credentials: Credentials::new(values, secret),
        warnings,
        masked_key,
    })
}

/// For a `KeyPrefix` field: the value the key's prefix names, the prefix and the key's field
/// name, when the key (trimmed) starts with one of the declared prefixes.
fn key_prefix<'a>(field: &Field<'a>, raw: &RawCredentials) -> Option<(&'a str, &'a str, &'a str)> {
    let Format::KeyPrefix { key, .. } = field.format else {
        return None;
    };
    let RawValue::Text(value) = raw.get(key)? else {
        return None;
    };
    let (named, prefix) = field.format.value_for_key(
        value
            .expose_secret()
            .trim_matches(|c: char| c.is_ascii_whitespace()),
    )?;
    Some((named, prefix, key))
}

/// The masked key as supplied (trimmed), if the key field was given as text.
pub fn masked_key(variant: &CredentialVariant, raw: &RawCredentials) -> Option<String> {
    match raw.get(variant.key_field()?.key) {
        Some(RawValue::Text(value)) => {
            let trimmed = value
                .expose_secret()
                .trim_matches(|c: char| c.is_ascii_whitespace());
            (!trimmed.is_empty()).then(|| mask(trimmed))
        }
        _ => None,
    }
}

fn missing_message(field: &Field, form: Form) -> String {
    let (noun, place) = (form.noun(), form.place());
    match field.env {
        Some(env) => format!(
            "{noun} `{}` ({}) is required: put it in {place} or set {env}",
            field.key, field.label
        ),
        None => format!(
            "{noun} `{}` ({}) is required: put it in {place}",
            field.key, field.label
        ),
    }
}

/// What is being validated, for messages: a credential's fields or an action's inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Credentials,
    Inputs,
}

impl Form {
    fn noun(self) -> &'static str {
        match self {
            Form::Credentials => "field",
            Form::Inputs => "input",
        }
    }

    fn place(self) -> &'static str {
        match self {
            Form::Credentials => "the credentials JSON",
            Form::Inputs => "the --input JSON or a --set KEY=VALUE",
        }
    }
}

/// Hard rules reject; format hints only warn.
fn check_value(
    field: &Field,
    value: &str,
    noun: &str,
    warnings: &mut Vec<String>,
) -> Result<(), String> {
    let name = field.key;
    if value.len() > MAX_FIELD_BYTES {
        return Err(format!(
            "{noun} `{name}` is {} bytes, more than the {} KiB any key can be; paste the key itself, not a file",
            value.len(),
            MAX_FIELD_BYTES / 1024
        ));
    }
    // Visible ASCII (most keys) has none of the characters refused below: one byte loop says
    // so, instead of three passes over the characters.
    if !value.bytes().all(|b| b.is_ascii_graphic()) {
        refuse_characters(name, value, noun)?;
    }
    match field.format {
        Format::Choice(choices) if !choices.contains(&value) => {
            return Err(format!(
                "{noun} `{name}` must be one of {}",
                choices.join(", ")
            ));
        }
        Format::KeyPrefix { values, .. } if !values.iter().any(|(v, _)| *v == value) => {
            let names: Vec<&str> = values.iter().map(|(v, _)| *v).collect();
            return Err(format!(
                "{noun} `{name}` must be one of {}, or left empty to follow the key's prefix",
                names.join(", ")
            ));
        }
        Format::Boolean if value != "true" && value != "false" => {
            return Err(format!("{noun} `{name}` must be true or false"));
        }
        Format::Uuid | Format::Pattern { .. } if !format_matches(field.format, value) => {
            let warning = format!(
                "{noun} `{name}` does not look like {}; checking it anyway",
                field.format.describe()
            );
            if field.secret {
                warnings.push(warning);
            } else {
                return Err(format!(
                    "{noun} `{name}` must be {}",
                    field.format.describe()
                ));
            }
        }
        _ => {}
    }
    Ok(())
}

/// Refuses whitespace, control and invisible characters, naming the first one and where it is.
fn refuse_characters(name: &str, value: &str, noun: &str) -> Result<(), String> {
    if let Some((pos, c)) = value.chars().enumerate().find(|(_, c)| c.is_whitespace()) {
        return Err(format!(
            "{noun} `{name}` contains whitespace ({}) at character {}; keys never do: paste it again without spaces or line breaks",
            code_point(c),
            pos + 1
        ));
    }
    if let Some((pos, c)) = value.chars().enumerate().find(|(_, c)| c.is_control()) {
        return Err(format!(
            "{noun} `{name}` contains a control character ({}) at character {}; paste the key again from its source",
            code_point(c),
            pos + 1
        ));
    }
    if let Some((pos, c)) = value.chars().enumerate().find(|(_, c)| is_invisible(*c)) {
        return Err(format!(
            "{noun} `{name}` contains an invisible character ({}) at character {}; it often comes with text copied from a web page or a chat: type or paste the key again from its source",
            code_point(c),
            pos + 1
        ));
    }
    Ok(())
}

/// `U+200B`, for messages that must name a character without printing it.
fn code_point(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

/// Format characters (Unicode category Cf): zero-width spaces and joiners, the byte-order mark,
/// bidi controls, invisible operators and tags. They show as nothing, so a key holding one looks
/// right and is refused by the provider. Whitespace (Zs, Zl, Zp) and controls are caught before.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{0600}'..='\u{0605}'
            | '\u{061C}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08E2}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
    )
}

/// Whether a value matches a format's pattern; formats without a pattern always match.
/// How many compiled patterns are kept; past it the cache starts over.
const REGEX_CACHE_LIMIT: usize = 256;

pub fn format_matches(format: Format, value: &str) -> bool {
    if let Format::Uuid = format {
        return is_uuid(value);
    }
    let Some(pattern) = format.regex() else {
        return match format {
            Format::Choice(choices) => choices.contains(&value),
            Format::KeyPrefix { values, .. } => values.iter().any(|(v, _)| *v == value),
            Format::Boolean => value == "true" || value == "false",
            _ => true,
        };
    };
    static CACHE: OnceLock<RwLock<HashMap<String, Regex>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    // Match under the read lock: cloning a Regex would give it a fresh match cache each time.
    if let Some(matched) = cache
        .read()
        .ok()
        .and_then(|c| c.get(pattern).map(|re| re.is_match(value)))
    {
        return matched;
    }
    // An invalid pattern is a connector bug the conformance suite reports; here it matches nothing.
    let Ok(re) = Regex::new(pattern) else {
        return false;
    };
    let matched = re.is_match(value);
    if let Ok(mut cache) = cache.write() {
        // Loaded definitions bring patterns at run time: the cache stays bounded.
        if cache.len() >= REGEX_CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(pattern.to_owned(), re);
    }
    matched
}

/// The UUID shape (8-4-4-4-12 hexadecimal digits) without a regex: bulk checks test every line.
fn is_uuid(value: &str) -> bool {
    value.len() == 36
        && value.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::field::UUID_REGEX;

    #[test]
    fn the_uuid_check_agrees_with_the_catalog_pattern() {
        let re = Regex::new(UUID_REGEX).unwrap();
        for value in [
            "8e5dcfdd-d23d-4e6f-a136-119e1254847b",
            "8E5DCFDD-D23D-4E6F-A136-119E1254847B",
            "8e5dcfdd-d23d-4e6f-a136-119e1254847",
            "8e5dcfdd-d23d-4e6f-a136-119e1254847bb",
            "8e5dcfddxd23d-4e6f-a136-119e1254847b",
            "ge5dcfdd-d23d-4e6f-a136-119e1254847b",
            "8e5dcfdd-d23d-4e6f-a136-119e1254847é",
            "",
        ] {
            assert_eq!(is_uuid(value), re.is_match(value), "{value}");
        }
    }

    fn refusal(value: &str) -> Option<String> {
        const KEY: &[crate::spec::Field] = &[crate::spec::Field::api_key("X")];
        let mut raw = RawCredentials::new();
        raw.insert("api_key", value);
        validate_fields(KEY, &raw, None, Form::Credentials)
            .err()
            .map(|e| e.message)
    }

    #[test]
    fn invisible_and_unusual_whitespace_is_refused_naming_position_and_code_point() {
        for (value, expected) in [
            ("abc\u{200B}def", "U+200B) at character 4"),
            ("\u{FEFF}abcdef", "U+FEFF) at character 1"),
            ("abcdef\u{2060}", "U+2060) at character 7"),
            ("ab\u{202E}cdef", "U+202E) at character 3"),
            ("abcdef\u{00A0}", "U+00A0) at character 7"),
            ("ab\u{2028}cd", "U+2028) at character 3"),
            ("ab\u{2029}cd", "U+2029) at character 3"),
            ("ab\u{3000}cd", "U+3000) at character 3"),
        ] {
            let message = refusal(value).unwrap_or_else(|| panic!("{value:?} was accepted"));
            assert!(message.contains(expected), "{value:?}: {message}");
        }
        assert_eq!(refusal(" \tabcdef\r\n"), None);
    }

    #[test]
    fn unknown_field_names_are_described_not_quoted() {
        const KEY: &[crate::spec::Field] = &[crate::spec::Field::api_key("X")];
        let mut raw = RawCredentials::new();
        raw.insert("api_key", "abcdef");
        raw.insert("sk-live-abcdefgh1234", "x");
        let ok = validate_fields(KEY, &raw, None, Form::Credentials).unwrap();
        assert!(!ok.warnings[0].contains("abcdefgh"), "{}", ok.warnings[0]);
        assert!(
            ok.warnings[0].contains("20-character"),
            "{}",
            ok.warnings[0]
        );
    }

    proptest::proptest! {
        /// Validation never panics, and what it accepts holds no character a person cannot see.
        #[test]
        fn accepted_values_are_visible(value in "\\PC{0,40}|.{0,40}") {
            if refusal(&value).is_none() {
                let kept = value.trim_matches(|c: char| c.is_ascii_whitespace());
                proptest::prop_assert!(!kept.chars().any(|c| c.is_whitespace() || c.is_control() || is_invisible(c)));
            }
        }
    }

    #[test]
    fn format_hints_on_secrets_warn_and_rules_on_other_fields_reject() {
        const SECRET_UUID: &[crate::spec::Field] = &[crate::spec::Field {
            format: Format::Uuid,
            ..crate::spec::Field::api_key("X")
        }];
        const PLAIN_UUID: &[crate::spec::Field] = &[crate::spec::Field {
            secret: false,
            format: Format::Uuid,
            ..crate::spec::Field::api_key("X")
        }];
        let mut raw = RawCredentials::new();
        raw.insert("api_key", "not-a-uuid-but-fine");
        let ok = validate_fields(SECRET_UUID, &raw, None, Form::Credentials).unwrap();
        assert_eq!(ok.warnings.len(), 1);

        let err = validate_fields(PLAIN_UUID, &raw, None, Form::Credentials).unwrap_err();
        assert!(err.message.contains("UUID"), "{}", err.message);
    }
}

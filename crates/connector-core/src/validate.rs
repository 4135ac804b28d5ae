//! Local validation: everything that can be said about a credential without sending it anywhere.

use std::collections::{BTreeMap, HashMap};
use std::sync::{OnceLock, RwLock};

use regex::Regex;
use secrecy::{ExposeSecret, SecretString};

use crate::secret::{mask, Credentials, RawCredentials, RawValue};
use crate::spec::{CredentialVariant, Field, Format};

/// Longest value accepted in any field.
pub const MAX_FIELD_BYTES: usize = 4096;

/// Credentials that passed local validation.
#[derive(Debug)]
pub struct Validated {
    pub credentials: Credentials,
    pub warnings: Vec<String>,
    /// The key field's value, masked.
    pub masked_key: Option<String>,
}

/// Why credentials were refused before any request. Names the field and the fix, never the value.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct InvalidInput {
    pub field: Option<&'static str>,
    pub message: String,
    pub warnings: Vec<String>,
    pub masked_key: Option<String>,
}

/// Checks field values against a variant's fields: required fields present, whitespace trimmed,
/// no interior whitespace or control characters, size bounded, choices respected; format hints
/// yield warnings.
pub fn validate(
    variant: &'static CredentialVariant,
    raw: &RawCredentials,
) -> Result<Validated, InvalidInput> {
    validate_fields(variant.fields, raw, masked_key(variant, raw))
}

/// Validates values against any list of fields (credential fields or an action's inputs).
pub fn validate_fields(
    fields: &'static [Field],
    raw: &RawCredentials,
    masked_key: Option<String>,
) -> Result<Validated, InvalidInput> {
    let mut warnings = Vec::new();
    let invalid = |field: &'static Field, message: String, warnings: &Vec<String>| InvalidInput {
        field: Some(field.key),
        message,
        warnings: warnings.clone(),
        masked_key: masked_key.clone(),
    };

    for key in raw.keys() {
        if !fields.iter().any(|f| f.key == key) {
            let known: Vec<&str> = fields.iter().map(|f| f.key).collect();
            warnings.push(format!(
                "ignored unknown field `{key}`; the known fields are: {}",
                known.join(", ")
            ));
        }
    }

    let mut values = BTreeMap::new();
    for field in fields {
        let supplied = match raw.get(field.key) {
            Some(RawValue::Unsupported(kind)) => {
                return Err(invalid(
                    field,
                    format!(
                        "field `{}` ({}) must be a string, not {kind}",
                        field.key, field.label
                    ),
                    &warnings,
                ));
            }
            Some(RawValue::Text(value)) => Some(value.expose_secret()),
            None => None,
        };
        let trimmed = supplied.map(str::trim).filter(|v| !v.is_empty());
        if let (Some(original), Some(trimmed)) = (supplied, trimmed) {
            if original.len() != trimmed.len() {
                warnings.push(format!(
                    "field `{}` had surrounding whitespace (often a pasted newline); it was removed",
                    field.key
                ));
            }
        }
        let value = match (trimmed, field.default) {
            (Some(v), _) => v,
            (None, Some(default)) => default,
            (None, None) if field.required => {
                return Err(invalid(field, missing_message(field), &warnings));
            }
            (None, None) => continue,
        };
        check_value(field, value, &mut warnings).map_err(|m| invalid(field, m, &warnings))?;
        values.insert(field.key, SecretString::from(value.to_owned()));
    }

    Ok(Validated {
        credentials: Credentials::new(values),
        warnings,
        masked_key,
    })
}

/// The masked key as supplied (trimmed), if the key field was given as text.
pub fn masked_key(variant: &CredentialVariant, raw: &RawCredentials) -> Option<String> {
    match raw.get(variant.auth.field()) {
        Some(RawValue::Text(value)) => {
            let trimmed = value.expose_secret().trim();
            (!trimmed.is_empty()).then(|| mask(trimmed))
        }
        _ => None,
    }
}

fn missing_message(field: &Field) -> String {
    match field.env {
        Some(env) => format!(
            "field `{}` ({}) is required: put it in the credentials JSON or set {env}",
            field.key, field.label
        ),
        None => format!(
            "field `{}` ({}) is required: put it in the credentials JSON",
            field.key, field.label
        ),
    }
}

/// Hard rules reject; format hints only warn.
fn check_value(field: &Field, value: &str, warnings: &mut Vec<String>) -> Result<(), String> {
    let name = field.key;
    if value.len() > MAX_FIELD_BYTES {
        return Err(format!(
            "field `{name}` is {} bytes, more than the {} KiB any key can be; paste the key itself, not a file",
            value.len(),
            MAX_FIELD_BYTES / 1024
        ));
    }
    if let Some(pos) = value.chars().position(char::is_whitespace) {
        return Err(format!(
            "field `{name}` contains whitespace at character {}; keys never do: paste it again without spaces or line breaks",
            pos + 1
        ));
    }
    if let Some(pos) = value.chars().position(char::is_control) {
        return Err(format!(
            "field `{name}` contains a control character at character {}; paste the key again from its source",
            pos + 1
        ));
    }
    match field.format {
        Format::Choice(choices) if !choices.contains(&value) => {
            return Err(format!(
                "field `{name}` must be one of {}",
                choices.join(", ")
            ));
        }
        Format::Boolean if value != "true" && value != "false" => {
            return Err(format!("field `{name}` must be true or false"));
        }
        Format::Uuid | Format::Pattern { .. } if !format_matches(field.format, value) => {
            let warning = format!(
                "field `{name}` does not look like {}; checking it anyway",
                field.format.describe()
            );
            if field.secret {
                warnings.push(warning);
            } else {
                return Err(format!(
                    "field `{name}` must be {}",
                    field.format.describe()
                ));
            }
        }
        _ => {}
    }
    Ok(())
}

/// Whether a value matches a format's pattern; formats without a pattern always match.
pub fn format_matches(format: Format, value: &str) -> bool {
    if let Format::Uuid = format {
        return is_uuid(value);
    }
    let Some(pattern) = format.regex() else {
        return match format {
            Format::Choice(choices) => choices.contains(&value),
            Format::Boolean => value == "true" || value == "false",
            _ => true,
        };
    };
    static CACHE: OnceLock<RwLock<HashMap<&'static str, Regex>>> = OnceLock::new();
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
        cache.insert(pattern, re);
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
    use crate::spec::UUID_REGEX;

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

    #[test]
    fn format_hints_on_secrets_warn_and_rules_on_other_fields_reject() {
        const SECRET_UUID: &[crate::Field] = &[crate::Field {
            format: Format::Uuid,
            ..crate::Field::api_key("X")
        }];
        const PLAIN_UUID: &[crate::Field] = &[crate::Field {
            secret: false,
            format: Format::Uuid,
            ..crate::Field::api_key("X")
        }];
        let mut raw = RawCredentials::new();
        raw.insert("api_key", "not-a-uuid-but-fine");
        let ok = validate_fields(SECRET_UUID, &raw, None).unwrap();
        assert_eq!(ok.warnings.len(), 1);

        let err = validate_fields(PLAIN_UUID, &raw, None).unwrap_err();
        assert!(err.message.contains("UUID"), "{}", err.message);
    }
}

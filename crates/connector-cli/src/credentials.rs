//! Where credentials come from: a JSON file, stdin, or each field's environment variable. Never
//! from the command line, where they would land in shell history and process listings.

use std::io::Read;

use connector_core::secret::CredentialsParseError;
use connector_core::{CredentialVariant, RawCredentials};

use crate::usage::UsageError;

/// The most bytes read from a credentials file or stdin.
const MAX_CREDENTIALS_BYTES: u64 = 1024 * 1024;

/// Why credentials could not be had.
#[derive(Debug)]
pub enum CredentialsError {
    /// The file or stdin could not be read: a usage error.
    Unreadable(UsageError),
    /// The text is not a JSON object: reported as `invalid_input`.
    Invalid(CredentialsParseError),
}

/// Reads credentials from `source` (a path or `-`), or from the variant's environment variables.
pub fn read(
    source: Option<&str>,
    variant: &CredentialVariant,
) -> Result<RawCredentials, CredentialsError> {
    let Some(source) = source else {
        return Ok(from_env(variant, |name| std::env::var(name).ok()));
    };
    let text = read_source(source).map_err(CredentialsError::Unreadable)?;
    RawCredentials::from_json(&text).map_err(CredentialsError::Invalid)
}

/// Reads a file, or stdin for `-`, up to a size limit.
pub fn read_source(source: &str) -> Result<String, UsageError> {
    let (name, reader): (String, Box<dyn Read>) = if source == "-" {
        ("standard input".to_owned(), Box::new(std::io::stdin()))
    } else {
        let file = std::fs::File::open(source)
            .map_err(|e| UsageError::new(format!("cannot read credentials file {source}: {e}")))?;
        (source.to_owned(), Box::new(file))
    };
    let mut text = String::new();
    reader
        .take(MAX_CREDENTIALS_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| UsageError::new(format!("cannot read credentials from {name}: {e}")))?;
    if text.len() as u64 > MAX_CREDENTIALS_BYTES {
        return Err(UsageError::new(format!(
            "credentials from {name} are larger than 1 MiB; pass a JSON object such as {{\"api_key\": \"…\"}}"
        )));
    }
    Ok(text)
}

/// Each field's value from its environment variable, where set.
pub fn from_env(
    variant: &CredentialVariant,
    lookup: impl Fn(&str) -> Option<String>,
) -> RawCredentials {
    let mut raw = RawCredentials::new();
    for field in variant.fields {
        if let Some(value) = field.env.and_then(&lookup) {
            raw.insert(field.key, value);
        }
    }
    raw
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_fills_declared_fields_only() {
        let variant = polytomic_like();
        let raw = from_env(variant, |name| {
            (name == "POLYTOMIC_API_KEY").then(|| "k".to_owned())
        });
        assert_eq!(raw.keys().collect::<Vec<_>>(), vec!["api_key"]);
    }

    fn polytomic_like() -> &'static CredentialVariant<'static> {
        connector_registry::find("polytomic")
            .unwrap()
            .spec()
            .default_variant()
    }

    #[test]
    fn unreadable_file_names_the_path() {
        let err = read_source("/nonexistent/creds.json").unwrap_err();
        assert!(err.to_string().contains("/nonexistent/creds.json"), "{err}");
    }
}

//! A pinned address, `HOST:PORT:ADDR` as curl's `--resolve` takes it (`--resolve`, `resolve`,
//! `CONNECTOR_RESOLVE`), read by connector-core's [`Pin`]; errors name the setting.

pub use connector_core::http::Pin;

use crate::usage::UsageError;

/// Parses `HOST:PORT:ADDR` (an IPv6 ADDR may be bracketed); `setting` names where it came from
/// in the error.
pub fn parse_pin(text: &str, setting: &str) -> Result<Pin, UsageError> {
    Pin::parse(text).map_err(|why| {
        UsageError::new(format!(
            "{setting} takes HOST:PORT:ADDR as curl does, e.g. api.example.com:443:127.0.0.1 \
             ({why}; got {:?})",
            text.chars().take(80).collect::<String>()
        ))
    })
}

//! Usage errors: what the user asked for cannot be done as asked. Exit status 2.

use std::fmt;

/// A problem with the command line, a file or a setting, with the fix in its message.
#[derive(Debug)]
pub struct UsageError(String);

impl UsageError {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

impl From<connector_core::overrides::BaseUrlError> for UsageError {
    fn from(error: connector_core::overrides::BaseUrlError) -> Self {
        Self(error.to_string())
    }
}

/// The connector with this id, or an error suggesting the closest one.
pub fn find_connector(id: &str) -> Result<&'static dyn connector_core::Connector, UsageError> {
    connector_registry::lookup(id).map_err(|unknown| UsageError::new(unknown.to_string()))
}

/// Writes to stdout. A reader that went away (`connector list | head`) is not an error worth a
/// panic: the rest of the output is dropped.
pub fn print_out(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
}

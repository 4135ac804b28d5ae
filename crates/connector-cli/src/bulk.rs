//! `connector check --bulk`: many credentials at once, streamed, in input order (not written yet).

use std::process::ExitCode;

use crate::settings::Settings;
use crate::usage::UsageError;
use crate::CheckArgs;

pub async fn run(_args: &CheckArgs, _settings: &Settings) -> Result<ExitCode, UsageError> {
    Err(UsageError::new("--bulk is not available yet"))
}

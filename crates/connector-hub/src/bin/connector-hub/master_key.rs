//! Where the master key comes from: `CONNECTOR_HUB_MASTER_KEY` when set, else the key file.

use connector_hub::crypto::MASTER_KEY_ENV;
use connector_hub::keyring::KeySource;
use connector_hub::settings::Settings;

/// The master key's source for these settings.
pub fn key_source(settings: &Settings) -> KeySource {
    match std::env::var(MASTER_KEY_ENV) {
        Ok(text) if !text.trim().is_empty() => KeySource::Env(text),
        _ => KeySource::File(settings.master_key_file.clone()),
    }
}

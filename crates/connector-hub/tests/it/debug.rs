//! No `Debug` output of a settings, key or request type shows a secret: each is formatted with
//! `{:?}` and searched for a run of 12 characters of what it holds.

use connector_hub::keyring::{KeySource, Keyring};
use connector_hub::settings::{Flags, Settings};

use crate::support::assert_hidden;

const PASSWORD: &str = "pg-password-never-shown-7f3a";

#[test]
fn settings_and_flags_mask_a_database_password() {
    let url = format!("postgres://hub:{PASSWORD}@127.0.0.1:5432/hub");
    let settings = Settings {
        database: url.clone(),
        ..Settings::default()
    };
    let shown = format!("{settings:?}");
    assert_hidden(&shown, PASSWORD);
    assert!(shown.contains("postgres://hub:"), "{shown}");
    let flags = Flags {
        database: Some(url),
        ..Flags::default()
    };
    assert_hidden(&format!("{flags:?}"), PASSWORD);
}

#[test]
fn a_master_key_from_the_environment_is_never_shown() {
    let key = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, [42u8; 32]);
    let source = KeySource::Env(key.clone());
    assert_hidden(&format!("{source:?}"), &key);
    let keyring = Keyring::open(source).expect("keyring");
    assert_hidden(&format!("{keyring:?}"), &key);
}

#[test]
fn a_posted_form_is_never_shown() {
    let secret = "form-value-secret-0123456789";
    let form = connector_hub::http::extract::CsrfForm(vec![
        ("_csrf".to_owned(), "token".to_owned()),
        ("api_key".to_owned(), secret.to_owned()),
    ]);
    assert_hidden(&format!("{form:?}"), secret);
}

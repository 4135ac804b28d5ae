//! `init` and `admin-key create`: the database, the master key and admin hub keys, each key
//! printed once.

use std::path::PathBuf;

use connector_hub::crypto::MasterKey;
use connector_hub::hubkey::Scope;
use connector_hub::keyring::{self, KeySource, Keyring};
use connector_hub::settings::Settings;
use connector_hub::Hub;
use secrecy::ExposeSecret;

use crate::master_key::key_source;

/// What `init` did.
pub struct Initialised {
    key_file_written: Option<PathBuf>,
    admin_key: Option<secrecy::SecretString>,
    database: String,
}

pub async fn init(settings: &Settings) -> anyhow::Result<Initialised> {
    let source = key_source(settings);
    let key_file_written = match &source {
        KeySource::Env(_) => None,
        KeySource::File(path) if path.exists() => None,
        KeySource::File(path) => {
            keyring::write_key_file(path, &[&MasterKey::generate()])?;
            Some(path.clone())
        }
    };
    let keyring = Keyring::open(source)?;
    let hub = Hub::start(settings.clone(), keyring).await?;
    let admin_key = if hub.count_keys().await? == 0 {
        let (_, new) = hub
            .issue_key("admin", &Scope::ADMIN, "connector-hub init")
            .await?;
        Some(new.text)
    } else {
        None
    };
    let database = hub.database_name();
    hub.close().await;
    Ok(Initialised {
        key_file_written,
        admin_key,
        database,
    })
}

pub fn print_init(done: &Initialised, settings: &Settings, json: bool) {
    if json {
        let out = serde_json::json!({
            "database": done.database,
            "master_key_file": done.key_file_written.as_ref().map(|p| p.display().to_string()),
            "admin_key": done.admin_key.as_ref().map(|k| k.expose_secret().to_owned()),
        });
        println!("{out}");
        return;
    }
    println!("Database ready: {}", done.database);
    if let Some(path) = &done.key_file_written {
        println!(
            "Wrote a new master key to {} (owner-only). Back it up: without it the stored \
             credentials cannot be read.",
            path.display()
        );
    }
    match &done.admin_key {
        Some(key) => {
            println!(
                "\nThe first admin hub key (shown once; copy it now):\n\n    {}\n",
                key.expose_secret()
            );
            println!(
                "Sign in at http://{}/signin, or call the API with `Authorization: Bearer <key>`.",
                settings.listen
            );
        }
        None => println!("The database already has hub keys; no new key was created."),
    }
}

pub async fn create_admin_key(settings: Settings, name: &str, json: bool) -> anyhow::Result<()> {
    let keyring = Keyring::open(key_source(&settings))?;
    let hub = Hub::start(settings, keyring).await?;
    let issued = hub
        .issue_key(name, &Scope::ADMIN, "connector-hub admin-key create")
        .await;
    hub.close().await;
    let (row, new) = issued?;
    if json {
        let out = serde_json::json!({
            "id": row.id,
            "name": row.name,
            "admin_key": new.text.expose_secret(),
        });
        println!("{out}");
    } else {
        println!(
            "A new admin hub key ({}), shown once; copy it now:\n\n    {}\n\nThe audit log \
             records its creation. Revoke the keys you no longer trust on the Keys page.",
            row.id,
            new.text.expose_secret()
        );
    }
    Ok(())
}

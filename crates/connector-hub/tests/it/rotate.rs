//! Master key rotation while the hub keeps serving: every credential ends up sealed under the new
//! key, the old key leaves the key file, and the running hub opens and writes throughout.

use std::collections::BTreeMap;

use crate::support::fake_provider;
use connector_hub::crypto::MasterKey;
use connector_hub::keyring::{read_key_file, write_key_file, KeySource, Keyring};
use connector_hub::service::LinkResult;
use connector_hub::settings::Settings;
use connector_hub::Hub;
use secrecy::{ExposeSecret, SecretString};

#[tokio::test]
async fn rotation_reseals_everything_while_the_hub_serves() {
    let provider = fake_provider("lever").await;
    let dir = tempfile::tempdir().expect("tempdir");
    let key_file = dir.path().join("hub.key");
    let first = MasterKey::generate();
    write_key_file(&key_file, &[&first]).expect("key file");
    let mut settings = Settings {
        database: crate::support::database_url(&dir).await,
        ..Settings::default()
    };
    settings
        .base_urls
        .insert("lever".to_owned(), provider.urls.clone());
    let keyring = Keyring::open(KeySource::File(key_file.clone())).expect("keyring");
    let hub = Hub::start(settings, keyring).await.expect("hub");
    let connector = connector_registry::find("lever").expect("lever");
    let variant = connector.spec().default_variant();
    let good = provider.good["api_key"].clone();
    let mut ids = Vec::new();
    for _ in 0..30 {
        let session = hub
            .create_session("o", &[], None, "test")
            .await
            .expect("session");
        let values = BTreeMap::from([("api_key".to_owned(), SecretString::from(good.clone()))]);
        match hub
            .link(&session.session, connector, variant, values, "")
            .await
            .expect("link")
        {
            LinkResult::Linked(account, _) => ids.push(account.id),
            other => panic!("not linked: {other:?}"),
        }
    }

    // Reads keep working during the rotation.
    let reader = {
        let hub = hub.clone();
        let ids = ids.clone();
        tokio::spawn(async move {
            let mut opened = 0;
            for round in 0..20 {
                for id in ids.iter().skip(round % 3).step_by(3) {
                    let account = hub.account(id).await.expect("account");
                    hub.credentials(&account).expect("opens during rotation");
                    opened += 1;
                }
                tokio::task::yield_now().await;
            }
            opened
        })
    };
    let rotated = connector_hub::rotate::rotate(&hub.settings.database, &key_file, |_| {})
        .await
        .expect("rotates");
    assert!(reader.await.expect("reader") > 0);
    assert_eq!(rotated.resealed, ids.len() as u64);
    assert_eq!(rotated.retired, vec![first.id().to_owned()]);

    let keys = read_key_file(&key_file).expect("key file");
    assert_eq!(keys.len(), 1, "the old key left the keyring");
    assert_eq!(keys[0].id(), rotated.new_key_id);
    assert_eq!(
        hub.keyring.current_id(),
        rotated.new_key_id,
        "the hub follows the file"
    );
    for id in &ids {
        let account = hub.account(id).await.expect("account");
        assert_eq!(account.sealed.key_id, rotated.new_key_id);
        let values = hub.credentials(&account).expect("opens with the new key");
        assert_eq!(values["api_key"].expose_secret(), good);
    }
    let (account, report, _) = hub.reverify(&ids[0]).await.expect("reverify");
    assert_eq!(report.status, connector_core::Status::Verified);
    assert_eq!(account.status, "verified");
}

/// A hub whose keyring is a key file in `dir`, with `n` linked Lever accounts.
async fn hub_with_accounts(
    dir: &tempfile::TempDir,
    n: usize,
) -> (
    std::sync::Arc<Hub>,
    Vec<String>,
    crate::support::FakeProvider,
) {
    let provider = fake_provider("lever").await;
    let key_file = dir.path().join("hub.key");
    write_key_file(&key_file, &[&MasterKey::generate()]).expect("key file");
    let mut settings = Settings {
        database: crate::support::database_url(dir).await,
        ..Settings::default()
    };
    settings
        .base_urls
        .insert("lever".to_owned(), provider.urls.clone());
    let keyring = Keyring::open(KeySource::File(key_file)).expect("keyring");
    let hub = Hub::start(settings, keyring).await.expect("hub");
    let connector = connector_registry::find("lever").expect("lever");
    let mut ids = Vec::new();
    for _ in 0..n {
        let session = hub
            .create_session("o", &[], None, "test")
            .await
            .expect("session");
        let values = BTreeMap::from([(
            "api_key".to_owned(),
            SecretString::from(provider.good["api_key"].clone()),
        )]);
        match hub
            .link(
                &session.session,
                connector,
                connector.spec().default_variant(),
                values,
                "",
            )
            .await
            .expect("link")
        {
            LinkResult::Linked(account, _) => ids.push(account.id),
            other => panic!("not linked: {other:?}"),
        }
    }
    (hub, ids, provider)
}

/// Replaces a row's ciphertext with one no key opens, as a bad restore or a manual edit would.
async fn spoil(hub: &Hub, id: &str) {
    let sql = format!(
        "UPDATE accounts SET ciphertext = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAA' WHERE id = '{id}'"
    );
    crate::support::run_sql(&hub.settings.database, &sql).await;
}

#[tokio::test]
async fn a_row_that_does_not_open_is_reported_and_never_stops_rotation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (hub, ids, _lever) = hub_with_accounts(&dir, 3).await;
    spoil(&hub, &ids[1]).await;
    let key_file = dir.path().join("hub.key");
    let rotated = connector_hub::rotate::rotate(&hub.settings.database, &key_file, |_| {})
        .await
        .expect("the rotation goes on past the bad row");
    assert_eq!(rotated.resealed, 2);
    assert_eq!(
        rotated
            .unreadable
            .iter()
            .map(|u| u.id.as_str())
            .collect::<Vec<_>>(),
        vec![ids[1].as_str()]
    );
    // The bad row still names the old key, which stays; retrying does not grow the keyring.
    assert_eq!(read_key_file(&key_file).expect("keys").len(), 2);
    connector_hub::rotate::rotate(&hub.settings.database, &key_file, |_| {})
        .await
        .expect("again");
    assert_eq!(read_key_file(&key_file).expect("keys").len(), 2);
    // `doctor` lists it; the others open with the new key.
    let unreadable = hub.unreadable().await.expect("doctor");
    assert_eq!(unreadable.len(), 1);
    assert_eq!(
        (unreadable[0].table, unreadable[0].id.as_str()),
        ("accounts", ids[1].as_str())
    );
    for id in [&ids[0], &ids[2]] {
        let account = hub.account(id).await.expect("account");
        hub.credentials(&account).expect("opens");
    }
}

#[tokio::test]
async fn a_pass_shows_an_account_whose_credentials_do_not_open_as_sealed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (hub, ids, _lever) = hub_with_accounts(&dir, 2).await;
    spoil(&hub, &ids[0]).await;
    hub.store()
        .mark_due(&Default::default(), 0)
        .await
        .expect("due");
    let report = hub.run_pass().await.expect("pass");
    assert_eq!(report.failed, 0);
    let sealed = hub.account(&ids[0]).await.expect("account");
    assert_eq!(sealed.status, "sealed");
    assert!(
        sealed.message.contains("connector-hub doctor"),
        "{}",
        sealed.message
    );
    assert_eq!(
        hub.account(&ids[1]).await.expect("account").status,
        "verified"
    );
}

#[tokio::test]
async fn two_rotations_at_once_never_both_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (hub, _, _lever) = hub_with_accounts(&dir, 2).await;
    let key_file = dir.path().join("hub.key");
    let (a, b) = tokio::join!(
        connector_hub::rotate::rotate(&hub.settings.database, &key_file, |_| {}),
        connector_hub::rotate::rotate(&hub.settings.database, &key_file, |_| {})
    );
    let (done, refused) = match (a, b) {
        (Ok(done), Err(e)) | (Err(e), Ok(done)) => (done, e),
        (a, b) => panic!("exactly one rotation runs: {a:?} / {b:?}"),
    };
    assert!(
        refused.to_string().contains("another rotation is running"),
        "{refused}"
    );
    let keys = read_key_file(&key_file).expect("keys");
    assert_eq!(
        keys[0].id(),
        done.new_key_id,
        "the rotation that ran owns the current key"
    );
    for account in hub
        .store()
        .list_accounts(&Default::default(), None, 10)
        .await
        .expect("list")
    {
        hub.credentials(&account).expect("every account opens");
    }
}

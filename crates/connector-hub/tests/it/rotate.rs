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
                    hub.credentials(&account)
                        .await
                        .expect("opens during rotation");
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
    // Rows stay under their data key; the data key is wrapped anew under the new master key.
    assert_eq!((rotated.rewrapped, rotated.resealed), (1, 0));
    assert_eq!(rotated.retired, vec![first.id().to_owned()]);

    let keys = read_key_file(&key_file).expect("key file");
    assert_eq!(keys.len(), 1, "the old key left the keyring");
    assert_eq!(keys[0].id(), rotated.new_key_id);
    assert_eq!(
        hub.keyring.current_id(),
        rotated.new_key_id,
        "the hub follows the file"
    );
    // A process started afresh with only the new key file opens every account.
    let fresh = Hub::start(
        hub.settings.clone(),
        Keyring::open(KeySource::File(key_file.clone())).expect("keyring"),
    )
    .await
    .expect("fresh hub");
    for id in &ids {
        let account = fresh.account(id).await.expect("account");
        assert!(
            account.sealed.key_id.starts_with("dk_"),
            "{}",
            account.sealed.key_id
        );
        let values = fresh
            .credentials(&account)
            .await
            .expect("opens with the new key");
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
    let rotated = hub
        .rotate_data_key(|_| {})
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
    // The bad row still names the old data key, which stays; the others are under the new one.
    assert!(rotated.deleted.is_empty());
    let again = hub.rotate_data_key(|_| {}).await.expect("again");
    assert_eq!(again.resealed, 2);
    assert_eq!(again.deleted.len(), 1, "the unused middle key is gone");
    assert_eq!(
        read_key_file(&dir.path().join("hub.key"))
            .expect("keys")
            .len(),
        1
    );
    // `doctor` lists it; the others open.
    let unreadable = hub.unreadable().await.expect("doctor");
    assert_eq!(unreadable.len(), 1);
    assert_eq!(
        (unreadable[0].table, unreadable[0].id.as_str()),
        ("accounts", ids[1].as_str())
    );
    for id in [&ids[0], &ids[2]] {
        let account = hub.account(id).await.expect("account");
        assert_eq!(account.sealed.key_id, again.new_data_key);
        hub.credentials(&account).await.expect("opens");
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
    let (data, master) = tokio::join!(hub.rotate_data_key(|_| {}), async {
        // Started while the data key rotation holds the lock.
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        connector_hub::rotate::rotate(&hub.settings.database, &key_file, |_| {}).await
    });
    data.expect("the first rotation runs");
    let refused = master.expect_err("the second is refused");
    assert!(
        refused.to_string().contains("another rotation is running"),
        "{refused}"
    );
    assert_eq!(
        read_key_file(&key_file).expect("keys").len(),
        1,
        "no key added"
    );
    for account in hub
        .store()
        .list_accounts(&Default::default(), None, 10)
        .await
        .expect("list")
    {
        hub.credentials(&account)
            .await
            .expect("every account opens");
    }
}

#[tokio::test]
async fn processes_sharing_a_database_see_a_data_key_rotation_and_a_staged_master_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (first, ids, _lever) = hub_with_accounts(&dir, 3).await;
    // A second process on its own copy of the key file.
    let own_file = dir.path().join("second.key");
    std::fs::copy(dir.path().join("hub.key"), &own_file).expect("copy");
    let second = Hub::start(
        first.settings.clone(),
        Keyring::open(KeySource::File(own_file.clone())).expect("keyring"),
    )
    .await
    .expect("second process");
    for id in &ids {
        let account = second.account(id).await.expect("account");
        second.credentials(&account).await.expect("opens");
    }

    // A data key rotation is a database operation: the second process follows at once.
    let rotated = first
        .rotate_data_key(|_| {})
        .await
        .expect("data key rotation");
    assert_eq!(rotated.resealed, 3);
    for id in &ids {
        let account = second.account(id).await.expect("account");
        assert_eq!(account.sealed.key_id, rotated.new_data_key);
        second
            .credentials(&account)
            .await
            .expect("opens after the rotation");
    }
    second
        .store()
        .mark_due(&Default::default(), 0)
        .await
        .expect("due");
    let pass = second.run_pass().await.expect("the second process's pass");
    assert_eq!((pass.checked, pass.failed), (3, 0));

    // A master key staged, copied to the second process, then made current by the first.
    let key_file = dir.path().join("hub.key");
    let staged = connector_hub::rotate::stage_master_key(&key_file).expect("stage");
    std::fs::copy(&key_file, &own_file).expect("copy to the second process");
    let master = connector_hub::rotate::rotate(&first.settings.database, &key_file, |_| {})
        .await
        .expect("master key rotation");
    assert_eq!(master.new_key_id, staged);
    assert_eq!(master.rewrapped, 1);
    // The second process, which never saw the final file, still opens everything, and a third
    // started from its file does too.
    let third = Hub::start(
        first.settings.clone(),
        Keyring::open(KeySource::File(own_file)).expect("keyring"),
    )
    .await
    .expect("third process");
    for hub in [&second, &third] {
        for id in &ids {
            let account = hub.account(id).await.expect("account");
            hub.credentials(&account).await.expect("opens");
        }
    }
}

#[tokio::test]
async fn rows_sealed_before_data_keys_still_open_and_move_under_one_at_the_next_rotation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (hub, ids, _lever) = hub_with_accounts(&dir, 1).await;
    // As a hub before data keys stored it: sealed directly under the master key.
    let account = hub.account(&ids[0]).await.expect("account");
    let values = hub.credentials(&account).await.expect("opens");
    let plain = serde_json::json!({"api_key": values["api_key"].expose_secret()}).to_string();
    let legacy = hub.keyring.seal(plain.as_bytes(), &ids[0]);
    crate::support::run_sql(
        &hub.settings.database,
        &format!(
            "UPDATE accounts SET key_id = '{}', nonce = '{}', ciphertext = '{}' WHERE id = '{}'",
            legacy.key_id, legacy.nonce, legacy.ciphertext, ids[0]
        ),
    )
    .await;
    let account = hub.account(&ids[0]).await.expect("account");
    assert!(!account.sealed.key_id.starts_with("dk_"));
    hub.credentials(&account).await.expect("a legacy row opens");

    let rotated =
        connector_hub::rotate::rotate(&hub.settings.database, &dir.path().join("hub.key"), |_| {})
            .await
            .expect("rotates");
    assert_eq!(rotated.resealed, 1);
    let account = hub.account(&ids[0]).await.expect("account");
    assert!(account.sealed.key_id.starts_with("dk_"));
    hub.credentials(&account)
        .await
        .expect("opens under its data key");
}

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

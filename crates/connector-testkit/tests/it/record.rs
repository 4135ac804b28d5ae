//! Recording from a loopback provider that answers like a real one (echoing the key, naming
//! people and customers, setting cookies and request ids): the written fixture holds no run of
//! a secret in any form and no identifying value, and the suite replays it as recorded. One
//! connector per auth shape: a Bearer header, a key in the query, a token exchange.

use std::collections::BTreeMap;
use std::path::Path;

use connector_core::{Connector, Limits};
use connector_testkit::record::{record, RecordOptions};
use connector_testkit::server::{base_path, template_path};
use connector_testkit::{leak, run_suite, SuiteOptions};
use serde_json::{json, Value};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A fixtures directory holding a copy of the connector's recorded fixtures.
fn fixtures_copy(id: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(id);
    let to = dir.path().join(id);
    std::fs::create_dir_all(&to).expect("the connector's directory");
    for entry in std::fs::read_dir(&from).expect("the connector's fixtures") {
        let entry = entry.expect("a fixture");
        std::fs::copy(entry.path(), to.join(entry.file_name())).expect("a copied fixture");
    }
    dir
}

fn options(
    connector: &'static dyn Connector,
    credentials: &[(&str, &str)],
    base_urls: Vec<(Option<String>, String)>,
    fixtures: &Path,
    scenario: &str,
) -> RecordOptions {
    RecordOptions {
        connector,
        variant: None,
        credentials: credentials
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<BTreeMap<_, _>>(),
        base_urls,
        scenario: scenario.to_owned(),
        description: None,
        fixtures: fixtures.to_owned(),
        force: false,
        limits: Limits::default(),
    }
}

/// Greenhouse's API base URL on `api` and its `auth` origin on `auth`.
fn greenhouse_urls(
    spec: &connector_core::ConnectorSpec,
    api: &MockServer,
    auth: &MockServer,
) -> Vec<(Option<String>, String)> {
    let origin = spec.origin("auth").expect("the auth origin");
    vec![
        (None, format!("{}{}", api.uri(), base_path(spec))),
        (
            Some("auth".to_owned()),
            format!("{}{}", auth.uri(), template_path(origin.url.primary())),
        ),
    ]
}

/// Asserts the suite's `recorded.<scenario>` check passes on the fixtures directory.
async fn replays(connector: &'static dyn Connector, fixtures: &Path, scenario: &str) {
    let report = run_suite(&[connector], &SuiteOptions::with_fixtures_dir(fixtures)).await;
    let name = format!("recorded.{scenario}");
    let check = report.connectors[0]
        .checks
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("the suite ran {name}"));
    assert!(check.passed, "{name} failed: {:?}", check.failures);
}

fn assert_clean(text: &str, secrets: &[&str], identifying: &[&str]) {
    let secrets: Vec<String> = secrets.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(
        leak::describe(text, &secrets),
        None,
        "the fixture shows a secret"
    );
    for value in identifying {
        assert!(
            !text.contains(value),
            "the fixture still names {value}: {text}"
        );
    }
}

#[tokio::test]
async fn a_bearer_key_echoed_in_body_and_headers_is_recorded_redacted_and_replays() {
    let key = "3f6c2a9e-81b4-4c7d-9e2f-5a1b0c3d4e5f";
    let provider = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("X-Request-Id", "req-real-77aa01")
                .insert_header("Set-Cookie", format!("session={key}").as_str())
                .insert_header("X-RateLimit-Remaining", "99")
                .insert_header("X-RateLimit-Key", key)
                .insert_header(
                    "X-RateLimit-Owner",
                    format!("Bearer {}", &key[..20]).as_str(),
                )
                .set_body_json(json!({"data": {
                    "organization_id": "org-real-7731",
                    "organization_name": "Real Customer Incorporated",
                    "email": "alice.real@customer.example",
                    "id": "user-real-1",
                    "role": "admin",
                    "is_partner": false,
                    "debug": format!("you sent Bearer {key}"),
                    "links": {"self": "https://api.example/orgs/org-real-7731"},
                }})),
        )
        .mount(&provider)
        .await;
    let connector = connector_registry::lookup("polytomic").expect("polytomic");
    let fixtures = fixtures_copy("polytomic");
    let base = vec![(
        None,
        format!("{}{}", provider.uri(), base_path(connector.spec())),
    )];
    let recorded = record(options(
        connector,
        &[("api_key", key)],
        base.clone(),
        fixtures.path(),
        "recorded-valid-key",
    ))
    .await
    .expect("recorded");
    assert_eq!(recorded.status, connector_core::Status::Verified);
    let text = std::fs::read_to_string(&recorded.path).expect("the fixture");
    assert_clean(
        &text,
        &[key],
        &[
            "org-real-7731",
            "Real Customer",
            "alice.real",
            "user-real-1",
        ],
    );
    let fixture: Value = serde_json::from_str(&text).expect("JSON");
    let headers = &fixture["responses"][0]["headers"];
    assert_eq!(headers["X-Ratelimit-Remaining"], "99", "{headers}");
    assert!(headers.get("X-Request-Id").is_none() && headers.get("Set-Cookie").is_none());
    assert!(
        headers.get("X-Ratelimit-Owner").is_none(),
        "a fragment of the key in a kept header drops it: {headers}"
    );
    let fake = fixture["credentials"]["api_key"]
        .as_str()
        .expect("a fake key");
    assert_ne!(fake, key);
    assert_eq!(
        fixture["request"]["headers"]["Authorization"],
        format!("Bearer {fake}")
    );
    assert!(recorded
        .redactions
        .iter()
        .any(|line| line.contains("`api_key` (secret)")));
    assert!(recorded
        .redactions
        .iter()
        .any(|line| line.contains("`email`")));
    for line in &recorded.redactions {
        assert_eq!(leak::find(line, &[key.to_owned()]), None);
    }
    replays(connector, fixtures.path(), "recorded-valid-key").await;

    // Never overwritten without --force.
    let again = record(options(
        connector,
        &[("api_key", key)],
        base.clone(),
        fixtures.path(),
        "recorded-valid-key",
    ))
    .await
    .expect_err("the file exists");
    assert!(again.to_string().contains("--force"), "{again}");
    let mut forced = options(
        connector,
        &[("api_key", key)],
        base,
        fixtures.path(),
        "recorded-valid-key",
    );
    forced.force = true;
    record(forced).await.expect("replaced with --force");
}

#[tokio::test]
async fn a_query_parameter_key_is_recorded_as_the_fake_key_and_replays() {
    let key = "jazzREALkey-9c8b7a6d5e4f3g2h";
    let provider = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": "usr_real_0001", "first_name": "Alice", "last_name": "Realperson",
             "email": "alice@real.example", "type": "super admin",
             "note": format!("apikey={key}")},
        ])))
        .mount(&provider)
        .await;
    let connector = connector_registry::lookup("jazzhr").expect("jazzhr");
    let fixtures = fixtures_copy("jazzhr");
    let recorded = record(options(
        connector,
        &[("api_key", key)],
        vec![(
            None,
            format!("{}{}", provider.uri(), base_path(connector.spec())),
        )],
        fixtures.path(),
        "recorded-valid-key",
    ))
    .await
    .expect("recorded");
    let text = std::fs::read_to_string(&recorded.path).expect("the fixture");
    assert_clean(
        &text,
        &[key],
        &["usr_real_0001", "Realperson", "alice@real"],
    );
    let fixture: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(
        fixture["request"]["query"]["apikey"],
        fixture["credentials"]["api_key"]
    );
    replays(connector, fixtures.path(), "recorded-valid-key").await;
}

#[tokio::test]
async fn a_token_exchange_is_recorded_with_fake_client_credentials_and_token_and_replays() {
    let (client_id, secret) = ("real-client-4411", "s3cr3tVALUE-aa11bb22cc33dd44ee55");
    let token = "realAccessToken-zz99yy88xx77ww66";
    let auth = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": token, "token_type": "Bearer", "expires_in": 3600,
            "issued_to": client_id,
        })))
        .mount(&auth)
        .await;
    let api = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": 9912345, "name": "Alice Realperson", "first_name": "Alice",
             "last_name": "Realperson", "primary_email_address": "alice@real.example",
             "seen_token": token},
        ])))
        .mount(&api)
        .await;
    let connector = connector_registry::lookup("greenhouse").expect("greenhouse");
    let spec = connector.spec();
    let fixtures = fixtures_copy("greenhouse");
    let recorded = record(options(
        connector,
        &[("client_id", client_id), ("client_secret", secret)],
        greenhouse_urls(spec, &api, &auth),
        fixtures.path(),
        "recorded-valid-key",
    ))
    .await
    .expect("recorded");
    let text = std::fs::read_to_string(&recorded.path).expect("the fixture");
    assert_clean(
        &text,
        &[secret, token],
        &[client_id, "9912345", "Realperson", "alice@real"],
    );
    let fixture: Value = serde_json::from_str(&text).expect("JSON");
    assert!(fixture["exchange"]["request"]["headers"]["Authorization"]
        .as_str()
        .is_some_and(|v| v.starts_with("Basic ")));
    assert!(recorded
        .redactions
        .iter()
        .any(|line| line.contains("exchanged token")));
    replays(connector, fixtures.path(), "recorded-valid-key").await;
}

#[tokio::test]
async fn nothing_is_written_when_the_provider_never_answers() {
    let connector = connector_registry::lookup("polytomic").expect("polytomic");
    let fixtures = tempfile::tempdir().expect("a temporary directory");
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let url = format!("http://{}/api", closed.local_addr().expect("an address"));
    drop(closed);
    let mut opts = options(
        connector,
        &[("api_key", "3f6c2a9e-81b4-4c7d-9e2f-5a1b0c3d4e5f")],
        vec![(None, url)],
        fixtures.path(),
        "no-answer",
    );
    opts.limits.max_retries = 0;
    let error = record(opts).await.expect_err("no answer to record");
    assert!(error.to_string().contains("no complete answer"), "{error}");
    assert!(!fixtures.path().join("polytomic/no-answer.json").exists());
}

/// Every registered connector, so every auth shape (Bearer, Basic variants, header templates,
/// query keys, exchanges): its `valid-key` answers stand in for the real provider, its fixture's
/// credentials for the author's key. The recording is verified, shows none of those
/// credentials, and the suite replays it.
#[tokio::test]
async fn every_connector_records_its_valid_key_answers_and_the_suite_replays_them() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let fixtures = connector_testkit::Fixtures::load(&root);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut connectors = Vec::new();
    for connector in connector_registry::all().iter().copied() {
        let spec = connector.spec();
        let scenario = fixtures
            .for_connector(spec.id)
            .iter()
            .find(|s| s.name == "valid-key")
            .unwrap_or_else(|| panic!("{} has a valid-key fixture", spec.id));
        // The fixtures directory for the replay: the connector's own fixtures and the recording.
        let to = dir.path().join(spec.id);
        std::fs::create_dir_all(&to).expect("the connector's directory");
        for entry in std::fs::read_dir(root.join(spec.id)).expect("its fixtures") {
            let entry = entry.expect("a fixture");
            std::fs::copy(entry.path(), to.join(entry.file_name())).expect("a copy");
        }
        let api = connector_testkit::server::serve(
            scenario
                .responses
                .iter()
                .map(connector_testkit::server::template)
                .collect(),
        )
        .await;
        let mut base_urls = vec![(None, format!("{}{}", api.uri(), base_path(spec)))];
        let mut servers = vec![api];
        if let Some(exchange) = &scenario.exchange {
            let answers: Vec<_> = exchange
                .responses
                .iter()
                .map(connector_testkit::server::template)
                .collect();
            let variant = connector_core::check::resolve_variant(spec, scenario.variant.as_deref())
                .expect("the scenario's variant");
            let connector_core::Auth::Exchange(declared) = variant.auth else {
                panic!(
                    "{}: an exchange recorded for a variant without one",
                    spec.id
                );
            };
            let mut urls = connector_core::Overrides::default();
            let own = connector_testkit::server::serve_exchange(
                &servers[0],
                spec,
                declared,
                answers,
                &mut urls,
            )
            .await;
            for (name, url) in urls.origins {
                base_urls.push((Some(name), url.as_str().to_owned()));
            }
            servers.extend(own);
        }
        let mut opts = options(connector, &[], base_urls, dir.path(), "recorded-valid-key");
        opts.credentials = scenario.credentials.clone();
        opts.variant = scenario.variant.clone();
        let recorded = record(opts)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", spec.id));
        assert_eq!(
            recorded.status,
            connector_core::Status::Verified,
            "{}",
            spec.id
        );
        let text = std::fs::read_to_string(&recorded.path).expect("the fixture");
        let variant = connector_core::check::resolve_variant(spec, scenario.variant.as_deref())
            .expect("the scenario's variant");
        let secrets: Vec<String> = variant
            .fields
            .iter()
            .filter(|f| f.secret)
            .filter_map(|f| scenario.credentials.get(f.key).cloned())
            .filter(|value| differs_from_example(variant, value))
            .collect();
        assert_eq!(
            leak::describe(&text, &secrets),
            None,
            "{}: the recording shows a credential",
            spec.id
        );
        drop(servers);
        connectors.push(connector);
    }
    let report = run_suite(&connectors, &SuiteOptions::with_fixtures_dir(dir.path())).await;
    for connector in &report.connectors {
        let check = connector
            .checks
            .iter()
            .find(|c| c.name == "recorded.recorded-valid-key")
            .unwrap_or_else(|| panic!("{} replayed the recording", connector.connector));
        assert!(
            check.passed,
            "{}: {:?}",
            connector.connector, check.failures
        );
    }
}

/// A fixture credential equal to the spec's example is its own fake: nothing to hide.
fn differs_from_example(variant: &connector_core::CredentialVariant, value: &str) -> bool {
    !variant.fields.iter().any(|f| f.example == Some(value))
}

#[tokio::test]
async fn a_key_the_provider_echoes_where_redaction_cannot_reach_is_refused_and_nothing_written() {
    // An all-digit key echoed back as a JSON number: numbers are not rewritten, so the guard
    // that reads the finished file must stop it.
    let key = "738215904612378451";
    let provider = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            format!(r#"[{{"id": "usr_1", "first_name": "A", "last_name": "B", "seen": {key}}}]"#),
            "application/json",
        ))
        .mount(&provider)
        .await;
    let connector = connector_registry::lookup("jazzhr").expect("jazzhr");
    let fixtures = tempfile::tempdir().expect("a temporary directory");
    let error = record(options(
        connector,
        &[("api_key", key)],
        vec![(
            None,
            format!("{}{}", provider.uri(), base_path(connector.spec())),
        )],
        fixtures.path(),
        "echoed-number",
    ))
    .await
    .expect_err("refused");
    let message = error.to_string();
    assert!(message.contains("refusing to write"), "{message}");
    assert_eq!(leak::find(&message, &[key.to_owned()]), None, "{message}");
    assert!(!fixtures.path().join("jazzhr/echoed-number.json").exists());
}

#[tokio::test]
async fn a_token_endpoint_refusal_is_recorded_with_no_api_request() {
    let auth = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": "invalid_client"})))
        .mount(&auth)
        .await;
    let api = MockServer::start().await;
    let connector = connector_registry::lookup("greenhouse").expect("greenhouse");
    let spec = connector.spec();
    let fixtures = fixtures_copy("greenhouse");
    let recorded = record(options(
        connector,
        &[
            ("client_id", "real-client-5522"),
            ("client_secret", "revokedSECRET-0a1b2c3d4e5f6a7b"),
        ],
        greenhouse_urls(spec, &api, &auth),
        fixtures.path(),
        "recorded-refused",
    ))
    .await
    .expect("recorded");
    assert_eq!(recorded.status, connector_core::Status::Rejected);
    assert_eq!(recorded.requests, 0);
    let fixture: Value =
        serde_json::from_str(&std::fs::read_to_string(&recorded.path).expect("the fixture"))
            .expect("JSON");
    assert_eq!(fixture["expect"]["requests"], 0);
    assert!(fixture.get("request").is_none());
    assert_eq!(fixture["exchange"]["responses"][0]["status"], 401);
    replays(connector, fixtures.path(), "recorded-refused").await;
}

//! Test support: a hub on a temporary SQLite database with a fresh master key, and loopback fake
//! providers built from the connectors' recorded fixtures (`fixtures/<id>/valid-key.json` answers
//! requests that carry the recorded good key, `revoked-key.json` answers every other one).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use axum::response::Response;
use axum::Router;
use connector_hub::crypto::MasterKey;
use connector_hub::hubkey::Scope;
use connector_hub::keyring::Keyring;
use connector_hub::outbound::{system_lookup, Lookup};
use connector_hub::settings::{Settings, UrlSetting};
use connector_hub::Hub;
use connector_testkit::fixture::{Fixtures, Scenario};
use connector_testkit::server::{carries_secret, template, urls_for};
use secrecy::ExposeSecret;
use tower::ServiceExt;
use wiremock::{Mock, MockServer};

/// The workspace's `fixtures/` directory.
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// A fake provider for one connector.
pub struct FakeProvider {
    pub id: &'static str,
    pub server: MockServer,
    /// Field values the provider accepts (from `valid-key.json`).
    pub good: BTreeMap<String, String>,
    /// Field values it refuses with its recorded 401 (`revoked-key.json`'s answer): the good
    /// values with every secret shifted one character along (same length and character classes).
    pub revoked: BTreeMap<String, String>,
    /// The hub's `[base_urls]` entry pointing the connector here.
    pub urls: UrlSetting,
    /// The recorded answers to a good key and to a refused one.
    answers: (wiremock::ResponseTemplate, wiremock::ResponseTemplate),
    /// Which fields hold secrets.
    secret_fields: Vec<&'static str>,
}

impl FakeProvider {
    /// From now on the provider accepts only `accepted`'s secrets, and refuses any other key
    /// after `refused_after` (a check of a replaced key still in flight).
    pub async fn accept_only(
        &self,
        accepted: &BTreeMap<String, String>,
        refused_after: std::time::Duration,
    ) {
        let secrets = self
            .secret_fields
            .iter()
            .filter_map(|f| accepted.get(*f).cloned())
            .collect();
        self.server.reset().await;
        Mock::given(CarriesKey(secrets))
            .respond_with(self.answers.0.clone())
            .with_priority(1)
            .mount(&self.server)
            .await;
        Mock::given(wiremock::matchers::any())
            .respond_with(self.answers.1.clone().set_delay(refused_after))
            .with_priority(5)
            .mount(&self.server)
            .await;
    }
}

struct CarriesKey(Vec<String>);

impl wiremock::Match for CarriesKey {
    fn matches(&self, request: &wiremock::Request) -> bool {
        carries_secret(request, &self.0)
    }
}

pub fn scenario<'a>(scenarios: &'a [Scenario], name: &str, id: &str) -> &'a Scenario {
    scenarios
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("fixtures/{id}/{name}.json is missing"))
}

/// Starts a fake provider for connector `id` from its recorded `valid-key` and `revoked-key`.
pub async fn fake_provider(id: &'static str) -> FakeProvider {
    let fixtures = Fixtures::load(&fixtures_dir());
    let scenarios = fixtures.for_connector(id);
    let valid = scenario(scenarios, "valid-key", id);
    let revoked = scenario(scenarios, "revoked-key", id);
    let connector = connector_registry::find(id).expect("registered connector");
    let spec = connector.spec();
    let variant = spec.default_variant();
    let secrets: Vec<String> = variant
        .fields
        .iter()
        .filter(|f| f.secret)
        .filter_map(|f| valid.credentials.get(f.key).cloned())
        .collect();
    let server = MockServer::start().await;
    Mock::given(CarriesKey(secrets))
        .respond_with(template(&valid.responses[0]))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(wiremock::matchers::any())
        .respond_with(template(&revoked.responses[0]))
        .with_priority(5)
        .mount(&server)
        .await;
    let overrides = urls_for(&server, spec);
    let mut slots = BTreeMap::new();
    if let Some(base) = &overrides.base_url {
        slots.insert("api".to_owned(), base.as_str().to_owned());
    }
    for (name, url) in &overrides.origins {
        slots.insert(name.clone(), url.as_str().to_owned());
    }
    FakeProvider {
        id,
        server,
        good: valid.credentials.clone(),
        revoked: valid
            .credentials
            .iter()
            .map(|(k, v)| {
                let secret = variant.field(k).is_some_and(|f| f.secret);
                (k.clone(), if secret { shifted(v) } else { v.clone() })
            })
            .collect(),
        urls: UrlSetting::Slots(slots),
        answers: (
            template(&valid.responses[0]),
            template(&revoked.responses[0]),
        ),
        secret_fields: variant
            .fields
            .iter()
            .filter(|f| f.secret)
            .map(|f| f.key)
            .collect(),
    }
}

/// `value` with each letter and digit moved one along (`a`→`b`, `9`→`0`).
pub fn shifted(value: &str) -> String {
    value
        .chars()
        .map(|c| match c {
            'z' => 'a',
            'Z' => 'A',
            '9' => '0',
            c if c.is_ascii_alphanumeric() => (c as u8 + 1) as char,
            c => c,
        })
        .collect()
}

/// Environment variable naming a PostgreSQL server (an admin URL such as
/// `postgres://hub:hub@127.0.0.1/hub`); when set, each test hub gets a fresh database there
/// instead of a SQLite file.
pub const POSTGRES_ENV: &str = "CONNECTOR_HUB_TEST_POSTGRES";

/// A fresh database for one test: a new PostgreSQL database when [`POSTGRES_ENV`] is set, else a
/// SQLite file in `dir`.
pub async fn database_url(dir: &tempfile::TempDir) -> String {
    match std::env::var(POSTGRES_ENV) {
        Ok(admin) if !admin.trim().is_empty() => {
            use sqlx::Connection as _;
            sqlx::any::install_default_drivers();
            let mut conn = sqlx::AnyConnection::connect(&admin)
                .await
                .unwrap_or_else(|e| panic!("{POSTGRES_ENV} names a server that refused: {e}"));
            let name = format!("hub_test_{}", connector_hub::crypto::random_hex(8));
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .expect("create the test database");
            let (base, query) = admin.split_once('?').unwrap_or((&admin, ""));
            let root = &base[..base.rfind('/').expect("a URL with a database path")];
            if query.is_empty() {
                format!("{root}/{name}")
            } else {
                format!("{root}/{name}?{query}")
            }
        }
        _ => format!("sqlite://{}", dir.path().join("hub.db").display()),
    }
}

/// A hub on a temporary database, with an admin key holding what `init` gives (every scope but
/// `credentials:read`).
pub struct TestHub {
    pub hub: Arc<Hub>,
    pub admin_key: String,
    pub dir: tempfile::TempDir,
    /// The master key, for a second hub process on the same database.
    pub master: MasterKey,
}

impl TestHub {
    /// Starts a hub whose checks go to `providers`.
    pub async fn start(providers: &[&FakeProvider]) -> TestHub {
        Self::start_with(providers, |_| {}).await
    }

    /// Starts a hub after `tune` adjusts its settings.
    pub async fn start_with(
        providers: &[&FakeProvider],
        tune: impl FnOnce(&mut Settings),
    ) -> TestHub {
        Self::start_resolving(providers, system_lookup(), tune).await
    }

    /// Starts a hub whose webhook endpoints' names are looked up by `lookup`.
    pub async fn start_resolving(
        providers: &[&FakeProvider],
        lookup: Lookup,
        tune: impl FnOnce(&mut Settings),
    ) -> TestHub {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut settings = Settings {
            database: database_url(&dir).await,
            check_timeout: 5.0,
            ..Settings::default()
        };
        for provider in providers {
            settings
                .base_urls
                .insert(provider.id.to_owned(), provider.urls.clone());
        }
        tune(&mut settings);
        let master = MasterKey::generate();
        let keyring = Keyring::from_keys(vec![master.duplicate()]);
        let hub = Hub::start_with_lookup(settings, keyring, lookup)
            .await
            .expect("hub starts");
        let (_, key) = hub
            .create_key("admin", &Scope::ADMIN)
            .await
            .expect("admin key");
        TestHub {
            hub,
            admin_key: key.text.expose_secret().to_owned(),
            dir,
            master,
        }
    }

    /// Another hub process on the same database and master key.
    pub async fn second_process(&self) -> Arc<Hub> {
        let keyring = Keyring::from_keys(vec![self.master.duplicate()]);
        Hub::start(self.hub.settings.clone(), keyring)
            .await
            .expect("second hub starts")
    }

    /// Links an account for `owner` directly (no browser), with these field values.
    pub async fn link(
        &self,
        connector: &str,
        owner: &str,
        values: &BTreeMap<String, String>,
    ) -> String {
        let session = self
            .hub
            .create_session(owner, &[], None, "test")
            .await
            .expect("session");
        let connector = self.hub.connector(connector).expect("connector");
        let connector = connector.as_ref();
        let values = values
            .iter()
            .map(|(k, v)| (k.clone(), secrecy::SecretString::from(v.clone())))
            .collect();
        match self
            .hub
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
            connector_hub::service::LinkResult::Linked(account, _) => account.id,
            other => panic!("not linked: {other:?}"),
        }
    }

    /// Runs one SQL statement on the hub's database (tests that move time).
    pub async fn execute(&self, sql: &str) {
        run_sql(&self.hub.settings.database, sql).await;
    }

    pub fn router(&self) -> Router {
        connector_hub::router(self.hub.clone())
    }

    /// Serves the hub on a loopback port; the server stops with the test's runtime.
    pub async fn serve(&self) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let app = self.router();
        tokio::spawn(async move {
            let _ = axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await;
        });
        addr
    }

    /// A key with exactly these scopes.
    pub async fn key_with(&self, name: &str, scopes: &[Scope]) -> (String, String) {
        let (row, key) = self.hub.create_key(name, scopes).await.expect("key");
        (row.id, key.text.expose_secret().to_owned())
    }
}

/// Sends one request to the hub's router; returns the answer (its body taken out) and the body
/// as text.
pub async fn send(hub: &TestHub, request: Request<Body>) -> (Response, String) {
    let response = hub.router().oneshot(request).await.expect("answer");
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 22).await.expect("body");
    (
        Response::from_parts(parts, Body::empty()),
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

/// Sends an API request (with `key` as the bearer when given, and `body` as JSON when given);
/// returns the status and the JSON answer (`null` when the answer is not JSON).
pub async fn call_api(
    hub: &TestHub,
    method: axum::http::Method,
    path: &str,
    key: Option<&str>,
    body: Option<serde_json::Value>,
) -> (axum::http::StatusCode, serde_json::Value) {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(key) = key {
        request = request.header("authorization", format!("Bearer {key}"));
    }
    let request = match body {
        Some(body) => request
            .header("content-type", "application/json")
            .body(Body::from(body.to_string())),
        None => request.body(Body::empty()),
    }
    .expect("request");
    let (response, text) = send(hub, request).await;
    let value = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    (response.status(), value)
}

/// Runs one SQL statement on the database at `url`.
pub async fn run_sql(url: &str, sql: &str) {
    use sqlx::Connection as _;
    let mut conn = sqlx::AnyConnection::connect(url).await.expect("database");
    sqlx::query(sql)
        .execute(&mut conn)
        .await
        .expect("statement");
}

/// The value of the hidden input `name` in a page.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).expect("hidden field") + marker.len();
    html[start..start + html[start..].find('"').expect("end")].to_owned()
}

/// `text` percent-encoded for a form body or a query string.
pub fn urlencode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// Asserts no run of 12 characters of `secret` appears in `text`.
pub fn assert_hidden(text: &str, secret: &str) {
    let chars: Vec<char> = secret.chars().collect();
    for window in chars.windows(12) {
        let run: String = window.iter().collect();
        assert!(!text.contains(&run), "a run of the secret leaked: {run}");
    }
}

/// Everything the test binary logs at DEBUG and above, from every test: installed once as the
/// global subscriber (a per-test one misses events whose call sites another thread registered
/// first). A test searches it for its own secrets.
#[derive(Clone, Default)]
pub struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl Captured {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("lock")).into_owned()
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The binary's captured log (see [`Captured`]).
pub fn captured_logs() -> Captured {
    static CAPTURED: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
    CAPTURED
        .get_or_init(|| {
            let captured = Captured::default();
            let writer = captured.clone();
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::DEBUG)
                .with_ansi(false)
                .with_writer(move || writer.clone())
                .finish();
            tracing::subscriber::set_global_default(subscriber)
                .expect("no other global subscriber in the test binary");
            captured
        })
        .clone()
}

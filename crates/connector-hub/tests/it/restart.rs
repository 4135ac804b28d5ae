//! Restart safety with the real binary: a hub killed with SIGKILL in the middle of writes loses
//! nothing it acknowledged, and its database and ciphertexts open again after a restart.

#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_connector-hub");

fn command(dir: &Path, args: &[&str], lever_url: &str) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .current_dir(dir)
        .env_remove(connector_hub::crypto::MASTER_KEY_ENV)
        .env("CONNECTOR_HUB__BASE_URLS__LEVER__API", lever_url)
        .env("RUST_LOG", "trace");
    cmd
}

/// Starts `serve` on a free loopback port and returns the child, its base URL and its log.
fn serve(dir: &Path, lever_url: &str) -> (Child, String, Arc<Mutex<String>>) {
    let mut child = command(dir, &["serve", "--listen", "127.0.0.1:0"], lever_url)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("hub starts");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let url = loop {
        let line = lines
            .next()
            .expect("hub printed its address")
            .expect("line");
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest.split_whitespace().next().expect("url").to_owned();
        }
    };
    let log = Arc::new(Mutex::new(String::new()));
    let sink = log.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            let mut log = sink.lock().expect("log");
            log.push_str(&line);
            log.push('\n');
        }
    });
    (child, url, log)
}

#[test]
fn serve_refuses_to_start_without_a_master_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = command(
        dir.path(),
        &["serve", "--listen", "127.0.0.1:0"],
        "http://127.0.0.1:9",
    )
    .output()
    .expect("runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no master key") && stderr.contains("connector-hub init"),
        "{stderr}"
    );
    assert!(
        !dir.path().join("connector-hub.db").exists(),
        "nothing was created"
    );
}

#[test]
fn init_takes_the_master_key_from_the_environment_and_refuses_a_bad_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = command(dir.path(), &["init"], "http://127.0.0.1:9")
        .env(connector_hub::crypto::MASTER_KEY_ENV, "bm90IDMyIGJ5dGVz")
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(connector_hub::crypto::MASTER_KEY_ENV) && stderr.contains("32 bytes"),
        "{stderr}"
    );
    let key = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, [7u8; 32]);
    let out = command(dir.path(), &["init", "--json"], "http://127.0.0.1:9")
        .env(connector_hub::crypto::MASTER_KEY_ENV, &key)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !dir.path().join("connector-hub.key").exists(),
        "no key file with the variable set"
    );
    let again = command(dir.path(), &["init", "--json"], "http://127.0.0.1:9")
        .env(connector_hub::crypto::MASTER_KEY_ENV, &key)
        .output()
        .expect("runs");
    let json: Value = serde_json::from_slice(&again.stdout).expect("json");
    assert!(
        json["admin_key"].is_null(),
        "a second init prints no new key"
    );
}

#[tokio::test]
async fn admin_key_create_is_the_way_back_in_when_every_admin_key_is_revoked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = |args: &[&str]| {
        let out = command(dir.path(), args, "http://127.0.0.1:9")
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<Value>(&out.stdout).expect("json")
    };
    let first = run(&["init", "--json"])["admin_key"]
        .as_str()
        .expect("admin key")
        .to_owned();
    let (mut child, url, _) = serve(dir.path(), "http://127.0.0.1:9");
    let http = reqwest::Client::new();
    let keys: Value = http
        .get(format!("{url}/api/v1/keys"))
        .bearer_auth(&first)
        .send()
        .await
        .expect("keys")
        .json()
        .await
        .expect("json");
    let id = keys["keys"][0]["id"].as_str().expect("id").to_owned();
    let revoked = http
        .post(format!("{url}/api/v1/keys/{id}/revoke"))
        .bearer_auth(&first)
        .send()
        .await
        .expect("revoke");
    assert!(revoked.status().is_success());

    // Locked out: the server's own command makes a new admin key.
    let created = run(&["admin-key", "create", "--json"]);
    let second = created["admin_key"].as_str().expect("new key").to_owned();
    assert_ne!(second, first);
    let keys = http
        .get(format!("{url}/api/v1/keys"))
        .bearer_auth(&second)
        .send()
        .await
        .expect("keys");
    assert_eq!(keys.status(), reqwest::StatusCode::OK);
    let audit: Value = http
        .get(format!("{url}/api/v1/audit"))
        .bearer_auth(&second)
        .send()
        .await
        .expect("audit")
        .json()
        .await
        .expect("json");
    assert!(
        audit["records"]
            .as_array()
            .expect("records")
            .iter()
            .any(|r| {
                r["action"] == "key.created" && r["actor"] == "connector-hub admin-key create"
            }),
        "{audit}"
    );
    child.kill().expect("stop");
    let _ = child.wait();
}

#[tokio::test]
async fn a_killed_hub_loses_no_acknowledged_write() {
    let provider = crate::support::fake_provider("lever").await;
    let lever_url = match &provider.urls {
        connector_hub::settings::UrlSetting::Slots(slots) => slots["api"].clone(),
        connector_hub::settings::UrlSetting::Api(url) => url.clone(),
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let init = command(dir.path(), &["init", "--json"], &lever_url)
        .output()
        .expect("init runs");
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    let out: Value = serde_json::from_slice(&init.stdout).expect("init --json");
    let admin = out["admin_key"].as_str().expect("admin key").to_owned();
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(dir.path().join("connector-hub.key"))
            .expect("key file")
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);

    let (mut child, url, log) = serve(dir.path(), &lever_url);
    let http = reqwest::Client::new();
    let post = |path: &str, body: Value| {
        http.post(format!("{url}{path}"))
            .bearer_auth(&admin)
            .json(&body)
            .timeout(Duration::from_secs(5))
            .send()
    };
    // Link one account so a ciphertext exists.
    let session: Value = post("/api/v1/connect-sessions", json!({"owner": "o"}))
        .await
        .expect("session")
        .json()
        .await
        .expect("json");
    let connect = format!("{url}{}/lever", session["url"].as_str().expect("url"));
    let form = http
        .get(&connect)
        .send()
        .await
        .expect("form")
        .text()
        .await
        .expect("html");
    let marker = "name=\"_csrf\" value=\"";
    let start = form.find(marker).expect("csrf") + marker.len();
    let csrf = &form[start..start + 64];
    let linked = http
        .post(&connect)
        .form(&[
            ("_csrf", csrf),
            ("api_key", provider.good["api_key"].as_str()),
        ])
        .send()
        .await
        .expect("linked")
        .text()
        .await
        .expect("html");
    assert!(linked.contains("Connected"));

    // Writes in flight, then SIGKILL.
    let mut acknowledged = Vec::new();
    let writer = async {
        for i in 0..400 {
            match post(
                "/api/v1/connect-sessions",
                json!({"owner": format!("owner-{i}")}),
            )
            .await
            {
                Ok(r) if r.status().is_success() => {
                    let body: Value = r.json().await.expect("json");
                    acknowledged.push(body["id"].as_str().expect("id").to_owned());
                }
                _ => break,
            }
        }
    };
    let killer = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        child.kill().expect("SIGKILL");
    };
    tokio::join!(writer, killer);
    let _ = child.wait();
    assert!(
        !acknowledged.is_empty(),
        "some writes were acknowledged before the kill"
    );
    let trace = log.lock().expect("log").clone();
    assert!(
        trace.contains("TRACE") || trace.contains("DEBUG"),
        "the log ran at trace level"
    );
    crate::support::assert_hidden(&trace, &provider.good["api_key"]);
    crate::support::assert_hidden(&trace, &admin);

    let (mut child, url, _) = serve(dir.path(), &lever_url);
    let accounts: Value = http
        .get(format!("{url}/api/v1/accounts"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    let id = accounts["accounts"][0]["id"]
        .as_str()
        .expect("account survived")
        .to_owned();
    let verified: Value = http
        .post(format!("{url}/api/v1/accounts/{id}/verify"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("verify")
        .json()
        .await
        .expect("json");
    assert_eq!(
        verified["check"]["status"], "verified",
        "the ciphertext opens after restart"
    );
    child.kill().expect("stop");
    let _ = child.wait();

    let db = connector_hub::testing::Store::open(&format!(
        "sqlite://{}",
        dir.path().join("connector-hub.db").display()
    ))
    .await
    .expect("database opens");
    let known = db.session_ids().await.expect("sessions");
    for id in &acknowledged {
        assert!(known.contains(id), "acknowledged session {id} was lost");
    }
}

#[tokio::test]
async fn a_hub_killed_mid_pass_loses_no_change_and_rechecks_nothing_twice() {
    use std::collections::HashMap;
    use wiremock::{matchers::any, Mock, MockServer, ResponseTemplate};

    let provider = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(
                    json!({"data": [{"id": "u1", "name": "Test User"}], "hasNext": false}),
                )
                .set_delay(Duration::from_millis(100)),
        )
        .mount(&provider)
        .await;
    let lever_url = format!("{}/v1", provider.uri());
    let dir = tempfile::tempdir().expect("tempdir");
    let accounts = 120;
    let keys: Vec<String> = (0..accounts).map(|i| format!("lvTEST{i:026}")).collect();
    let lines: String = keys
        .iter()
        .map(|k| format!("{{\"connector\":\"lever\",\"credentials\":{{\"api_key\":\"{k}\"}},\"owner\":\"o\"}}\n"))
        .collect();
    std::fs::write(dir.path().join("import.jsonl"), lines).expect("import file");
    let tuned = |mut cmd: Command| {
        cmd.env("CONNECTOR_HUB__REVERIFY_CONCURRENCY", "4")
            .env("CONNECTOR_HUB__SCHEDULER_TICK_SECONDS", "0.1")
            .env("CONNECTOR_HUB__INSTANCE", "hub-test")
            .env("CONNECTOR_HUB__RATES__LEVER", "1000")
            .env("RUST_LOG", "warn");
        cmd
    };
    let init = tuned(command(dir.path(), &["init", "--json"], &lever_url))
        .output()
        .expect("init");
    let admin: Value = serde_json::from_slice(&init.stdout).expect("json");
    let admin = admin["admin_key"].as_str().expect("key").to_owned();
    let import = tuned(command(
        dir.path(),
        &["import", "import.jsonl", "--check-now"],
        &lever_url,
    ))
    .output()
    .expect("import");
    assert!(
        import.status.success(),
        "{}",
        String::from_utf8_lossy(&import.stderr)
    );

    let start = |dir: &Path| {
        let mut cmd = tuned(command(
            dir,
            &["serve", "--listen", "127.0.0.1:0"],
            &lever_url,
        ));
        let mut child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("serve");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let url = loop {
            let line = lines.next().expect("listening").expect("line");
            if let Some(rest) = line.split("listening on ").nth(1) {
                break rest.split_whitespace().next().expect("url").to_owned();
            }
        };
        std::thread::spawn(move || lines.for_each(drop));
        (child, url)
    };
    let http = reqwest::Client::new();
    let verified = |url: String| {
        let http = http.clone();
        let admin = admin.clone();
        async move {
            let queue: Value = http
                .get(format!("{url}/api/v1/reverify?by_status=true"))
                .bearer_auth(&admin)
                .send()
                .await
                .expect("queue")
                .json()
                .await
                .expect("json");
            queue["by_status"]["verified"].as_i64().unwrap_or(0)
        }
    };

    // Kill it once a part of the pass is recorded.
    let (mut child, url) = start(dir.path());
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while verified(url.clone()).await < 20 {
        assert!(
            std::time::Instant::now() < deadline,
            "the pass never started"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let db_url = format!("sqlite://{}", dir.path().join("connector-hub.db").display());
    let store = connector_hub::testing::Store::open(&db_url)
        .await
        .expect("db");
    let before: Vec<String> = store
        .list_accounts(&Default::default(), None, 1000)
        .await
        .expect("accounts")
        .into_iter()
        .filter(|a| a.status == "verified")
        .map(|a| a.masked_key)
        .collect();
    store.close().await;
    assert!(
        !before.is_empty() && before.len() < accounts,
        "killed mid-pass: {}",
        before.len()
    );

    // The restarted process takes back its claims at once and finishes the pass.
    let (mut child, url) = start(dir.path());
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while verified(url.clone()).await < accounts as i64 {
        assert!(
            std::time::Instant::now() < deadline,
            "the pass did not finish after restart"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.kill().expect("stop");
    let _ = child.wait();

    let store = connector_hub::testing::Store::open(&db_url)
        .await
        .expect("db");
    for account in store
        .list_accounts(&Default::default(), None, 1000)
        .await
        .expect("accounts")
    {
        let history = store.history(&account.id, None, 10).await.expect("history");
        assert_eq!(
            history.len(),
            1,
            "one change per account, none lost or repeated"
        );
        assert_eq!(
            (
                history[0].old_status.as_str(),
                history[0].new_status.as_str()
            ),
            ("unchecked", "verified")
        );
    }
    let mut checks: HashMap<String, usize> = HashMap::new();
    for request in provider.received_requests().await.expect("recorded") {
        let header = request
            .headers
            .get("authorization")
            .expect("auth")
            .to_str()
            .expect("ascii");
        let decoded = base64::Engine::decode(
            &base64::engine::general_purpose::STANDARD,
            header.trim_start_matches("Basic "),
        )
        .expect("base64");
        let key = String::from_utf8(decoded)
            .expect("utf-8")
            .trim_end_matches(':')
            .to_owned();
        *checks.entry(key).or_default() += 1;
    }
    assert_eq!(checks.len(), accounts, "every account was checked");
    for key in &keys {
        let masked = connector_core::mask(key);
        if before.contains(&masked) {
            assert_eq!(
                checks[key], 1,
                "an account recorded before the kill was checked again"
            );
        }
    }
}

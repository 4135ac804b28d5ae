//! Restart safety with the real binary: a hub killed with SIGKILL in the middle of writes loses
//! nothing it acknowledged, and its database and ciphertexts open again after a restart.

#![cfg(unix)]

mod support;

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
async fn a_killed_hub_loses_no_acknowledged_write() {
    let provider = support::fake_provider("lever").await;
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
    support::assert_hidden(&trace, &provider.good["api_key"]);
    support::assert_hidden(&trace, &admin);

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

    let db = connector_hub::store::Store::open(&format!(
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

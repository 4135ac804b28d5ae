//! End-to-end tests of `connector run polytomic create-api-key` against a local wiremock server:
//! the minted key shown exactly once, every refusal's status and exit code, inputs validated
//! before any request, and no blind retry of the key-minting POST.

use std::process::Output;
use std::time::Duration;

use serde_json::{json, Value};
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PARTNER_KEY: &str = "5b9f0d2e-6c1a-4b7e-9f3d-2a8c4e6b1d97";
const MINTED_KEY: &str = "pk_live_4f8a9b2c7d3e4f1a9b0c2d3e4f5a7c1e";
const ORG: &str = "248df4b7-aa70-47b8-a036-33ac447e668d";
const USER: &str = "7c0e3f1a-2b4d-4e6f-8a9b-0c1d2e3f4a5b";

fn keys_path() -> String {
    format!("/api/organizations/{ORG}/users/{USER}/keys")
}

fn run(server: &MockServer, extra: &[&str]) -> Output {
    let uri = server.uri();
    let set_org = format!("org_id={ORG}");
    let set_user = format!("user_id={USER}");
    let mut args = vec![
        "run",
        "polytomic",
        "create-api-key",
        "--credentials",
        "-",
        "--base-url",
        &uri,
        "--set",
        &set_org,
        "--set",
        &set_user,
    ];
    args.extend_from_slice(extra);
    let out = crate::support::connector()
        .args(&args)
        .trace()
        .stdin(json!({"api_key": PARTNER_KEY}).to_string())
        .output();
    let all = crate::support::everything(&out);
    assert!(!all.contains(PARTNER_KEY), "the partner key leaked: {all}");
    out
}

fn stdout_json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

async fn mint_server(status: u16, body: Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(keys_path()))
        .and(header(
            "authorization",
            format!("Bearer {PARTNER_KEY}").as_str(),
        ))
        .and(header("x-polytomic-version", "2025-09-18"))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn the_minted_key_is_printed_once_on_stdout() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(keys_path()))
        .and(query_param_is_missing("force"))
        .and(body_json(json!({})))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"data": {"value": MINTED_KEY}})),
        )
        .expect(1)
        .mount(&server)
        .await;

    let out = run(&server, &["--json"]);

    assert_eq!(out.status.code(), Some(0));
    let report = stdout_json(&out);
    assert_eq!(report["status"], "done");
    assert_eq!(report["action"], "create-api-key");
    assert_eq!(report["output"]["api_key"], MINTED_KEY);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.matches(MINTED_KEY).count(), 1);
    assert!(!String::from_utf8_lossy(&out.stderr).contains(MINTED_KEY));
}

#[tokio::test(flavor = "multi_thread")]
async fn with_output_the_key_goes_only_to_an_owner_only_file() {
    let server = mint_server(200, json!({"data": {"value": MINTED_KEY}})).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("key.txt");

    let out = run(&server, &["--json", "--output", file.to_str().unwrap()]);

    assert_eq!(out.status.code(), Some(0));
    let report = stdout_json(&out);
    assert_eq!(report["output"]["api_key"], "••••7c1e");
    let all = format!("{report}{}", String::from_utf8_lossy(&out.stderr));
    assert!(!all.contains(MINTED_KEY));
    assert_eq!(std::fs::read_to_string(&file).unwrap().trim(), MINTED_KEY);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let again = run(&server, &["--json", "--output", file.to_str().unwrap()]);
    assert_eq!(
        again.status.code(),
        Some(2),
        "a file with a key is never overwritten"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap().trim(), MINTED_KEY);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_existing_empty_output_file_is_used_and_made_owner_only() {
    let server = mint_server(200, json!({"data": {"value": MINTED_KEY}})).await;
    let file = tempfile::NamedTempFile::new().unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(file.path(), std::fs::Permissions::from_mode(0o644)).unwrap();
    }

    let out = run(&server, &["--output", file.path().to_str().unwrap()]);

    assert_eq!(out.status.code(), Some(0));
    assert!(!String::from_utf8_lossy(&out.stdout).contains(MINTED_KEY));
    assert_eq!(
        std::fs::read_to_string(file.path()).unwrap().trim(),
        MINTED_KEY
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(file.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn force_is_sent_and_warned_about() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(keys_path()))
        .and(query_param("force", "true"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"data": {"value": MINTED_KEY}})),
        )
        .expect(1)
        .mount(&server)
        .await;

    let out = run(&server, &["--set", "force=true"]);

    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("revokes the user's current API key"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn refusals_map_to_their_statuses() {
    for (status, name, exit) in [
        (401, "rejected", 3),
        (403, "forbidden", 4),
        (404, "not_found", 8),
        (500, "unavailable", 6),
    ] {
        let server = mint_server(status, json!({"status": status, "message": "nope"})).await;
        let out = run(&server, &["--json"]);
        let report = stdout_json(&out);
        assert_eq!(report["status"], name, "{status}: {report}");
        assert_eq!(out.status.code(), Some(exit), "{status}");
        assert!(report["output"].is_null());
        let requests = server.received_requests().await.unwrap();
        assert_eq!(requests.len(), 1, "{status}: a POST is not retried");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_organization_key_is_forbidden_with_a_hint() {
    let server = mint_server(403, json!({"message": "forbidden"})).await;
    let out = run(&server, &["--json", "--variant", "api_key"]);
    let report = stdout_json(&out);
    assert_eq!(out.status.code(), Some(4));
    assert!(report["message"].as_str().unwrap().contains("partner key"));
    assert!(report["warnings"][0].as_str().unwrap().contains("partner"));
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_ids_are_rejected_before_any_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    for bad in ["org_id=not-a-uuid", "org_id=../../admin", "force=maybe"] {
        let out = run(&server, &["--json", "--set", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let report = stdout_json(&out);
        assert_eq!(report["status"], "invalid_input");
        let key = bad.split('=').next().unwrap();
        assert!(
            report["message"].as_str().unwrap().contains(key),
            "{report}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_timed_out_post_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;

    let out = run(&server, &["--json", "--timeout", "1"]);

    let report = stdout_json(&out);
    assert_eq!(report["status"], "unavailable");
    assert_eq!(out.status.code(), Some(6));
    assert!(report["message"]
        .as_str()
        .unwrap()
        .contains("may or may not have been carried out"));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[test]
fn an_unknown_action_is_a_usage_error_listing_the_known_ones() {
    let out = crate::support::connector()
        .args(["run", "polytomic", "delete-everything"])
        .output();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("create-api-key"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_absurd_retry_after_on_429_is_rate_limited_not_a_panic() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", u64::MAX.to_string()))
        .mount(&server)
        .await;

    let out = run(&server, &["--json", "--timeout", "3"]);

    let report = stdout_json(&out);
    assert_eq!(out.status.code(), Some(5), "{report}");
    assert_eq!(report["status"], "rate_limited");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

/// Runs with `--output path` against a server that would mint a key, and asserts the run is
/// refused before any request, saying `why`.
async fn refused_output(path: &std::path::Path, why: &str) {
    let server = mint_server(200, json!({"data": {"value": MINTED_KEY}})).await;
    let out = run(
        &server,
        &["--json", "--output", path.to_str().expect("a UTF-8 path")],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{}: {stderr}", path.display());
    assert!(stderr.contains("cannot use --output"), "{stderr}");
    assert!(stderr.contains(why), "{why}: {stderr}");
    assert!(out.stdout.is_empty());
    assert_eq!(
        server
            .received_requests()
            .await
            .expect("requests are recorded")
            .len(),
        0,
        "{}: nothing may be minted",
        path.display()
    );
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn output_refuses_a_symlink_to_a_new_path() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("elsewhere.txt");
    let link = dir.path().join("key.txt");
    std::os::unix::fs::symlink(&target, &link).unwrap();

    refused_output(&link, "symbolic link").await;

    assert!(!target.exists(), "the link's target was created");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn output_refuses_a_symlink_to_an_empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("empty.txt");
    std::fs::write(&target, "").unwrap();
    let link = dir.path().join("key.txt");
    std::os::unix::fs::symlink(&target, &link).unwrap();

    refused_output(&link, "symbolic link").await;

    assert_eq!(std::fs::read(&target).unwrap(), b"");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn output_refuses_a_file_another_user_owns() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("key.txt");
    std::fs::write(&file, "").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
    if let Err(e) = std::os::unix::fs::chown(&file, Some(65534), Some(65534)) {
        eprintln!("skipped: cannot give the file to another user here ({e})");
        return;
    }

    refused_output(&file, "belongs to another user").await;

    assert_eq!(std::fs::read(&file).unwrap(), b"");
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o666, "another user's file is left alone");
}

#[tokio::test(flavor = "multi_thread")]
async fn output_refuses_a_file_with_data_and_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("old-key.txt");
    std::fs::write(&full, "pk_live_earlier\n").unwrap();

    refused_output(&full, "not empty").await;
    refused_output(dir.path(), "directory").await;

    assert_eq!(std::fs::read(&full).unwrap(), b"pk_live_earlier\n");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn output_refuses_an_empty_file_with_another_name() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("key.txt");
    std::fs::write(&file, "").unwrap();
    std::fs::hard_link(&file, dir.path().join("other-name.txt")).unwrap();

    refused_output(&file, "hard links").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_output_file_made_by_the_run_is_removed_when_nothing_is_minted() {
    let server = mint_server(401, json!({"message": "nope"})).await;
    let dir = tempfile::tempdir().unwrap();
    let new = dir.path().join("key.txt");
    let out = run(&server, &["--json", "--output", new.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    assert!(!new.exists(), "the unused new file is removed");

    // An empty file the user had is kept: it was not this run's to remove.
    let had = tempfile::NamedTempFile::new().unwrap();
    let out = run(
        &server,
        &["--json", "--output", had.path().to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(had.path().exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_base_url_name_the_connector_does_not_declare_is_a_usage_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let auth = format!("auth={}", server.uri());
    let out = run(&server, &["--base-url", &auth]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("polytomic has no origin named `auth`"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

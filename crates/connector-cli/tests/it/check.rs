//! End-to-end tests of `connector check`: each connector against a local wiremock server, through
//! the real binary, asserting the exact auth header, every outcome's exit status and JSON, and
//! that the key never appears in stdout or stderr.

use std::process::Output;

use serde_json::{json, Value};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A fake key per connector, in its documented format, and the auth header it must produce. The
/// connectors with one `api_key` field only; the others are covered by their own tests and by
/// the registry-wide dry run (tests/dry_run.rs).
struct Case {
    id: &'static str,
    key: &'static str,
    auth_header: (&'static str, &'static str),
    verify_path: &'static str,
    success_body: Value,
    account_field: &'static str,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            id: "polymer-hire",
            key: "ph_test_5f2a9c0d7b1e4f3a8c6d2e9b860c",
            auth_header: (
                "authorization",
                "Bearer ph_test_5f2a9c0d7b1e4f3a8c6d2e9b860c",
            ),
            verify_path: "/v1/hire/organization",
            success_body: json!({"id": "org_1", "name": "Acme Hiring"}),
            account_field: "organization_name",
        },
        Case {
            id: "polytomic",
            key: "8e5dcfdd-d23d-4e6f-a136-119e1254847b",
            auth_header: (
                "authorization",
                "Bearer 8e5dcfdd-d23d-4e6f-a136-119e1254847b",
            ),
            verify_path: "/api/me",
            success_body: json!({"data": {"email": "ops@example.com", "id": "u1", "is_partner": false,
                "organization_id": "o1", "organization_name": "Acme Data", "role": "admin"}}),
            account_field: "organization_name",
        },
        Case {
            id: "stackone",
            key: "v1.eu1.Zm9vYmFyYmF6cXV4cXV1eA",
            // base64("v1.eu1.Zm9vYmFyYmF6cXV4cXV1eA:")
            auth_header: (
                "authorization",
                "Basic djEuZXUxLlptOXZZbUZ5WW1GNmNYVjRjWFYxZUE6",
            ),
            verify_path: "/accounts",
            success_body: json!([{"id": "acc_1"}]),
            account_field: "can_list_accounts",
        },
        Case {
            id: "smartrecruiters",
            key: "c0ffee00c0ffee00c0ffee00c0ffee00",
            auth_header: ("x-smarttoken", "c0ffee00c0ffee00c0ffee00c0ffee00"),
            verify_path: "/configuration/company",
            success_body: json!({"identifier": "AcmeInc", "name": "Acme Inc"}),
            account_field: "company_name",
        },
    ]
}

/// Runs the binary with credentials on stdin; returns the output.
fn connector(args: &[&str], stdin: &str) -> Output {
    crate::support::connector()
        .args(args)
        .trace()
        .stdin(stdin)
        .output()
}

fn check_json(case: &Case, base_url: &str, extra: &[&str]) -> (i32, Value, String) {
    let creds = json!({"api_key": case.key}).to_string();
    let mut args = vec![
        "check",
        case.id,
        "--credentials",
        "-",
        "--base-url",
        base_url,
        "--json",
        "--timeout",
        "3",
    ];
    args.extend_from_slice(extra);
    let out = connector(&args, &creds);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        !stdout.contains(case.key) && !stderr.contains(case.key),
        "{}: the key leaked\nstdout: {stdout}\nstderr: {stderr}",
        case.id
    );
    let report: Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("{}: stdout is not one JSON object ({e}): {stdout}", case.id));
    (out.status.code().expect("exit code"), report, stderr)
}

fn base_for(case: &Case, server: &MockServer) -> String {
    // Polymer Hire's base URL carries a path prefix; the override must keep it.
    if case.id == "polymer-hire" {
        format!("{}/v1/hire", server.uri())
    } else {
        server.uri()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_valid_key_is_verified_with_the_exact_auth_header() {
    for case in cases() {
        let server = MockServer::start().await;
        let mut mock = Mock::given(method("GET"))
            .and(path(case.verify_path))
            .and(header(case.auth_header.0, case.auth_header.1));
        if case.id == "stackone" {
            mock = mock.and(query_param("page_size", "1"));
        }
        if case.id == "polytomic" {
            mock = mock.and(header("x-polytomic-version", "2025-09-18"));
        }
        mock.respond_with(ResponseTemplate::new(200).set_body_json(case.success_body.clone()))
            .expect(1)
            .mount(&server)
            .await;

        let (code, report, _) = check_json(&case, &base_for(&case, &server), &[]);

        assert_eq!(code, 0, "{}: {report}", case.id);
        assert_eq!(report["status"], "verified", "{}", case.id);
        assert_eq!(report["connector"], case.id);
        assert_eq!(report["http_status"], 200);
        let tail = &case.key[case.key.len() - 4..];
        assert_eq!(report["key"], format!("••••{tail}"));
        assert!(
            !report["account"][case.account_field].is_null(),
            "{}: {report}",
            case.id
        );
        for field in [
            "variant",
            "message",
            "warnings",
            "elapsed_ms",
            "http_status",
        ] {
            assert!(report.get(field).is_some(), "{}: no {field}", case.id);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_refusal_maps_to_its_status_and_exit_code() {
    let scenarios: [(u16, &str, i32); 5] = [
        (401, "rejected", 3),
        (403, "forbidden", 4),
        (429, "rate_limited", 5),
        (503, "unavailable", 6),
        (418, "unexpected", 7),
    ];
    for case in cases() {
        for (status, name, exit) in scenarios {
            let server = MockServer::start().await;
            Mock::given(method("GET"))
                .respond_with(
                    ResponseTemplate::new(status)
                        .set_body_json(json!({"message": format!("nope {}", case.key)})),
                )
                .mount(&server)
                .await;

            let (code, report, _) =
                check_json(&case, &base_for(&case, &server), &["--retries", "0"]);

            assert_eq!(report["status"], name, "{} {status}: {report}", case.id);
            assert_eq!(code, exit, "{} {status}", case.id);
            assert_eq!(report["http_status"], status);
            assert!(report["account"].is_null());
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_success_body_is_unexpected() {
    let case = &cases()[1];
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>login</html>"))
        .mount(&server)
        .await;
    let (code, report, _) = check_json(case, &server.uri(), &[]);
    assert_eq!((code, report["status"].as_str()), (7, Some("unexpected")));
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_input_sends_nothing() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    for creds in [
        json!({}),
        json!({"api_key": ""}),
        json!({"api_key": "abc\ndef0123456789"}),
        json!({"api_key": "abc\u{7}def0123456789"}),
        json!({"api_key": "x".repeat(5000)}),
        json!({"api_key": ["not", "text"]}),
    ] {
        let out = connector(
            &[
                "check",
                "polytomic",
                "--credentials",
                "-",
                "--base-url",
                &server.uri(),
                "--json",
            ],
            &creds.to_string(),
        );
        let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
        assert_eq!(out.status.code(), Some(2), "{creds}: {report}");
        assert_eq!(report["status"], "invalid_input");
        assert!(report["message"].as_str().unwrap().contains("api_key"));
    }
}

#[test]
fn unknown_connector_is_a_usage_error_naming_the_closest_id() {
    let out = connector(&["check", "polytomik", "--credentials", "-"], "{}");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("did you mean `polytomic`"), "{stderr}");
}

#[test]
fn credentials_that_are_not_an_object_never_echo_the_value() {
    let out = connector(
        &["check", "stackone", "--credentials", "-", "--json"],
        "\"v1.eu1.secretsecretsecret\"",
    );
    assert_eq!(out.status.code(), Some(2));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!all.contains("secretsecret"), "{all}");
    assert!(all.contains("invalid_input"), "{all}");
}

#[test]
fn credentials_come_from_the_environment_when_no_file_is_given() {
    let out = crate::support::connector()
        .args(["check", "smartrecruiters", "--json"])
        .output();
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["status"], "invalid_input");
    assert!(report["message"]
        .as_str()
        .unwrap()
        .contains("SMARTRECRUITERS_API_KEY"));
}

#[test]
fn list_names_every_connector() {
    let out = connector(&["list", "--json"], "");
    let rows: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let ids: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let registered: Vec<&str> = connector_registry::all()
        .iter()
        .map(|c| c.spec().id)
        .collect();
    assert_eq!(
        ids, registered,
        "every registered connector, in registry order"
    );
    for (row, connector) in rows
        .as_array()
        .unwrap()
        .iter()
        .zip(connector_registry::all())
    {
        let spec = connector.spec();
        assert_eq!(
            row["auth"],
            spec.default_variant().auth.kind(),
            "{}",
            spec.id
        );
        assert_eq!(row["base_url"], spec.base_url.primary(), "{}", spec.id);
    }
    let smartrecruiters = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "smartrecruiters")
        .expect("smartrecruiters is listed");
    assert_eq!(smartrecruiters["auth"], "header:X-SmartToken");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_absurd_retry_after_is_reported_not_a_panic() {
    let case = &cases()[1];
    for (status, name, exit) in [(429u16, "rate_limited", 5), (503, "unavailable", 6)] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(
                ResponseTemplate::new(status).insert_header("retry-after", u64::MAX.to_string()),
            )
            .mount(&server)
            .await;
        let started = std::time::Instant::now();
        let (code, report, stderr) = check_json(case, &server.uri(), &[]);
        assert_eq!(code, exit, "{status}: {report} {stderr}");
        assert_eq!(report["status"], name);
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(started.elapsed() < std::time::Duration::from_secs(3));
        assert_eq!(server.received_requests().await.unwrap().len(), 1);
    }
}

#[test]
fn a_panic_is_unexpected_with_one_line_and_no_payload_or_backtrace() {
    if !cfg!(debug_assertions) {
        return; // the panic switch exists in debug builds only
    }
    let out = crate::support::connector()
        .args(["check", "polytomic", "--json"])
        .env("CONNECTOR_TEST_PANIC", "check")
        .env("RUST_BACKTRACE", "full")
        .env("POLYTOMIC_API_KEY", "8e5dcfdd-d23d-4e6f-a136-119e1254847b")
        .output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(7), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: internal error at "), "{stderr}");
    assert!(stderr.contains("please report it"), "{stderr}");
    for leak in ["sk_live", "secret", "panicked", "backtrace", "stack"] {
        assert!(!stderr.contains(leak), "{leak}: {stderr}");
    }
    assert!(out.stdout.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn only_secret_fields_are_masked_in_messages() {
    // The provider's refusal quotes both the key and a non-secret field (the API version): the
    // key is masked, the version is shown as it is.
    let key = "8e5dcfdd-d23d-4e6f-a136-119e1254847b";
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "message": format!("key {key} is not valid for API version 2024-02-08")
        })))
        .mount(&server)
        .await;
    let creds = json!({"api_key": key, "api_version": "2024-02-08"}).to_string();
    let out = connector(
        &[
            "check",
            "polytomic",
            "--credentials",
            "-",
            "--base-url",
            &server.uri(),
            "--json",
        ],
        &creds,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: Value = serde_json::from_str(stdout.trim()).expect("one JSON object");
    assert_eq!(report["status"], "rejected", "{report}");
    let message = report["message"].as_str().unwrap();
    assert!(!stdout.contains(key), "{stdout}");
    assert!(message.contains("2024-02-08"), "{message}");
}

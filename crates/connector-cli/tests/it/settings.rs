//! Settings through the real binary: a base URL in the config file and in the environment for
//! the same connector goes to the environment's every run, whatever the spellings; two spellings
//! in one layer, unknown connectors and base URLs with a query string are usage errors that send
//! nothing and quote no URL.

use std::path::Path;
use std::process::Output;

use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "ph_test_5f2a9c0d7b1e4f3a8c6d2e9b860c";

fn organization() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"id": "org_1", "name": "Acme Hiring"}))
}

/// `connector check polymer-hire --json` with the key on stdin, a config file and extra
/// environment variables.
fn check(config: &Path, env: &[(&str, &str)], extra: &[&str]) -> Output {
    let mut cli = crate::support::connector()
        .arg("--config")
        .arg(config)
        .args(["check", "polymer-hire", "--credentials", "-", "--json"])
        .args(extra)
        .stdin(json!({"api_key": KEY}).to_string());
    for (name, value) in env {
        cli = cli.env(name, value);
    }
    cli.output()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_environment_beats_the_config_file_every_run() {
    let from_file = MockServer::start().await;
    let from_env = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(organization())
        .expect(0)
        .mount(&from_file)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/hire/organization"))
        .respond_with(organization())
        .expect(20)
        .mount(&from_env)
        .await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let config = dir.path().join("connector.toml");
    std::fs::write(
        &config,
        format!(
            "[base_urls]\n\"polymer-hire\" = \"{}/v1/hire\"\n",
            from_file.uri()
        ),
    )
    .expect("the config file is written");
    let env_url = format!("{}/v1/hire", from_env.uri());

    for run in 0..20 {
        let out = check(
            &config,
            &[("CONNECTOR_BASE_URLS__POLYMER_HIRE", &env_url)],
            &[],
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "run {run}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(from_file.received_requests().await.unwrap().len(), 0);
    assert_eq!(from_env.received_requests().await.unwrap().len(), 20);
}

/// A config file, environment variables, flags, and what stderr must say.
type Case<'a> = (String, Vec<(&'a str, &'a str)>, Vec<&'a str>, &'a str);

#[tokio::test(flavor = "multi_thread")]
async fn usage_errors_send_nothing_and_quote_no_url() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(organization())
        .expect(0)
        .mount(&server)
        .await;
    let secret_url = format!("{}/v1/hire?token=hunter2hunter2", server.uri());
    let dir = tempfile::tempdir().expect("a temporary directory");
    let cases: Vec<Case> = vec![
        (
            format!(
                "[base_urls]\npolymer_hire = \"{0}/a\"\n\"polymer-hire\" = \"{0}/b\"\n",
                server.uri()
            ),
            vec![],
            vec![],
            "the base URL for polymer-hire is given twice",
        ),
        (
            format!("[base_urls]\npolymer-hyre = \"{}\"\n", server.uri()),
            vec![],
            vec![],
            "did you mean `polymer-hire`",
        ),
        (
            String::new(),
            vec![],
            vec!["--base-url", &secret_url],
            "remove the query string",
        ),
        (
            String::new(),
            vec![("CONNECTOR_BASE_URLS__POLYMER_HIRE", &secret_url)],
            vec![],
            "CONNECTOR_BASE_URLS__POLYMER_HIRE has a query string",
        ),
        (
            format!("[base_urls]\npolymer_hire = \"{secret_url}\"\n"),
            vec![],
            vec![],
            "remove the query string",
        ),
    ];
    for (n, (file, env, flags, expected)) in cases.into_iter().enumerate() {
        let config = dir.path().join(format!("{n}.toml"));
        std::fs::write(&config, file).expect("the config file is written");
        let out = check(&config, &env, &flags);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "case {n}: {stderr}");
        assert!(stderr.contains(expected), "case {n}: {stderr}");
        assert!(!stderr.contains("hunter2"), "case {n}: {stderr}");
        assert!(!stderr.contains("127.0.0.1"), "case {n}: {stderr}");
        assert!(out.stdout.is_empty(), "case {n}");
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 0);
}

const POLYTOMIC_KEY: &str = "8e5dcfdd-d23d-4e6f-a136-119e1254847b";

/// `connector check polytomic --json` with the key in its environment variable.
fn check_polytomic(config: &Path, env: &[(&str, &str)]) -> Output {
    let mut cli = crate::support::connector()
        .arg("--config")
        .arg(config)
        .args(["check", "polytomic", "--json", "--timeout", "3"])
        .env("POLYTOMIC_API_KEY", POLYTOMIC_KEY);
    for (name, value) in env {
        cli = cli.env(name, value);
    }
    cli.output()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_base_url_template_in_the_config_file_is_filled_from_the_fields() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/2025-09-18/api/me"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {
            "email": "ops@example.com", "id": "u1", "is_partner": false,
            "organization_id": "o1", "organization_name": "Acme Data", "role": "admin"}})))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let config = dir.path().join("connector.toml");
    std::fs::write(
        &config,
        format!(
            "[base_urls]\npolytomic = \"{}/{{api_version}}\"\n",
            server.uri()
        ),
    )
    .expect("the config file is written");
    let out = check_polytomic(&config, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!stdout.contains(POLYTOMIC_KEY));
}

#[test]
fn named_origins_a_connector_does_not_declare_are_usage_errors() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let empty = dir.path().join("empty.toml");
    std::fs::write(&empty, "").expect("written");
    let named = dir.path().join("named.toml");
    std::fs::write(
        &named,
        "[base_urls]\n\"polytomic.auth\" = \"http://127.0.0.1:9\"\n",
    )
    .expect("written");
    for (config, env, expected) in [
        (
            &empty,
            vec![("CONNECTOR_BASE_URLS__POLYTOMIC__AUTH", "http://127.0.0.1:9")],
            "polytomic has no origin named `auth`",
        ),
        (
            &empty,
            vec![(
                "CONNECTOR_BASE_URLS__POLYTOMIC__AUTH__X",
                "http://127.0.0.1:9",
            )],
            "CONNECTOR_BASE_URLS__<ID>__<ORIGIN>",
        ),
        (&named, vec![], "polytomic has no origin named `auth`"),
        (
            &empty,
            vec![(
                "CONNECTOR_BASE_URLS__POLYTOMIC",
                "http://127.0.0.1:9/{nope}",
            )],
            "CONNECTOR_BASE_URLS__POLYTOMIC names the placeholder `nope`",
        ),
    ] {
        let out = check_polytomic(config, &env);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{env:?}: {stderr}");
        assert!(stderr.contains(expected), "{env:?}: {stderr}");
        assert!(!stderr.contains("127.0.0.1"), "{stderr}");
        assert!(out.stdout.is_empty());
    }
}

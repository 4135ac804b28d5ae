//! `connector check ID --dry-run [--json]` through the real binary: the exact JSON shape, every
//! secret masked, nothing sent (a local server that must receive nothing stands in for the
//! provider), exit 2 and the check's report on invalid input; and the `--base-url [NAME=]URL`
//! forms it honours. The registry-wide test covers every registered connector, so a connector
//! added later is dry-run too.

use std::process::Output;

use base64::Engine as _;
use connector_core::{BaseUrl, Field, Format};
use serde_json::{json, Value};
use wiremock::{Mock, MockServer, ResponseTemplate};

const POLYTOMIC_KEY: &str = "8e5dcfdd-d23d-4e6f-a136-119e1254847b";
const STACKONE_KEY: &str = "v1.eu1.Zm9vYmFyYmF6cXV4cXV1eA";

/// Runs the binary with `stdin`, no inherited credentials or base URL settings.
fn connector(args: &[&str], env: &[(&str, &str)], stdin: &str) -> Output {
    let mut cli = crate::support::connector().args(args).trace().stdin(stdin);
    for (name, value) in env {
        cli = cli.env(name, value);
    }
    cli.output()
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Neither the secret, nor any 12-character run of it, nor its base64 forms appear anywhere.
fn assert_masked(out: &Output, secret: &str) {
    let (stdout, stderr) = text(out);
    let all = format!("{stdout}{stderr}");
    let chars: Vec<char> = secret.chars().collect();
    for window in chars.windows(12) {
        let run: String = window.iter().collect();
        assert!(!all.contains(&run), "a run of the secret shows: {all}");
    }
    let engine = base64::engine::general_purpose::STANDARD;
    for form in [engine.encode(secret), engine.encode(format!("{secret}:"))] {
        assert!(!all.contains(&form[..form.len().min(16)]), "{all}");
    }
}

fn stdout_json(out: &Output) -> Value {
    let (stdout, stderr) = text(out);
    assert_eq!(
        stdout.trim_end().lines().count(),
        1,
        "exactly one line: {stdout}"
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!("stdout is not one JSON object ({e}): {stdout}\nstderr: {stderr}")
    })
}

/// A server that fails the test if anything reaches it.
async fn silent_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    server
}

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

fn header<'a>(request: &'a Value, name: &str) -> Option<&'a str> {
    request["headers"]
        .as_array()?
        .iter()
        .find(|pair| {
            pair[0]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
        .and_then(|pair| pair[1].as_str())
}

#[tokio::test(flavor = "multi_thread")]
async fn bearer_json_has_the_exact_shape_and_masks_the_key() {
    let server = silent_server().await;
    let base = server.uri();
    let creds = json!({"api_key": POLYTOMIC_KEY}).to_string();
    let out = connector(
        &[
            "check",
            "polytomic",
            "--dry-run",
            "--json",
            "--credentials",
            "-",
            "--base-url",
            &base,
        ],
        &[],
        &creds,
    );
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert_masked(&out, POLYTOMIC_KEY);
    let shown = stdout_json(&out);
    assert_eq!(keys(&shown), ["connector", "requests", "variant"]);
    assert_eq!(shown["connector"], "polytomic");
    assert_eq!(shown["variant"], "api_key");
    let requests = shown["requests"].as_array().expect("an array");
    assert_eq!(requests.len(), 1, "{shown}");
    let request = &requests[0];
    assert_eq!(keys(request), ["body", "headers", "method", "url"]);
    assert_eq!(request["method"], "GET");
    assert_eq!(request["url"], format!("{base}/api/me"));
    assert!(request["body"].is_null());
    for pair in request["headers"].as_array().expect("headers") {
        let pair = pair.as_array().expect("[name, value]");
        assert_eq!(pair.len(), 2);
        assert!(pair.iter().all(Value::is_string), "{pair:?}");
    }
    assert_eq!(header(request, "authorization"), Some("Bearer ••••847b"));
    assert_eq!(header(request, "x-polytomic-version"), Some("2025-09-18"));
    assert_eq!(server.received_requests().await.unwrap().len(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn basic_is_shown_masked_in_the_human_form() {
    let server = silent_server().await;
    let base = server.uri();
    let creds = json!({"api_key": STACKONE_KEY}).to_string();
    let out = connector(
        &[
            "check",
            "stackone",
            "--dry-run",
            "--credentials",
            "-",
            "--base-url",
            &base,
        ],
        &[],
        &creds,
    );
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert_masked(&out, STACKONE_KEY);
    let (stdout, _) = text(&out);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0],
        format!("GET {base}/accounts?page_size=1"),
        "{stdout}"
    );
    assert!(
        lines.contains(&"Authorization: Basic base64(••••V1eA:)"),
        "{stdout}"
    );
    assert!(
        lines[1..].iter().all(|l| l.contains(": ")),
        "headers only, no body: {stdout}"
    );

    // The same as JSON.
    let out = connector(
        &[
            "check",
            "stackone",
            "--dry-run",
            "--json",
            "--credentials",
            "-",
            "--base-url",
            &base,
        ],
        &[],
        &creds,
    );
    let shown = stdout_json(&out);
    assert_eq!(
        header(&shown["requests"][0], "authorization"),
        Some("Basic base64(••••V1eA:)")
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_input_exits_2_with_the_checks_report_and_sends_nothing() {
    let server = silent_server().await;
    let base = server.uri();
    for (creds, field) in [
        (json!({}).to_string(), "api_key"),
        (json!({"api_key": ""}).to_string(), "api_key"),
        (
            json!({"api_key": "abc\ndef0123456789"}).to_string(),
            "api_key",
        ),
        ("\"v1.eu1.secretsecretsecret\"".to_owned(), "JSON object"),
    ] {
        let out = connector(
            &[
                "check",
                "polytomic",
                "--dry-run",
                "--json",
                "--credentials",
                "-",
                "--base-url",
                &base,
            ],
            &[],
            &creds,
        );
        assert_eq!(out.status.code(), Some(2), "{creds}: {:?}", text(&out));
        let report = stdout_json(&out);
        assert_eq!(report["status"], "invalid_input", "{report}");
        assert_eq!(report["connector"], "polytomic");
        assert!(
            report["message"].as_str().unwrap().contains(field),
            "{report}"
        );
        assert!(!format!("{:?}", text(&out)).contains("secretsecret"));

        // The human form says the same, as `check` does.
        let out = connector(
            &[
                "check",
                "polytomic",
                "--dry-run",
                "--credentials",
                "-",
                "--base-url",
                &base,
            ],
            &[],
            &creds,
        );
        assert_eq!(out.status.code(), Some(2));
        let (stdout, _) = text(&out);
        assert!(stdout.contains("invalid_input"), "{stdout}");
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 0);
}

#[test]
fn variants_environment_and_settings_are_honoured() {
    // The partner variant, its key from its environment variable, the base URL from the config
    // file, with a placeholder naming one of the connector's non-secret fields.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let config = dir.path().join("connector.toml");
    std::fs::write(
        &config,
        "[base_urls]\npolytomic = \"http://127.0.0.1:9/{api_version}/x\"\n",
    )
    .expect("written");
    let config_arg = config.to_str().expect("a UTF-8 path");
    let out = connector(
        &[
            "--config",
            config_arg,
            "check",
            "polytomic",
            "--variant",
            "partner",
            "--dry-run",
            "--json",
        ],
        &[("POLYTOMIC_PARTNER_KEY", POLYTOMIC_KEY)],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert_masked(&out, POLYTOMIC_KEY);
    let shown = stdout_json(&out);
    assert_eq!(shown["variant"], "partner");
    let url = shown["requests"][0]["url"].as_str().unwrap();
    assert!(url.starts_with("http://127.0.0.1:9/2025-09-18/x/"), "{url}");

    // The environment beats the file, and the flag beats both.
    let env = [
        ("POLYTOMIC_API_KEY", POLYTOMIC_KEY),
        ("CONNECTOR_BASE_URLS__POLYTOMIC", "http://127.0.0.1:8/env"),
    ];
    let base = |extra: &[&str]| {
        let mut args = vec![
            "--config",
            config_arg,
            "check",
            "polytomic",
            "--dry-run",
            "--json",
        ];
        args.extend_from_slice(extra);
        let out = connector(&args, &env, "");
        assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
        stdout_json(&out)["requests"][0]["url"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(base(&[]), "http://127.0.0.1:8/env/api/me");
    assert_eq!(
        base(&["--base-url", "http://127.0.0.1:7/flag"]),
        "http://127.0.0.1:7/flag/api/me"
    );
}

#[test]
fn base_url_names_the_connector_does_not_declare_are_usage_errors() {
    let creds = json!({"api_key": POLYTOMIC_KEY}).to_string();
    for (flags, expected) in [
        (
            &["--base-url", "auth=http://127.0.0.1:9"][..],
            "polytomic has no origin named `auth`",
        ),
        (
            &["--base-url", "auth=http://127.0.0.1:9"][..],
            "declares no named origins",
        ),
        (
            &["--base-url", "polytomic=http://127.0.0.1:9"][..],
            "ID=URL pairs are for --bulk",
        ),
        (
            &[
                "--base-url",
                "http://127.0.0.1:9",
                "--base-url",
                "http://127.0.0.1:8",
            ][..],
            "given twice",
        ),
        (
            &["--base-url", "http://127.0.0.1:9/{subdomain}"][..],
            "not a non-secret field of polytomic",
        ),
        (
            &["--base-url", "http://127.0.0.1:9/?token=hunter2hunter2"][..],
            "remove the query string",
        ),
    ] {
        for dry_run in [true, false] {
            let mut args = vec!["check", "polytomic", "--credentials", "-", "--json"];
            if dry_run {
                args.push("--dry-run");
            }
            args.extend_from_slice(flags);
            let out = connector(&args, &[], &creds);
            let (stdout, stderr) = text(&out);
            assert_eq!(out.status.code(), Some(2), "{flags:?}: {stderr}");
            assert!(stderr.contains(expected), "{flags:?}: {stderr}");
            assert!(!stderr.contains("hunter2"), "{stderr}");
            assert!(stdout.is_empty(), "{stdout}");
        }
    }
}

#[test]
fn dry_run_is_not_for_bulk() {
    let out = connector(&["check", "--bulk", "-", "--dry-run"], &[], "");
    assert_eq!(out.status.code(), Some(2));
    let (_, stderr) = text(&out);
    assert!(stderr.contains("--dry-run"), "{stderr}");
}

#[test]
fn the_help_shows_every_base_url_form_and_the_dry_run() {
    let out = connector(&["check", "--help"], &[], "");
    let (stdout, _) = text(&out);
    for needle in [
        "--dry-run",
        "--base-url <[NAME=]URL>",
        "auth=http://127.0.0.1:8081",
        "ID.NAME=URL",
        "CONNECTOR_BASE_URLS__GREENHOUSE__AUTH",
        "\"greenhouse.auth\"",
    ] {
        assert!(stdout.contains(needle), "{needle}: {stdout}");
    }
    let out = connector(&["--help"], &[], "");
    let (stdout, _) = text(&out);
    assert!(
        stdout.contains("CONNECTOR_BASE_URLS__<ID>__<ORIGIN>"),
        "{stdout}"
    );
}

/// A value for a field that passes validation and fits wherever it lands.
fn sample(field: &Field, n: usize) -> Option<String> {
    if field.default.is_some() {
        return None; // the connector's own default, which fits
    }
    Some(match field.format {
        Format::Choice(values) => values[0].to_owned(),
        Format::Boolean => "true".to_owned(),
        _ if field.secret => format!("dry-secret-{n}-0123456789abcdefghij"),
        _ => match field.example {
            Some(example)
                if !example.is_empty()
                    && example
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-') =>
            {
                example.to_owned()
            }
            _ => "acme".to_owned(),
        },
    })
}

#[test]
fn every_registered_connector_dry_runs_its_default_request_masked() {
    for connector_ref in connector_registry::all() {
        let spec = connector_ref.spec();
        for variant in spec.variants {
            let mut creds = serde_json::Map::new();
            let mut secrets = Vec::new();
            for (n, field) in variant.fields.iter().enumerate() {
                let Some(value) = sample(field, n) else {
                    continue;
                };
                if field.secret {
                    secrets.push(value.clone());
                }
                creds.insert(field.key.to_owned(), Value::from(value));
            }
            let creds = Value::Object(creds).to_string();
            let out = connector(
                &[
                    "check",
                    spec.id,
                    "--variant",
                    variant.name,
                    "--dry-run",
                    "--json",
                    "--credentials",
                    "-",
                ],
                &[],
                &creds,
            );
            let what = format!("{} {}", spec.id, variant.name);
            assert_eq!(out.status.code(), Some(0), "{what}: {:?}", text(&out));
            for secret in &secrets {
                assert_masked(&out, secret);
            }
            let shown = stdout_json(&out);
            assert_eq!(shown["connector"], spec.id, "{what}");
            assert_eq!(shown["variant"], variant.name, "{what}");
            let requests = shown["requests"].as_array().expect("requests");
            assert!(!requests.is_empty(), "{what}");
            for request in requests {
                let url = request["url"].as_str().expect("a URL");
                assert!(
                    !url.contains('{') && !url.contains("%7B") && !url.contains("%7b"),
                    "{what}: a placeholder is left in {url}"
                );
                assert!(url::Url::parse(url).is_ok(), "{what}: {url}");
            }
            // The last request is the verification, on the API base URL filled in.
            let last = requests.last().unwrap()["url"].as_str().unwrap();
            let bases = match spec.base_url {
                BaseUrl::Template(t) => vec![t],
                BaseUrl::Choice { urls, .. } => urls.iter().map(|(_, u)| *u).collect(),
            };
            let values: serde_json::Map<String, Value> =
                serde_json::from_str(&creds).expect("an object");
            let filled: Vec<String> = bases
                .iter()
                .map(|base| {
                    let mut base = (*base).to_owned();
                    for (key, value) in &values {
                        base = base.replace(&format!("{{{key}}}"), value.as_str().unwrap());
                    }
                    base.trim_end_matches('/').to_owned()
                })
                .collect();
            assert!(
                filled.iter().any(|base| last.starts_with(base.as_str())),
                "{what}: {last} is not on the API base URL {filled:?}"
            );
        }
    }
}

#[test]
fn describe_lists_each_fields_roles() {
    for connector_ref in connector_registry::all() {
        let spec = connector_ref.spec();
        let out = connector(&["describe", spec.id], &[], "");
        assert_eq!(out.status.code(), Some(0));
        let (stdout, _) = text(&out);
        for variant in spec.variants {
            assert!(
                stdout.contains(&variant.auth.describe()),
                "{}: how the key is sent",
                spec.id
            );
            for field in variant.fields {
                let line = stdout
                    .lines()
                    .find(|l| l.starts_with(&format!("- `{}` (", field.key)))
                    .unwrap_or_else(|| panic!("{}: no line for {}", spec.id, field.key));
                if field.secret {
                    assert!(line.contains("secret"), "{line}");
                }
            }
        }
        for origin in spec.origins {
            assert!(
                stdout.contains(&format!("--base-url {}=URL", origin.name)),
                "{}",
                spec.id
            );
        }

        let out = connector(&["describe", spec.id, "--json"], &[], "");
        let entry: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        for (variant, shown) in spec
            .variants
            .iter()
            .zip(entry["variants"].as_array().unwrap())
        {
            for field in variant.fields {
                let roles: Vec<&str> = variant
                    .roles(spec, field)
                    .iter()
                    .map(|r| r.as_str())
                    .collect();
                assert_eq!(shown["field_roles"][field.key], json!(roles), "{}", spec.id);
            }
        }
    }
}

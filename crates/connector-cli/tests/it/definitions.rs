//! `--definitions DIR`: a provider that is not in the workspace, declared in a file, is listed,
//! described, dry-run and checked like a compiled one; broken or clashing files stop the command
//! with every problem named by file and line.

use serde_json::Value;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{connector, everything};

const KEY: &str = "acme-live-7c1f0a9e4b2d86";

/// Acme People: Bearer key, `GET /v1/me` answering `{"company": {"id", "name"}}`.
fn acme(base_url: &str) -> String {
    format!(
        r#"id = "acme-people"
name = "Acme People"
category = "HRIS"
summary = "A test HR system declared in a file."
identifying = ["id", "name"]
base_url = {{ kind = "url", url = "{base_url}" }}

[[variants]]
name = "api_key"
label = "API key"
description = "An Acme People API key."
auth = {{ kind = "bearer", field = "api_key" }}

[[variants.fields]]
key = "api_key"
label = "API Key"
help = "Created under Settings, API."
required = true
secret = true
env = "ACME_PEOPLE_API_KEY"

[variants.verify]
method = "GET"
path = "/v1/me"
proves = "the key is live and names its company."

[variants.proof]
at = ["/company"]
shape = "object"
expected = "expected {{\"company\": {{\"id\", \"name\"}}}}"
required = ["/id"]
account = [{{ name = "id", source = {{ kind = "member", pointer = "/id" }} }}, {{ name = "name", source = {{ kind = "member", pointer = "/name" }} }}]

[guide]
prerequisites = ["An Acme People admin account."]
"#
    )
}

fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("a definition file written");
    }
    dir
}

#[tokio::test]
async fn a_defined_connector_is_listed_described_and_checked() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/me"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"company": {"id": "c-42", "name": "Acme Corp"}})),
        )
        .mount(&server)
        .await;
    let dir = dir_with(&[("acme.toml", &acme(&server.uri()))]);

    let list = connector()
        .arg("--definitions")
        .arg(dir.path())
        .args(["list", "--json"])
        .output();
    assert!(list.status.success(), "{}", everything(&list));
    let listed: Value = serde_json::from_slice(&list.stdout).unwrap();
    let ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert!(
        ids.contains(&"acme-people") && ids.contains(&"ashby"),
        "{ids:?}"
    );

    // The setting works as the flag does, and the definition prints back as read.
    let described = connector()
        .env("CONNECTOR_DEFINITIONS", dir.path())
        .args(["describe", "acme-people", "--definition"])
        .output();
    assert!(described.status.success(), "{}", everything(&described));
    let printed = String::from_utf8(described.stdout).unwrap();
    assert!(printed.starts_with("id = \"acme-people\"\n"), "{printed}");

    let checked = connector()
        .arg("--definitions")
        .arg(dir.path())
        .args(["check", "acme-people", "--json"])
        .env("ACME_PEOPLE_API_KEY", KEY)
        .output();
    let report: Value = serde_json::from_slice(&checked.stdout).unwrap();
    assert_eq!(report["status"], "verified", "{}", everything(&checked));
    assert_eq!(report["account"]["name"], "Acme Corp");
    assert!(!everything(&checked).contains(KEY));

    let dry = connector()
        .arg("--definitions")
        .arg(dir.path())
        .args(["check", "acme-people", "--dry-run"])
        .env("ACME_PEOPLE_API_KEY", KEY)
        .output();
    assert!(dry.status.success(), "{}", everything(&dry));
    let shown = everything(&dry);
    assert!(
        shown.contains("/v1/me") && shown.contains("••••2d86"),
        "{shown}"
    );
    assert!(!shown.contains(KEY));
}

#[test]
fn broken_or_clashing_definitions_stop_the_command_naming_file_and_line() {
    let clash = acme("https://api.acme.example").replace("\"acme-people\"", "\"ashby\"");
    let dir = dir_with(&[("ashby.toml", &clash)]);
    let out = connector()
        .arg("--definitions")
        .arg(dir.path())
        .arg("list")
        .output();
    assert_eq!(out.status.code(), Some(2));
    assert!(everything(&out).contains("reuses the id of a compiled connector"));

    let elsewhere = acme("http://api.acme.example");
    let dir = dir_with(&[("acme.toml", &elsewhere)]);
    let out = connector()
        .arg("--definitions")
        .arg(dir.path())
        .arg("list")
        .output();
    assert_eq!(out.status.code(), Some(2));
    let text = everything(&out);
    assert!(text.contains("acme.toml:6: base_url"), "{text}");

    let out = connector()
        .args(["--definitions", "/nonexistent/definitions", "list"])
        .output();
    assert_eq!(out.status.code(), Some(2));
    assert!(everything(&out).contains("does not exist"));
}

#[test]
fn the_config_file_names_the_directory_relative_to_itself() {
    let root = tempfile::tempdir().expect("a temporary directory");
    let defs = root.path().join("defs");
    std::fs::create_dir(&defs).expect("a definitions directory");
    std::fs::write(defs.join("acme.toml"), acme("https://api.acme.example"))
        .expect("a definition file written");
    let config = root.path().join("connector.toml");
    std::fs::write(&config, "definitions = \"defs\"\ntimeout = 5\n").expect("a config file");
    let out = connector()
        .arg("--config")
        .arg(&config)
        .args(["describe", "acme-people", "--json"])
        .output();
    assert!(out.status.success(), "{}", everything(&out));
    let entry: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(entry["name"], "Acme People");
}

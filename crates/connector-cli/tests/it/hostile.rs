//! The `connector` binary against a hostile provider on loopback and against input that looks like
//! a key but is not one: no run of 12 characters of a key, in any form, on stdout or stderr (at
//! TRACE log level); nothing that can steer a terminal in human output; invisible characters and
//! rounded numbers refused before anything is sent; values in the wrong place described, never
//! quoted.

use std::process::Output;

use crate::support::everything;

use base64::Engine as _;
use connector_testkit::leak::Finder;
use serde_json::{json, Value};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A Polymer Hire key in its documented shape (sent as `Bearer <key>`).
const KEY: &str = "ph_live_9d2c4b7e1a8f3c6d5e0b2a4c860c";
/// A StackOne key (sent as the Basic username).
const STACKONE_KEY: &str = "v1.eu1.Qm9vYmFyYmF6cXV4cXV1eHJ0";

/// Runs the binary with `stdin`, logging at TRACE level.
fn connector(args: &[&str], stdin: &str) -> Output {
    crate::support::connector()
        .args(args)
        .trace()
        .stdin(stdin)
        .output()
}

/// Fails with the form found when any run of a secret shows in what the binary wrote.
fn assert_no_leak(out: &Output, secrets: &[&str], what: &str) {
    let secrets: Vec<String> = secrets.iter().map(|s| (*s).to_owned()).collect();
    let finder = Finder::new(&secrets);
    if let Some(leak) = finder.describe(&everything(out)) {
        panic!("{what}: {leak}");
    }
}

/// Every form a provider might echo `key` in, with the exact header value the binary sends.
fn echoes(key: &str, sent: &str) -> Vec<String> {
    let b64 = |s: String| base64::engine::general_purpose::STANDARD.encode(s);
    vec![
        key.to_owned(),
        key.to_uppercase(),
        key.to_lowercase(),
        b64(key.to_owned()),
        b64(format!("{key}:")),
        key.bytes().map(|b| format!("%{b:02X}")).collect(),
        sent.to_owned(),
    ]
}

async fn answering(response: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(response)
        .mount(&server)
        .await;
    server
}

fn check_args<'a>(id: &'a str, base: &'a str, json_output: bool) -> Vec<&'a str> {
    let mut args = vec![
        "check",
        id,
        "--credentials",
        "-",
        "--base-url",
        base,
        "--timeout",
        "3",
        "--retries",
        "0",
    ];
    if json_output {
        args.push("--json");
    }
    args
}

#[tokio::test(flavor = "multi_thread")]
async fn an_echoed_key_never_comes_out_in_any_form() {
    // wiremock's MockServer blocks on a tokio lock when dropped; unconstrained, the lock
    // cannot run out of cooperative budget and spin.
    tokio::task::unconstrained(async {
        let cases = [
            ("polymer-hire", KEY, format!("Bearer {KEY}"), "/v1/hire"),
            (
                "stackone",
                STACKONE_KEY,
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(format!("{STACKONE_KEY}:"))
                ),
                "",
            ),
        ];
        for (id, key, sent, prefix) in &cases {
            let creds = json!({ "api_key": key }).to_string();
            for echo in echoes(key, sent) {
                // Padded so the echo straddles the length at which provider messages are cut.
                let pad = "x".repeat(200 - echo.len() / 2);
                for body in [
                    json!({ "message": format!("{pad}{echo}") }),
                    json!({"error": {"message": format!("bad {echo}")}, "detail": echo}),
                ] {
                    let server = answering(ResponseTemplate::new(401).set_body_json(&body)).await;
                    let base = format!("{}{prefix}", server.uri());
                    for json_output in [false, true] {
                        let out = connector(&check_args(id, &base, json_output), &creds);
                        assert_eq!(out.status.code(), Some(3), "{id}: {}", everything(&out));
                        assert_no_leak(&out, &[key, sent], &format!("{id} echo {body}"));
                    }
                }
            }
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_in_nested_split_or_redirect_fields_never_comes_out() {
    // wiremock's MockServer blocks on a tokio lock when dropped; unconstrained, the lock
    // cannot run out of cooperative budget and spin.
    tokio::task::unconstrained(async {
        let creds = json!({ "api_key": KEY }).to_string();
        let half = KEY.len() / 2;
        let bodies = [
            json!({"id": {"nested": [KEY, {"deeper": KEY}]}, "name": "Acme"}),
            json!({"id": KEY.to_uppercase(), "name": [KEY]}),
            json!({"id": &KEY[..half], "name": &KEY[half..]}),
            json!({"data": {"id": 7, "name": {KEY: "x"}}}),
        ];
        for body in bodies {
            let server = answering(ResponseTemplate::new(200).set_body_json(&body)).await;
            let base = format!("{}/v1/hire", server.uri());
            for json_output in [false, true] {
                let out = connector(&check_args("polymer-hire", &base, json_output), &creds);
                assert_no_leak(&out, &[KEY], &format!("account {body}"));
            }
        }
        for location in [
            format!(
                "http://{}.attacker.test/",
                KEY.to_lowercase().replace('_', "-")
            ),
            format!("https://attacker.test/{KEY}"),
            format!("http://user:{KEY}@attacker.test/"),
        ] {
            let server =
                answering(ResponseTemplate::new(302).insert_header("Location", location.as_str()))
                    .await;
            let base = format!("{}/v1/hire", server.uri());
            for json_output in [false, true] {
                let out = connector(&check_args("polymer-hire", &base, json_output), &creds);
                assert_eq!(out.status.code(), Some(7), "{}", everything(&out));
                assert_no_leak(&out, &[KEY], &format!("Location {location}"));
            }
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn provider_text_cannot_steer_the_terminal() {
    // wiremock's MockServer blocks on a tokio lock when dropped; unconstrained, the lock
    // cannot run out of cooperative budget and spin.
    tokio::task::unconstrained(async {
        let forgery = "denied\u{1b}[2K\r\u{1b}]0;owned\u{7}✓ verified: polymer-hire \u{202e}reyal";
        let creds = json!({ "api_key": KEY }).to_string();
        let refused =
            answering(ResponseTemplate::new(401).set_body_json(json!({ "message": forgery })))
                .await;
        let verified =
            answering(ResponseTemplate::new(200).set_body_json(json!({"id": 7, "name": forgery})))
                .await;
        for server in [&refused, &verified] {
            let base = format!("{}/v1/hire", server.uri());
            let out = connector(&check_args("polymer-hire", &base, false), &creds);
            let shown = String::from_utf8_lossy(&out.stdout);
            let bad = shown
                .chars()
                .find(|c| (c.is_control() && *c != '\n') || ('\u{202a}'..='\u{202e}').contains(c));
            assert_eq!(
                bad, None,
                "a control character reached the terminal: {shown:?}"
            );
            assert!(
                shown.contains("\\u{1b}"),
                "the escape is shown, not acted on: {shown}"
            );
            // Only the report's own lines start at the left margin: nothing forged a new line.
            assert_eq!(
                shown.lines().filter(|l| !l.starts_with(' ')).count(),
                1,
                "{shown}"
            );
        }
        // JSON stays exact, escaped JSON: the account value is the provider's text.
        let base = format!("{}/v1/hire", verified.uri());
        let out = connector(&check_args("polymer-hire", &base, true), &creds);
        let report: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
        assert_eq!(report["account"]["organization_name"], forgery);
        assert!(!String::from_utf8_lossy(&out.stdout).contains('\u{1b}'));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn invisible_characters_and_rounded_numbers_are_refused_before_sending() {
    // wiremock's MockServer blocks on a tokio lock when dropped; unconstrained, the lock
    // cannot run out of cooperative budget and spin.
    tokio::task::unconstrained(async {
        let server =
            answering(ResponseTemplate::new(200).set_body_json(json!({"id": 1, "name": "A"})))
                .await;
        let base = format!("{}/v1/hire", server.uri());
        let cases = [
            (
                json!({ "api_key": format!("{}\u{200B}{}", &KEY[..5], &KEY[5..]) }),
                "U+200B) at character 6",
            ),
            (
                json!({ "api_key": format!("\u{FEFF}{KEY}") }),
                "U+FEFF) at character 1",
            ),
            (json!({ "api_key": format!("{KEY}\u{2060}") }), "U+2060"),
            (json!({ "api_key": format!("{KEY}\u{00A0}") }), "U+00A0"),
            (
                json!({ "api_key": format!("ab\u{202E}{KEY}") }),
                "U+202E) at character 3",
            ),
            (
                serde_json::from_str::<Value>(r#"{"api_key": 12345678901234567890123456}"#)
                    .expect("JSON"),
                "cannot carry exactly",
            ),
            (json!({ "api_key": 1.5 }), "cannot carry exactly"),
        ];
        for (creds, expected) in cases {
            let out = connector(&check_args("polymer-hire", &base, true), &creds.to_string());
            assert_eq!(out.status.code(), Some(2), "{creds}: {}", everything(&out));
            let report: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
            assert_eq!(report["status"], "invalid_input");
            let message = report["message"].as_str().unwrap_or_default();
            assert!(message.contains(expected), "{creds}: {message}");
            assert_no_leak(&out, &[KEY], "invalid input");
        }
        let sent = server.received_requests().await.unwrap_or_default();
        assert!(
            sent.is_empty(),
            "{} request(s) sent for refused input",
            sent.len()
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn integers_keep_their_digits_and_a_byte_order_mark_is_skipped() {
    // wiremock's MockServer blocks on a tokio lock when dropped; unconstrained, the lock
    // cannot run out of cooperative budget and spin.
    tokio::task::unconstrained(async {
        let server = MockServer::start().await;
        Mock::given(wiremock::matchers::header(
            "authorization",
            "Bearer 123456789012345678",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 1, "name": "A"})))
        .expect(2)
        .mount(&server)
        .await;
        let base = format!("{}/v1/hire", server.uri());
        let out = connector(
            &check_args("polymer-hire", &base, true),
            r#"{"api_key": 123456789012345678}"#,
        );
        assert_eq!(out.status.code(), Some(0), "{}", everything(&out));

        let dir = tempfile::tempdir().expect("a temporary directory");
        let file = dir.path().join("creds.json");
        std::fs::write(&file, "\u{FEFF}{\"api_key\": \"123456789012345678\"}").expect("written");
        let path = file.to_string_lossy().to_string();
        let out = connector(
            &[
                "check",
                "polymer-hire",
                "--credentials",
                &path,
                "--base-url",
                &base,
                "--json",
            ],
            "",
        );
        assert_eq!(out.status.code(), Some(0), "{}", everything(&out));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn values_in_the_wrong_place_are_described_never_quoted() {
    // wiremock's MockServer blocks on a tokio lock when dropped; unconstrained, the lock
    // cannot run out of cooperative budget and spin.
    tokio::task::unconstrained(async {
        let server = answering(ResponseTemplate::new(200).set_body_json(json!({"id": 1, "name": "A"})))
            .await;
        let base = format!("{}/v1/hire", server.uri());

        // The key pasted as a field name.
        let creds = json!({ "api_key": "ph_live_other_key_0000", KEY: "x" }).to_string();
        let out = connector(&check_args("polymer-hire", &base, false), &creds);
        assert_eq!(out.status.code(), Some(0), "{}", everything(&out));
        assert!(everything(&out).contains("unknown field"), "{}", everything(&out));
        assert_no_leak(&out, &[KEY], "a key as a field name");

        // The key given as the variant, and as the connector id.
        let creds = json!({ "api_key": KEY }).to_string();
        let mut args = check_args("polymer-hire", &base, true);
        args.extend(["--variant", KEY]);
        let out = connector(&args, &creds);
        assert_eq!(out.status.code(), Some(2), "{}", everything(&out));
        assert!(everything(&out).contains("36-character value"), "{}", everything(&out));
        assert_no_leak(&out, &[KEY], "a key as the variant");
        let out = connector(&["check", KEY, "--credentials", "-"], &creds);
        assert_eq!(out.status.code(), Some(2), "{}", everything(&out));
        assert_no_leak(&out, &[KEY], "a key as the connector id");

        // In a bulk line: the key as the connector, as the variant, and as a field name.
        let lines = [
            json!({"id": 1, "connector": KEY, "credentials": {"api_key": KEY}}),
            json!({"id": 2, "connector": "polymer-hire", "variant": KEY, "credentials": {"api_key": KEY}}),
            json!({"id": 3, "connector": "polymer-hire", "credentials": {"api_key": "ph_live_other_key_0000", KEY: 1}}),
            json!({"id": 4, KEY: "polymer-hire", "connector": "polymer-hire", "credentials": {"api_key": "ph_live_other_key_0000"}}),
        ];
        let input: String = lines.iter().map(|l| format!("{l}\n")).collect();
        let bulk_base = format!("polymer-hire={base}");
        let out = connector(
            &["check", "--bulk", "-", "--base-url", &bulk_base, "--timeout", "3"],
            &input,
        );
        assert_eq!(out.status.code(), Some(0), "{}", everything(&out));
        assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 4);
        assert_no_leak(&out, &[KEY], "bulk lines with the key in the wrong place");

        // The key given as the connector of a per-connector flag.
        for flag in ["--rate", "--base-url"] {
            let pair = format!("{KEY}=5");
            let out = connector(&["check", "--bulk", "-", flag, &pair], &input);
            assert_eq!(out.status.code(), Some(2), "{}", everything(&out));
            assert_no_leak(&out, &[KEY], flag);
        }
    })
    .await;
}

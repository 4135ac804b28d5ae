//! `cargo xtask conformance --live` through its library: a wiremock server on 127.0.0.1 stands in
//! for the providers, the environment is a map passed in (the process's is never touched), and
//! every rendering is searched for the keys.

use std::collections::HashMap;
use std::time::Duration;

use connector_core::{Limits, Status};
use connector_testkit::leak;
use connector_testkit::live::{base_url_flag, credentials_var};
use connector_testkit::{run_live, LiveOptions, LiveReport, LiveStatus, SuiteOptions, SuiteReport};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const POLYMER_KEY: &str = "ph_live_7Hq2mZ9xKc4Rv8Tn1Wb5Yd3Lf6Gs0abcd";
const POLYTOMIC_KEY: &str = "3f2b8c1e-9d4a-4e7b-a6c5-0b1d2e3f7a9c";

fn env_of(pairs: &[(&str, String)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

fn options() -> LiveOptions {
    LiveOptions {
        limits: Limits {
            timeout: Duration::from_secs(5),
            max_retries: 0,
            ..Limits::default()
        },
    }
}

async fn live_with(env: &HashMap<String, String>) -> LiveReport {
    let lookup = |name: &str| env.get(name).cloned();
    run_live(connector_registry::all(), &lookup, &options()).await
}

/// Every rendering of the suite with the live results: table, JSON and JUnit.
fn renderings(live: &LiveReport) -> Vec<(&'static str, String)> {
    let suite = SuiteReport {
        connectors: Vec::new(),
        elapsed: Duration::ZERO,
    };
    vec![
        ("table", suite.render_table() + &live.render_table()),
        ("json", suite.render_json_with_live(live)),
        (
            "junit",
            suite
                .render_junit_with_live(live)
                .expect("the JUnit report renders"),
        ),
        ("debug", format!("{live:?}")),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_from_the_environment_are_checked_live_and_the_rest_skipped() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/polymer/organization"))
        .and(header("authorization", format!("Bearer {POLYMER_KEY}")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"id": "org_1", "name": "Acme"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    // The provider echoes the key in its refusal: it must not come out in any report.
    Mock::given(method("GET"))
        .and(path("/polytomic/api/me"))
        .and(header("authorization", format!("Bearer {POLYTOMIC_KEY}")))
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({
            "status": 401,
            "message": format!("invalid api key {POLYTOMIC_KEY}"),
        })))
        .expect(1)
        .mount(&server)
        .await;
    let env = env_of(&[
        (
            "POLYMER_HIRE_LIVE_CREDENTIALS",
            serde_json::json!({ "api_key": POLYMER_KEY }).to_string(),
        ),
        (
            "CONNECTOR_BASE_URLS__POLYMER_HIRE",
            format!("{}/polymer", server.uri()),
        ),
        ("POLYTOMIC_API_KEY", POLYTOMIC_KEY.to_owned()),
        (
            "CONNECTOR_BASE_URLS__POLYTOMIC",
            format!("{}/polytomic", server.uri()),
        ),
    ]);
    let live = live_with(&env).await;

    assert_eq!(live.results.len(), connector_registry::all().len());
    let polymer = live.result("polymer-hire").expect("polymer-hire reported");
    assert_eq!(
        polymer.status,
        LiveStatus::Checked(Status::Verified),
        "{polymer:#?}"
    );
    assert!(polymer.passed);
    assert_eq!(polymer.key.as_deref(), Some("••••abcd"));
    assert_eq!(
        polymer.source.as_deref(),
        Some("POLYMER_HIRE_LIVE_CREDENTIALS")
    );

    let polytomic = live.result("polytomic").expect("polytomic reported");
    assert_eq!(
        polytomic.status,
        LiveStatus::Checked(Status::Rejected),
        "{polytomic:#?}"
    );
    assert!(!polytomic.passed);
    assert_eq!(polytomic.http_status, Some(401));
    assert_eq!(polytomic.source.as_deref(), Some("POLYTOMIC_API_KEY"));
    let advice = polytomic
        .advice
        .as_deref()
        .expect("a failure carries advice");
    assert!(advice.contains(Status::Rejected.advice()), "{advice}");

    let skipped: Vec<_> = live
        .results
        .iter()
        .filter(|r| r.status == LiveStatus::Skipped)
        .collect();
    assert_eq!(skipped.len(), connector_registry::all().len() - 2);
    for r in &skipped {
        assert!(r.passed, "{r:#?}");
        assert!(
            r.message.contains(&credentials_var(&r.connector)),
            "a skip says how to give credentials: {r:#?}"
        );
    }
    assert!(!live.passed(), "a rejected key fails the live run");
    let counts = live.counts();
    assert_eq!(
        (counts.verified, counts.failed, counts.skipped),
        (1, 1, skipped.len())
    );

    let secrets = vec![POLYMER_KEY.to_owned(), POLYTOMIC_KEY.to_owned()];
    let rendered = renderings(&live);
    for (what, text) in &rendered {
        if let Some(found) = leak::describe(text, &secrets) {
            panic!("the {what} rendering shows a key: {found}");
        }
    }

    let table = &rendered[0].1;
    assert!(
        table.contains("Live failures:\n  polytomic (api_key): rejected, HTTP 401"),
        "{table}"
    );
    assert!(table.contains("advice: "), "{table}");
    assert!(
        table.contains("LIVE FAILED: 1 verified, 1 failed"),
        "{table}"
    );

    let json: serde_json::Value =
        serde_json::from_str(&rendered[1].1).expect("the JSON report parses");
    assert!(json["connectors"].is_array(), "the suite's fields stay");
    assert!(json["elapsed"].is_u64(), "the suite's fields stay");
    let entries = json["live"].as_array().expect("a top-level live array");
    assert_eq!(entries.len(), live.results.len());
    let entry = |id: &str| {
        entries
            .iter()
            .find(|e| e["connector"] == id)
            .unwrap_or_else(|| panic!("{id} in the live array"))
    };
    assert_eq!(entry("polymer-hire")["status"], "verified");
    assert_eq!(entry("polymer-hire")["passed"], true);
    assert_eq!(entry("polymer-hire")["variant"], "api_key");
    assert_eq!(entry("polytomic")["status"], "rejected");
    assert_eq!(entry("polytomic")["passed"], false);
    assert!(entry("polytomic")["message"].is_string());
    assert_eq!(entry("ashby")["status"], "skipped");
    assert_eq!(entry("ashby")["passed"], true);

    let junit = &rendered[2].1;
    assert_eq!(
        junit.matches("<skipped").count(),
        skipped.len(),
        "one <skipped/> per connector without credentials:\n{junit}"
    );
    assert!(junit.contains("name=\"live.polytomic\""), "{junit}");
    assert!(junit.contains("<failure message=\"rejected: "), "{junit}");
    assert_eq!(junit.matches("<failure").count(), 1, "{junit}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_credentials_every_connector_is_skipped_and_nothing_fails() {
    let live = live_with(&HashMap::new()).await;
    assert_eq!(live.counts().skipped, connector_registry::all().len());
    assert!(live.passed());
    let polytomic = live.result("polytomic").expect("polytomic reported");
    assert_eq!(polytomic.variant, "api_key");
    assert!(
        polytomic.message.contains("set POLYTOMIC_API_KEY"),
        "{}",
        polytomic.message
    );
    assert!(
        live.summary().starts_with("LIVE PASSED"),
        "{}",
        live.summary()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incomplete_field_variables_skip_naming_what_is_missing() {
    // Greenhouse's client id alone: the secret is missing, so nothing is sent.
    let env = env_of(&[("GREENHOUSE_CLIENT_ID", "client-42".to_owned())]);
    let live = live_with(&env).await;
    let greenhouse = live.result("greenhouse").expect("greenhouse reported");
    assert_eq!(greenhouse.status, LiveStatus::Skipped, "{greenhouse:#?}");
    assert!(
        greenhouse.message.contains("GREENHOUSE_CLIENT_ID set")
            && greenhouse.message.contains("set GREENHOUSE_CLIENT_SECRET"),
        "{}",
        greenhouse.message
    );
    assert!(live.passed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_variant_can_be_chosen_and_the_live_settings_are_checked_before_sending() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/me"))
        .and(header("authorization", format!("Bearer {POLYTOMIC_KEY}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "data": {"id": "u1", "is_partner": true, "organization_id": "o1", "organization_name": "Acme"}
        })))
        .mount(&server)
        .await;
    let env = env_of(&[
        // The partner variant, from its own field variable.
        ("POLYTOMIC_LIVE_VARIANT", "partner".to_owned()),
        ("POLYTOMIC_PARTNER_KEY", POLYTOMIC_KEY.to_owned()),
        ("CONNECTOR_BASE_URLS__POLYTOMIC", server.uri()),
        // Not a JSON object: fails, naming the variable and never quoting the value.
        ("POLYMER_HIRE_LIVE_CREDENTIALS", POLYMER_KEY.to_owned()),
        // A variant that does not exist.
        ("ASHBY_LIVE_VARIANT", "nonesuch".to_owned()),
        ("ASHBY_API_KEY", POLYMER_KEY.to_owned()),
        // A base URL with a query string.
        ("STACKONE_API_KEY", POLYMER_KEY.to_owned()),
        (
            "CONNECTOR_BASE_URLS__STACKONE",
            format!("{}/?token=x", server.uri()),
        ),
    ]);
    let live = live_with(&env).await;

    let polytomic = live.result("polytomic").expect("polytomic reported");
    assert_eq!(polytomic.variant, "partner");
    assert_eq!(polytomic.source.as_deref(), Some("POLYTOMIC_PARTNER_KEY"));
    assert_eq!(
        polytomic.status,
        LiveStatus::Checked(Status::Verified),
        "partner credentials were checked: {polytomic:#?}"
    );
    for (id, names) in [
        ("polymer-hire", "POLYMER_HIRE_LIVE_CREDENTIALS"),
        ("ashby", "ASHBY_LIVE_VARIANT"),
        ("stackone", "CONNECTOR_BASE_URLS__STACKONE"),
    ] {
        let r = live.result(id).expect("reported");
        assert_eq!(
            r.status,
            LiveStatus::Checked(Status::InvalidInput),
            "{r:#?}"
        );
        assert!(!r.passed);
        assert!(r.message.contains(names), "{id}: {}", r.message);
    }
    assert!(!live.passed());
    let secrets = vec![POLYMER_KEY.to_owned(), POLYTOMIC_KEY.to_owned()];
    for (what, text) in renderings(&live) {
        if let Some(found) = leak::describe(&text, &secrets) {
            panic!("the {what} rendering shows a key: {found}");
        }
    }
}

#[test]
fn base_url_flags_name_the_variable_they_stand_for() {
    let all = connector_registry::all();
    assert_eq!(
        base_url_flag("polymer_hire=http://127.0.0.1:9/v1", all),
        Ok((
            "CONNECTOR_BASE_URLS__POLYMER_HIRE".to_owned(),
            "http://127.0.0.1:9/v1".to_owned()
        ))
    );
    assert_eq!(
        base_url_flag("greenhouse.auth=http://127.0.0.1:8", all),
        Ok((
            "CONNECTOR_BASE_URLS__GREENHOUSE__AUTH".to_owned(),
            "http://127.0.0.1:8".to_owned()
        ))
    );
    let unknown = base_url_flag("polytomic.auth=http://127.0.0.1:8", all)
        .expect_err("polytomic has no auth origin");
    assert!(unknown.contains("no origin named `auth`"), "{unknown}");
    let long = format!("{POLYMER_KEY}=http://127.0.0.1:8");
    let error = base_url_flag(&long, all).expect_err("not a connector");
    assert!(!error.contains(POLYMER_KEY), "{error}");
    assert!(base_url_flag("http://127.0.0.1:8", all).is_err());
}

/// The suite's own JSON is unchanged when there is no live run: the live array appears only with
/// `render_json_with_live`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_live_the_suite_report_is_unchanged() {
    let options = SuiteOptions::with_fixtures_dir(&SuiteOptions::workspace_fixtures_dir());
    let connector = connector_registry::find("polymer-hire").expect("registered");
    let suite = connector_testkit::run_suite(&[connector], &options).await;
    let plain: serde_json::Value =
        serde_json::from_str(&suite.render_json()).expect("the JSON report parses");
    assert!(plain.get("live").is_none());
    let with: serde_json::Value =
        serde_json::from_str(&suite.render_json_with_live(&LiveReport::default()))
            .expect("the JSON report parses");
    assert_eq!(with["connectors"], plain["connectors"]);
    assert_eq!(with["live"], serde_json::json!([]));
    let junit = suite.render_junit().expect("renders");
    let junit_live = suite
        .render_junit_with_live(&LiveReport::default())
        .expect("renders");
    assert!(!junit.contains("name=\"live\""));
    assert!(junit_live.contains("name=\"live\""), "{junit_live}");
}

//! A provider that echoes the key back, in an error message or an account field, must not get it
//! into the report.

use connector_core::{
    CheckOptions, Connector, ConnectorSpec, CredentialVariant, HttpClient, Proof, RawCredentials,
    Shape, Source,
};
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support;

const KEY: &str = "echo-test-key-0123456789abcd";

/// The account is read by the declared proof: `Connector::account`'s default.
const SPEC: ConnectorSpec = ConnectorSpec {
    variants: &[CredentialVariant {
        proof: Some(Proof {
            account: &[("name", Source::Member("/name"))],
            ..Proof::new(Shape::Object, &[""], "expected an object")
        }),
        ..support::SPEC.variants[0]
    }],
    ..support::SPEC
};

struct Echo;

impl Connector for Echo {
    fn spec(&self) -> &ConnectorSpec<'_> {
        &SPEC
    }
}

async fn check_against(response: ResponseTemplate) -> String {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(response)
        .mount(&server)
        .await;
    let mut raw = RawCredentials::new();
    raw.insert("api_key", KEY);
    let options =
        CheckOptions::with_base_url(url::Url::parse(&server.uri()).expect("a mock server URL"));
    let report = Echo.check(&HttpClient::new(), None, &raw, &options).await;
    let text = format!(
        "{report:?} {report} {}",
        serde_json::to_string(&report).expect("a report serializes")
    );
    assert!(!text.contains(KEY), "the key leaked: {text}");
    serde_json::to_string(&report.status).expect("a status serializes")
}

#[tokio::test]
async fn an_echoed_key_is_masked_in_messages_and_accounts() {
    let refused =
        ResponseTemplate::new(401).set_body_json(json!({"message": format!("bad key {KEY}")}));
    assert_eq!(check_against(refused).await, "\"rejected\"");
    let echoed =
        ResponseTemplate::new(200).set_body_json(json!({"name": format!("owner of {KEY}")}));
    assert_eq!(check_against(echoed).await, "\"verified\"");
}

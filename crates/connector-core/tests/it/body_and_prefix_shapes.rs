//! The shapes issue 29's providers need, declared as data and run end to end against loopback
//! providers: the key inside a JSON body with the outcome in a 200's body, a token fetched by a
//! GET whose query carries the password and whose answer is the bare token, HTTP Basic plus a
//! second secret header, and an environment read from the key's prefix.

use connector_core::{
    dry_run, run_check, Answer, Auth, BaseUrl, Body, CheckOptions, ClientAuth, Connector,
    ConnectorSpec, CredentialVariant, ExtraHeader, Field, Format, HeaderValueSource, HttpClient,
    Literal, Match, Method, Overrides, Part, Proof, RawCredentials, RequestSpec, SetupGuide, Shape,
    Source, Status, TokenExchange, UrlTemplate,
};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "phr-9f8e7d6c5b4a3f2e1d0c";
const PASSWORD: &str = "pw-Correct-Horse-Battery-77";
const TOKEN: &str = "jd-token-5a4b3c2d1e0f9a8b";
const SECOND: &str = "cak-0a1b2c3d4e5f6a7b8c9d";

/// A connector that is its spec alone.
struct Fake(&'static ConnectorSpec<'static>);

impl Connector for Fake {
    fn spec(&self) -> &ConnectorSpec<'_> {
        self.0
    }
}

fn spec_with(variant: &'static [CredentialVariant<'static>]) -> ConnectorSpec<'static> {
    ConnectorSpec {
        id: "shape",
        name: "Shape",
        category: "test",
        summary: "",
        base_url: BaseUrl::Template("https://api.example.test"),
        origins: &[],
        docs: &[],
        variants: variant,
        guide: SetupGuide::EMPTY,
        assumptions: &[],
        actions: &[],
        bulk_rate: None,
        undocumented: &[],
        identifying: &[],
    }
}

const fn text_field(key: &'static str, secret: bool) -> Field<'static> {
    Field {
        key,
        label: key,
        help: "",
        required: true,
        secret,
        format: Format::Text,
        example: None,
        env: None,
        default: None,
    }
}

fn at(server: &MockServer) -> CheckOptions {
    CheckOptions {
        urls: Overrides {
            base_url: Some(UrlTemplate::parse(&server.uri()).expect("a loopback URL")),
            ..Overrides::default()
        },
        ..CheckOptions::default()
    }
}

fn everywhere(report: &connector_core::CheckReport) -> String {
    format!(
        "{report:?} {report} {}",
        serde_json::to_string(report).expect("a report serializes")
    )
}

// --- The key in a JSON body, the outcome in the body of a 200 (People HR). ---

static BODY_KEY: [CredentialVariant; 1] = [CredentialVariant {
    name: "api_key",
    aliases: &[],
    label: "API key",
    description: "",
    fields: &[Field::api_key("SHAPE_API_KEY")],
    auth: Auth::JsonBody {
        member: "APIKey",
        field: "api_key",
    },
    extra_headers: &[],
    verify: RequestSpec {
        method: Method::Post,
        body: Body::Json(r#"{"Action":"GetAllEmployeeDetail"}"#),
        answers: &[Answer {
            status: 200,
            when: Some(Match::Equals {
                pointer: "/isError",
                value: Literal::Bool(true),
            }),
            outcome: Status::Rejected,
            message: "the provider refused the key",
        }],
        ..RequestSpec::get("/Employee", "the key is live.")
    },
    proof: Some(Proof {
        account: &[("employees", Source::Count)],
        ..Proof::new(Shape::List, &["/Result"], "expected {\"Result\": [...]}")
    }),
}];

#[tokio::test]
async fn a_key_in_the_json_body_is_added_to_it_and_a_200_can_still_refuse() {
    let spec = spec_with(&BODY_KEY);
    spec.assert_valid();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/Employee"))
        .and(header("content-type", "application/json"))
        .and(body_json(
            json!({"APIKey": KEY, "Action": "GetAllEmployeeDetail"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"isError": false, "Status": 0, "Message": "ok", "Result": [{}, {}]}),
        ))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"isError": true, "Status": 10, "Message": "Invalid API key"}),
            ),
        )
        .with_priority(5)
        .mount(&server)
        .await;
    let connector = Fake(Box::leak(Box::new(spec)));
    let mut raw = RawCredentials::new();
    raw.insert("api_key", KEY);
    let report = run_check(&connector, &HttpClient::new(), None, &raw, &at(&server)).await;
    assert_eq!(report.status, Status::Verified, "{}", report.message);
    assert_eq!(report.account.as_ref().expect("an account")["employees"], 2);
    assert!(!everywhere(&report).contains("9f8e7d6c5b4a"));

    raw.insert("api_key", "phr-0000000000000000wrong");
    let report = run_check(&connector, &HttpClient::new(), None, &raw, &at(&server)).await;
    assert_eq!(report.status, Status::Rejected, "{}", report.message);
    assert!(
        report.message.contains("Invalid API key"),
        "{}",
        report.message
    );

    raw.insert("api_key", KEY);
    let shown = dry_run(connector.0, None, &raw, &CheckOptions::default()).expect("valid input");
    let body = shown.requests[0].body.clone().expect("a body");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).expect("JSON"),
        json!({"APIKey": "••••1d0c", "Action": "GetAllEmployeeDetail"})
    );
}

// --- A token from a GET whose query carries the password; the answer is the bare token. ---

static QUERY_EXCHANGE: TokenExchange = TokenExchange {
    origin: None,
    request: RequestSpec {
        query: &[
            ("clientid", "{client_id}"),
            ("username", "{username}"),
            ("password", "{password}"),
        ],
        answers: &[Answer {
            status: 401,
            when: None,
            outcome: Status::Rejected,
            message: "the username or password was refused",
        }],
        ..RequestSpec::get("/apiv2/authenticate", "")
    },
    client: ClientAuth::Body,
    token: "",
};

static PASSWORD_GET: [CredentialVariant; 1] = [CredentialVariant {
    name: "password",
    aliases: &[],
    label: "Username and password",
    description: "",
    fields: &[
        text_field("client_id", false),
        text_field("username", false),
        text_field("password", true),
    ],
    auth: Auth::Exchange(&QUERY_EXCHANGE),
    extra_headers: &[],
    verify: RequestSpec::get("/apiv2/bi/me", "the credentials sign in."),
    proof: Some(Proof {
        account: &[("signed_in", Source::Fixed(Literal::Bool(true)))],
        ..Proof::new(Shape::ListOrObject, &[""], "expected JSON")
    }),
}];

#[tokio::test]
async fn a_password_in_a_token_query_is_never_shown_and_a_bare_token_is_read() {
    let spec = spec_with(&PASSWORD_GET);
    spec.assert_valid();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/apiv2/authenticate"))
        .and(query_param("password", PASSWORD))
        .and(query_param("username", "ada"))
        .and(query_param("clientid", "1234"))
        .respond_with(ResponseTemplate::new(200).set_body_string(format!("{TOKEN}\n")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/apiv2/bi/me"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 1})))
        .mount(&server)
        .await;
    let connector = Fake(Box::leak(Box::new(spec)));
    let mut raw = RawCredentials::new();
    raw.insert("client_id", "1234");
    raw.insert("username", "ada");
    raw.insert("password", PASSWORD);
    let report = run_check(&connector, &HttpClient::new(), None, &raw, &at(&server)).await;
    assert_eq!(report.status, Status::Verified, "{}", report.message);
    let text = everywhere(&report);
    assert!(
        !text.contains("Correct-Horse") && !text.contains("5a4b3c2d1e0f"),
        "{text}"
    );

    let shown = dry_run(connector.0, None, &raw, &CheckOptions::default()).expect("valid input");
    let url = &shown.requests[0].url;
    assert!(
        url.contains("password=••••y-77") && !url.contains("Correct"),
        "{url}"
    );
}

// --- HTTP Basic plus a second secret header (UKG Pro). ---

static BASIC_AND_HEADER: [CredentialVariant; 1] = [CredentialVariant {
    name: "service_account",
    aliases: &[],
    label: "Service account",
    description: "",
    fields: &[
        text_field("username", false),
        text_field("password", true),
        text_field("customer_api_key", true),
    ],
    auth: Auth::Basic {
        username: Part::Field("username"),
        password: Part::Field("password"),
    },
    extra_headers: &[ExtraHeader {
        name: "US-Customer-Api-Key",
        value: HeaderValueSource::Field("customer_api_key"),
    }],
    verify: RequestSpec::get("/personnel/v1/companies", "the account can read companies."),
    proof: Some(Proof {
        account: &[("companies", Source::Count)],
        ..Proof::new(Shape::List, &[""], "expected a list")
    }),
}];

#[tokio::test]
async fn a_second_secret_header_travels_beside_basic_and_is_masked_when_shown() {
    let spec = spec_with(&BASIC_AND_HEADER);
    spec.assert_valid();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/personnel/v1/companies"))
        .and(header("us-customer-api-key", SECOND))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{"id": "C1"}])))
        .mount(&server)
        .await;
    let connector = Fake(Box::leak(Box::new(spec)));
    let mut raw = RawCredentials::new();
    raw.insert("username", "svc");
    raw.insert("password", PASSWORD);
    raw.insert("customer_api_key", SECOND);
    let report = run_check(&connector, &HttpClient::new(), None, &raw, &at(&server)).await;
    assert_eq!(report.status, Status::Verified, "{}", report.message);
    assert!(!everywhere(&report).contains("0a1b2c3d4e5f"));
    let shown = dry_run(connector.0, None, &raw, &CheckOptions::default()).expect("valid input");
    assert!(shown.requests[0]
        .headers
        .contains(&("US-Customer-Api-Key".to_owned(), "••••8c9d".to_owned())));
}

// --- The environment read from the key's prefix (Remote, Breathe). ---

static PREFIXED: [CredentialVariant; 1] = [CredentialVariant {
    name: "api_token",
    aliases: &[],
    label: "API token",
    description: "",
    fields: &[
        Field {
            key: "api_token",
            ..Field::api_key("SHAPE_API_TOKEN")
        },
        Field {
            key: "environment",
            label: "Environment",
            help: "",
            required: false,
            secret: false,
            format: Format::KeyPrefix {
                key: "api_token",
                values: &[("production", "ra_live_"), ("sandbox", "ra_test_")],
            },
            example: None,
            env: None,
            default: None,
        },
    ],
    auth: Auth::Bearer { field: "api_token" },
    extra_headers: &[],
    verify: RequestSpec::get("/v1/companies", "the token can read companies."),
    proof: None,
}];

fn prefixed_spec() -> ConnectorSpec<'static> {
    ConnectorSpec {
        base_url: BaseUrl::Choice {
            field: "environment",
            urls: &[
                ("production", "https://gateway.remote.test"),
                ("sandbox", "https://gateway.remote-sandbox.test"),
            ],
        },
        ..spec_with(&PREFIXED)
    }
}

fn shown_url(
    spec: &ConnectorSpec<'_>,
    token: &str,
    environment: Option<&str>,
) -> Result<String, String> {
    let mut raw = RawCredentials::new();
    raw.insert("api_token", token);
    if let Some(environment) = environment {
        raw.insert("environment", environment);
    }
    dry_run(spec, None, &raw, &CheckOptions::default())
        .map(|shown| shown.requests[0].url.clone())
        .map_err(|report| {
            assert_eq!(report.status, Status::InvalidInput);
            report.message
        })
}

#[test]
fn the_keys_prefix_chooses_the_environment_and_a_disagreement_is_invalid_input() {
    let spec = prefixed_spec();
    spec.assert_valid();
    let live = "ra_live_0f1e2d3c4b5a69788796a5b4";
    let test = "ra_test_0f1e2d3c4b5a69788796a5b4";
    assert_eq!(
        shown_url(&spec, live, None).as_deref(),
        Ok("https://gateway.remote.test/v1/companies")
    );
    assert_eq!(
        shown_url(&spec, test, Some("")).as_deref(),
        Ok("https://gateway.remote-sandbox.test/v1/companies")
    );
    assert_eq!(
        shown_url(&spec, test, Some("sandbox")).as_deref(),
        Ok("https://gateway.remote-sandbox.test/v1/companies")
    );
    let disagreement = shown_url(&spec, live, Some("sandbox")).expect_err("refused");
    assert!(
        disagreement.contains("`environment` is `sandbox`")
            && disagreement.contains("starts with `ra_live_`")
            && !disagreement.contains("0f1e2d3c4b5a"),
        "{disagreement}"
    );
    let unknown = shown_url(&spec, "xx_0f1e2d3c4b5a69788796a5b4", None).expect_err("refused");
    assert!(unknown.contains("environment"), "{unknown}");
    // An unknown environment is refused naming the values, never quoting what was given.
    let wrong = shown_url(&spec, live, Some("staging")).expect_err("refused");
    assert!(wrong.contains("production, sandbox"), "{wrong}");
}

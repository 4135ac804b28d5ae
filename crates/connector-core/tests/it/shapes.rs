//! The v2 shapes end to end against loopback providers: a token exchange on its own origin,
//! answer rules and a success predicate, a query-parameter key, and `--dry-run`'s masking.

use connector_core::{
    dry_run, run_check, Account, AccountProof, Answer, Auth, BaseUrl, Body, CheckOptions,
    ClientAuth, Connector, ConnectorSpec, CredentialVariant, Field, HttpClient, Literal, Match,
    Origin, Overrides, RawCredentials, RequestSpec, SetupGuide, Status, TokenExchange, UrlTemplate,
};
use serde_json::{json, Value};
use wiremock::matchers::{any, body_string, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "cs-live-9d8c7b6a5f4e3d2c1b0a";
const TOKEN: &str = "tok-1a2b3c4d5e6f7a8b9c0d";
const QUERY_KEY: &str = "qk-5f4e3d2c1b0a9d8c7b6a";

const CLIENT_ID: Field = Field {
    key: "client_id",
    label: "Client ID",
    help: "",
    required: true,
    secret: false,
    format: connector_core::Format::Text,
    example: None,
    env: None,
    default: None,
};

const EXCHANGE: TokenExchange = TokenExchange {
    origin: Some("auth"),
    request: RequestSpec {
        answers: &[
            Answer {
                status: 400,
                when: None,
                outcome: Status::Rejected,
                message: "the client credentials were refused",
            },
            Answer {
                status: 401,
                when: None,
                outcome: Status::Rejected,
                message: "the client credentials were refused",
            },
        ],
        ..RequestSpec::post(
            "/token",
            Body::Form(&[("grant_type", "client_credentials")]),
            "",
        )
    },
    client: ClientAuth::Basic {
        id: "client_id",
        secret: "client_secret",
    },
    token: "/access_token",
};

static EXCHANGING: ConnectorSpec = ConnectorSpec {
    id: "exchanging",
    name: "Exchanging",
    category: "test",
    summary: "",
    base_url: BaseUrl::Template("https://api.example.test/v3"),
    origins: &[Origin {
        name: "auth",
        url: BaseUrl::Template("https://auth.example.test"),
        description: "token endpoint",
    }],
    docs: &[],
    variants: &[CredentialVariant {
        name: "client_credentials",
        aliases: &[],
        label: "Client credentials",
        description: "",
        fields: &[
            CLIENT_ID,
            Field {
                key: "client_secret",
                label: "Client secret",
                ..Field::api_key("EXCHANGING_CLIENT_SECRET")
            },
        ],
        auth: Auth::Exchange(&EXCHANGE),
        extra_headers: &[],
        verify: RequestSpec {
            answers: &[
                Answer {
                    status: 403,
                    when: Some(Match::Contains("missing_endpoint_permission")),
                    outcome: Status::Forbidden,
                    message: "the credential lacks the permission",
                },
                Answer {
                    status: 403,
                    when: None,
                    outcome: Status::Rejected,
                    message: "the credential is wrong or disabled",
                },
            ],
            success: Some(Match::Equals {
                pointer: "/success",
                value: Literal::Bool(true),
            }),
            ..RequestSpec::get("/users", "the credential can list users.")
        },
        proof: None,
    }],
    guide: SetupGuide::EMPTY,
    assumptions: &[],
    actions: &[],
    bulk_rate: None,
    undocumented: &[],
    identifying: &[],
};
const _: () = EXCHANGING.assert_valid();

static QUERY: ConnectorSpec = ConnectorSpec {
    id: "query",
    name: "Query",
    base_url: BaseUrl::Template("https://api.example.test/v1"),
    origins: &[],
    variants: &[CredentialVariant {
        name: "api_key",
        aliases: &[],
        label: "API key",
        description: "",
        fields: &[Field::api_key("QUERY_API_KEY")],
        auth: Auth::Query {
            param: "apikey",
            field: "api_key",
        },
        extra_headers: &[],
        verify: RequestSpec::get("/users", "the key can list users."),
        proof: None,
    }],
    category: "test",
    summary: "",
    docs: &[],
    guide: SetupGuide::EMPTY,
    assumptions: &[],
    actions: &[],
    bulk_rate: None,
    undocumented: &[],
    identifying: &[],
};
const _: () = QUERY.assert_valid();

struct Fake(&'static ConnectorSpec<'static>);

impl Connector for Fake {
    fn spec(&self) -> &ConnectorSpec<'_> {
        self.0
    }

    fn account(&self, _: &CredentialVariant, body: &Value) -> Result<AccountProof, String> {
        let mut account = Account::new();
        account.insert("users".to_owned(), json!(body.get("count")));
        Ok(AccountProof::new(account))
    }
}

fn client_credentials() -> RawCredentials {
    let mut raw = RawCredentials::new();
    raw.insert("client_id", "client-0001");
    raw.insert("client_secret", SECRET);
    raw
}

fn options(api: &MockServer, auth: &MockServer) -> CheckOptions {
    let mut urls = Overrides {
        base_url: Some(
            UrlTemplate::parse(&format!("{}/v3", api.uri())).expect("valid in this test"),
        ),
        ..Overrides::default()
    };
    urls.origins.insert(
        "auth".to_owned(),
        UrlTemplate::parse(&auth.uri()).expect("valid in this test"),
    );
    CheckOptions {
        urls,
        ..CheckOptions::default()
    }
}

fn everywhere(report: &connector_core::CheckReport) -> String {
    format!(
        "{report:?} {report} {}",
        serde_json::to_string(report).expect("valid in this test")
    )
}

#[tokio::test]
async fn the_token_goes_to_the_api_and_the_secret_only_to_the_token_origin() {
    let (api, auth) = (MockServer::start().await, MockServer::start().await);
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(header(
            "authorization",
            "Basic Y2xpZW50LTAwMDE6Y3MtbGl2ZS05ZDhjN2I2YTVmNGUzZDJjMWIwYQ==",
        ))
        .and(body_string("grant_type=client_credentials"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600}),
        ))
        .expect(1)
        .mount(&auth)
        .await;
    Mock::given(method("GET"))
        .and(path("/v3/users"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"success": true, "count": 3})),
        )
        .expect(1)
        .mount(&api)
        .await;

    let report = run_check(
        &Fake(&EXCHANGING),
        &HttpClient::new(),
        None,
        &client_credentials(),
        &options(&api, &auth),
    )
    .await;

    assert_eq!(report.status, Status::Verified, "{}", report.message);
    assert_eq!(
        report.account.as_ref().expect("valid in this test")["users"],
        3
    );
    for request in api.received_requests().await.expect("valid in this test") {
        let text = format!(
            "{:?}{}",
            request.headers,
            String::from_utf8_lossy(&request.body)
        );
        assert!(
            !text.contains(SECRET) && !text.contains("Y3MtbGl2ZS"),
            "{text}"
        );
    }
    let text = everywhere(&report);
    assert!(!text.contains(TOKEN) && !text.contains(SECRET), "{text}");
}

#[tokio::test]
async fn a_refusal_at_the_exchange_is_rejected_and_nothing_reaches_the_api() {
    let (api, auth) = (MockServer::start().await, MockServer::start().await);
    Mock::given(any())
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": "invalid_client"})))
        .mount(&auth)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&api)
        .await;
    let report = run_check(
        &Fake(&EXCHANGING),
        &HttpClient::new(),
        None,
        &client_credentials(),
        &options(&api, &auth),
    )
    .await;
    assert_eq!(report.status, Status::Rejected, "{}", report.message);
    assert!(
        report.message.contains("token exchange"),
        "{}",
        report.message
    );
}

#[tokio::test]
async fn answer_rules_and_the_success_predicate_decide_before_generic_meanings() {
    let cases = [
        (
            403,
            json!({"errors": ["missing_endpoint_permission"]}),
            Status::Forbidden,
        ),
        (403, json!({"errors": ["invalid key"]}), Status::Rejected),
        (
            200,
            json!({"success": false, "errorInfo": {"message": "nope"}}),
            Status::Unexpected,
        ),
        (200, json!({"success": true, "count": 1}), Status::Verified),
    ];
    for (code, body, wanted) in cases {
        let (api, auth) = (MockServer::start().await, MockServer::start().await);
        Mock::given(any())
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"access_token": TOKEN})))
            .mount(&auth)
            .await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(code).set_body_json(body.clone()))
            .mount(&api)
            .await;
        let report = run_check(
            &Fake(&EXCHANGING),
            &HttpClient::new(),
            None,
            &client_credentials(),
            &options(&api, &auth),
        )
        .await;
        assert_eq!(report.status, wanted, "{code} {body}: {}", report.message);
    }
}

#[tokio::test]
async fn a_query_key_never_shows_even_when_the_provider_cannot_be_reached() {
    // Bound, never listening: connections are refused and no other test can take the port.
    let reserved = tokio::net::TcpSocket::new_v4().expect("a socket");
    reserved
        .bind("127.0.0.1:0".parse().expect("an address"))
        .expect("a loopback port");
    let closed = reserved.local_addr().expect("bound").port();
    let mut raw = RawCredentials::new();
    raw.insert("api_key", QUERY_KEY);
    let options = CheckOptions::with_base_url(
        url::Url::parse(&format!("http://127.0.0.1:{closed}/v1")).expect("valid in this test"),
    );
    let report = run_check(&Fake(&QUERY), &HttpClient::new(), None, &raw, &options).await;
    assert_eq!(report.status, Status::Unavailable, "{}", report.message);
    let text = everywhere(&report);
    assert!(!text.contains("5f4e3d2c1b0a9d8c"), "{text}");
}

#[test]
fn dry_run_shows_every_request_with_secrets_masked_and_the_token_as_a_placeholder() {
    let shown = dry_run(
        &EXCHANGING,
        None,
        &client_credentials(),
        &CheckOptions::default(),
    )
    .expect("valid input");
    assert_eq!(shown.requests.len(), 2);
    let token = &shown.requests[0];
    assert_eq!(token.method, "POST");
    assert_eq!(token.url, "https://auth.example.test/token");
    assert_eq!(token.body.as_deref(), Some("grant_type=client_credentials"));
    assert!(token.headers.contains(&(
        "Authorization".to_owned(),
        "Basic base64(client-0001:••••1b0a)".to_owned()
    )));
    let api = &shown.requests[1];
    assert_eq!(api.url, "https://api.example.test/v3/users");
    let auth = api
        .headers
        .iter()
        .find(|(n, _)| n == "Authorization")
        .expect("valid in this test");
    assert!(auth.1.starts_with("Bearer <"), "{auth:?}");
    let text = serde_json::to_string(&shown).expect("valid in this test");
    assert!(!text.contains("9d8c7b6a5f4e"), "{text}");

    let mut raw = RawCredentials::new();
    raw.insert("api_key", QUERY_KEY);
    let shown = dry_run(&QUERY, None, &raw, &CheckOptions::default()).expect("valid in this test");
    assert_eq!(
        shown.requests[0].url,
        "https://api.example.test/v1/users?apikey=••••7b6a"
    );
}

#[test]
fn dry_run_refuses_invalid_input_with_a_report() {
    let mut raw = RawCredentials::new();
    raw.insert("client_id", "client-0001");
    let report = dry_run(&EXCHANGING, None, &raw, &CheckOptions::default()).expect_err("must fail");
    assert_eq!(report.status, Status::InvalidInput);
    assert!(
        report.message.contains("client_secret"),
        "{}",
        report.message
    );
}

//! The starter scenarios of `fixtures/<id>/`, built as data and written with serde_json in the
//! format of `fixtures/README.md`. Every value the provider decides is a `TODO`, which the
//! suite's `spec.no-placeholders` check reports until it is replaced by a recording.

use std::collections::BTreeMap;

use base64::Engine as _;
use connector_core::template::fill;
use serde::Serialize;
use serde_json::{json, Value};

use super::request::{AuthChoice, Request, KEY};

/// One scenario, its keys in the order `fixtures/README.md` shows them.
#[derive(Debug, Serialize)]
struct Scenario {
    name: &'static str,
    description: &'static str,
    credentials: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    exchange: Option<Exchange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request: Option<Recorded>,
    responses: Vec<Response>,
    expect: Expect,
}

/// One provider answer.
#[derive(Debug, Clone, Default, Serialize)]
struct Response {
    status: u16,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    headers: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body_text: Option<String>,
}

impl Response {
    fn json(status: u16, body: Value) -> Response {
        Response {
            status,
            body: Some(body),
            ..Response::default()
        }
    }
}

/// How the check must end.
#[derive(Debug, Serialize)]
struct Expect {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    account: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    requests: Option<usize>,
}

impl Expect {
    fn new(status: &'static str, account: Option<&Value>, requests: Option<usize>) -> Expect {
        Expect {
            status,
            account: account.cloned(),
            requests,
        }
    }
}

/// The token request of an exchange and the token endpoint's answers.
#[derive(Debug, Clone, Serialize)]
struct Exchange {
    request: Recorded,
    responses: Vec<Response>,
}

/// A request as the provider must receive it.
#[derive(Debug, Clone, Serialize)]
struct Recorded {
    method: &'static str,
    path: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    query: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    headers: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    form: Option<BTreeMap<String, String>>,
}

/// The token the starter token endpoint hands out; fake like every credential in fixtures.
const FAKE_TOKEN: &str = "fake0000token0000EXAMPLE";

/// The starter scenarios as (name, pretty-printed JSON): the five the suite requires, plus a
/// refused token request for an exchange.
pub fn scenarios(request: &Request) -> anyhow::Result<Vec<(&'static str, String)>> {
    let fields = request.fields();
    let credentials: BTreeMap<String, String> = fields
        .iter()
        .map(|f| (f.key.clone(), f.fixture_value.clone()))
        .collect();
    let value = |key: &str| credentials.get(key).cloned().unwrap_or_default();
    let filled = |template: &str| {
        fill(template, |name, _| credentials.get(name).cloned())
            .unwrap_or_else(|_| template.to_owned())
    };

    let basic = |user: &str, password: &str| {
        let encoded =
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        format!("Basic {encoded}")
    };
    let key = value(KEY);
    let mut query = BTreeMap::new();
    // The header that carries the credential; a query key carries none.
    let header: Option<(&str, String)> = match &request.auth {
        AuthChoice::Bearer => Some(("Authorization", format!("Bearer {key}"))),
        AuthChoice::Basic => Some(("Authorization", basic(&key, ""))),
        AuthChoice::BasicPassword(password) => Some(("Authorization", basic(&key, password))),
        AuthChoice::BasicPair => Some(("Authorization", basic(&value("username"), &key))),
        AuthChoice::Header(name) => Some((name, key.clone())),
        AuthChoice::HeaderTemplate { header, template } => {
            Some((header, template.replace("{api_key}", &key)))
        }
        AuthChoice::Query(param) => {
            query.insert(param.clone(), key.clone());
            None
        }
        AuthChoice::Exchange => Some(("Authorization", format!("Bearer {FAKE_TOKEN}"))),
    };
    let api = Recorded {
        method: "GET",
        path: format!("{}/TODO", filled(request.base_url.path())),
        query,
        headers: header
            .into_iter()
            .map(|(name, text)| (name.to_owned(), text))
            .collect(),
        form: None,
    };

    let exchange = request.token.as_ref().map(|token| Exchange {
        request: Recorded {
            method: "POST",
            path: filled(&if token.own_origin {
                format!("{}{}", token.origin.path(), token.path)
            } else {
                format!("{}{}", request.base_url.path(), token.path)
            }),
            query: BTreeMap::new(),
            headers: BTreeMap::from([(
                "Authorization".to_owned(),
                basic(&value("client_id"), &value("client_secret")),
            )]),
            form: Some(BTreeMap::from([(
                "grant_type".to_owned(),
                "client_credentials".to_owned(),
            )])),
        },
        responses: vec![Response::json(
            200,
            json!({
                "access_token": FAKE_TOKEN,
                "token_type": "Bearer",
                "expires_in": 3600,
                "TODO": "replace with the token endpoint's real answer"
            }),
        )],
    });

    let success = json!({ "TODO": "replace with the body the provider really returns" });
    let account = json!({ "TODO": "the account fields the proof reads from the body" });
    let scenario = |name, description, responses: Vec<Response>, expect: Expect| Scenario {
        name,
        description,
        credentials: credentials.clone(),
        exchange: exchange.clone(),
        request: Some(api.clone()),
        responses,
        expect,
    };
    let refusal = |status: u16, what: &str| {
        let message = format!("TODO: the provider's real {status} body ({what})");
        Response::json(status, json!({ "message": message }))
    };
    let mut all = vec![
        scenario(
            "valid-key",
            "TODO: a working credential; record the provider's real 200 body.",
            vec![Response::json(200, success.clone())],
            Expect::new("verified", Some(&account), Some(1)),
        ),
        scenario(
            "revoked-key",
            "TODO: a revoked or wrong credential; record the provider's real 401 body.",
            vec![refusal(401, "refused")],
            Expect::new("rejected", None, Some(1)),
        ),
        scenario(
            "key-lacking-permission",
            "TODO: a credential without the needed role or scope; record the real 403 body.",
            vec![refusal(403, "lacking permission")],
            Expect::new("forbidden", None, Some(1)),
        ),
        scenario(
            "rate-limited-then-ok",
            "TODO: the first attempt is rate limited, the retry succeeds.",
            vec![
                Response {
                    status: 429,
                    headers: BTreeMap::from([("Retry-After".to_owned(), "1".to_owned())]),
                    ..Response::default()
                },
                Response::json(200, success.clone()),
            ],
            Expect::new("verified", Some(&account), Some(2)),
        ),
        scenario(
            "provider-outage",
            "The provider is down: every attempt gets a 503.",
            vec![Response {
                status: 503,
                body_text: Some("Service Unavailable".to_owned()),
                ..Response::default()
            }],
            Expect::new("unavailable", None, None),
        ),
    ];
    if let Some(exchange) = &exchange {
        // Refused at the token endpoint: the API hears nothing.
        all.push(Scenario {
            exchange: Some(Exchange {
                request: exchange.request.clone(),
                responses: vec![Response::json(400, json!({ "error": "invalid_client" }))],
            }),
            request: None,
            ..scenario(
                "refused-client-credentials",
                "TODO: the token endpoint refuses the client ID and secret; record its real answer.",
                Vec::new(),
                Expect::new("rejected", None, Some(0)),
            )
        });
    }
    all.into_iter()
        .map(|s| {
            let text = serde_json::to_string_pretty(&s)?;
            Ok((s.name, text + "\n"))
        })
        .collect()
}

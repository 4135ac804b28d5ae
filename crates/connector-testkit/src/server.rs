//! The fixture server: a wiremock `MockServer` on 127.0.0.1 that serves a list of responses in
//! order, and the comparison of what it received with the request a connector must send.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine as _;
use connector_core::build::{Call, Credential, Target, Token};
use connector_core::http::Repeat;
use connector_core::{
    Auth, ConnectorSpec, CredentialVariant, Overrides, RawCredentials, TokenExchange, UrlTemplate,
};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::fixture::{RecordedRequest, RecordedResponse};

/// Serves its responses one per request; the last one answers every further request.
struct InOrder {
    responses: Vec<ResponseTemplate>,
    served: AtomicUsize,
}

impl Respond for InOrder {
    fn respond(&self, _request: &Request) -> ResponseTemplate {
        let index = self.served.fetch_add(1, Ordering::SeqCst);
        let last = self.responses.len().saturating_sub(1);
        self.responses
            .get(index.min(last))
            .cloned()
            .unwrap_or_else(|| ResponseTemplate::new(500))
    }
}

/// Starts a server answering any request with `responses`, in order.
pub async fn serve(responses: Vec<ResponseTemplate>) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(InOrder {
            responses,
            served: AtomicUsize::new(0),
        })
        .mount(&server)
        .await;
    server
}

/// Mounts `responses` (in order) for requests to `path` on `server`, ahead of its other mocks:
/// a token endpoint on the API's own origin.
pub async fn serve_at(server: &MockServer, path: &str, responses: Vec<ResponseTemplate>) {
    Mock::given(wiremock::matchers::path(path))
        .respond_with(InOrder {
            responses,
            served: AtomicUsize::new(0),
        })
        .with_priority(1)
        .mount(server)
        .await;
}

/// Answers a request under `/p<i>/…` with the i-th response, so one server can play many
/// scenarios side by side (each probe gets a base URL with its own prefix).
struct ByPrefix {
    responses: Vec<ResponseTemplate>,
}

impl Respond for ByPrefix {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        request
            .url
            .path_segments()
            .and_then(|mut segments| segments.next())
            .and_then(|first| first.strip_prefix('p'))
            .and_then(|index| index.parse::<usize>().ok())
            .and_then(|index| self.responses.get(index))
            .cloned()
            .unwrap_or_else(|| ResponseTemplate::new(500))
    }
}

/// Starts a server answering requests under `/p<i>/` with `responses[i]`; reach scenario `i`
/// through [`prefixed_base_url`].
pub async fn serve_by_prefix(responses: Vec<ResponseTemplate>) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ByPrefix { responses })
        .mount(&server)
        .await;
    server
}

/// The URLs that point the connector at scenario `index` of a [`serve_by_prefix`] server.
pub fn prefixed_urls(server: &MockServer, spec: &ConnectorSpec<'_>, index: usize) -> Overrides {
    urls_at(&format!("{}/p{index}", server.uri()), spec)
}

/// Where an exchange on the API's own origin asks for its token: the base URL's path, then the
/// token request's.
pub fn token_path(spec: &ConnectorSpec<'_>, exchange: &TokenExchange) -> String {
    format!("{}{}", base_path(spec), exchange.request.path)
}

/// Serves a token exchange's answers where the connector asks for them: a server of its own
/// when the token endpoint has its own origin (that origin of `urls` pointed at it, so what
/// reaches each origin can be told apart), else [`token_path`] on `api`. Returns the token
/// endpoint's own server, if one was started.
pub async fn serve_exchange(
    api: &MockServer,
    spec: &ConnectorSpec<'_>,
    exchange: &TokenExchange<'_>,
    answers: Vec<ResponseTemplate>,
    urls: &mut Overrides,
) -> Option<MockServer> {
    let Some(name) = exchange.origin else {
        serve_at(api, &token_path(spec, exchange), answers).await;
        return None;
    };
    let own = serve(answers).await;
    if let Some(origin) = spec.origin(name) {
        let at = format!("{}{}", own.uri(), template_path(origin.url.primary()));
        if let Ok(url) = UrlTemplate::parse(&at) {
            urls.origins.insert(name.to_owned(), url);
        }
    }
    Some(own)
}

/// The requests a server received so far.
pub async fn received(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap_or_default()
}

/// A recorded response as a wiremock template. JSON bodies default to `application/json`.
pub fn template(recorded: &RecordedResponse) -> ResponseTemplate {
    let mut template = ResponseTemplate::new(recorded.status);
    let has_content_type = recorded
        .headers
        .keys()
        .any(|k| k.eq_ignore_ascii_case("content-type"));
    let content_type = recorded
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.clone());
    if let Some(body) = &recorded.body {
        let bytes = serde_json::to_vec(body).unwrap_or_default();
        let mime = content_type.unwrap_or_else(|| "application/json".to_owned());
        template = template.set_body_raw(bytes, &mime);
    } else if let Some(text) = &recorded.body_text {
        let mime = content_type.unwrap_or_else(|| "text/plain".to_owned());
        template = template.set_body_raw(text.clone().into_bytes(), &mime);
    }
    for (name, value) in &recorded.headers {
        if !(has_content_type && name.eq_ignore_ascii_case("content-type")) {
            template = template.insert_header(name.as_str(), value.as_str());
        }
    }
    if let Some(delay) = recorded.delay_ms {
        template = template.set_delay(std::time::Duration::from_millis(delay));
    }
    template
}

/// The path of a base URL template, placeholders kept, without a trailing slash (e.g.
/// `/api/gateway.php/{company_domain}/v1`).
pub fn template_path(template: &str) -> String {
    let after_scheme = template.find("://").map_or(0, |i| i + 3);
    let path = template[after_scheme..]
        .find('/')
        .map_or("", |i| &template[after_scheme + i..]);
    path.trim_end_matches('/').to_owned()
}

/// The path prefix of the connector's base URL (its first choice), placeholders kept.
pub fn base_path(spec: &ConnectorSpec) -> String {
    template_path(spec.base_url.primary())
}

/// Overrides sending every origin of the connector to `root` (a server's URI, maybe with a
/// prefix), each keeping its own path prefix.
pub fn urls_at(root: &str, spec: &ConnectorSpec) -> Overrides {
    let at =
        |template: &str| UrlTemplate::parse(&format!("{root}{}", template_path(template))).ok();
    Overrides {
        base_url: at(spec.base_url.primary()),
        origins: spec
            .origins
            .iter()
            .filter_map(|o| Some((o.name.to_owned(), at(o.url.primary())?)))
            .collect(),
    }
}

/// The URLs that point the connector at `server`, keeping the provider's path prefixes.
pub fn urls_for(server: &MockServer, spec: &ConnectorSpec) -> Overrides {
    urls_at(&server.uri(), spec)
}

/// The verification request the spec declares for these credentials, as the provider must
/// receive it under `urls`, built by connector-core's request builder. An exchanged token is
/// not known here, so `Authorization` is left out for exchange variants. `None` when the
/// credentials do not build a request (invalid input).
pub fn declared_request(
    spec: &ConnectorSpec<'_>,
    variant: &CredentialVariant<'_>,
    credentials: &BTreeMap<String, String>,
    urls: &Overrides,
) -> Option<RecordedRequest> {
    let mut raw = RawCredentials::new();
    for (key, value) in credentials {
        raw.insert(key.clone(), value.clone());
    }
    let validated = connector_core::validate::validate(variant, &raw).ok()?;
    let target = Target {
        spec,
        variant,
        credentials: &validated.credentials,
        overrides: urls,
    };
    let exchange = matches!(variant.auth, Auth::Exchange(_));
    let token = if exchange {
        Token::Pending
    } else {
        Token::None
    };
    let call = match variant.auth {
        // Verified by its exchange alone: the token request is the one declared.
        Auth::Exchange(exchange) if connector_core::exchange_alone(variant) => Call {
            request: &exchange.request,
            origin: exchange.origin,
            credential: Credential::Client(&exchange.client),
            extra_query: &[],
            inputs: None,
            repeat: Repeat::Safe,
        },
        _ => Call {
            request: &variant.verify,
            origin: None,
            credential: Credential::Variant(token),
            extra_query: &[],
            inputs: None,
            repeat: Repeat::Safe,
        },
    };
    let request = target.request(&call).ok()?;
    // Header names as the spec spells them, for messages.
    let spelled: BTreeMap<String, String> = target
        .shown(&call)
        .ok()?
        .headers
        .into_iter()
        .map(|(name, _)| (name.to_ascii_lowercase(), name))
        .collect();
    let headers = request
        .headers
        .iter()
        .filter(|(name, _)| !(exchange && name.as_str() == "authorization"))
        .filter(|(name, _)| name.as_str() != "user-agent")
        .filter_map(|(name, value)| {
            let name = spelled
                .get(name.as_str())
                .cloned()
                .unwrap_or_else(|| name.as_str().to_owned());
            Some((name, value.to_str().ok()?.to_owned()))
        })
        .collect();
    let body = request.body.as_ref().and_then(|b| {
        (b.content_type == "application/json")
            .then(|| serde_json::from_slice(&b.bytes).ok())
            .flatten()
    });
    Some(RecordedRequest {
        method: variant.verify.method.as_str().to_owned(),
        path: request.url.path().to_owned(),
        query: request
            .url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
        headers,
        body,
        form: None,
    })
}

/// How `actual` differs from `expected`, one line per difference. Secrets are replaced by
/// `<key>` so the messages can be printed.
pub fn request_differences(
    expected: &RecordedRequest,
    actual: &Request,
    secrets: &[String],
) -> Vec<String> {
    let mut differences = Vec::new();
    if !actual
        .method
        .as_str()
        .eq_ignore_ascii_case(&expected.method)
    {
        differences.push(format!(
            "method is {}, expected {}",
            actual.method, expected.method
        ));
    }
    if actual.url.path() != expected.path {
        differences.push(format!(
            "path is `{}`, expected `{}`",
            redact(actual.url.path(), secrets),
            expected.path
        ));
    }
    let mut query: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in actual.url.query_pairs() {
        if query.insert(k.to_string(), v.to_string()).is_some() {
            differences.push(format!("query parameter `{k}` is repeated"));
        }
    }
    if query != expected.query {
        differences.push(format!(
            "query is `{}`, expected `{}`",
            redact(&describe_query(&query), secrets),
            describe_query(&expected.query)
        ));
    }
    for (name, value) in &expected.headers {
        let values: Vec<&str> = actual
            .headers
            .get_all(name.as_str())
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        match values.as_slice() {
            [] => {
                let present: Vec<&str> = actual.headers.keys().map(|k| k.as_str()).collect();
                differences.push(format!(
                    "header `{name}` is missing (expected `{}`); the request carried: {}",
                    redact(value, secrets),
                    present.join(", ")
                ));
            }
            [one] if one == value => {}
            _ => differences.push(format!(
                "header `{name}` is `{}`, expected `{}`",
                redact(&values.join(", "), secrets),
                redact(value, secrets)
            )),
        }
    }
    if let Some(wanted) = &expected.body {
        match serde_json::from_slice::<serde_json::Value>(&actual.body) {
            Ok(body) if &body == wanted => {}
            Ok(body) => differences.push(format!(
                "body is `{}`, expected `{wanted}`",
                redact(&body.to_string(), secrets)
            )),
            Err(_) if actual.body.is_empty() => {
                differences.push(format!("the request has no body, expected `{wanted}`"))
            }
            Err(_) => differences.push(format!(
                "body is not JSON ({} bytes), expected `{wanted}`",
                actual.body.len()
            )),
        }
    }
    if let Some(wanted) = &expected.form {
        let got: BTreeMap<String, String> = url::form_urlencoded::parse(&actual.body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if &got != wanted {
            differences.push(format!(
                "form body is `{}`, expected `{}`",
                redact(&describe_query(&got), secrets),
                describe_query(wanted)
            ));
        }
    }
    differences
}

/// Whether any secret appears anywhere in the request's URL, headers or body.
pub fn carries_secret(request: &Request, secrets: &[String]) -> bool {
    let mut text = request.url.to_string();
    for (name, value) in &request.headers {
        text.push_str(name.as_str());
        let value = String::from_utf8_lossy(value.as_bytes());
        // A Basic credential whose password is not empty (`key:x`) is found decoded.
        if let Some(encoded) = value.strip_prefix("Basic ") {
            if let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) {
                text.push_str(&String::from_utf8_lossy(&decoded));
            }
        }
        text.push_str(&value);
    }
    text.push_str(&String::from_utf8_lossy(&request.body));
    let basic: Vec<String> = secrets
        .iter()
        .map(|s| base64::engine::general_purpose::STANDARD.encode(format!("{s}:")))
        .collect();
    secrets
        .iter()
        .chain(&basic)
        .any(|s| !s.is_empty() && text.contains(s.as_str()))
}

/// Replaces every secret (and its Basic encoding) in `text` with `<key>`.
pub fn redact(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_owned();
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{secret}:"));
        out = out
            .replace(&basic, "base64(<key>:)")
            .replace(secret.as_str(), "<key>");
    }
    out
}

fn describe_query(query: &BTreeMap<String, String>) -> String {
    if query.is_empty() {
        return "(none)".to_owned();
    }
    query
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

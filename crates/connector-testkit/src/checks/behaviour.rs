//! Generic behaviour every connector must show, synthesized from its spec rather than its fixtures:
//! how refusals, rate limits, outages, odd bodies, silence, redirects and bad input end.
//! Each check runs once per credential variant.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use connector_core::check::resolve_variant;
use connector_core::validate::MAX_FIELD_BYTES;
use connector_core::{Auth, ConnectorSpec, CredentialVariant, Limits, Status};

use crate::fixture::Scenario;
use futures::future::{join_all, BoxFuture};
use serde_json::{json, Value};
use wiremock::matchers::{method, path as path_matcher};
use wiremock::{Mock, ResponseTemplate};

use crate::checks::timed;
use crate::server::{
    carries_secret, declared_request, received, request_differences, serve, template_path, urls_for,
};
use crate::{CheckResult, Ctx, Probe};

/// What the synthesized checks need for one variant: working credentials and what a successful
/// verification looks like, both taken from the variant's `verified` fixture when there is one.
pub(crate) struct Subject<'a> {
    pub variant: &'a CredentialVariant<'a>,
    pub credentials: BTreeMap<String, String>,
    pub key: String,
    pub secrets: Vec<String>,
    pub success: Option<Value>,
    /// `[variant] ` when the connector has several variants, so failures say which.
    pub prefix: String,
}

impl Subject<'_> {
    /// Checks `credentials` against `server` as this subject's variant.
    pub async fn probe(
        &self,
        ctx: &Ctx<'_>,
        label: &str,
        server: &wiremock::MockServer,
        credentials: &BTreeMap<String, String>,
        secrets: Vec<String>,
    ) -> Probe {
        self.probe_within(ctx, label, server, credentials, secrets, None)
            .await
    }

    /// As [`Subject::probe`], with a deadline of its own instead of the suite's (`None`).
    pub async fn probe_within(
        &self,
        ctx: &Ctx<'_>,
        label: &str,
        server: &wiremock::MockServer,
        credentials: &BTreeMap<String, String>,
        secrets: Vec<String>,
        timeout: Option<Duration>,
    ) -> Probe {
        let urls = urls_for(server, ctx.connector.spec());
        ctx.probe(
            label.to_owned(),
            Some(self.variant.name),
            credentials,
            urls,
            secrets,
            timeout,
        )
        .await
    }

    /// Checks this subject's working credentials against `server`.
    pub async fn probe_working(
        &self,
        ctx: &Ctx<'_>,
        label: &str,
        server: &wiremock::MockServer,
    ) -> Probe {
        self.probe(ctx, label, server, &self.credentials, self.secrets.clone())
            .await
    }

    /// Starts a server answering the API requests with `responses` in order; for a variant
    /// that exchanges credentials first, the token endpoint (on the same server) hands out a
    /// token, so the synthesized answer reaches the verification request.
    pub async fn serve(
        &self,
        spec: &ConnectorSpec<'_>,
        responses: Vec<ResponseTemplate>,
    ) -> wiremock::MockServer {
        let server = serve(responses).await;
        if let Some(path) = self.token_path(spec) {
            Mock::given(method("POST"))
                .and(path_matcher(path.as_str()))
                .respond_with(json_response(200, &token_answer()))
                .with_priority(1)
                .mount(&server)
                .await;
        }
        server
    }

    /// On a [`crate::server::serve_by_prefix`] server playing `count` scenarios: for an
    /// exchange variant, a token endpoint under each prefix, so each scenario's answer reaches
    /// the verification request.
    pub async fn hand_out_tokens(
        &self,
        spec: &ConnectorSpec<'_>,
        server: &wiremock::MockServer,
        count: usize,
    ) {
        let Some(path) = self.token_path(spec) else {
            return;
        };
        for i in 0..count {
            Mock::given(method("POST"))
                .and(path_matcher(format!("/p{i}{path}").as_str()))
                .respond_with(json_response(200, &token_answer()))
                .with_priority(1)
                .mount(server)
                .await;
        }
    }

    /// The token endpoint's path on a test server, for an exchange variant.
    fn token_path(&self, spec: &ConnectorSpec) -> Option<String> {
        let Auth::Exchange(exchange) = self.variant.auth else {
            return None;
        };
        // Verified by its exchange alone: the token request is the request under test.
        if connector_core::exchange_alone(self.variant) {
            return None;
        }
        let origin = exchange
            .origin
            .and_then(|name| spec.origin(name))
            .map_or(spec.base_url.primary(), |o| o.url.primary());
        Some(format!(
            "{}{}",
            template_path(origin),
            exchange.request.path
        ))
    }

    /// The API requests `server` received (the token requests of an exchange left out).
    pub async fn api_requests(
        &self,
        spec: &ConnectorSpec<'_>,
        server: &wiremock::MockServer,
    ) -> Vec<wiremock::Request> {
        let token = self.token_path(spec);
        received(server)
            .await
            .into_iter()
            .filter(|r| token.as_deref() != Some(r.url.path()))
            .collect()
    }

    /// The outcome the variant's declared answer rules give `status` with `body`, or `generic`
    /// when no rule matches.
    pub fn declared_outcome(&self, status: u16, body: &Value, generic: Status) -> Status {
        let text = body.to_string();
        self.variant
            .verify
            .answers
            .iter()
            .find(|a| {
                a.status == status && a.when.as_ref().is_none_or(|m| m.holds(&text, Some(body)))
            })
            .map_or(generic, |a| a.outcome)
    }
}

/// A token endpoint's answer handing out [`SYNTHETIC_TOKEN`].
fn token_answer() -> Value {
    json!({"access_token": SYNTHETIC_TOKEN, "token_type": "Bearer", "expires_in": 3600})
}

/// The token a synthesized token endpoint hands out.
pub(crate) const SYNTHETIC_TOKEN: &str = "synthetic-token-0f9e8d7c6b5a4";

/// One subject per credential variant.
pub(crate) fn subjects<'a>(ctx: &Ctx<'a>) -> Vec<Subject<'a>> {
    let spec = ctx.connector.spec();
    let scenarios = ctx.options.fixtures.for_connector(spec.id);
    spec.variants
        .iter()
        .map(|variant| {
            let of_variant = |s: &&Scenario| {
                s.expect.status() == Some(Status::Verified)
                    && resolve_variant(spec, s.variant.as_deref())
                        .is_ok_and(|v| std::ptr::eq(v, variant))
            };
            // One whose success is JSON when there is one: the synthesized checks serve it.
            let verified = scenarios
                .iter()
                .filter(of_variant)
                .find(|s| s.responses.last().is_some_and(|r| r.body.is_some()))
                .or_else(|| scenarios.iter().find(of_variant));
            let credentials = match verified {
                Some(s) => s.credentials.clone(),
                None => variant
                    .fields
                    .iter()
                    .filter_map(|f| Some((f.key.to_owned(), f.example.or(f.default)?.to_owned())))
                    .collect(),
            };
            let success = verified
                .and_then(|s| s.responses.last())
                .and_then(|r| r.body.clone());
            Subject {
                variant,
                key: variant
                    .key_field()
                    .and_then(|f| credentials.get(f.key))
                    .cloned()
                    .unwrap_or_default(),
                secrets: secrets_with_sent_values(spec, variant, &credentials),
                credentials,
                success,
                prefix: if spec.variants.len() > 1 {
                    format!("[{}] ", variant.name)
                } else {
                    String::new()
                },
            }
        })
        .collect()
}

/// The secret values of `credentials`, plus the exact value of the header that carries them
/// (e.g. `Bearer <key>`): no run of either may come out.
fn secrets_with_sent_values(
    spec: &ConnectorSpec<'_>,
    variant: &CredentialVariant<'_>,
    credentials: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut secrets = Ctx::secrets_of(variant, credentials);
    let urls = crate::server::urls_at("http://127.0.0.1:9", spec);
    let sent: Vec<String> = declared_request(spec, variant, credentials, &urls)
        .map(|declared| {
            declared
                .headers
                .iter()
                .filter(|(name, _)| sensitive_header(variant, name))
                .map(|(_, value)| value.clone())
                .filter(|value| !secrets.contains(value))
                .collect()
        })
        .unwrap_or_default();
    secrets.extend(sent);
    secrets.push(SYNTHETIC_TOKEN.to_owned());
    secrets
}

/// Whether the variant's auth puts the credential in header `name`.
fn sensitive_header(variant: &CredentialVariant<'_>, name: &str) -> bool {
    match variant.auth {
        Auth::Bearer { .. } | Auth::Basic { .. } | Auth::Exchange(_) => {
            name.eq_ignore_ascii_case("authorization")
        }
        Auth::Header { header, .. } => name.eq_ignore_ascii_case(header),
        Auth::Headers(list) => list.iter().any(|h| name.eq_ignore_ascii_case(h.name)),
        Auth::Query { .. } | Auth::JsonBody { .. } => false,
    }
}

/// The synthesized checks.
#[derive(Debug, Clone, Copy)]
enum Behaviour {
    RequestAsDeclared,
    Unauthorized,
    Forbidden,
    RetryAfterThenSuccess,
    RateLimitedForever,
    OutageHtml,
    MalformedJson,
    OversizedBody,
    NoAnswer,
    CrossOriginRedirect,
    InvalidInput,
    PlaceholderEscape,
    ConnectionRefused,
    DryRunMasks,
}

impl Behaviour {
    const ALL: [Behaviour; 14] = [
        Behaviour::RequestAsDeclared,
        Behaviour::Unauthorized,
        Behaviour::Forbidden,
        Behaviour::RetryAfterThenSuccess,
        Behaviour::RateLimitedForever,
        Behaviour::OutageHtml,
        Behaviour::MalformedJson,
        Behaviour::OversizedBody,
        Behaviour::NoAnswer,
        Behaviour::CrossOriginRedirect,
        Behaviour::InvalidInput,
        Behaviour::PlaceholderEscape,
        Behaviour::ConnectionRefused,
        Behaviour::DryRunMasks,
    ];

    fn name(self) -> &'static str {
        match self {
            Behaviour::RequestAsDeclared => "behaviour.request-as-declared",
            Behaviour::Unauthorized => "behaviour.401-rejected",
            Behaviour::Forbidden => "behaviour.403-forbidden",
            Behaviour::RetryAfterThenSuccess => "behaviour.429-retry-after-then-200-verified",
            Behaviour::RateLimitedForever => "behaviour.429-forever-rate-limited",
            Behaviour::OutageHtml => "behaviour.503-html-unavailable",
            Behaviour::MalformedJson => "behaviour.malformed-json-unexpected",
            Behaviour::OversizedBody => "behaviour.oversized-body-unexpected",
            Behaviour::NoAnswer => "behaviour.no-answer-unavailable",
            Behaviour::CrossOriginRedirect => "behaviour.cross-origin-redirect-not-followed",
            Behaviour::InvalidInput => "behaviour.invalid-input-sends-nothing",
            Behaviour::PlaceholderEscape => "behaviour.placeholder-escape-sends-nothing",
            Behaviour::ConnectionRefused => "behaviour.connection-refused-unavailable",
            Behaviour::DryRunMasks => "behaviour.dry-run-builds-default-request-masked",
        }
    }
}

/// Every synthesized check over every subject, as futures to run concurrently.
pub(crate) fn all<'a>(
    ctx: &'a Ctx<'a>,
    subjects: &'a [Subject<'a>],
) -> Vec<BoxFuture<'a, CheckResult>> {
    Behaviour::ALL
        .into_iter()
        .map(|behaviour| {
            over_subjects(behaviour.name(), subjects, move |subject| {
                run(ctx, subject, behaviour)
            })
        })
        .collect()
}

/// One check run for every subject at once; each failure starts with its subject's prefix.
pub(crate) fn over_subjects<'a, Run, Fut>(
    name: &'static str,
    subjects: &'a [Subject<'a>],
    run: Run,
) -> BoxFuture<'a, CheckResult>
where
    Run: Fn(&'a Subject<'a>) -> Fut + Send + 'a,
    Fut: Future<Output = Vec<String>> + Send + 'a,
{
    timed(name.to_owned(), async move {
        let per_subject = join_all(subjects.iter().map(|subject| {
            let failures = run(subject);
            async move {
                failures
                    .await
                    .into_iter()
                    .map(|f| format!("{}{f}", subject.prefix))
                    .collect::<Vec<_>>()
            }
        }))
        .await;
        per_subject.into_iter().flatten().collect()
    })
}

pub(crate) fn json_response(status: u16, body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(
        serde_json::to_vec(body).unwrap_or_default(),
        "application/json",
    )
}

/// A failure line when the check did not end as it must.
pub(crate) fn expect_status(probe: &Probe, wanted: Status, why: &str) -> Option<String> {
    (probe.report.status != wanted).then(|| {
        format!(
            "ended `{}`, expected `{wanted}`: {why} (the check said: {})",
            probe.report.status, probe.report.message
        )
    })
}

async fn run(ctx: &Ctx<'_>, s: &Subject<'_>, behaviour: Behaviour) -> Vec<String> {
    let spec = ctx.connector.spec();
    let label = format!("{} [{}]", behaviour.name(), s.variant.name);
    let deadline = ctx.options.timeout + ctx.options.margin;
    let success = s.success.clone();
    let needs_success = || {
        vec![format!(
            "no verified fixture for variant `{}`: record {}/<name>.json with \"expect\": {{\"status\": \"verified\"}} so the suite knows a successful answer",
            s.variant.name, ctx.options.fixtures_of(spec.id)
        )]
    };
    let mut failures = Vec::new();
    match behaviour {
        Behaviour::RequestAsDeclared => {
            let Some(success) = success else {
                return needs_success();
            };
            let server = s.serve(spec, vec![json_response(200, &success)]).await;
            let probe = s.probe_working(ctx, &label, &server).await;
            failures.extend(expect_status(
                &probe,
                Status::Verified,
                "the verified fixture's body answered the declared request",
            ));
            if probe.report.status == Status::Verified && probe.report.account.is_none() {
                failures.push(
                    "verified without an account; the variant's proof (or account()) must describe what the key proves"
                        .to_owned(),
                );
            }
            let Some(expected) =
                declared_request(spec, s.variant, &s.credentials, &urls_for(&server, spec))
            else {
                return vec!["the working credentials do not build the declared request".to_owned()];
            };
            let requests = s.api_requests(spec, &server).await;
            if requests.is_empty() {
                failures.push("the connector sent no request".to_owned());
            }
            for (i, request) in requests.iter().enumerate() {
                for difference in request_differences(&expected, request, &s.secrets) {
                    failures.push(format!(
                        "request {}: {difference}; the spec declares {} with {}",
                        i + 1,
                        s.variant.verify.describe(),
                        s.variant.auth.describe()
                    ));
                }
            }
        }
        Behaviour::PlaceholderEscape => {
            for field in s.variant.fields {
                let Some(placement) = s.variant.placement(spec, field.key) else {
                    continue;
                };
                let server = s
                    .serve(
                        spec,
                        vec![json_response(
                            200,
                            &s.success.clone().unwrap_or_else(|| json!({})),
                        )],
                    )
                    .await;
                for bad in ESCAPES {
                    let mut credentials = s.credentials.clone();
                    credentials.insert(field.key.to_owned(), (*bad).to_owned());
                    let probe = s
                        .probe(ctx, &label, &server, &credentials, s.secrets.clone())
                        .await;
                    if probe.report.status != Status::InvalidInput {
                        failures.push(format!(
                            "field `{}` ({placement:?}) given {} ended `{}`, expected `invalid_input`",
                            field.key,
                            connector_core::text::describe_value(bad),
                            probe.report.status
                        ));
                    }
                }
                let count = received(&server).await.len();
                if count > 0 {
                    failures.push(format!(
                        "field `{}` given values that escape its place reached the provider ({count} request(s)); nothing may be sent",
                        field.key
                    ));
                }
            }
        }
        Behaviour::ConnectionRefused => {
            // A port nothing listens on: the transport error must not carry the URL's query
            // (a query-parameter key) or any header; hygiene checks the output afterwards.
            // Bound but not listening: the port stays ours (no other test server can take it)
            // and every connection to it is refused.
            let Some((_reserved, port)) = closed_port() else {
                return vec!["could not reserve a loopback port".to_owned()];
            };
            let urls = crate::server::urls_at(&format!("http://127.0.0.1:{port}"), spec);
            let probe = ctx
                .probe(
                    label.clone(),
                    Some(s.variant.name),
                    &s.credentials,
                    urls,
                    s.secrets.clone(),
                    None,
                )
                .await;
            failures.extend(expect_status(
                &probe,
                Status::Unavailable,
                "a provider that cannot be reached is unavailable",
            ));
        }
        Behaviour::DryRunMasks => {
            failures.extend(dry_run_failures(ctx, s));
        }
        Behaviour::Unauthorized => {
            let body = json!({"message": "Invalid API key"});
            let server = s.serve(spec, vec![json_response(401, &body)]).await;
            let probe = s.probe_working(ctx, &label, &server).await;
            failures.extend(expect_status(
                &probe,
                s.declared_outcome(401, &body, Status::Rejected),
                "a 401 means the key is wrong or revoked unless the variant's answer rules say otherwise",
            ));
        }
        Behaviour::Forbidden => {
            let body = json!({"message": "Forbidden"});
            let server = s.serve(spec, vec![json_response(403, &body)]).await;
            let probe = s.probe_working(ctx, &label, &server).await;
            failures.extend(expect_status(
                &probe,
                s.declared_outcome(403, &body, Status::Forbidden),
                "a 403 means the key works but lacks a role or scope, unless the variant's answer rules say otherwise",
            ));
        }
        Behaviour::RetryAfterThenSuccess => {
            let Some(success) = success else {
                return needs_success();
            };
            let limited = json_response(429, &json!({"message": "Too Many Requests"}))
                .insert_header("Retry-After", "1");
            let server = s
                .serve(spec, vec![limited, json_response(200, &success)])
                .await;
            // The suite's deadline plus the second the check is asked to wait: what this checks
            // is the wait and the retry, which a busy machine must not turn into a missed
            // deadline (the 429-forever check holds the suite's deadline).
            let probe = s
                .probe_within(
                    ctx,
                    &label,
                    &server,
                    &s.credentials,
                    s.secrets.clone(),
                    Some(ctx.options.timeout + Duration::from_secs(1)),
                )
                .await;
            failures.extend(expect_status(
                &probe,
                Status::Verified,
                "a 429 with Retry-After: 1 must be retried after a second, within the deadline",
            ));
            let count = s.api_requests(spec, &server).await.len();
            if count != 2 {
                failures.push(format!(
                    "the provider received {count} request(s), expected 2 (one 429, one retry)"
                ));
            }
            if probe.elapsed < Duration::from_millis(900) {
                failures.push(format!(
                    "retried after {} ms; Retry-After: 1 asks for a second",
                    probe.elapsed.as_millis()
                ));
            }
        }
        Behaviour::RateLimitedForever => {
            let limited = json_response(429, &json!({"message": "Too Many Requests"}))
                .insert_header("Retry-After", "1");
            let server = s.serve(spec, vec![limited]).await;
            let probe = s.probe_working(ctx, &label, &server).await;
            failures.extend(expect_status(
                &probe,
                Status::RateLimited,
                "a provider that keeps answering 429 must end `rate_limited`",
            ));
            failures.extend(within(&probe, deadline));
        }
        Behaviour::OutageHtml => {
            let page = "<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head><body><h1>Service Unavailable</h1></body></html>";
            let server = s
                .serve(
                    spec,
                    vec![ResponseTemplate::new(503).set_body_raw(page, "text/html")],
                )
                .await;
            let probe = s.probe_working(ctx, &label, &server).await;
            failures.extend(expect_status(
                &probe,
                Status::Unavailable,
                "a 503 says the provider is down, nothing about the key",
            ));
            failures.extend(within(&probe, deadline));
        }
        Behaviour::MalformedJson => {
            let server = s
                .serve(
                    spec,
                    vec![ResponseTemplate::new(200)
                        .set_body_raw("{\"data\": {\"id\": ", "application/json")],
                )
                .await;
            let probe = s.probe_working(ctx, &label, &server).await;
            failures.extend(expect_status(
                &probe,
                Status::Unexpected,
                "a 200 whose body is not JSON proves nothing",
            ));
        }
        Behaviour::OversizedBody => {
            // The verified body padded with whitespace is still valid JSON: only a connector that
            // read past the cap could call it verified.
            let mut body =
                serde_json::to_vec(&success.unwrap_or_else(|| json!({}))).unwrap_or_default();
            body.resize(Limits::default().max_body_bytes * 2, b' ');
            let server = s
                .serve(
                    spec,
                    vec![ResponseTemplate::new(200).set_body_raw(body, "application/json")],
                )
                .await;
            let probe = s.probe_working(ctx, &label, &server).await;
            failures.extend(expect_status(
                &probe,
                Status::Unexpected,
                "a body over the size cap must be abandoned unread",
            ));
        }
        Behaviour::NoAnswer => {
            let silent = ResponseTemplate::new(200).set_delay(Duration::from_secs(60));
            let server = s.serve(spec, vec![silent]).await;
            let urls = urls_for(&server, spec);
            let probe = ctx
                .probe(
                    label.clone(),
                    Some(s.variant.name),
                    &s.credentials,
                    urls,
                    s.secrets.clone(),
                    Some(NO_ANSWER_DEADLINE),
                )
                .await;
            failures.extend(expect_status(
                &probe,
                Status::Unavailable,
                "a provider that never answers is unavailable",
            ));
            failures.extend(within(&probe, NO_ANSWER_DEADLINE + ctx.options.margin));
        }
        Behaviour::CrossOriginRedirect => {
            let elsewhere = serve(vec![json_response(
                200,
                &success.unwrap_or_else(|| json!({})),
            )])
            .await;
            let target = format!(
                "{}{}",
                elsewhere.uri(),
                declared_request(spec, s.variant, &s.credentials, &urls_for(&elsewhere, spec))
                    .map(|r| r.path)
                    .unwrap_or_default()
            );
            let server = s
                .serve(
                    spec,
                    vec![ResponseTemplate::new(302).insert_header("Location", target.as_str())],
                )
                .await;
            let probe = s.probe_working(ctx, &label, &server).await;
            if probe.report.status == Status::Verified {
                failures.push(
                    "a 302 to another origin ended `verified`: redirects must not be followed"
                        .to_owned(),
                );
            }
            let leaked = received(&elsewhere).await;
            if !leaked.is_empty() {
                let with_key = leaked.iter().any(|r| carries_secret(r, &s.secrets));
                failures.push(format!(
                    "the other origin received {} request(s){}; never follow a redirect to another origin",
                    leaked.len(),
                    if with_key { " carrying the key" } else { "" }
                ));
            }
        }
        Behaviour::InvalidInput => {
            let key = &s.key;
            let cases = [
                ("an empty key", String::new()),
                ("a key with an interior newline", format!("{key}\n{key}")),
                ("a key with a control character", format!("{key}\u{7}{key}")),
                (
                    "a key over 4 KiB",
                    key.repeat(MAX_FIELD_BYTES / key.len().max(1) + 1) + "x",
                ),
            ];
            for (what, bad) in cases {
                let mut credentials = s.credentials.clone();
                let key_field = s.variant.key_field().map_or("api_key", |f| f.key);
                credentials.insert(key_field.to_owned(), bad.clone());
                // Every bad value is built from the key, so a run of it is a run of the key (or
                // holds a control character, which the output escapes); searching for the key
                // alone keeps the search small for the 4 KiB case.
                let secrets = if key.len() >= 4 {
                    vec![key.clone()]
                } else {
                    vec![bad]
                };
                let server = s
                    .serve(
                        spec,
                        vec![json_response(
                            200,
                            &s.success.clone().unwrap_or_else(|| json!({})),
                        )],
                    )
                    .await;
                let probe = s.probe(ctx, &label, &server, &credentials, secrets).await;
                if probe.report.status != Status::InvalidInput {
                    failures.push(format!(
                        "{what} ended `{}`, expected `invalid_input`: validate locally before sending",
                        probe.report.status
                    ));
                }
                let count = s.api_requests(spec, &server).await.len();
                if count > 0 {
                    failures.push(format!(
                        "{what} reached the provider ({count} request(s)); nothing may be sent for input that cannot be a key"
                    ));
                }
            }
        }
    }
    failures
}

/// A failure line when a check outlasted the deadline plus the margin.
pub(crate) fn within(probe: &Probe, limit: Duration) -> Option<String> {
    (probe.elapsed > limit).then(|| {
        format!(
            "took {} ms, more than the deadline plus margin ({} ms)",
            probe.elapsed.as_millis(),
            limit.as_millis()
        )
    })
}

/// The deadline of the no-answer check: short, so one connector's suite stays quick.
const NO_ANSWER_DEADLINE: Duration = Duration::from_millis(500);

/// Values that try to leave a host label or a path segment.
const ESCAPES: &[&str] = &[
    "acme.evil.example#",
    "acme/../x",
    "acme@evil",
    "%2e%2e",
    "acme:8080",
    "acme?x=1",
    "a b",
    "",
];

/// A loopback port bound to a socket that never listens, with that socket: while it is kept,
/// connections to the port are refused.
fn closed_port() -> Option<(tokio::net::TcpSocket, u16)> {
    let socket = tokio::net::TcpSocket::new_v4().ok()?;
    socket.bind("127.0.0.1:0".parse().ok()?).ok()?;
    let port = socket.local_addr().ok()?.port();
    Some((socket, port))
}

/// `--dry-run` on the spec's own default URLs: every request builds, every URL is a real https
/// URL with nothing left unfilled, and no secret shows in any form.
fn dry_run_failures(ctx: &Ctx<'_>, s: &Subject<'_>) -> Vec<String> {
    let spec = ctx.connector.spec();
    let mut raw = connector_core::RawCredentials::new();
    for (key, value) in &s.credentials {
        raw.insert(key.clone(), value.clone());
    }
    let mut failures = Vec::new();
    let shown = match connector_core::dry_run(spec, Some(s.variant.name), &raw, &Default::default())
    {
        Ok(shown) => shown,
        Err(report) => {
            return vec![format!(
                "the working credentials do not build the default request: {}",
                report.message
            )]
        }
    };
    for request in &shown.requests {
        let unfilled = ["{", "}", "%7B", "%7D", "%7b", "%7d"]
            .iter()
            .any(|t| request.url.contains(t));
        if unfilled {
            failures.push(format!(
                "the default request URL `{}` still holds a placeholder",
                request.url
            ));
        }
        match url::Url::parse(&request.url) {
            Ok(url) if url.scheme() == "https" => {}
            _ => failures.push(format!(
                "the default request URL `{}` is not a valid https URL",
                request.url
            )),
        }
    }
    let text = serde_json::to_string(&shown).unwrap_or_default();
    // The field values only: a header template's fixed text (`Token token=`) may show.
    let finder = crate::leak::Finder::new(&Ctx::secrets_of(s.variant, &s.credentials));
    if let Some((form, _)) = finder.find(&text) {
        failures.push(format!("--dry-run shows a secret ({form})"));
    }
    failures
}

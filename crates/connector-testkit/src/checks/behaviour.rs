//! Generic behaviour every connector must show, synthesized from its spec rather than its fixtures:
//! how refusals, rate limits, outages, odd bodies, silence, redirects and bad input end.
//! Each check runs once per credential variant.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use connector_core::check::resolve_variant;
use connector_core::validate::MAX_FIELD_BYTES;
use connector_core::{ConnectorSpec, CredentialVariant, Limits, Status};
use futures::future::{join_all, BoxFuture};
use serde_json::{json, Value};
use wiremock::ResponseTemplate;

use crate::checks::timed;
use crate::server::{
    base_url_for, carries_secret, declared_request, received, request_differences, serve,
};
use crate::{CheckResult, Ctx, Probe};

/// What the synthesized checks need for one variant: working credentials and what a successful
/// verification looks like, both taken from the variant's `verified` fixture when there is one.
pub(crate) struct Subject {
    pub variant: &'static CredentialVariant,
    pub credentials: BTreeMap<String, String>,
    pub key: String,
    pub secrets: Vec<String>,
    pub success: Option<Value>,
    /// `[variant] ` when the connector has several variants, so failures say which.
    pub prefix: String,
}

impl Subject {
    /// Checks `credentials` against `server` as this subject's variant.
    pub async fn probe(
        &self,
        ctx: &Ctx<'_>,
        label: &str,
        server: &wiremock::MockServer,
        credentials: &BTreeMap<String, String>,
        secrets: Vec<String>,
    ) -> Probe {
        let base_url = base_url_for(server, ctx.connector.spec());
        ctx.probe(
            label.to_owned(),
            Some(self.variant.name),
            credentials,
            base_url,
            secrets,
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
}

/// One subject per credential variant.
pub(crate) fn subjects(ctx: &Ctx<'_>) -> Vec<Subject> {
    let spec = ctx.connector.spec();
    let scenarios = ctx.options.fixtures.for_connector(spec.id);
    spec.variants
        .iter()
        .map(|variant| {
            let verified = scenarios.iter().find(|s| {
                s.expect.status() == Some(Status::Verified)
                    && resolve_variant(spec, s.variant.as_deref())
                        .is_ok_and(|v| std::ptr::eq(v, variant))
            });
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
                key: credentials
                    .get(variant.auth.field())
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
    spec: &ConnectorSpec,
    variant: &CredentialVariant,
    credentials: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut secrets = Ctx::secrets_of(variant, credentials);
    let declared = declared_request(spec, variant, credentials);
    let sent = declared
        .headers
        .iter()
        .filter(|(_, value)| {
            secrets.iter().any(|s| value.contains(s.as_str())) || {
                let basic = matches!(variant.auth, connector_core::Auth::BasicUsername { .. });
                basic && value.starts_with("Basic ")
            }
        })
        .map(|(_, value)| value.clone())
        .filter(|value| !secrets.contains(value))
        .collect::<Vec<_>>();
    secrets.extend(sent);
    secrets
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
}

impl Behaviour {
    const ALL: [Behaviour; 11] = [
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
        }
    }
}

/// Every synthesized check over every subject, as futures to run concurrently.
pub(crate) fn all<'a>(
    ctx: &'a Ctx<'a>,
    subjects: &'a [Subject],
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
    subjects: &'a [Subject],
    run: Run,
) -> BoxFuture<'a, CheckResult>
where
    Run: Fn(&'a Subject) -> Fut + Send + 'a,
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

async fn run(ctx: &Ctx<'_>, s: &Subject, behaviour: Behaviour) -> Vec<String> {
    let spec = ctx.connector.spec();
    let label = format!("{} [{}]", behaviour.name(), s.variant.name);
    let deadline = ctx.options.timeout + ctx.options.margin;
    let success = s.success.clone();
    let needs_success = || {
        vec![format!(
            "no verified fixture for variant `{}`: record fixtures/{}/<name>.json with \"expect\": {{\"status\": \"verified\"}} so the suite knows a successful answer",
            s.variant.name, spec.id
        )]
    };
    let mut failures = Vec::new();
    match behaviour {
        Behaviour::RequestAsDeclared => {
            let Some(success) = success else {
                return needs_success();
            };
            let server = serve(vec![json_response(200, &success)]).await;
            let probe = s.probe_working(ctx, &label, &server).await;
            failures.extend(expect_status(
                &probe,
                Status::Verified,
                "the verified fixture's body answered the declared request",
            ));
            if probe.report.status == Status::Verified && probe.report.account.is_none() {
                failures.push(
                    "verified without an account; account() must describe what the key proves"
                        .to_owned(),
                );
            }
            let expected = declared_request(spec, s.variant, &s.credentials);
            let requests = received(&server).await;
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
        Behaviour::Unauthorized => {
            let server = serve(vec![json_response(
                401,
                &json!({"message": "Invalid API key"}),
            )])
            .await;
            let probe = s.probe_working(ctx, &label, &server).await;
            failures.extend(expect_status(
                &probe,
                Status::Rejected,
                "a 401 means the key is wrong or revoked; keep connector-core's mapping unless the provider says otherwise",
            ));
        }
        Behaviour::Forbidden => {
            let server = serve(vec![json_response(403, &json!({"message": "Forbidden"}))]).await;
            let probe = s.probe_working(ctx, &label, &server).await;
            failures.extend(expect_status(
                &probe,
                Status::Forbidden,
                "a 403 means the key works but lacks a role or scope",
            ));
        }
        Behaviour::RetryAfterThenSuccess => {
            let Some(success) = success else {
                return needs_success();
            };
            let limited = json_response(429, &json!({"message": "Too Many Requests"}))
                .insert_header("Retry-After", "1");
            let server = serve(vec![limited, json_response(200, &success)]).await;
            let probe = s.probe_working(ctx, &label, &server).await;
            failures.extend(expect_status(
                &probe,
                Status::Verified,
                "a 429 with Retry-After: 1 must be retried after a second, within the deadline",
            ));
            let count = received(&server).await.len();
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
            let server = serve(vec![limited]).await;
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
            let server = serve(vec![
                ResponseTemplate::new(503).set_body_raw(page, "text/html")
            ])
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
            let server =
                serve(vec![ResponseTemplate::new(200)
                    .set_body_raw("{\"data\": {\"id\": ", "application/json")])
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
            let server = serve(vec![
                ResponseTemplate::new(200).set_body_raw(body, "application/json")
            ])
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
            let server = serve(vec![silent]).await;
            let probe = s.probe_working(ctx, &label, &server).await;
            failures.extend(expect_status(
                &probe,
                Status::Unavailable,
                "a provider that never answers is unavailable",
            ));
            failures.extend(within(&probe, deadline));
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
                declared_request(spec, s.variant, &s.credentials).path
            );
            let server = serve(vec![
                ResponseTemplate::new(302).insert_header("Location", target.as_str())
            ])
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
                credentials.insert(s.variant.auth.field().to_owned(), bad.clone());
                let secrets = if key.len() >= 4 {
                    vec![key.clone(), bad]
                } else {
                    vec![bad]
                };
                let server = serve(vec![json_response(
                    200,
                    &s.success.clone().unwrap_or_else(|| json!({})),
                )])
                .await;
                let probe = s.probe(ctx, &label, &server, &credentials, secrets).await;
                if probe.report.status != Status::InvalidInput {
                    failures.push(format!(
                        "{what} ended `{}`, expected `invalid_input`: validate locally before sending",
                        probe.report.status
                    ));
                }
                let count = received(&server).await.len();
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

//! A check from start to end: prepare it (variant, local validation, URL placements), build the
//! requests (a token exchange first when the variant has one), send them, sort the answer into
//! exactly one [`Status`] with a message that says what to do next, and finish the report.
//! `--dry-run` builds the same requests and shows them masked.

use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde_json::Value;
use tokio::time::Instant;

use crate::build::{
    base_template, BaseTemplate, BuildError, Call, Credential, Overrides, ShownRequest, Target,
    Token,
};
use crate::finish::finish;
use crate::http::{Exchange, HttpClient, Limits, Request};
use crate::outcome::{CheckReport, Status};
use crate::prepare::{add_sent, prepare, Prepared, Refusal};
use crate::reader::Reader;
use crate::redact::Redactor;
use crate::response::{read_success, Interpreted, Reading};
use crate::secret::{Credentials, RawCredentials, RawValue};
use crate::spec::{Auth, ConnectorSpec, CredentialVariant, Repeat, RequestSpec, TokenExchange};
use crate::template::fill;

pub use crate::outcome::Verdict;
pub use crate::prepare::{redactor_for, resolve_variant, CheckOptions, UnknownVariant};

/// The requests a check would send, every secret masked: `connector check --dry-run`.
#[derive(Debug, Clone, Serialize)]
pub struct DryRun {
    pub connector: String,
    pub variant: String,
    pub requests: Vec<ShownRequest>,
}

/// The report as it stands before anything is sent: final when the check ends there, else the
/// one the answer fills in.
fn unsent_report(spec: &ConnectorSpec, refusal: Refusal) -> CheckReport {
    CheckReport {
        connector: spec.id.to_owned(),
        variant: refusal.variant.map_or("", |v| v.name).to_owned(),
        status: refusal.status,
        key: refusal.masked_key,
        http_status: None,
        message: refusal.message,
        warnings: refusal.warnings,
        account: None,
        elapsed_ms: 0,
    }
}

/// A check ready to send: its variant, credentials validated and placed in their URLs, and the
/// report it starts from.
struct Ready<'a> {
    variant: &'a CredentialVariant<'a>,
    credentials: Credentials<'a>,
    report: CheckReport,
}

/// Prepares a check, or says in its report why it ends before sending.
fn ready<'a>(
    spec: &'a ConnectorSpec<'a>,
    variant: Option<&str>,
    raw: &RawCredentials,
) -> Result<Ready<'a>, Box<CheckReport>> {
    let Prepared {
        variant,
        credentials,
        masked_key,
        warnings,
    } = prepare(spec, variant, raw)
        .and_then(|prepared| prepared.placed(spec))
        .map_err(|refusal| Box::new(unsent_report(spec, refusal)))?;
    let report = unsent_report(
        spec,
        Refusal {
            variant: Some(variant),
            status: Status::InvalidInput,
            message: String::new(),
            masked_key,
            warnings,
        },
    );
    Ok(Ready {
        variant,
        credentials,
        report,
    })
}

/// The verification call of a variant.
fn verify_call<'a>(variant: &'a CredentialVariant<'a>, token: Token<'a>) -> Call<'a> {
    Call {
        request: &variant.verify,
        origin: None,
        credential: Credential::Variant(token),
        extra_query: &[],
        inputs: None,
        repeat: Repeat::Safe,
    }
}

/// The token request of an exchange.
fn exchange_call<'a>(exchange: &'a TokenExchange<'a>) -> Call<'a> {
    Call {
        request: &exchange.request,
        origin: exchange.origin,
        credential: Credential::Client(&exchange.client),
        extra_query: &[],
        inputs: None,
        repeat: Repeat::Safe,
    }
}

/// Builds the requests a check would send and shows them masked; sends nothing. `Err` is the
/// report of a check that would end before sending (invalid input).
pub fn dry_run(
    spec: &ConnectorSpec<'_>,
    variant: Option<&str>,
    raw: &RawCredentials,
    options: &CheckOptions,
) -> Result<DryRun, Box<CheckReport>> {
    let prepared = ready(spec, variant, raw)?;
    let target = Target {
        spec,
        variant: prepared.variant,
        credentials: &prepared.credentials,
        overrides: &options.urls,
    };
    let mut calls = Vec::new();
    if let Auth::Exchange(exchange) = prepared.variant.auth {
        calls.push(exchange_call(exchange));
    }
    if !exchange_alone(prepared.variant) {
        calls.push(verify_call(prepared.variant, Token::Pending));
    }
    let mut requests = Vec::new();
    for call in &calls {
        // Built to send as well, so a request that could not be sent is refused here too.
        let built = target.request(call).and_then(|_| target.shown(call));
        match built {
            Ok(shown) => requests.push(shown),
            Err(error) => {
                let mut report = prepared.report;
                report.status = error.status();
                report.message = error.to_string();
                return Err(Box::new(report));
            }
        }
    }
    Ok(DryRun {
        connector: spec.id.to_owned(),
        variant: prepared.variant.name.to_owned(),
        requests,
    })
}

/// Runs a check end to end. Never panics and never returns an error: every way it can end is a
/// [`Status`] in the report.
pub async fn run_check<C: Reader + ?Sized>(
    connector: &C,
    http: &HttpClient,
    variant: Option<&str>,
    raw: &RawCredentials,
    options: &CheckOptions,
) -> CheckReport {
    let started = Instant::now();
    let spec = connector.declaration();
    let Ready {
        variant,
        credentials,
        report,
    } = match ready(spec, variant, raw) {
        Ok(p) => p,
        Err(report) => return *report,
    };
    let target = Target {
        spec,
        variant,
        credentials: &credentials,
        overrides: &options.urls,
    };
    let span = tracing::info_span!(
        "check",
        connector = spec.id,
        variant = variant.name,
        endpoint = %variant.verify,
    );
    let mut step = Step {
        connector,
        http,
        target: &target,
        limits: &options.limits,
        started,
        span: &span,
        redactor: Redactor::new(credentials.secrets()),
        fields: credentials.public().collect(),
    };

    let token = match variant.auth {
        Auth::Exchange(exchange) => match step.token(exchange).await {
            Ok(Ok(issued)) => Some(issued.token),
            Ok(Err(failed)) => return ended(report, failed, &step.redactor, started, &span),
            Err(error) => return built_wrong(report, error),
        },
        _ => None,
    };
    if exchange_alone(variant) {
        // The token is the proof: nothing else is asked of the API.
        let verdict = verified(connector, variant, 200, &Value::Object(Default::default()));
        return ended(report, verdict, &step.redactor, started, &span);
    }

    let call = verify_call(variant, token.as_ref().map_or(Token::None, Token::Value));
    let verdict = match step.take(&call, &variant.verify, false).await {
        Ok(Ok((code, json))) => verified(connector, variant, code, &json),
        Ok(Err(failed)) => failed,
        Err(error) => return built_wrong(report, error),
    };
    ended(report, verdict, &step.redactor, started, &span)
}

/// Whether the variant is verified by its token exchange alone: an exchange whose verification
/// request declares no path (a provider with no cheap read, where issuing a token is the proof).
pub fn exchange_alone(variant: &CredentialVariant<'_>) -> bool {
    matches!(variant.auth, Auth::Exchange(_)) && variant.verify.path.is_empty()
}

/// A report for a request that could not be built (nothing was sent).
fn built_wrong(mut report: CheckReport, error: BuildError) -> CheckReport {
    report.status = error.status();
    report.message = error.to_string();
    report
}

/// What every request of one check shares: the connector, client and deadline, and the
/// redactor that grows with each credential sent.
struct Step<'a, C: ?Sized> {
    connector: &'a C,
    http: &'a HttpClient,
    target: &'a Target<'a>,
    limits: &'a Limits,
    started: Instant,
    span: &'a tracing::Span,
    redactor: Redactor,
    /// Non-secret field values, for `{field}` in answer messages.
    fields: Vec<(&'a str, String)>,
}

impl<C: Reader + ?Sized> Step<'_, C> {
    /// Builds, sends and reads one request: the 2xx status and JSON body, or the outcome the
    /// answer means (declared rules first). `Err` when the request could not be built.
    async fn take(
        &mut self,
        call: &Call<'_>,
        declared: &RequestSpec<'_>,
        text_body: bool,
    ) -> Result<Result<(u16, Value), Interpreted>, BuildError> {
        let request = self.target.request(call)?;
        add_sent(&mut self.redactor, &request);
        let answer = send(self.http, &request, self.limits, self.started, self.span).await;
        let reading = Reading {
            answers: declared.answers,
            success: declared.success,
            text_body,
            fields: &self.fields,
            ..Reading::plain(declared, Status::Unexpected, Repeat::Safe)
        };
        Ok(read_success(
            self.connector,
            &answer,
            &self.redactor,
            &reading,
        ))
    }
}

impl<C: Reader + ?Sized> Step<'_, C> {
    /// Runs the token exchange: the token (which joins what must never come out) and how long
    /// it lasts, or the outcome its answer means, prefixed to say it happened there.
    async fn token(
        &mut self,
        exchange: &TokenExchange<'_>,
    ) -> Result<Result<IssuedToken, Interpreted>, BuildError> {
        let answer = self
            .take(
                &exchange_call(exchange),
                &exchange.request,
                exchange.token.is_empty(),
            )
            .await?;
        let issued = match answer {
            Ok((code, json)) => read_token(self.target.spec, exchange, code, &json),
            Err(failed) => Err(failed),
        };
        Ok(match issued {
            Ok(issued) => {
                self.redactor.add_secret(issued.token.expose_secret());
                Ok(issued)
            }
            Err(failed) => Err(Interpreted {
                message: format!("At the token exchange: {}", failed.message),
                ..failed
            }),
        })
    }
}

/// A token an exchange issued, and how long the provider said it lasts (`expires_in`).
pub struct IssuedToken {
    pub token: SecretString,
    pub expires_in: Option<std::time::Duration>,
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken")
            .field("token", &"[REDACTED]")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// Why an exchange issued no token: the outcome a check would have ended with, its texts
/// redacted.
#[derive(Debug, Clone)]
pub struct ExchangeFailed {
    pub status: Status,
    pub http_status: Option<u16>,
    pub message: String,
}

/// Runs the variant's token exchange for `target`'s credentials, as a check runs it (the same
/// request, answer rules, retries and redaction), for callers that reuse the token (the hub's
/// proxy). `Ok(None)` when the variant has no exchange.
pub async fn exchange_token<C: Reader + ?Sized>(
    connector: &C,
    http: &HttpClient,
    target: &Target<'_>,
    limits: &Limits,
) -> Result<Option<IssuedToken>, ExchangeFailed> {
    let Auth::Exchange(exchange) = target.variant.auth else {
        return Ok(None);
    };
    let span = tracing::info_span!("token_exchange", connector = target.spec.id);
    let mut step = Step {
        connector,
        http,
        target,
        limits,
        started: Instant::now(),
        span: &span,
        redactor: Redactor::new(target.credentials.secrets()),
        fields: target.credentials.public().collect(),
    };
    let failed = match step.token(exchange).await {
        Ok(Ok(issued)) => return Ok(Some(issued)),
        Ok(Err(failed)) => failed,
        Err(error) => Interpreted::new(error.status(), None, error.to_string()),
    };
    let finished = finish(
        failed,
        &step.redactor,
        &[],
        step.started,
        &span,
        "token exchange",
    );
    Err(ExchangeFailed {
        status: finished.status,
        http_status: finished.http_status,
        message: finished.message,
    })
}

/// Sends one request within what is left of the check's deadline.
async fn send(
    http: &HttpClient,
    request: &Request,
    limits: &Limits,
    started: Instant,
    span: &tracing::Span,
) -> Exchange {
    use tracing::Instrument as _;
    let limits = Limits {
        timeout: limits.timeout.saturating_sub(started.elapsed()),
        ..*limits
    };
    http.exchange(request, &limits)
        .instrument(span.clone())
        .await
}

/// The token of a successful exchange answer, and its `expires_in` (seconds, a number or a
/// numeric string) when the answer has one beside it.
fn read_token(
    spec: &ConnectorSpec,
    exchange: &TokenExchange,
    code: u16,
    json: &Value,
) -> Result<IssuedToken, Interpreted> {
    match crate::json::pointer(json, exchange.token).and_then(Value::as_str) {
        Some(token) if !token.is_empty() => Ok(IssuedToken {
            token: SecretString::from(token.to_owned()),
            expires_in: expires_in(exchange, json),
        }),
        _ => Err(Interpreted::new(
            Status::Unexpected,
            Some(code),
            format!(
                "{} answered {code} without a token at `{}`; the token endpoint may have changed",
                spec.name, exchange.token
            ),
        )),
    }
}

/// `expires_in` beside the token in an exchange's answer.
fn expires_in(exchange: &TokenExchange, json: &Value) -> Option<std::time::Duration> {
    let pointer = match exchange.token.rsplit_once('/') {
        Some((parent, _)) => format!("{parent}/expires_in"),
        None => "/expires_in".to_owned(),
    };
    let value = crate::json::pointer(json, &pointer)?;
    let seconds = value
        .as_f64()
        .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))?;
    (seconds.is_finite() && seconds > 0.0)
        .then(|| std::time::Duration::from_secs_f64(seconds.min(365.0 * 86_400.0)))
}

/// Fills the report from the verdict, every text through the redactor.
fn ended(
    mut report: CheckReport,
    verdict: Interpreted,
    redactor: &Redactor,
    started: Instant,
    span: &tracing::Span,
) -> CheckReport {
    let finished = finish(verdict, redactor, &[], started, span, "check");
    report.status = finished.status;
    report.http_status = finished.http_status;
    report.message = finished.message;
    report.account = finished.data;
    report.warnings.extend(finished.warnings);
    report.elapsed_ms = finished.elapsed_ms;
    report
}

/// The `host:port` (or `host`) a check's verification request goes to, read from the raw
/// credentials without validating them: a bulk run spaces its checks per host with it. `None`
/// when a placeholder has no usable value (the check itself then says what is wrong).
pub fn verify_host(
    spec: &ConnectorSpec<'_>,
    raw: &RawCredentials,
    overrides: &Overrides,
) -> Option<String> {
    let text = |key: &str| match raw.get(key)? {
        RawValue::Text(value) => Some(value.expose_secret().trim()),
        RawValue::Unsupported(_) => None,
    };
    let template = match base_template(spec, overrides, None, text).ok()? {
        BaseTemplate::Fixed(url) => {
            return Some(url[url::Position::BeforeHost..url::Position::AfterPort].to_owned())
        }
        BaseTemplate::Overridden(template) | BaseTemplate::Declared(template) => template,
    };
    let filled = fill(template, |name, _| text(name).map(str::to_owned)).ok()?;
    let rest = filled
        .split_once("://")
        .map_or(filled.as_str(), |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// The outcome of a 2xx JSON answer to the verification request: the account it proves, or
/// `unexpected` when the connector does not recognise it.
fn verified<C: Reader + ?Sized>(
    connector: &C,
    variant: &CredentialVariant<'_>,
    code: u16,
    json: &Value,
) -> Interpreted {
    match connector.read_account(variant, json) {
        Ok(proof) => Interpreted {
            status: Status::Verified,
            http_status: Some(code),
            message: format!("The key works: {}", variant.verify.proves),
            data: Some(proof.account),
            warnings: proof.warnings,
        },
        Err(why) => Interpreted::new(
            Status::Unexpected,
            Some(code),
            format!(
                "{} answered {code} with a body this connector does not recognise ({why}); the API may have changed",
                connector.declaration().name
            ),
        ),
    }
}

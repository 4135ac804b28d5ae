//! A check from start to end: pick the variant, validate locally, build the requests (a token
//! exchange first when the variant has one), send them, and sort the answer into exactly one
//! [`Status`] with a message that says what to do next. `--dry-run` builds the same requests and
//! shows them masked.

use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde_json::Value;
use tokio::time::Instant;

use crate::build::{
    check_placements, BuildError, Call, Credential, Overrides, ShownRequest, Target, Token,
};
use crate::http::{HttpClient, Limits, Repeat, Request};
use crate::outcome::{CheckReport, Status};
use crate::redact::Redactor;
use crate::request::RequestSpec;
use crate::response::{bounded_account, read_success, Interpreted, Reading};
use crate::secret::{Credentials, RawCredentials};
use crate::spec::{Auth, ConnectorSpec, CredentialVariant, TokenExchange};
use crate::text::describe_value;
use crate::validate::validate;
use crate::Connector;

/// Settings for one check.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// Where requests go instead of the spec's URLs.
    pub urls: Overrides,
    pub limits: Limits,
}

impl CheckOptions {
    /// Options sending the API requests to `base_url` (tests, `--base-url`).
    pub fn with_base_url(base_url: impl Into<crate::template::UrlTemplate>) -> Self {
        Self {
            urls: Overrides {
                base_url: Some(base_url.into()),
                ..Overrides::default()
            },
            ..Self::default()
        }
    }

    /// These options, with every request asking for its connection to be closed after the
    /// answer (see [`Limits::keep_connection`]).
    pub fn closing_connections(&self) -> Self {
        Self {
            urls: self.urls.clone(),
            limits: Limits {
                keep_connection: false,
                ..self.limits
            },
        }
    }
}

/// What a connector reads from a refused or odd response, overriding the generic mapping.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub status: Status,
    pub message: String,
}

/// The requests a check would send, every secret masked: `connector check --dry-run`.
#[derive(Debug, Clone, Serialize)]
pub struct DryRun {
    pub connector: String,
    pub variant: String,
    pub requests: Vec<ShownRequest>,
}

/// A report that ends before anything is sent.
fn early_report(
    spec: &ConnectorSpec,
    variant: &str,
    status: Status,
    message: String,
) -> CheckReport {
    CheckReport {
        connector: spec.id.to_owned(),
        variant: variant.to_owned(),
        status,
        key: None,
        http_status: None,
        message,
        warnings: Vec::new(),
        account: None,
        elapsed_ms: 0,
    }
}

/// Variant resolved and credentials validated, or the report saying why not.
struct Prepared {
    variant: &'static CredentialVariant,
    credentials: Credentials,
    report: CheckReport,
}

fn prepare(
    spec: &'static ConnectorSpec,
    variant: Option<&str>,
    raw: &RawCredentials,
) -> Result<Prepared, Box<CheckReport>> {
    // The unknown name is not repeated: it may be a key given in the wrong place.
    let variant = resolve_variant(spec, variant).map_err(|unknown| {
        Box::new(early_report(
            spec,
            "",
            Status::InvalidInput,
            unknown.to_string(),
        ))
    })?;
    let mut report = early_report(spec, variant.name, Status::InvalidInput, String::new());
    let validated = match validate(variant, raw) {
        Ok(v) => v,
        Err(invalid) => {
            report.key = invalid.masked_key;
            report.message = invalid.message;
            report.warnings = invalid.warnings;
            return Err(Box::new(report));
        }
    };
    report.key = validated.masked_key;
    report.warnings = validated.warnings;
    if let Err(error) = check_placements(spec, variant, &validated.credentials) {
        report.status = error.status();
        report.message = error.to_string();
        return Err(Box::new(report));
    }
    Ok(Prepared {
        variant,
        credentials: validated.credentials,
        report,
    })
}

/// The verification call of a variant.
fn verify_call<'a>(variant: &'static CredentialVariant, token: Token<'a>) -> Call<'a> {
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
fn exchange_call(exchange: &'static TokenExchange) -> Call<'static> {
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
    spec: &'static ConnectorSpec,
    variant: Option<&str>,
    raw: &RawCredentials,
    options: &CheckOptions,
) -> Result<DryRun, Box<CheckReport>> {
    let prepared = prepare(spec, variant, raw)?;
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
    calls.push(verify_call(prepared.variant, Token::Pending));
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
pub async fn run_check<C: Connector + ?Sized>(
    connector: &C,
    http: &HttpClient,
    variant: Option<&str>,
    raw: &RawCredentials,
    options: &CheckOptions,
) -> CheckReport {
    let started = Instant::now();
    let spec = connector.spec();
    let Prepared {
        variant,
        credentials,
        report,
    } = match prepare(spec, variant, raw) {
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
        endpoint = %variant.verify.describe(),
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
        Auth::Exchange(exchange) => {
            let answer = step.take(&exchange_call(exchange), &exchange.request).await;
            let token = match answer {
                Ok(Ok((code, json))) => read_token(spec, exchange, code, &json),
                Ok(Err(failed)) => Err(failed),
                Err(error) => return built_wrong(report, error),
            };
            match token {
                Ok(token) => {
                    step.redactor.add_secret(token.expose_secret());
                    Some(token)
                }
                Err(failed) => {
                    let failed = Interpreted {
                        message: format!("At the token exchange: {}", failed.message),
                        ..failed
                    };
                    return finish(report, failed, &step.redactor, started, &span);
                }
            }
        }
        _ => None,
    };

    let call = verify_call(variant, token.as_ref().map_or(Token::None, Token::Value));
    let verdict = match step.take(&call, &variant.verify).await {
        Ok(Ok((code, json))) => verified(connector, variant, code, &json),
        Ok(Err(failed)) => failed,
        Err(error) => return built_wrong(report, error),
    };
    finish(report, verdict, &step.redactor, started, &span)
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
    fields: Vec<(&'static str, String)>,
}

impl<C: Connector + ?Sized> Step<'_, C> {
    /// Builds, sends and reads one request: the 2xx status and JSON body, or the outcome the
    /// answer means (declared rules first). `Err` when the request could not be built.
    async fn take(
        &mut self,
        call: &Call<'_>,
        declared: &RequestSpec,
    ) -> Result<Result<(u16, Value), Interpreted>, BuildError> {
        let request = self.target.request(call)?;
        add_sent(&mut self.redactor, &request);
        let answer = send(self.http, &request, self.limits, self.started, self.span).await;
        let reading = Reading {
            answers: declared.answers,
            success: declared.success,
            fields: self.fields.clone(),
            ..Reading::plain(declared.describe(), Status::Unexpected, Repeat::Safe)
        };
        Ok(read_success(
            self.connector,
            &answer,
            &self.redactor,
            &reading,
        ))
    }
}

/// Sends one request within what is left of the check's deadline.
async fn send(
    http: &HttpClient,
    request: &Request,
    limits: &Limits,
    started: Instant,
    span: &tracing::Span,
) -> crate::http::Exchange {
    use tracing::Instrument as _;
    let limits = Limits {
        timeout: limits.timeout.saturating_sub(started.elapsed()),
        ..*limits
    };
    http.exchange(request, &limits)
        .instrument(span.clone())
        .await
}

/// The token of a successful exchange answer.
fn read_token(
    spec: &ConnectorSpec,
    exchange: &TokenExchange,
    code: u16,
    json: &Value,
) -> Result<SecretString, Interpreted> {
    match json.pointer(exchange.token).and_then(Value::as_str) {
        Some(token) if !token.is_empty() => Ok(SecretString::from(token.to_owned())),
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

/// Fills the report from the verdict, every text through the redactor.
fn finish(
    mut report: CheckReport,
    verdict: Interpreted,
    redactor: &Redactor,
    started: Instant,
    span: &tracing::Span,
) -> CheckReport {
    report.status = verdict.status;
    report.http_status = verdict.http_status;
    report.message = redactor.for_people(&verdict.message);
    if let Some(account) = verdict.data {
        let (account, notes) = bounded_account(account, redactor);
        report.account = Some(account);
        report.warnings.extend(notes);
    }
    report
        .warnings
        .extend(verdict.warnings.iter().map(|w| redactor.for_people(w)));
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    span.in_scope(|| {
        tracing::info!(
            status = report.status.as_str(),
            http_status = report.http_status,
            elapsed_ms = report.elapsed_ms,
            "check finished"
        );
    });
    report
}

/// Adds the exact credential-bearing header values of a request to what must never come out.
fn add_sent(redactor: &mut Redactor, request: &Request) {
    for value in request.headers.values().filter(|v| v.is_sensitive()) {
        if let Ok(text) = value.to_str() {
            redactor.add_sent(text);
        }
    }
}

/// What must never come out of a check: the secret field values, in every form, and the exact
/// credential-bearing header values sent.
pub fn redactor_for(credentials: &Credentials, request: &Request) -> Redactor {
    let mut redactor = Redactor::new(credentials.secrets());
    add_sent(&mut redactor, request);
    redactor
}

/// No credential variant by the name asked for. Display lists the ones there are; the name
/// itself is described, never quoted (a key given as the variant by mistake would be shown).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{connector} has no credential variant by that name ({described}); use one of: {}", .known.join(", "))]
pub struct UnknownVariant {
    pub connector: &'static str,
    described: String,
    pub known: Vec<&'static str>,
}

/// The `host:port` (or `host`) a check's verification request goes to, read from the raw
/// credentials without validating them: a bulk run spaces its checks per host with it. `None`
/// when a placeholder has no usable value (the check itself then says what is wrong).
pub fn verify_host(
    spec: &'static ConnectorSpec,
    raw: &RawCredentials,
    overrides: &crate::build::Overrides,
) -> Option<String> {
    use crate::build::{base_template, BaseTemplate};
    use crate::secret::RawValue;
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
    let filled = crate::template::fill(template, |name, _| text(name).map(str::to_owned)).ok()?;
    let rest = filled
        .split_once("://")
        .map_or(filled.as_str(), |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// Picks the named variant, or the default one.
pub fn resolve_variant(
    spec: &'static ConnectorSpec,
    name: Option<&str>,
) -> Result<&'static CredentialVariant, UnknownVariant> {
    match name {
        None => Ok(spec.default_variant()),
        Some(name) => spec.variant(name).ok_or_else(|| UnknownVariant {
            connector: spec.id,
            described: describe_value(name),
            known: spec.variants.iter().map(|v| v.name).collect(),
        }),
    }
}

/// The outcome of a 2xx JSON answer to the verification request: the account it proves, or
/// `unexpected` when the connector does not recognise it.
fn verified<C: Connector + ?Sized>(
    connector: &C,
    variant: &'static CredentialVariant,
    code: u16,
    json: &Value,
) -> Interpreted {
    match connector.account(variant, json) {
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
                connector.spec().name
            ),
        ),
    }
}

//! A check from start to end: pick the variant, validate locally, build the request, exchange it,
//! and sort the answer into exactly one [`Status`] with a message that says what to do next.

use base64::Engine as _;
use reqwest::header::{HeaderMap, ACCEPT, AUTHORIZATION};
use reqwest::Method;
use secrecy::ExposeSecret;
use serde_json::Value;
use tokio::time::Instant;
use url::Url;

use crate::http::{header_name, sensitive_header, Exchange, HttpClient, Limits, Repeat, Request};
use crate::outcome::{CheckReport, Status};
use crate::redact::Redactor;
use crate::response::{bounded_account, read_success, Interpreted, Reading};
use crate::secret::{Credentials, RawCredentials};
use crate::spec::{ConnectorSpec, CredentialVariant, HeaderValueSource};
use crate::text::describe_value;
use crate::validate::validate;
use crate::Connector;

/// Settings for one check.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// Replaces the provider's base URL, path prefix included.
    pub base_url: Option<Url>,
    pub limits: Limits,
}

/// What a connector reads from a refused or odd response, overriding the generic mapping.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub status: Status,
    pub message: String,
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
    let variant = match resolve_variant(spec, variant) {
        Ok(v) => v,
        Err(message) => {
            // The unknown name is not repeated: it may be a key given in the wrong place.
            return CheckReport {
                connector: spec.id.to_owned(),
                variant: String::new(),
                status: Status::InvalidInput,
                key: None,
                http_status: None,
                message,
                warnings: Vec::new(),
                account: None,
                elapsed_ms: 0,
            };
        }
    };
    let mut report = CheckReport {
        connector: spec.id.to_owned(),
        variant: variant.name.to_owned(),
        status: Status::InvalidInput,
        key: None,
        http_status: None,
        message: String::new(),
        warnings: Vec::new(),
        account: None,
        elapsed_ms: 0,
    };
    let validated = match validate(variant, raw) {
        Ok(v) => v,
        Err(invalid) => {
            report.key = invalid.masked_key;
            report.message = invalid.message;
            report.warnings = invalid.warnings;
            return report;
        }
    };
    report.key = validated.masked_key;
    report.warnings = validated.warnings;
    let credentials = validated.credentials;

    let span = tracing::info_span!(
        "check",
        connector = spec.id,
        variant = variant.name,
        endpoint = %variant.verify.describe(),
    );
    let _entered = span.enter();
    let request = match build_request(
        spec,
        variant,
        &credentials,
        options.base_url.as_ref(),
        variant.verify.method,
        &variant.verify.path_and_query(),
        None,
        Repeat::Safe,
    ) {
        Ok(r) => r,
        Err(message) => {
            report.message = message;
            return report;
        }
    };
    drop(_entered);

    let exchange = {
        use tracing::Instrument as _;
        http.exchange(&request, &options.limits)
            .instrument(span.clone())
            .await
    };
    let redactor = redactor_for(&credentials, &request);
    let verdict = interpret(connector, variant, &exchange, &redactor);
    report.status = verdict.status;
    report.http_status = verdict.http_status;
    report.message = redactor.for_people(&verdict.message);
    if let Some(account) = verdict.data {
        let (account, notes) = bounded_account(account, &redactor);
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

/// What must never come out of a check: the secret field values, in every form, and the exact
/// credential-bearing header values sent.
pub fn redactor_for(credentials: &Credentials, request: &Request) -> Redactor {
    let mut redactor = Redactor::new(credentials.secrets());
    for value in request.headers.values().filter(|v| v.is_sensitive()) {
        if let Ok(text) = value.to_str() {
            redactor.add_sent(text);
        }
    }
    redactor
}

/// Picks the named variant, or the default one.
pub fn resolve_variant(
    spec: &'static ConnectorSpec,
    name: Option<&str>,
) -> Result<&'static CredentialVariant, String> {
    match name {
        None => Ok(spec.default_variant()),
        Some(name) => spec.variant(name).ok_or_else(|| {
            let names: Vec<&str> = spec.variants.iter().map(|v| v.name).collect();
            // Not quoted: a key given as the variant by mistake would be shown.
            format!(
                "{} has no credential variant by that name ({}); use one of: {}",
                spec.id,
                describe_value(name),
                names.join(", ")
            )
        }),
    }
}

/// The base URL in effect: the override, or the spec's.
pub fn effective_base(spec: &ConnectorSpec, base_url: Option<&Url>) -> Result<Url, String> {
    match base_url {
        Some(url) => Ok(url.clone()),
        None => Url::parse(spec.base_url)
            .map_err(|e| format!("{} declares an invalid base URL: {e}", spec.id)),
    }
}

/// Joins a base URL (which may carry a path prefix) and a request path with its query. Only the
/// path and query are parsed again: bulk checks build a URL per line.
pub fn join_url(base: &Url, path_and_query: &str) -> Result<Url, String> {
    let (path, query) = match path_and_query.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (path_and_query, None),
    };
    if base.cannot_be_a_base() {
        return Err(format!("cannot build a request URL on {base}"));
    }
    let mut url = base.clone();
    let joined = format!(
        "{}/{}",
        base.path().trim_end_matches('/'),
        path.trim_start_matches('/')
    );
    url.set_path(&joined);
    url.set_query(query);
    Ok(url)
}

/// Builds a request to the connector's base URL with the credential attached as the variant
/// declares, plus its extra headers.
#[allow(clippy::too_many_arguments)]
pub fn build_request(
    spec: &ConnectorSpec,
    variant: &CredentialVariant,
    credentials: &Credentials,
    base_url: Option<&Url>,
    method: &str,
    path_and_query: &str,
    body: Option<Value>,
    repeat: Repeat,
) -> Result<Request, String> {
    let url = join_url(&effective_base(spec, base_url)?, path_and_query)?;
    let method = Method::from_bytes(method.as_bytes())
        .map_err(|_| format!("{} declares an invalid HTTP method `{method}`", spec.id))?;
    let mut headers = HeaderMap::new();
    headers.insert(
        ACCEPT,
        reqwest::header::HeaderValue::from_static("application/json"),
    );
    let key_field = variant.auth.field();
    let key = credentials
        .get(key_field)
        .map(|k| k.expose_secret())
        .ok_or_else(|| format!("field `{key_field}` is required"))?;
    let unsendable = || format!("field `{key_field}` cannot be sent in an HTTP header");
    match variant.auth {
        crate::spec::Auth::Bearer { .. } => {
            let value = sensitive_header(&format!("Bearer {key}")).ok_or_else(unsendable)?;
            headers.insert(AUTHORIZATION, value);
        }
        crate::spec::Auth::BasicUsername { .. } => {
            let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{key}:"));
            let value = sensitive_header(&format!("Basic {encoded}")).ok_or_else(unsendable)?;
            headers.insert(AUTHORIZATION, value);
        }
        crate::spec::Auth::Header { header, .. } => {
            let name = header_name(header)
                .ok_or_else(|| format!("{} declares an invalid header `{header}`", spec.id))?;
            headers.insert(name, sensitive_header(key).ok_or_else(unsendable)?);
        }
    }
    for extra in variant.extra_headers {
        let name = header_name(extra.name)
            .ok_or_else(|| format!("{} declares an invalid header `{}`", spec.id, extra.name))?;
        let value = match extra.value {
            HeaderValueSource::Fixed(v) => v,
            HeaderValueSource::Field(field) => match credentials.get(field) {
                Some(v) => v.expose_secret(),
                None => continue,
            },
        };
        let value = value
            .parse()
            .map_err(|_| format!("header `{}` has a value HTTP cannot carry", extra.name))?;
        headers.insert(name, value);
    }
    Ok(Request {
        method,
        url,
        headers,
        body,
        repeat,
    })
}

fn interpret<C: Connector + ?Sized>(
    connector: &C,
    variant: &'static CredentialVariant,
    exchange: &Exchange,
    redactor: &Redactor,
) -> Interpreted {
    let reading = Reading {
        request: variant.verify.describe(),
        not_found: Status::Unexpected,
        repeat: Repeat::Safe,
    };
    let (code, json) = match read_success(connector, exchange, redactor, &reading) {
        Ok(success) => success,
        Err(failed) => return failed,
    };
    let spec = connector.spec();
    match connector.account(variant, &json) {
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
                spec.name
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_keeps_the_base_path_prefix_and_the_query() {
        let base = Url::parse("https://api.example.com/v1/hire/").unwrap();
        let url = join_url(&base, "/organization").unwrap();
        assert_eq!(url.as_str(), "https://api.example.com/v1/hire/organization");
        let base = Url::parse("http://127.0.0.1:8080").unwrap();
        let url = join_url(&base, "/accounts?page_size=1").unwrap();
        assert_eq!(url.as_str(), "http://127.0.0.1:8080/accounts?page_size=1");
    }
}

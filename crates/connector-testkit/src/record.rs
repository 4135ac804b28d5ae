//! Recording a fixture from a real provider (`cargo xtask record`): the connector's real check
//! runs once with the author's credentials while an observer on the HTTP client keeps every
//! answer. Before anything is written, every secret (and an exchanged token) is replaced by a fake
//! value of the field's format, values the spec declares identifying by stable placeholders, and
//! response headers are cut to an allow-list. The redacted answers are then replayed on 127.0.0.1
//! with the fake credentials: the fixture's requests and expected outcome come from that replay,
//! so the written fixture replays by construction. A file that would still hold a run of 12
//! characters of any secret, in any form, is refused.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use connector_core::check::resolve_variant;
use connector_core::http::{Limits, Observed, Request};
use connector_core::spec::{Format, TokenExchange};
use connector_core::{
    Auth, CheckOptions, CheckReport, Connector, ConnectorSpec, CredentialVariant, HttpClient,
    Status,
};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::checks::spec::is_kebab;
use crate::fixture::RecordedResponse;
use crate::leak;
use crate::live::{base_url_var, overrides};
use crate::server::{received, serve, serve_exchange, template, token_path, urls_for};

/// Response headers a fixture keeps: the ones that change an outcome. Everything else (cookies,
/// request ids, tracing headers) is dropped.
pub fn keeps_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name == "content-type"
        || name == "retry-after"
        || name.starts_with("x-ratelimit-")
        || name.starts_with("x-rate-limit-")
        || name.starts_with("ratelimit")
}

/// Request headers never written to a fixture: set by the HTTP stack, not by the connector.
const TRANSPORT_HEADERS: &[&str] = &[
    "host",
    "user-agent",
    "content-length",
    "connection",
    "accept-encoding",
    "transfer-encoding",
];

/// What to record. Its `Debug` names the credentials' fields, never their values.
pub struct RecordOptions {
    pub connector: &'static dyn Connector,
    /// A variant name or alias; the connector's default when `None`.
    pub variant: Option<String>,
    /// The real field values.
    pub credentials: BTreeMap<String, String>,
    /// `(origin name, URL)`: `None` for the API's base URL.
    pub base_urls: Vec<(Option<String>, String)>,
    /// The scenario's name, kebab-case: also its file name.
    pub scenario: String,
    pub description: Option<String>,
    /// The fixtures directory; the file goes to `<fixtures>/<id>/<scenario>.json`.
    pub fixtures: PathBuf,
    /// Replace an existing file.
    pub force: bool,
    pub limits: Limits,
}

/// Shows the credentials' field names only.
impl std::fmt::Debug for RecordOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordOptions")
            .field("connector", &self.connector.spec().id)
            .field("variant", &self.variant)
            .field("credentials", &self.credentials.keys().collect::<Vec<_>>())
            .field("scenario", &self.scenario)
            .field("fixtures", &self.fixtures)
            .field("force", &self.force)
            .finish_non_exhaustive()
    }
}

/// What was written.
#[derive(Debug)]
pub struct Recorded {
    pub path: PathBuf,
    pub status: Status,
    pub http_status: Option<u16>,
    /// The requests the provider answered (retries included), token requests apart.
    pub requests: usize,
    /// What was replaced or dropped, one line each, naming fields and members, never values.
    pub redactions: Vec<String>,
}

/// Why nothing was written. The message names fields and settings, never a secret.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RecordError(pub String);

fn fail<T>(message: impl Into<String>) -> Result<T, RecordError> {
    Err(RecordError(message.into()))
}

/// One answer the provider sent, as the observer saw it.
#[derive(Debug, Clone)]
struct Capture {
    path: String,
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// Runs the real check, redacts, replays and writes the fixture.
pub async fn record(options: RecordOptions) -> Result<Recorded, RecordError> {
    let spec = options.connector.spec();
    if !is_kebab(&options.scenario) || options.scenario.len() > 80 {
        return fail(format!(
            "--scenario must be kebab-case (lower-case letters, digits and single dashes, e.g. \
             valid-key); got {} characters",
            options.scenario.chars().count()
        ));
    }
    let path = fixture_path(&options.fixtures, spec.id, &options.scenario);
    if path.exists() && !options.force {
        return fail(format!(
            "{} already exists; pass --force to replace it, or choose another --scenario",
            path.display()
        ));
    }
    let variant = resolve_variant(spec, options.variant.as_deref())
        .map_err(|message| RecordError(format!("--variant: {message}")))?;
    let exchange = match variant.auth {
        Auth::Exchange(declared) => Some(declared),
        _ => None,
    };
    let fakes = Fakes::for_credentials(spec, variant, &options.credentials)?;

    // The real check, every answer observed.
    let captures: Arc<Mutex<Vec<Capture>>> = Arc::default();
    let sink = captures.clone();
    let http = HttpClient::builder()
        .pool_size(1)
        .observer(Arc::new(move |request: &Request, answer: &Observed<'_>| {
            let capture = Capture {
                path: request.url.path().to_owned(),
                status: answer.status.as_u16(),
                headers: answer
                    .headers
                    .iter()
                    .map(|(name, value)| {
                        (
                            name.as_str().to_owned(),
                            String::from_utf8_lossy(value.as_bytes()).into_owned(),
                        )
                    })
                    .collect(),
                body: answer.body.to_vec(),
            };
            sink.lock().unwrap_or_else(|e| e.into_inner()).push(capture);
        }))
        .build()
        .map_err(|e| RecordError(e.to_string()))?;
    let urls = {
        let settings: HashMap<String, String> = options
            .base_urls
            .iter()
            .map(|(origin, url)| (base_url_var(spec.id, origin.as_deref()), url.clone()))
            .collect();
        overrides(spec, &|name| settings.get(name).cloned()).map_err(RecordError)?
    };
    let live = options
        .connector
        .check(
            &http,
            Some(variant.name),
            &options.credentials.iter().collect(),
            &CheckOptions {
                urls,
                limits: options.limits,
            },
        )
        .await;
    if live.status == Status::InvalidInput {
        return fail(format!(
            "the credentials were refused before anything was sent: {}",
            live.message
        ));
    }
    let captures = std::mem::take(&mut *captures.lock().unwrap_or_else(|e| e.into_inner()));
    if captures.is_empty() {
        return fail(format!(
            "the provider sent no complete answer to record ({}: {}); a fixture records answers, \
             not timeouts or connection failures",
            live.status, live.message
        ));
    }
    let (token_captures, api_captures): (Vec<Capture>, Vec<Capture>) = captures
        .into_iter()
        .partition(|c| exchange.is_some_and(|e| is_token_path(&c.path, e)));

    // Redaction: secrets (tokens the exchange handed out included) by fakes, identifying
    // values by placeholders, headers by the allow-list.
    let mut redactor = fakes.redactor(spec);
    if let Some(declared) = exchange {
        for capture in &token_captures {
            if let Some(token) = serde_json::from_slice::<Value>(&capture.body)
                .ok()
                .and_then(|b| {
                    b.pointer(declared.token)
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
            {
                redactor.add_token(token);
            }
        }
    }
    let token_responses: Vec<ResponseOut> = token_captures
        .iter()
        .map(|c| redactor.response(c))
        .collect();
    let api_responses: Vec<ResponseOut> =
        api_captures.iter().map(|c| redactor.response(c)).collect();

    // The replay: the fixture's requests and outcome, from the fake credentials.
    let replay = replay(
        options.connector,
        variant,
        exchange,
        &fakes.credentials,
        &api_responses,
        &token_responses,
        options.limits,
    )
    .await?;
    if replay.report.status != live.status {
        return fail(format!(
            "the redacted answers replay as `{}` ({}), but the provider's answers gave `{}`: the \
             connector reads a value that was replaced; record it by hand from the provider's \
             documentation, or narrow the spec's `identifying` list",
            replay.report.status, replay.report.message, live.status
        ));
    }

    let fixture = FixtureOut {
        name: options.scenario.clone(),
        description: options.description.clone().unwrap_or_else(|| {
            format!(
                "Recorded from {}: {} ({}).",
                spec.name,
                live.status,
                live.http_status
                    .map_or_else(|| "no status".to_owned(), |s| format!("HTTP {s}"))
            )
        }),
        variant: (variant.name != spec.default_variant().name).then(|| variant.name.to_owned()),
        credentials: fakes.credentials.clone(),
        request: replay.api_request,
        exchange: exchange.map(|_| ExchangeOut {
            request: replay.token_request,
            responses: token_responses,
        }),
        responses: api_responses,
        expect: ExpectOut {
            status: replay.report.status.as_str().to_owned(),
            account: (replay.report.status == Status::Verified)
                .then(|| replay.report.account.clone().unwrap_or_default()),
            requests: replay.api_requests,
        },
    };
    let text = serde_json::to_string_pretty(&fixture)
        .map_err(|e| RecordError(format!("cannot render the fixture: {e}")))?
        + "\n";
    refuse_leaks(&text, &redactor.secrets)?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| RecordError(format!("cannot create {}: {e}", dir.display())))?;
    }
    std::fs::write(&path, text)
        .map_err(|e| RecordError(format!("cannot write {}: {e}", path.display())))?;
    Ok(Recorded {
        path,
        status: live.status,
        http_status: live.http_status,
        requests: api_captures.len(),
        redactions: redactor.summary(),
    })
}

/// Refuses `text` when it holds a run of [`leak::RUN`] characters of any secret in any form the
/// suite knows (as is, case-changed, base64, percent-encoded). The message names the form and
/// shows the line with the run masked.
pub fn refuse_leaks(text: &str, secrets: &[String]) -> Result<(), RecordError> {
    match leak::describe(text, secrets) {
        Some(found) => fail(format!(
            "refusing to write the fixture: after redaction {found}; nothing was written"
        )),
        None => Ok(()),
    }
}

fn is_token_path(path: &str, exchange: &TokenExchange) -> bool {
    let declared = exchange.request.path;
    !declared.contains('{') && path.ends_with(declared)
}

/// The fake credentials, and which real value each stands in for.
struct Fakes {
    credentials: BTreeMap<String, String>,
    /// (field, real, fake), secret fields first.
    replaced: Vec<(String, String, String, bool)>,
}

impl Fakes {
    /// A secret field's fake is its spec's `example` (else one made for its format); a
    /// non-secret free-text field without a default (a subdomain, a company id) is identifying
    /// and gets its example too. Choices, booleans and defaulted values stay as they are.
    fn for_credentials(
        spec: &ConnectorSpec,
        variant: &CredentialVariant,
        credentials: &BTreeMap<String, String>,
    ) -> Result<Self, RecordError> {
        let mut fakes = Fakes {
            credentials: BTreeMap::new(),
            replaced: Vec::new(),
        };
        for (key, value) in credentials {
            let Some(field) = variant.fields.iter().find(|f| f.key == key) else {
                return fail(format!(
                    "the credentials hold `{}`, which is not a field of {} {}; its fields: {}",
                    if key.len() <= 32 {
                        key.as_str()
                    } else {
                        "(a long name)"
                    },
                    spec.id,
                    variant.name,
                    variant
                        .fields
                        .iter()
                        .map(|f| f.key)
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            };
            let free_text = !matches!(field.format, Format::Choice(_) | Format::Boolean);
            let replace = field.secret || (free_text && field.default.is_none());
            if !replace || value.is_empty() {
                fakes.credentials.insert(key.clone(), value.clone());
                continue;
            }
            let fake = fake_for(spec, field, value)?;
            if fake != *value {
                fakes.replaced.push((
                    field.key.to_owned(),
                    value.clone(),
                    fake.clone(),
                    field.secret,
                ));
            }
            fakes.credentials.insert(key.clone(), fake);
        }
        fakes.replaced.sort_by_key(|r| !r.3);
        Ok(fakes)
    }

    fn redactor<'a>(&self, spec: &'a ConnectorSpec<'a>) -> Redactor<'a> {
        Redactor {
            spec,
            secrets: self
                .replaced
                .iter()
                .filter(|r| r.3)
                .map(|r| r.1.clone())
                .collect(),
            swaps: self
                .replaced
                .iter()
                .map(|r| (r.1.clone(), r.2.clone()))
                .collect(),
            fields: self
                .replaced
                .iter()
                .map(|r| {
                    format!(
                        "credential `{}` ({}): replaced by a fake value of its format",
                        r.0,
                        if r.3 { "secret" } else { "identifying" }
                    )
                })
                .collect(),
            placeholders: HashMap::new(),
            identifying: BTreeMap::new(),
            secret_hits: 0,
            dropped_headers: BTreeMap::new(),
        }
    }
}

/// A fake of the field's format sharing no run of [`leak::RUN`] characters with the real value:
/// the spec's example, else the example with its letters and digits rotated (same classes and
/// separators, so most patterns still hold), else one made for the format.
fn fake_for(
    spec: &ConnectorSpec,
    field: &connector_core::spec::Field,
    real: &str,
) -> Result<String, RecordError> {
    let made = match field.format {
        Format::Uuid => Some("00000000-0000-4000-8000-000000000000".to_owned()),
        Format::Text => Some(format!(
            "EXAMPLE0000{}0000{}",
            spec.id.replace('-', ""),
            field.key.replace('_', "")
        )),
        _ => None,
    };
    let candidates = field
        .example
        .map(str::to_owned)
        .into_iter()
        .chain(field.example.map(rotate))
        .chain(made.clone().map(|m| rotate(&m)))
        .chain(made);
    let real = [real.to_owned()];
    for candidate in candidates {
        if connector_core::validate::format_matches(field.format, &candidate)
            && leak::find(&candidate, &real).is_none()
        {
            return Ok(candidate);
        }
    }
    fail(format!(
        "no fake value for field `{}` of {}: give its spec an `example` of its format that \
         shares nothing with your key",
        field.key, spec.id
    ))
}

/// Letters moved 13 places and digits 5, case and everything else kept.
fn rotate(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'a'..='z' => char::from(b'a' + (c as u8 - b'a' + 13) % 26),
            'A'..='Z' => char::from(b'A' + (c as u8 - b'A' + 13) % 26),
            '0'..='9' => char::from(b'0' + (c as u8 - b'0' + 5) % 10),
            other => other,
        })
        .collect()
}

/// Redacts answers, remembering what it did.
struct Redactor<'a> {
    spec: &'a ConnectorSpec<'a>,
    /// Real secrets (exchanged tokens included): nothing of them may be written.
    secrets: Vec<String>,
    /// (real, fake): replaced wherever they appear, in every form.
    swaps: Vec<(String, String)>,
    fields: Vec<String>,
    /// An identifying value (as JSON text) → its placeholder, so the same value gets the same
    /// placeholder everywhere.
    placeholders: HashMap<String, Value>,
    /// Member name → how many values it replaced.
    identifying: BTreeMap<String, usize>,
    secret_hits: usize,
    dropped_headers: BTreeMap<String, usize>,
}

impl Redactor<'_> {
    fn add_token(&mut self, token: String) {
        if token.is_empty() || self.swaps.iter().any(|(real, _)| *real == token) {
            return;
        }
        let fake = format!("recorded-token-{:04}", self.swaps.len() + 1);
        self.fields
            .push("the exchanged token: replaced by a fake token".to_owned());
        self.secrets.push(token.clone());
        self.swaps.push((token, fake));
    }

    fn response(&mut self, capture: &Capture) -> ResponseOut {
        let mut response = ResponseOut {
            status: capture.status,
            ..ResponseOut::default()
        };
        let mut headers = BTreeMap::new();
        for (name, value) in &capture.headers {
            if !keeps_header(name) {
                *self
                    .dropped_headers
                    .entry(name.to_ascii_lowercase())
                    .or_default() += 1;
                continue;
            }
            let value = self.swap(value);
            // A kept header that still shows a secret (in a form no swap reached) goes too.
            if leak::find(&value, &self.secrets).is_some() {
                self.secret_hits += 1;
                *self
                    .dropped_headers
                    .entry(name.to_ascii_lowercase())
                    .or_default() += 1;
                continue;
            }
            headers.insert(canonical(name), value);
        }
        let json_body = serde_json::from_slice::<Value>(&capture.body).ok();
        let is_json = json_body.is_some()
            && headers
                .get("Content-Type")
                .is_none_or(|t| t.contains("json"));
        response.headers = headers;
        match json_body.filter(|_| is_json) {
            Some(body) => {
                let body = self.value(None, &body);
                response.body = Some(self.again(&body));
            }
            None if capture.body.is_empty() => {}
            None => {
                let text = self.text(&String::from_utf8_lossy(&capture.body));
                response.body_text = Some(self.known_identifying(&text));
            }
        }
        response
    }

    /// Replaces every form of every real value by the same form of its fake, then masks any run
    /// of a secret that is left (a fragment, a form no swap covers).
    fn text(&mut self, text: &str) -> String {
        let out = self.swap(text);
        if leak::find(&out, &self.secrets).is_some() {
            self.secret_hits += 1;
            return leak::Finder::new(&self.secrets)
                .mask(&out)
                .replace("<key>", "[redacted]");
        }
        out
    }

    /// Replaces every form of every real value by the same form of its fake.
    fn swap(&mut self, text: &str) -> String {
        let mut out = text.to_owned();
        for (real, fake) in &self.swaps {
            for ((_, real_form), (_, fake_form)) in
                leak::forms(real).into_iter().zip(leak::forms(fake))
            {
                if !real_form.is_empty() && out.contains(&real_form) {
                    out = out.replace(&real_form, &fake_form);
                    self.secret_hits += 1;
                }
            }
        }
        out
    }

    fn value(&mut self, member: Option<&str>, value: &Value) -> Value {
        let identifying = member.is_some_and(|m| self.spec.identifying.contains(&m));
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (self.text(k), self.value(Some(k), v)))
                    .collect(),
            ),
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.value(member, v)).collect())
            }
            Value::String(_) | Value::Number(_) if identifying => {
                let member = member.unwrap_or_default().to_owned();
                self.placeholder(&member, value)
            }
            Value::String(s) => Value::String(self.text(s)),
            other => other.clone(),
        }
    }

    fn placeholder(&mut self, member: &str, value: &Value) -> Value {
        let key = value.to_string();
        if let Some(known) = self.placeholders.get(&key) {
            return known.clone();
        }
        *self.identifying.entry(member.to_owned()).or_default() += 1;
        let n = self.placeholders.len() + 1;
        let fake = match value {
            Value::Number(_) => json!(100_000 + n),
            Value::String(s) if s.contains('@') => json!(format!("person{n}@example.com")),
            _ => json!(format!(
                "example-{}-{n}",
                member.replace('_', "-").to_lowercase()
            )),
        };
        self.placeholders.insert(key, fake.clone());
        fake
    }

    /// A second pass: an identifying value met under one member is replaced under any other
    /// too (an id repeated in a link, a name in a message).
    fn again(&mut self, value: &Value) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.again(v)))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.again(v)).collect()),
            Value::String(s) => Value::String(self.known_identifying(s)),
            other => other.clone(),
        }
    }

    fn known_identifying(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (original, fake) in &self.placeholders {
            let Ok(Value::String(original)) = serde_json::from_str::<Value>(original) else {
                continue;
            };
            // Short values (a 2-letter code) would replace parts of unrelated words.
            if original.chars().count() >= 4 && out.contains(&original) {
                let fake = fake
                    .as_str()
                    .map_or_else(|| fake.to_string(), str::to_owned);
                out = out.replace(&original, &fake);
            }
        }
        out
    }

    fn summary(&self) -> Vec<String> {
        let mut lines = self.fields.clone();
        if self.secret_hits > 0 {
            lines.push(format!(
                "a secret in the provider's answers: replaced {} time(s)",
                self.secret_hits
            ));
        }
        for (member, count) in &self.identifying {
            lines.push(format!(
                "identifying member `{member}`: {count} distinct value(s) replaced by placeholders"
            ));
        }
        if !self.dropped_headers.is_empty() {
            lines.push(format!(
                "response headers dropped (not on the allow-list, or still showing a secret): {}",
                self.dropped_headers
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        lines
    }
}

/// `x-ratelimit-remaining` → `X-Ratelimit-Remaining`, as fixtures write header names.
fn canonical(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => {
                    first.to_ascii_uppercase().to_string() + &chars.as_str().to_ascii_lowercase()
                }
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

struct Replay {
    report: CheckReport,
    api_request: Option<RequestOut>,
    token_request: Option<RequestOut>,
    api_requests: usize,
}

/// Serves the redacted answers on 127.0.0.1 and runs the check with the fake credentials.
async fn replay(
    connector: &'static dyn Connector,
    variant: &CredentialVariant<'_>,
    exchange: Option<&TokenExchange<'_>>,
    credentials: &BTreeMap<String, String>,
    api_responses: &[ResponseOut],
    token_responses: &[ResponseOut],
    limits: Limits,
) -> Result<Replay, RecordError> {
    let spec = connector.spec();
    let templates = |responses: &[ResponseOut]| -> Result<Vec<_>, RecordError> {
        responses
            .iter()
            .map(|r| {
                serde_json::to_value(r)
                    .and_then(serde_json::from_value::<RecordedResponse>)
                    .map(|r| template(&r))
                    .map_err(|e| RecordError(format!("cannot replay an answer: {e}")))
            })
            .collect()
    };
    let server = serve(templates(api_responses)?).await;
    let mut urls = urls_for(&server, spec);
    let token_path = exchange.map(|e| token_path(spec, e));
    let token_server = match exchange {
        Some(declared) => {
            let answers = templates(token_responses)?;
            serve_exchange(&server, spec, declared, answers, &mut urls).await
        }
        None => None,
    };
    let report = connector
        .check(
            &HttpClient::new(),
            Some(variant.name),
            &credentials.iter().collect(),
            &CheckOptions { urls, limits },
        )
        .await;
    let mut api = received(&server).await;
    let token = match (&token_server, &token_path) {
        (Some(own), _) => received(own).await,
        (None, Some(path)) => {
            let (token, rest): (Vec<_>, Vec<_>) =
                api.into_iter().partition(|r| r.url.path() == path);
            api = rest;
            token
        }
        (None, None) => Vec::new(),
    };
    Ok(Replay {
        report,
        api_request: api.first().map(request_out),
        token_request: token.first().map(request_out),
        api_requests: api.len(),
    })
}

/// A received request in the fixture format.
fn request_out(request: &wiremock::Request) -> RequestOut {
    let content_type = request
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let (mut body, mut form) = (None, None);
    if !request.body.is_empty() {
        if content_type.contains("json") {
            body = serde_json::from_slice::<Value>(&request.body).ok();
        } else if content_type.contains("x-www-form-urlencoded") {
            form = Some(
                url::form_urlencoded::parse(&request.body)
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect(),
            );
        }
    }
    RequestOut {
        method: request.method.as_str().to_owned(),
        path: request.url.path().to_owned(),
        query: request
            .url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
        headers: request
            .headers
            .iter()
            .filter(|(name, _)| !TRANSPORT_HEADERS.contains(&name.as_str()))
            .filter_map(|(name, value)| {
                Some((canonical(name.as_str()), value.to_str().ok()?.to_owned()))
            })
            .collect(),
        body,
        form,
    }
}

/// The fixture as written, its members in the order fixtures are read: what it is, what the
/// connector is given and sends, what the provider answered, how the check must end.
#[derive(Debug, Serialize)]
struct FixtureOut {
    name: String,
    description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    variant: Option<String>,
    credentials: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request: Option<RequestOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    exchange: Option<ExchangeOut>,
    responses: Vec<ResponseOut>,
    expect: ExpectOut,
}

#[derive(Debug, Serialize)]
struct RequestOut {
    method: String,
    path: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    query: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    headers: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    form: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Serialize)]
struct ExchangeOut {
    #[serde(skip_serializing_if = "Option::is_none")]
    request: Option<RequestOut>,
    responses: Vec<ResponseOut>,
}

#[derive(Debug, Default, Serialize)]
struct ResponseOut {
    status: u16,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    headers: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body_text: Option<String>,
}

#[derive(Debug, Serialize)]
struct ExpectOut {
    status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    account: Option<Map<String, Value>>,
    requests: usize,
}

/// Where a scenario of `id` named `scenario` is written under `fixtures`.
pub fn fixture_path(fixtures: &Path, id: &str, scenario: &str) -> PathBuf {
    fixtures.join(id).join(format!("{scenario}.json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_are_written_canonically_and_only_allowed_ones_kept() {
        assert_eq!(canonical("x-ratelimit-remaining"), "X-Ratelimit-Remaining");
        assert_eq!(canonical("content-type"), "Content-Type");
        assert!(keeps_header("Retry-After"));
        assert!(keeps_header("RateLimit-Reset"));
        assert!(!keeps_header("set-cookie"));
        assert!(!keeps_header("x-request-id"));
    }

    #[test]
    fn scenario_names_must_be_kebab_case() {
        assert!(is_kebab("valid-key"));
        assert!(is_kebab("rate-limited-then-ok-2"));
        for bad in ["", "Valid", "valid_key", "-x", "x-", "a--b", "a/b", "../x"] {
            assert!(!is_kebab(bad), "{bad:?}");
        }
    }

    #[test]
    fn a_text_holding_a_secret_in_any_form_is_refused_without_showing_it() {
        let secret = "sk_live_4f9a8b7c6d5e4f3a2b1c".to_owned();
        let encoded = base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!("{secret}:"),
        );
        let error = refuse_leaks(
            &format!("{{\"auth\": \"Basic {encoded}\"}}"),
            std::slice::from_ref(&secret),
        )
        .expect_err("a base64 form is a leak");
        assert!(error.to_string().contains("base64"), "{error}");
        assert!(!error.to_string().contains(&secret[..12]));
        assert!(!error.to_string().contains(&encoded[..12]));
        assert!(refuse_leaks("{\"auth\": \"Bearer EXAMPLE\"}", &[secret]).is_ok());
    }
}

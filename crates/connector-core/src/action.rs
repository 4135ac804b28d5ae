//! Running actions: typed requests a connector can make beyond verification, such as minting a
//! key for a customer organization (declared in [`crate::spec::action`]). Prepared and finished as
//! checks are (no credential to another origin, nothing secret logged), with retries only where
//! repeating the request is safe; secret outputs are handed back once, apart from the report.

use std::fmt;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde_json::{Map, Value};
use tokio::time::Instant;

use crate::build::{Call, Credential, Target, Token};
use crate::finish::finish;
use crate::http::HttpClient;
use crate::outcome::Status;
use crate::prepare::{prepare, redactor_for, CheckOptions, Prepared};
use crate::reader::Reader;
use crate::response::{read_success, Interpreted, Reading};
use crate::secret::{mask, Credentials, RawCredentials};
use crate::validate::{validate_fields, Form};

pub use crate::spec::action::{ActionSpec, Caution, Output, QueryParam};

/// The printable result of an action: secret outputs appear here masked only.
#[derive(Debug, Clone, Serialize)]
pub struct ActionReport {
    pub connector: String,
    pub action: String,
    pub variant: String,
    pub status: Status,
    pub http_status: Option<u16>,
    pub message: String,
    pub warnings: Vec<String>,
    pub output: Option<Map<String, Value>>,
    pub elapsed_ms: u64,
}

/// An action's report plus the secret outputs, kept apart so they are shown exactly once.
pub struct ActionResult {
    pub report: ActionReport,
    pub secret_outputs: Vec<(String, SecretString)>,
}

impl fmt::Debug for ActionResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys: Vec<&str> = self
            .secret_outputs
            .iter()
            .map(|(k, _)| k.as_str())
            .collect();
        f.debug_struct("ActionResult")
            .field("report", &self.report)
            .field("secret_outputs", &keys)
            .finish()
    }
}

/// Runs `action` of `connector`. Never panics and never returns an error: every way it can end
/// is a [`Status`] in the report.
pub async fn run_action<C: Reader + ?Sized>(
    connector: &C,
    http: &HttpClient,
    action: &ActionSpec<'_>,
    variant: Option<&str>,
    credentials: &RawCredentials,
    inputs: &RawCredentials,
    options: &CheckOptions,
) -> ActionResult {
    let started = Instant::now();
    let spec = connector.declaration();
    let mut report = ActionReport {
        connector: spec.id.to_owned(),
        action: action.id.to_owned(),
        variant: String::new(),
        status: Status::InvalidInput,
        http_status: None,
        message: String::new(),
        warnings: Vec::new(),
        output: None,
        elapsed_ms: 0,
    };
    let fail = |mut report: ActionReport, message: String, warnings: Vec<String>| {
        report.message = message;
        report.warnings.extend(warnings);
        ActionResult {
            report,
            secret_outputs: Vec::new(),
        }
    };
    let prepared = prepare(spec, Some(variant.unwrap_or(action.variant)), credentials);
    let variant = match &prepared {
        Ok(prepared) => Some(prepared.variant),
        Err(refusal) => refusal.variant,
    };
    if let Some(variant) = variant {
        report.variant = variant.name.to_owned();
        if variant.name != action.variant {
            report.warnings.push(format!(
                "{} needs the `{}` variant; the provider will probably refuse a {} key",
                action.id,
                action.variant,
                variant.label.to_lowercase()
            ));
        }
    }
    let Prepared {
        variant,
        credentials,
        warnings,
        ..
    } = match prepared {
        Ok(prepared) => prepared,
        Err(refusal) => return fail(report, refusal.message, refusal.warnings),
    };
    report.warnings.extend(warnings);
    let inputs = match validate_fields(action.inputs, inputs, None, Form::Inputs) {
        Ok(v) => {
            report.warnings.extend(v.warnings);
            v.credentials
        }
        Err(invalid) => return fail(report, invalid.message, invalid.warnings),
    };
    for caution in action.cautions {
        if inputs.get(caution.input).map(|v| v.expose_secret()) == Some(caution.when) {
            report.warnings.push(caution.message.to_owned());
        }
    }

    let span = tracing::info_span!(
        "action",
        connector = spec.id,
        action = action.id,
        endpoint = %action.request,
    );
    let query = fill_query(action, &inputs);
    let target = Target {
        spec,
        variant,
        credentials: &credentials,
        overrides: &options.urls,
    };
    let call = Call {
        request: &action.request,
        origin: None,
        credential: Credential::Variant(Token::None),
        extra_query: &query,
        inputs: Some(&inputs),
        repeat: action.repeat,
    };
    let request = match target.request(&call) {
        Ok(r) => r,
        Err(error) => return fail(report, error.to_string(), Vec::new()),
    };
    let exchange = {
        use tracing::Instrument as _;
        http.exchange(&request, &options.limits)
            .instrument(span.clone())
            .await
    };
    let reading = Reading {
        answers: action.request.answers,
        success: action.request.success,
        ..Reading::plain(&action.request, Status::NotFound, action.repeat)
    };
    let mut redactor = redactor_for(&credentials, &request);
    let mut secret_outputs = Vec::new();
    let outcome = match read_success(connector, &exchange, &redactor, &reading) {
        Ok((code, body)) => read_outputs(action, code, &body, &mut secret_outputs),
        Err(failed) => failed,
    };
    // A minted key is shown once, from `secret_outputs`; nowhere else.
    for (_, minted) in &secret_outputs {
        redactor.add_secret(minted.expose_secret());
    }
    // Secret outputs are already masked; everything else is provider data like an account.
    let masked: Vec<&str> = secret_outputs.iter().map(|(k, _)| k.as_str()).collect();
    let finished = finish(outcome, &redactor, &masked, started, &span, "action");
    report.status = finished.status;
    report.http_status = finished.http_status;
    report.message = finished.message;
    report.output = finished.data;
    report.warnings.extend(finished.warnings);
    report.elapsed_ms = finished.elapsed_ms;
    ActionResult {
        report,
        secret_outputs,
    }
}

/// Characters left as they are in a path segment; everything else is percent-encoded.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The query parameters filled from inputs, values percent-encoded.
fn fill_query<'a>(action: &ActionSpec<'a>, inputs: &Credentials) -> Vec<(&'a str, String)> {
    action
        .query
        .iter()
        .filter_map(|param| {
            let value = inputs.get(param.input)?.expose_secret();
            (param.omit_when != Some(value))
                .then(|| (param.name, utf8_percent_encode(value, SEGMENT).to_string()))
        })
        .collect()
}

/// Reads the declared outputs; secret ones go to `secrets` and appear in the report masked.
fn read_outputs(
    action: &ActionSpec,
    code: u16,
    body: &Value,
    secrets: &mut Vec<(String, SecretString)>,
) -> Interpreted {
    let mut output = Map::new();
    for out in action.outputs {
        let Some(value) = crate::json::pointer(body, out.pointer).filter(|v| !v.is_null()) else {
            secrets.clear();
            return Interpreted::new(
                Status::Unexpected,
                Some(code),
                format!(
                    "the provider answered {code} without `{}` (expected at {}); the API may have changed",
                    out.key, out.pointer
                ),
            );
        };
        if out.secret {
            let text = value
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| value.to_string());
            output.insert(out.key.to_owned(), Value::String(mask(&text)));
            secrets.push((out.key.to_owned(), SecretString::from(text)));
        } else {
            output.insert(out.key.to_owned(), value.clone());
        }
    }
    let mut done = Interpreted::new(Status::Done, Some(code), format!("{}: done", action.name));
    done.data = Some(output);
    done
}

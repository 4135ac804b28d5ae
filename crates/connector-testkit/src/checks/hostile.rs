//! A hostile provider, synthesized from the spec like the behaviour checks: it echoes the key in
//! every form, hides it in nested and split account fields and in a redirect's `Location`, sends
//! absurd `Retry-After` values, and puts terminal control sequences in its text. Every connector
//! must end each exchange with a typed result, within the deadline, without a panic and without
//! showing a run of the key anywhere.

use connector_core::response::MAX_PROVIDER_MESSAGE as MAX_QUOTED;
use connector_core::text::is_unsafe_for_terminal;
use connector_core::Status;
use futures::future::{join_all, BoxFuture};
use serde_json::{json, Value};
use wiremock::ResponseTemplate;

use crate::checks::behaviour::{expect_status, json_response, over_subjects, within, Subject};
use crate::server::{prefixed_urls, serve_by_prefix};
use crate::{leak, CheckResult, Ctx, Probe, PANICKED};

/// The hostile scenarios.
#[derive(Debug, Clone, Copy)]
enum Hostile {
    EchoInEveryForm,
    KeyInAccountFields,
    KeyInRedirectLocation,
    AbsurdRetryAfter,
    ControlCharacters,
}

impl Hostile {
    const ALL: [Hostile; 5] = [
        Hostile::EchoInEveryForm,
        Hostile::KeyInAccountFields,
        Hostile::KeyInRedirectLocation,
        Hostile::AbsurdRetryAfter,
        Hostile::ControlCharacters,
    ];

    fn name(self) -> &'static str {
        match self {
            Hostile::EchoInEveryForm => "hostile.echo-in-every-form",
            Hostile::KeyInAccountFields => "hostile.key-in-account-fields",
            Hostile::KeyInRedirectLocation => "hostile.key-in-redirect-location",
            Hostile::AbsurdRetryAfter => "hostile.absurd-retry-after",
            Hostile::ControlCharacters => "hostile.control-characters",
        }
    }
}

/// Every hostile scenario over every subject, as futures to run concurrently.
pub(crate) fn all<'a>(
    ctx: &'a Ctx<'a>,
    subjects: &'a [Subject],
) -> Vec<BoxFuture<'a, CheckResult>> {
    Hostile::ALL
        .into_iter()
        .map(|hostile| {
            over_subjects(hostile.name(), subjects, move |subject| {
                run(ctx, subject, hostile)
            })
        })
        .collect()
}

/// Text that would forge a line on a terminal: erase the line, set the window title, ring the
/// bell, return to the start of the line, and reverse what follows.
const FORGERY: &str =
    "denied\u{1b}[2K\r\u{1b}]0;owned\u{7}\u{8}\u{7f}✓ verified \u{202e}reyal\u{2066}x\u{85}";

/// `Retry-After` values no sane provider sends: past `u64`, negative, not numbers, dates at the
/// ends of time.
const ABSURD_RETRY_AFTER: &[&str] = &[
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999999999999",
    "-1",
    "1e309",
    "Fri, 31 Dec 9999 23:59:59 GMT",
];

async fn run(ctx: &Ctx<'_>, s: &Subject<'_>, hostile: Hostile) -> Vec<String> {
    let label = format!("{} [{}]", hostile.name(), s.variant.name);
    let deadline = ctx.options.timeout + ctx.options.margin;
    let mut failures = Vec::new();
    let mut probes: Vec<(String, ResponseTemplate, Option<Status>)> = Vec::new();
    match hostile {
        Hostile::EchoInEveryForm => {
            for (form_name, form) in leak::forms(&s.key) {
                // Padded so the echo straddles the length at which provider messages are cut.
                let pad = "x".repeat(MAX_QUOTED.saturating_sub(form.len() / 2));
                let mut bodies = vec![
                    (
                        401,
                        json!({ "message": format!("{pad}{form}") }),
                        Status::Rejected,
                    ),
                    (
                        403,
                        json!({"error": {"message": format!("no access for {form}")}}),
                        Status::Forbidden,
                    ),
                ];
                // The other places a message is read from, once each for the plain form.
                if form_name == "as is" {
                    bodies.push((
                        400,
                        json!({ "title": form, "detail": format!("key={form}") }),
                        Status::Unexpected,
                    ));
                    bodies.push((
                        503,
                        json!({ "error_description": form }),
                        Status::Unavailable,
                    ));
                }
                for (code, body, status) in bodies {
                    let status = s.declared_outcome(code, &body, status);
                    probes.push((
                        format!("a {code} echoing the key {form_name}"),
                        json_response(code, &body),
                        Some(status),
                    ));
                }
            }
        }
        Hostile::KeyInAccountFields => {
            let Some(success) = &s.success else {
                return Vec::new();
            };
            let key = s.key.as_str();
            let half = key.len() / 2;
            let forms = leak::forms(key);
            let shapes: Vec<(&str, Shape)> = vec![
                ("every text field the key", Box::new(|_| json!(key))),
                (
                    "every text field the key in another form",
                    Box::new(move |i| json!(forms[i % forms.len()].1)),
                ),
                (
                    "every text field an object nesting the key",
                    Box::new(|_| {
                        let mut nested = serde_json::Map::new();
                        nested.insert("nested".to_owned(), json!(["x", {"deeper": key}]));
                        nested.insert(key.to_owned(), json!(1));
                        Value::Object(nested)
                    }),
                ),
                (
                    "the key split across fields",
                    Box::new(move |i| {
                        json!(if i % 2 == 0 {
                            &key[..half]
                        } else {
                            &key[half..]
                        })
                    }),
                ),
            ];
            for (what, shape) in shapes {
                let body = replace_texts(success, &shape, &mut 0);
                probes.push((
                    format!("a success with {what}"),
                    json_response(200, &body),
                    None,
                ));
            }
        }
        Hostile::KeyInRedirectLocation => {
            let lower = s.key.to_lowercase();
            let targets = [
                format!("http://{lower}.attacker.test/"),
                format!("https://attacker.test/{}", s.key),
                format!("//{lower}.attacker.test/next"),
                format!("http://user:{}@attacker.test/", s.key),
            ];
            for code in [302, 307] {
                for target in &targets {
                    let response =
                        ResponseTemplate::new(code).insert_header("Location", target.as_str());
                    probes.push((
                        format!("a {code} whose Location holds the key"),
                        response,
                        Some(Status::Unexpected),
                    ));
                }
            }
        }
        Hostile::AbsurdRetryAfter => {
            for value in ABSURD_RETRY_AFTER {
                for (code, status) in [(429, Status::RateLimited), (503, Status::Unavailable)] {
                    let response = json_response(code, &json!({"message": "slow down"}))
                        .insert_header("Retry-After", *value);
                    probes.push((
                        format!("a {code} with Retry-After: {value}"),
                        response,
                        Some(status),
                    ));
                }
            }
        }
        Hostile::ControlCharacters => {
            let refused = json!({ "message": FORGERY });
            probes.push((
                "a 401 whose message forges a line".to_owned(),
                json_response(401, &refused),
                Some(s.declared_outcome(401, &refused, Status::Rejected)),
            ));
            let denied = json!({"error": {"message": FORGERY}});
            probes.push((
                "a 403 whose nested message forges a line".to_owned(),
                json_response(403, &denied),
                Some(s.declared_outcome(403, &denied, Status::Forbidden)),
            ));
            if let Some(success) = &s.success {
                let body = replace_texts(success, &|_| json!(FORGERY), &mut 0);
                probes.push((
                    "a success whose fields forge lines".to_owned(),
                    json_response(200, &body),
                    None,
                ));
            }
        }
    }

    // One server plays every scenario, each under its own path prefix: starting hundreds of
    // servers would cost more than the checks.
    let (scenarios, responses): (Vec<_>, Vec<_>) = probes
        .into_iter()
        .map(|(what, response, wanted)| ((what, wanted), response))
        .unzip();
    let count = responses.len();
    let server = serve_by_prefix(responses).await;
    let spec = ctx.connector.spec();
    s.hand_out_tokens(spec, &server, count).await;
    let outcomes = join_all(
        scenarios
            .into_iter()
            .enumerate()
            .map(|(i, (what, wanted))| {
                let label = label.clone();
                let server = &server;
                async move {
                    let urls = prefixed_urls(server, spec, i);
                    let probe = ctx
                        .probe(
                            label,
                            Some(s.variant.name),
                            &s.credentials,
                            urls,
                            s.secrets.clone(),
                            None,
                        )
                        .await;
                    (what, wanted, probe)
                }
            }),
    )
    .await;
    let finder = leak::Finder::new(&s.secrets);
    for (what, wanted, probe) in outcomes {
        let mut problems = Vec::new();
        if probe.report.message == PANICKED {
            problems.push("the check panicked; nothing a provider sends may panic".to_owned());
        } else if let Some(wanted) = wanted {
            problems.extend(expect_status(
                &probe,
                wanted,
                "whatever else the answer holds",
            ));
        }
        problems.extend(within(&probe, deadline));
        problems.extend(leaks(&probe, &finder));
        if matches!(hostile, Hostile::ControlCharacters) {
            problems.extend(unsafe_text(&probe));
        }
        failures.extend(problems.into_iter().map(|p| format!("{what}: {p}")));
    }
    failures
}

/// What the i-th text of a success body becomes.
type Shape<'a> = Box<dyn Fn(usize) -> Value + Send + Sync + 'a>;

/// Every string in `value` replaced by `shape(i)` for the i-th string met; numbers, booleans
/// and the structure stay, so the connector reads the body as a success.
fn replace_texts(value: &Value, shape: &dyn Fn(usize) -> Value, seen: &mut usize) -> Value {
    match value {
        Value::String(_) => {
            *seen += 1;
            shape(*seen - 1)
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| replace_texts(v, shape, seen))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), replace_texts(v, shape, seen)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Where the report shows the key, if it does.
fn leaks(probe: &Probe, finder: &leak::Finder) -> Vec<String> {
    let report = &probe.report;
    let renderings = [
        ("Debug", format!("{report:?}")),
        ("Display", report.to_string()),
        ("JSON", serde_json::to_string(report).unwrap_or_default()),
    ];
    renderings
        .iter()
        .filter_map(|(what, text)| {
            finder
                .describe(text)
                .map(|leak| format!("in the {what} of the report, {leak}"))
        })
        .collect()
}

/// Control or bidi characters in what the report says to people.
fn unsafe_text(probe: &Probe) -> Vec<String> {
    let report = &probe.report;
    let mut texts = vec![
        ("message", report.message.clone()),
        ("Display", report.to_string()),
    ];
    texts.extend(report.warnings.iter().map(|w| ("a warning", w.clone())));
    texts
        .into_iter()
        .filter_map(|(what, text)| {
            text.chars().find(|c| is_unsafe_for_terminal(*c)).map(|c| {
                format!(
                    "the report's {what} holds U+{:04X}, which a terminal acts on; escape control and bidi characters",
                    u32::from(c)
                )
            })
        })
        .collect()
}

//! Checks on a connector's declared actions: their spec (ids, typed inputs, marked secret outputs,
//! requests safe to repeat or not), replays of their recorded scenarios, and what happens to the
//! secrets they mint. Every check reads the declaration, so each connector's actions get them all.

use std::collections::BTreeSet;
use std::time::Instant;

use connector_core::check::resolve_variant;
use connector_core::http::Repeat;
use connector_core::validate::format_matches;
use connector_core::{ActionSpec, Body, ConnectorSpec, Field, Format, Method, Status};
use serde_json::Value;

use crate::checks::spec::{is_kebab, looks_secret, name_says_secret};
use crate::fixture::{RecordedResponse, Scenario};
use crate::server::{received, redact, request_differences, serve, template, urls_for};
use crate::{CheckResult, Ctx};

/// Methods whose request may change something on the provider's side.
const NOT_IDEMPOTENT: &[Method] = &[Method::Post, Method::Put, Method::Patch, Method::Delete];

/// A check of the declared actions: its failures.
type ActionCheck = fn(&ConnectorSpec, &ActionSpec) -> Vec<String>;

/// The action spec checks, or none when the connector declares no action.
pub(crate) fn spec_checks(spec: &ConnectorSpec<'_>) -> Vec<CheckResult> {
    if spec.actions.is_empty() {
        return Vec::new();
    }
    let all: [(&str, ActionCheck); 4] = [
        ("spec.actions", identity),
        ("spec.action-inputs", inputs),
        ("spec.action-outputs", outputs),
        ("spec.action-requests", requests),
    ];
    all.into_iter()
        .map(|(name, check)| {
            let started = Instant::now();
            let mut failures: Vec<String> = spec
                .actions
                .iter()
                .flat_map(|action| {
                    check(spec, action)
                        .into_iter()
                        .map(move |f| format!("action `{}`: {f}", action.id))
                })
                .collect();
            if name == "spec.actions" {
                failures.extend(duplicate_ids(spec));
            }
            CheckResult::new(name, failures, started.elapsed())
        })
        .collect()
}

fn duplicate_ids(spec: &ConnectorSpec) -> Vec<String> {
    let mut seen = BTreeSet::new();
    spec.actions
        .iter()
        .filter(|a| !seen.insert(a.id))
        .map(|a| format!("action id `{}` is declared twice", a.id))
        .collect()
}

fn identity(spec: &ConnectorSpec, action: &ActionSpec) -> Vec<String> {
    let mut failures = Vec::new();
    if !is_kebab(action.id) {
        failures.push(
            "the id is not kebab-case: use lowercase letters and digits joined by single hyphens, e.g. `create-api-key`"
                .to_owned(),
        );
    }
    for (what, value) in [("name", action.name), ("description", action.description)] {
        if value.trim().is_empty() {
            failures.push(format!(
                "`{what}` is empty; say what the action does for the docs"
            ));
        }
    }
    if !spec.variants.iter().any(|v| v.name == action.variant) {
        let names: Vec<&str> = spec.variants.iter().map(|v| v.name).collect();
        failures.push(format!(
            "needs variant `{}`, which the connector does not declare by that name; use one of: {}",
            action.variant,
            names.join(", ")
        ));
    }
    for caution in action.cautions {
        match action.input(caution.input) {
            None => failures.push(format!(
                "a caution applies to input `{}`, which is not declared",
                caution.input
            )),
            Some(input) if !format_matches(input.format, caution.when) => failures.push(format!(
                "the caution on `{}` applies when it is `{}`, which is not {}; it can never show",
                input.key,
                caution.when,
                input.format.describe()
            )),
            Some(_) => {}
        }
        if caution.message.trim().is_empty() {
            failures.push(format!("the caution on `{}` has no message", caution.input));
        }
    }
    failures
}

/// The `{name}` placeholders of a path, or why the braces do not pair up.
fn placeholders(path: &str) -> Result<Vec<&str>, String> {
    let mut names = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            return Err(format!("path `{path}` has a `}}` without its `{{`"));
        }
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err(format!("path `{path}` has a `{{` without its `}}`"));
        };
        let name = &after[..close];
        if name.is_empty() || name.contains('{') {
            return Err(format!("path `{path}` has a malformed placeholder"));
        }
        names.push(name);
        rest = &after[close + 1..];
    }
    Ok(names)
}

fn inputs(_spec: &ConnectorSpec, action: &ActionSpec) -> Vec<String> {
    let mut failures = Vec::new();
    let mut keys = BTreeSet::new();
    for input in action.inputs {
        let key = input.key;
        if !keys.insert(key) {
            failures.push(format!("input `{key}` is declared twice"));
        }
        if input.label.trim().is_empty() {
            failures.push(format!("input `{key}` has no label"));
        }
        if looks_secret(input) && !input.secret {
            failures.push(format!(
                "input `{key}` can hold a secret (its name says so) but is not marked `secret: true`"
            ));
        }
        for (what, value) in [("example", input.example), ("default", input.default)] {
            if let Some(value) = value.filter(|v| !format_matches(input.format, v)) {
                failures.push(format!(
                    "the {what} of input `{key}` (`{value}`) is not {}; fix the {what} or the format",
                    input.format.describe()
                ));
            }
        }
        failures.extend(pattern_problems(input));
    }
    match placeholders(action.request.path) {
        Err(_) => {} // spec.action-requests names it
        Ok(names) => {
            for name in names {
                match action.input(name) {
                    None => failures.push(format!(
                        "the path placeholder `{{{name}}}` names no declared input; declare it or fix the path"
                    )),
                    Some(input) => failures.extend(url_input_problems(input, "path")),
                }
            }
        }
    }
    let mut names = BTreeSet::new();
    for param in action.query {
        if !names.insert(param.name) {
            failures.push(format!(
                "query parameter `{}` is declared twice",
                param.name
            ));
        }
        match action.input(param.input) {
            None => failures.push(format!(
                "query parameter `{}` takes input `{}`, which is not declared",
                param.name, param.input
            )),
            Some(input) => {
                if input.secret {
                    failures.push(format!(
                        "secret input `{}` would travel in the query, where proxies and logs keep it; send it in a header or the body",
                        input.key
                    ));
                }
                if let Some(when) = param.omit_when.filter(|w| !format_matches(input.format, w)) {
                    failures.push(format!(
                        "query parameter `{}` is left out when `{}` is `{when}`, which is not {}",
                        param.name,
                        input.key,
                        input.format.describe()
                    ));
                }
            }
        }
    }
    failures
}

/// What is wrong with filling a URL path segment from `input`.
fn url_input_problems(input: &Field, place: &str) -> Vec<String> {
    let key = input.key;
    let mut failures = Vec::new();
    if !input.required && input.default.is_none() {
        failures.push(format!(
            "input `{key}` fills the {place} but is optional; make it `required: true` or give it a default"
        ));
    }
    if input.secret {
        failures.push(format!(
            "secret input `{key}` would travel in the URL {place}, where proxies and logs keep it"
        ));
    }
    if matches!(input.format, Format::Text) {
        failures.push(format!(
            "input `{key}` fills the {place} but is free text: give it a format (Uuid, Pattern, Choice, Boolean) so values such as `..` are refused before any request"
        ));
    }
    failures
}

fn pattern_problems(input: &Field) -> Vec<String> {
    let Format::Pattern { regex, description } = input.format else {
        return Vec::new();
    };
    let key = input.key;
    let mut failures = Vec::new();
    if let Err(e) = regex::Regex::new(regex) {
        failures.push(format!(
            "the pattern of input `{key}` does not compile: {e}"
        ));
    }
    if !(regex.starts_with('^') && regex.ends_with('$')) {
        failures.push(format!(
            "the pattern of input `{key}` must be anchored with ^ and $ so it describes the whole value"
        ));
    }
    if description.trim().is_empty() {
        failures.push(format!("the pattern of input `{key}` needs a description"));
    }
    failures
}

/// Whether an output must be handled as a secret: marked so, or named so.
pub(crate) fn output_is_secret(output: &connector_core::action::Output) -> bool {
    output.secret || name_says_secret(output.key, output.label)
}

fn outputs(_spec: &ConnectorSpec, action: &ActionSpec) -> Vec<String> {
    let mut failures = Vec::new();
    let mut keys = BTreeSet::new();
    for output in action.outputs {
        let key = output.key;
        if !keys.insert(key) {
            failures.push(format!("output `{key}` is declared twice"));
        }
        if output.label.trim().is_empty() {
            failures.push(format!("output `{key}` has no label"));
        }
        if output_is_secret(output) && !output.secret {
            failures.push(format!(
                "output `{key}` can hold a secret (its name says so) but is not marked `secret: true`; mark it so it is shown once, masked in reports and never logged"
            ));
        }
        if !is_json_pointer(output.pointer) {
            failures.push(format!(
                "output `{key}` reads `{}`, which is not a JSON pointer: start with `/` and escape `~` as `~0`, `/` as `~1` (e.g. `/data/value`)",
                output.pointer
            ));
        }
    }
    failures
}

/// Whether `pointer` is a non-empty RFC 6901 JSON pointer.
fn is_json_pointer(pointer: &str) -> bool {
    pointer.starts_with('/')
        && pointer
            .split('~')
            .skip(1)
            .all(|after| after.starts_with(['0', '1']))
}

fn requests(_spec: &ConnectorSpec, action: &ActionSpec) -> Vec<String> {
    let mut failures = Vec::new();
    let request = &action.request;
    let method = request.method;
    if NOT_IDEMPOTENT.contains(&method) && action.repeat != Repeat::OnlyIfRefused {
        failures.push(format!(
            "{method} may have taken effect when no answer comes, yet it is declared `Repeat::Safe`: declare `repeat: Repeat::OnlyIfRefused` so it is retried only after a 429"
        ));
    }
    if !request.path.starts_with('/') {
        failures.push(format!("path `{}` must start with `/`", request.path));
    }
    if request.path.contains('?') {
        failures.push(format!(
            "path `{}` carries a query; declare query parameters in `query`",
            request.path
        ));
    }
    if let Err(problem) = placeholders(request.path) {
        failures.push(problem);
    }
    if let Body::Json(body) = request.body {
        if let Err(e) = serde_json::from_str::<Value>(body) {
            failures.push(format!("the JSON body is not JSON ({e}): `{body}`"));
        }
        if matches!(method, Method::Get) {
            failures.push(format!(
                "a {method} request declares a body; providers and proxies may drop it"
            ));
        }
    }
    failures
}

/// The secret outputs the provider sends in `responses`: the value at each secret output's
/// pointer in every recorded JSON body, by output key.
fn minted_by(action: &ActionSpec<'_>, responses: &[RecordedResponse]) -> Vec<(String, String)> {
    let mut minted = Vec::new();
    for output in action.outputs.iter().filter(|o| output_is_secret(o)) {
        for body in responses.iter().filter_map(|r| r.body.as_ref()) {
            let Some(value) = body.pointer(output.pointer).filter(|v| !v.is_null()) else {
                continue;
            };
            let text = value
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| value.to_string());
            if text.len() >= 4 && !minted.contains(&(output.key.to_owned(), text.clone())) {
                minted.push((output.key.to_owned(), text));
            }
        }
    }
    minted
}

/// `recorded.<name>` for a scenario naming an action: runs the action against the recording.
pub(crate) async fn replay(ctx: &Ctx<'_>, scenario: &Scenario, id: &str) -> Vec<String> {
    let spec = ctx.connector.spec();
    let Some(action) = spec.action(id) else {
        let ids: Vec<&str> = spec.actions.iter().map(|a| a.id).collect();
        return vec![format!(
            "the connector declares no action `{id}`; declared: {}",
            if ids.is_empty() {
                "none".to_owned()
            } else {
                ids.join(", ")
            }
        )];
    };
    let variant = match resolve_variant(
        spec,
        Some(scenario.variant.as_deref().unwrap_or(action.variant)),
    ) {
        Ok(v) => v,
        Err(message) => return vec![format!("the scenario's variant: {message}")],
    };
    let mut secrets = Ctx::secrets_of(variant, &scenario.credentials);
    for input in action.inputs.iter().filter(|i| i.secret || looks_secret(i)) {
        if let Some(Value::String(value)) = scenario.inputs.get(input.key) {
            secrets.push(value.clone());
        }
    }
    let minted = minted_by(action, &scenario.responses);
    let mut hidden = secrets.clone();
    hidden.extend(minted.iter().map(|(_, v)| v.clone()));

    let server = serve(scenario.responses.iter().map(template).collect()).await;
    let result = ctx
        .run_action(
            format!("recorded.{}", scenario.name),
            action,
            scenario.variant.as_deref(),
            &scenario.credentials,
            &scenario.inputs,
            urls_for(&server, spec),
            secrets,
            minted.clone(),
        )
        .await;
    let report = &result.report;
    let mut failures = Vec::new();

    if scenario.expect.status() != Some(report.status) {
        failures.push(format!(
            "ended `{}`, the recording says `{}` ({})",
            report.status,
            scenario.expect.status,
            redact(&report.message, &hidden)
        ));
    }
    if let Some(output) = &scenario.expect.output {
        let actual = report
            .output
            .clone()
            .map(Value::Object)
            .unwrap_or(Value::Null);
        let wanted = Value::Object(output.clone());
        if actual != wanted {
            failures.push(format!(
                "reported output {}, the recording says {wanted}; secret outputs must appear masked",
                redact(&actual.to_string(), &hidden)
            ));
        }
    }
    if let Some(keys) = &scenario.expect.secret_outputs {
        let handed: Vec<&str> = result
            .secret_outputs
            .iter()
            .map(|(k, _)| k.as_str())
            .collect();
        for key in keys {
            if !handed.contains(&key.as_str()) {
                failures.push(format!(
                    "secret_outputs lacks `{key}`; a secret output is handed over apart from the report (mark it `secret: true`)"
                ));
            }
        }
        for key in handed.iter().filter(|k| !keys.iter().any(|w| w == *k)) {
            failures.push(format!(
                "secret_outputs holds `{key}`, which the recording does not list"
            ));
        }
    }

    let requests = received(&server).await;
    match (scenario.expect.requests, &scenario.request) {
        (Some(count), _) if requests.len() != count => failures.push(format!(
            "the provider received {} request(s), the recording says {count}{}",
            requests.len(),
            if count == 0 {
                ": invalid input must be refused before anything is sent"
            } else if requests.len() > count && action.repeat != Repeat::Safe {
                ": a request that is not safe to repeat was sent again"
            } else {
                ""
            }
        )),
        (None, _) if requests.is_empty() => {
            failures.push("the connector sent no request".to_owned())
        }
        _ => {}
    }
    if let Some(expected) = &scenario.request {
        for (i, request) in requests.iter().enumerate() {
            for difference in request_differences(expected, request, &hidden) {
                failures.push(format!("request {}: {difference}", i + 1));
            }
        }
    }
    failures
}

/// `hygiene.action-secrets`: for each declared action, the secret a recorded `done` run minted
/// is in `secret_outputs` and, like the credential, nowhere else. `None` without actions.
pub(crate) fn hygiene_check(ctx: &Ctx<'_>) -> Option<CheckResult> {
    let spec = ctx.connector.spec();
    if spec.actions.is_empty() {
        return None;
    }
    let started = Instant::now();
    let runs = match ctx.action_runs.lock() {
        Ok(runs) => runs,
        Err(poisoned) => poisoned.into_inner(),
    };
    let mut failures = Vec::new();
    for action in spec.actions {
        let done: Vec<_> = runs
            .iter()
            .filter(|r| r.action == action.id && r.status == Status::Done)
            .collect();
        if done.is_empty() {
            failures.push(format!(
                "action `{}`: no recorded scenario ends `done`, so nothing shows where its outputs go; record its success in {}/ with \"action\": \"{}\"",
                action.id, ctx.options.fixtures_of(spec.id), action.id
            ));
        }
        for run in done {
            let mut hidden = run.credentials.clone();
            hidden.extend(run.minted.iter().map(|(_, v)| v.clone()));
            for (key, value) in &run.minted {
                if !run.handed_over.iter().any(|(k, v)| k == key && v == value) {
                    failures.push(format!(
                        "`{}`: secret_outputs lacks the `{key}` the provider sent; mark the output `secret: true` so it is handed over apart from the report",
                        run.label
                    ));
                }
            }
            let named = run
                .credentials
                .iter()
                .map(|s| ("the credential".to_owned(), s))
                .chain(
                    run.minted
                        .iter()
                        .map(|(k, v)| (format!("the minted `{k}`"), v)),
                );
            for (what, secret) in named {
                for (place, text) in &run.renderings {
                    if text.contains(secret.as_str()) {
                        let line = text
                            .lines()
                            .find(|l| l.contains(secret.as_str()))
                            .unwrap_or_default();
                        let excerpt = around_leak(&redact(line, &hidden));
                        failures.push(format!(
                            "`{}`: {what} appears in the {place}: {excerpt}",
                            run.label
                        ));
                    }
                }
            }
        }
    }
    if failures.len() > MAX_LISTED {
        let more = failures.len() - MAX_LISTED;
        failures.truncate(MAX_LISTED);
        failures.push(format!("… and {more} more like these"));
    }
    Some(CheckResult::new(
        "hygiene.action-secrets",
        failures,
        started.elapsed(),
    ))
}

/// Failures listed before the rest are counted: one leak usually repeats in every run.
const MAX_LISTED: usize = 6;

/// Up to 60 characters either side of the first redacted secret (`<key>`) in `line`.
fn around_leak(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let marker: Vec<char> = "<key>".chars().collect();
    let at = chars
        .windows(marker.len())
        .position(|w| w == marker.as_slice())
        .unwrap_or(0);
    let start = at.saturating_sub(60);
    let end = (at + marker.len() + 60).min(chars.len());
    format!(
        "{}{}{}",
        if start > 0 { "…" } else { "" },
        chars[start..end].iter().collect::<String>(),
        if end < chars.len() { "…" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_pair_up_or_say_why_not() {
        assert_eq!(
            placeholders("/orgs/{org_id}/users/{user_id}/keys"),
            Ok(vec!["org_id", "user_id"])
        );
        assert!(placeholders("/orgs/{org_id/keys").is_err());
        assert!(placeholders("/orgs/org_id}/keys").is_err());
        assert!(placeholders("/orgs/{}/keys").is_err());
    }

    #[test]
    fn json_pointers() {
        assert!(is_json_pointer("/data/value"));
        assert!(is_json_pointer("/a~1b/c~0d"));
        assert!(!is_json_pointer("data/value"));
        assert!(!is_json_pointer(""));
        assert!(!is_json_pointer("/a~2"));
    }
}

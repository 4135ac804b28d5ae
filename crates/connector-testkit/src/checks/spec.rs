//! Checks on the declaration alone: identity, fields, secrets, variants, examples, formats and the
//! setup guide. No request is sent.

use std::collections::BTreeSet;
use std::time::Instant;

use connector_core::validate::format_matches;
use connector_core::{
    mask, ConnectorSpec, CredentialVariant, Field, Format, HeaderValueSource, Match, Source,
    UrlTemplate,
};
use url::Url;

use crate::fixture::{Scenario, PLACEHOLDER};
use crate::{CheckResult, SuiteOptions};

/// Words in a field's key or label that say it holds a secret.
const SECRET_WORDS: &[&str] = &[
    "key",
    "token",
    "secret",
    "password",
    "passphrase",
    "credential",
    "private",
];

/// Markers of an obviously fake example value.
const FAKE_MARKERS: &[&str] = &[
    "example",
    "fake",
    "dummy",
    "placeholder",
    "sample",
    "xxxx",
    "0000",
    "your-",
    "your_",
];

/// Whether a field's name says it can hold a secret. Fixed choices and booleans cannot.
pub(crate) fn looks_secret(field: &Field) -> bool {
    if matches!(field.format, Format::Choice(_) | Format::Boolean) {
        return false;
    }
    name_says_secret(field.key, field.label)
}

/// Whether a key or label names something secret (`api_key`, `Access token`, …).
pub(crate) fn name_says_secret(key: &str, label: &str) -> bool {
    let words = format!("{key} {label}").to_ascii_lowercase();
    SECRET_WORDS.iter().any(|w| words.contains(w))
}

/// Whether `id` is lowercase letters and digits joined by single hyphens.
pub(crate) fn is_kebab(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// Whether an example is obviously fake.
pub(crate) fn looks_fake(example: &str) -> bool {
    let lower = example.to_ascii_lowercase();
    FAKE_MARKERS.iter().any(|m| lower.contains(m))
}

/// A check of the declaration: its failures.
type SpecCheck = fn(&ConnectorSpec) -> Vec<String>;

/// Every spec check, in a fixed order.
pub(crate) fn checks(spec: &ConnectorSpec<'_>, duplicate_id: bool) -> Vec<CheckResult> {
    let all: [(&str, SpecCheck); 6] = [
        ("spec.identity", identity),
        ("spec.secret-fields", secret_fields),
        ("spec.variants", variants),
        ("spec.examples", examples),
        ("spec.formats", formats),
        ("spec.guide", guide),
    ];
    let started = Instant::now();
    let mut results = vec![CheckResult::new(
        "spec.id",
        id(spec, duplicate_id),
        started.elapsed(),
    )];
    for (name, check) in all {
        let started = Instant::now();
        let failures = check(spec);
        results.push(CheckResult::new(name, failures, started.elapsed()));
    }
    results
}

fn id(spec: &ConnectorSpec, duplicate: bool) -> Vec<String> {
    let mut failures = Vec::new();
    if !is_kebab(spec.id) {
        failures.push(format!(
            "id `{}` is not kebab-case: use lowercase letters and digits joined by single hyphens, e.g. `polymer-hire`",
            spec.id
        ));
    }
    if duplicate {
        failures.push(format!(
            "id `{}` is registered more than once; every connector needs its own id",
            spec.id
        ));
    }
    failures
}

fn identity(spec: &ConnectorSpec) -> Vec<String> {
    let mut failures = Vec::new();
    for (what, value) in [
        ("name", spec.name),
        ("category", spec.category),
        ("summary", spec.summary),
    ] {
        if value.trim().is_empty() {
            failures.push(format!(
                "`{what}` is empty; fill it in the connector's spec.rs"
            ));
        }
    }
    let mut templates: Vec<(String, &str)> = spec
        .base_url
        .templates()
        .into_iter()
        .map(|t| ("base URL".to_owned(), t))
        .collect();
    for origin in spec.origins {
        for t in origin.url.templates() {
            templates.push((format!("origin `{}`", origin.name), t));
        }
    }
    for (what, template) in templates {
        match UrlTemplate::parse(template) {
            Ok(_) if template.starts_with("https://") => {}
            Ok(_) => failures.push(format!(
                "{what} `{template}` is not https; keys must travel encrypted"
            )),
            Err(e) => failures.push(format!("{what} `{template}` {e}")),
        }
    }
    if spec.docs.is_empty() {
        failures
            .push("no documentation link; add the provider's API-key docs to `docs`".to_owned());
    }
    for link in spec.docs {
        if link.title.trim().is_empty() {
            failures.push(format!("the docs link {} has no title", link.url));
        }
        if !Url::parse(link.url).is_ok_and(|u| u.scheme() == "https") {
            failures.push(format!("docs link `{}` is not an https URL", link.url));
        }
    }
    failures
}

fn secret_fields(spec: &ConnectorSpec) -> Vec<String> {
    let mut failures = Vec::new();
    for variant in spec.variants {
        for field in variant.fields {
            let is_key = variant.key_field().is_some_and(|k| k.key == field.key);
            let can_hold_secret = is_key || looks_secret(field);
            if can_hold_secret && !field.secret {
                failures.push(format!(
                    "variant `{}`: field `{}` can hold a secret ({}) but is not marked `secret: true`; mark it so it is masked and write-only",
                    variant.name,
                    field.key,
                    if is_key { "the auth scheme sends it" } else { "its name says so" }
                ));
            }
            if let (true, Some(example)) = (field.secret || can_hold_secret, field.example) {
                if !looks_fake(example) {
                    failures.push(format!(
                        "variant `{}`: the example of secret field `{}` ({}) looks like a real key; use an obviously fake value containing EXAMPLE or 0000",
                        variant.name,
                        field.key,
                        mask(example)
                    ));
                }
            }
        }
    }
    failures
}

fn variants(spec: &ConnectorSpec) -> Vec<String> {
    let mut failures = Vec::new();
    if spec.variants.is_empty() {
        failures.push("no credential variant; declare at least one".to_owned());
    }
    let mut names = BTreeSet::new();
    for variant in spec.variants {
        for name in std::iter::once(&variant.name).chain(variant.aliases) {
            if !names.insert(*name) {
                failures.push(format!("variant name or alias `{name}` is used twice"));
            }
        }
        let v = variant.name;
        let verify = &variant.verify;
        let alone = connector_core::exchange_alone(variant);
        let declared_path = verify.path.starts_with('/') || (alone && verify.path.is_empty());
        if !declared_path {
            failures.push(format!(
                "variant `{v}`: verification path `{}` must start with `/`",
                verify.path
            ));
        }
        if verify.proves.trim().is_empty() {
            failures.push(format!(
                "variant `{v}`: say what a successful verification proves (`verify.proves`)"
            ));
        }
        match variant.key_field() {
            None => failures.push(format!(
                "variant `{v}`: the auth scheme ({}) sends no field the variant declares",
                variant.auth.kind()
            )),
            Some(field) if !field.required => failures.push(format!(
                "variant `{v}`: the key field `{}` must be required",
                field.key
            )),
            Some(_) => {}
        }
        for extra in variant.extra_headers {
            if let HeaderValueSource::Field(field) = extra.value {
                if variant.field(field).is_none() {
                    failures.push(format!(
                        "variant `{v}`: header `{}` takes field `{field}`, which is not declared",
                        extra.name
                    ));
                }
            }
        }
        let mut keys = BTreeSet::new();
        for field in variant.fields {
            if !keys.insert(field.key) {
                failures.push(format!(
                    "variant `{v}`: field `{}` is declared twice",
                    field.key
                ));
            }
        }
        failures.extend(proof_tests_identifying(spec, variant));
    }
    failures
}

/// A proof's warnings and the success predicate test a member's value; `cargo xtask record`
/// replaces the value of every `identifying` member with a placeholder, so a test on one would
/// read a recording differently from the provider's answer.
fn proof_tests_identifying(spec: &ConnectorSpec, variant: &CredentialVariant) -> Vec<String> {
    let warnings = variant
        .proof
        .iter()
        .flat_map(|p| p.warnings)
        .map(|w| w.when);
    let tests = variant.verify.success.into_iter().chain(warnings);
    let mut failures = Vec::new();
    for test in tests {
        let Match::Equals { pointer, .. } = test else {
            continue;
        };
        let member = pointer.rsplit('/').next().unwrap_or_default();
        if spec.identifying.contains(&member) {
            failures.push(format!(
                "variant `{}`: `{pointer}` is tested for a value, but `{member}` is listed in `identifying`, whose values a recording replaces; test another member or take it off the list",
                variant.name
            ));
        }
    }
    failures
}

fn examples(spec: &ConnectorSpec) -> Vec<String> {
    let mut failures = Vec::new();
    for variant in spec.variants {
        for field in variant.fields {
            for (what, value) in [("example", field.example), ("default", field.default)] {
                if let Some(value) = value {
                    if !format_matches(field.format, value) {
                        failures.push(format!(
                            "variant `{}`: the {what} of field `{}` is not {}; fix the {what} or the format",
                            variant.name,
                            field.key,
                            field.format.describe()
                        ));
                    }
                }
            }
        }
    }
    failures
}

fn formats(spec: &ConnectorSpec) -> Vec<String> {
    let mut failures = Vec::new();
    for variant in spec.variants {
        for field in variant.fields {
            let Format::Pattern { regex, description } = field.format else {
                continue;
            };
            if let Err(e) = regex::Regex::new(regex) {
                failures.push(format!(
                    "variant `{}`: the pattern of field `{}` does not compile: {e}",
                    variant.name, field.key
                ));
            }
            if !(regex.starts_with('^') && regex.ends_with('$')) {
                failures.push(format!(
                    "variant `{}`: the pattern of field `{}` must be anchored with ^ and $ so it describes the whole value",
                    variant.name, field.key
                ));
            }
            if description.trim().is_empty() {
                failures.push(format!(
                    "variant `{}`: the pattern of field `{}` needs a description for warnings and docs",
                    variant.name, field.key
                ));
            }
        }
    }
    failures
}

fn guide(spec: &ConnectorSpec) -> Vec<String> {
    let mut failures = Vec::new();
    let guide = &spec.guide;
    if guide.prerequisites.is_empty() {
        failures
            .push("the setup guide lists no prerequisites; say who can create the key".to_owned());
    }
    if guide.steps.is_empty() {
        failures.push("the setup guide has no steps; describe how to create the key".to_owned());
    }
    for (i, step) in guide.steps.iter().enumerate() {
        if step.title.trim().is_empty() || step.body.trim().is_empty() {
            failures.push(format!(
                "step {} of the setup guide needs a title and a body",
                i + 1
            ));
        }
    }
    failures
}

/// `spec.no-placeholders`: no spec string and no fixture still holds the scaffold's `TODO`.
pub(crate) fn no_placeholders_check(
    spec: &ConnectorSpec,
    scenarios: &[Scenario],
    options: &SuiteOptions,
) -> CheckResult {
    let started = Instant::now();
    let mut failures: Vec<String> = spec_strings(spec)
        .into_iter()
        .filter(|(_, value)| value.contains(PLACEHOLDER))
        .map(|(field, value)| {
            let shown: String = value.chars().take(60).collect();
            let more = if shown.len() < value.len() { "…" } else { "" };
            let file = if field.starts_with("guide.") {
                "guide.rs"
            } else {
                "spec.rs"
            };
            format!(
                "`{field}` is still a placeholder (\"{shown}{more}\"); fill it in {}",
                options.source_of(spec.id, file)
            )
        })
        .collect();
    for scenario in scenarios.iter().filter(|s| !s.placeholders.is_empty()) {
        failures.push(format!(
            "{}/{}.json still has placeholders in {}; record the provider's real request and answers",
            options.fixtures_of(spec.id),
            scenario.name,
            scenario.placeholders.join(", ")
        ));
    }
    CheckResult::new("spec.no-placeholders", failures, started.elapsed())
}

/// Every text a spec declares, named by where it sits (`variants[api_key].verify.path`).
fn spec_strings<'a>(spec: &ConnectorSpec<'a>) -> Vec<(String, &'a str)> {
    let mut out: Vec<(String, &'a str)> = vec![
        ("name".into(), spec.name),
        ("category".into(), spec.category),
        ("summary".into(), spec.summary),
        ("base_url".into(), spec.base_url.primary()),
    ];
    for (i, link) in spec.docs.iter().enumerate() {
        out.push((format!("docs[{i}].title"), link.title));
        out.push((format!("docs[{i}].url"), link.url));
    }
    let field_strings = |at: String, field: &Field<'a>, out: &mut Vec<(String, &'a str)>| {
        out.push((format!("{at}.label"), field.label));
        out.push((format!("{at}.help"), field.help));
        for (what, value) in [
            ("example", field.example),
            ("default", field.default),
            ("env", field.env),
        ] {
            if let Some(value) = value {
                out.push((format!("{at}.{what}"), value));
            }
        }
    };
    for variant in spec.variants {
        let at = format!("variants[{}]", variant.name);
        out.push((format!("{at}.label"), variant.label));
        out.push((format!("{at}.description"), variant.description));
        for field in variant.fields {
            field_strings(format!("{at}.fields[{}]", field.key), field, &mut out);
        }
        out.push((format!("{at}.verify.path"), variant.verify.path));
        out.push((format!("{at}.verify.proves"), variant.verify.proves));
        for (key, value) in variant.verify.query {
            out.push((format!("{at}.verify.query.{key}"), value));
        }
        if let Some(proof) = &variant.proof {
            let at = format!("{at}.proof");
            out.push((format!("{at}.expected"), proof.expected));
            for (i, place) in proof.at.iter().enumerate() {
                out.push((format!("{at}.at[{i}]"), place));
            }
            for (i, (name, source)) in proof.account.iter().enumerate() {
                out.push((format!("{at}.account[{i}].name"), name));
                let pointers: &[&'a str] = match source {
                    Source::Member(p) | Source::BodyMember(p) => std::slice::from_ref(p),
                    Source::Each { member, .. } => std::slice::from_ref(member),
                    Source::Text(pointers) => pointers,
                    Source::Count
                    | Source::NonEmpty
                    | Source::Keys { .. }
                    | Source::KeyCount
                    | Source::Fixed(_) => &[],
                };
                for pointer in pointers {
                    out.push((format!("{at}.account[{i}].source"), pointer));
                }
            }
        }
    }
    let guide = &spec.guide;
    for (i, text) in guide.prerequisites.iter().enumerate() {
        out.push((format!("guide.prerequisites[{i}]"), text));
    }
    for (i, step) in guide.steps.iter().enumerate() {
        out.push((format!("guide.steps[{i}].title"), step.title));
        out.push((format!("guide.steps[{i}].body"), step.body));
        for (j, point) in step.points.iter().enumerate() {
            out.push((format!("guide.steps[{i}].points[{j}]"), point));
        }
        for (j, warning) in step.warnings.iter().enumerate() {
            out.push((format!("guide.steps[{i}].warnings[{j}]"), warning));
        }
    }
    for (i, text) in guide.lifecycle.iter().enumerate() {
        out.push((format!("guide.lifecycle[{i}]"), text));
    }
    let tips = &guide.troubleshooting;
    for (what, tip) in [
        ("rejected", tips.rejected),
        ("forbidden", tips.forbidden),
        ("rate_limited", tips.rate_limited),
        ("unavailable", tips.unavailable),
    ] {
        if let Some(tip) = tip {
            out.push((format!("guide.troubleshooting.{what}"), tip));
        }
    }
    for (i, text) in spec.assumptions.iter().enumerate() {
        out.push((format!("assumptions[{i}]"), text));
    }
    for action in spec.actions {
        let at = format!("actions[{}]", action.id);
        out.push((format!("{at}.name"), action.name));
        out.push((format!("{at}.description"), action.description));
        out.push((format!("{at}.request.path"), action.request.path));
        if let connector_core::Body::Json(body) = action.request.body {
            out.push((format!("{at}.request.body"), body));
        }
        for input in action.inputs {
            field_strings(format!("{at}.inputs[{}]", input.key), input, &mut out);
        }
        for output in action.outputs {
            let o = format!("{at}.outputs[{}]", output.key);
            out.push((format!("{o}.label"), output.label));
            out.push((format!("{o}.description"), output.description));
            out.push((format!("{o}.pointer"), output.pointer));
        }
        for (i, caution) in action.cautions.iter().enumerate() {
            out.push((format!("{at}.cautions[{i}].message"), caution.message));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fake_markers_and_secret_names() {
        assert!(looks_fake("v1.eu1.EXAMPLEexample"));
        assert!(looks_fake("00000000-0000-4000-8000-000000000000"));
        assert!(!looks_fake("8e5dcfdd-d23d-4e6f-a136-119e1254847b"));
        let token = Field {
            key: "access_token",
            secret: false,
            ..Field::api_key("X")
        };
        assert!(looks_secret(&token));
        let version = Field {
            key: "api_version",
            label: "API version",
            format: Format::Choice(&["1"]),
            ..Field::api_key("X")
        };
        assert!(!looks_secret(&version));
    }
}

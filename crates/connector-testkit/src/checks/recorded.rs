//! Recorded scenarios: that every connector has the required ones, and that replaying each gives
//! the recorded outcome and account from exactly the recorded request.

use std::time::{Duration, Instant};

use connector_core::check::resolve_variant;
use connector_core::{Auth, Status};
use serde_json::Value;

use crate::checks::actions;
use crate::fixture::{RecordedResponse, Scenario};
use crate::server::{
    carries_secret, received, request_differences, serve, serve_exchange, template, token_path,
    urls_for,
};
use crate::{CheckResult, Ctx};

/// Whether a scenario covers a required case.
type Covers = fn(&Scenario) -> bool;

/// The scenarios every connector must record, as (the outcome it covers, description, test).
/// Only verification scenarios count: an action's 401 says nothing about the check's. An outcome
/// the connector declares `undocumented` needs no scenario. A refusal counts whether it came
/// from the API or, for an exchange, from the token endpoint.
const REQUIRED: &[(Status, &str, Covers)] = &[
    (
        Status::Verified,
        "a valid key (200 → verified, with the account)",
        |s| s.expect.status() == Some(Status::Verified) && !s.is_rate_limit_then_success(),
    ),
    (Status::Rejected, "a revoked key (401 → rejected)", |s| {
        !s.is_action() && s.expect.status() == Some(Status::Rejected) && s.answers_with(401)
    }),
    (
        Status::Forbidden,
        "a key lacking permission (403 → forbidden)",
        |s| !s.is_action() && s.expect.status() == Some(Status::Forbidden) && s.answers_with(403),
    ),
    (
        Status::RateLimited,
        "a rate limit followed by success (429 then 200 → verified)",
        Scenario::is_rate_limit_then_success,
    ),
    (
        Status::Unavailable,
        "a provider outage (503 → unavailable)",
        |s| !s.is_action() && s.expect.status() == Some(Status::Unavailable) && s.answers_with(503),
    ),
];

/// `fixtures.load`: the connector's fixtures exist, parse, and cover the required scenarios.
pub(crate) fn load_check(ctx: &Ctx<'_>) -> CheckResult {
    let started = Instant::now();
    let id = ctx.connector.spec().id;
    let fixtures = &ctx.options.fixtures;
    let mut failures: Vec<String> = fixtures
        .errors
        .get("")
        .into_iter()
        .chain(fixtures.errors.get(id))
        .flatten()
        .cloned()
        .collect();
    let scenarios = fixtures.for_connector(id);
    if scenarios.is_empty() && !fixtures.scenarios.contains_key(id) {
        failures.push(format!(
            "no fixtures for `{id}`: add {}/{id}/<scenario>.json files (see fixtures/README.md)",
            fixtures.root.display()
        ));
    } else {
        let undocumented = ctx.connector.spec().undocumented;
        for (status, what, covers) in REQUIRED {
            if undocumented.contains(status) {
                continue;
            }
            if !scenarios.iter().any(covers) {
                failures.push(format!(
                    "no scenario for {what}; record one in {}/{id}/",
                    fixtures.root.display()
                ));
            }
        }
    }
    CheckResult::new("fixtures.load", failures, started.elapsed())
}

/// `recorded.<name>`: replays one scenario, running its action when it names one.
pub(crate) async fn replay(ctx: &Ctx<'_>, scenario: &Scenario) -> Vec<String> {
    if let Some(action) = &scenario.action {
        return actions::replay(ctx, scenario, action).await;
    }
    let spec = ctx.connector.spec();
    let mut failures = Vec::new();
    let variant = match resolve_variant(spec, scenario.variant.as_deref()) {
        Ok(v) => v,
        Err(message) => return vec![format!("the scenario's variant: {message}")],
    };
    let mut secrets = Ctx::secrets_of(variant, &scenario.credentials);
    let server = serve(scenario.responses.iter().map(template).collect()).await;
    let mut urls = urls_for(&server, spec);
    // An exchange's token endpoint gets a server of its own when it lives on another origin,
    // so what reaches each origin can be told apart.
    let exchange = match (variant.auth, &scenario.exchange) {
        (Auth::Exchange(declared), Some(recorded)) => {
            let answers: Vec<_> = recorded.responses.iter().map(template).collect();
            let token_server = serve_exchange(&server, spec, declared, answers, &mut urls).await;
            for response in &recorded.responses {
                if let Some(token) = response
                    .body
                    .as_ref()
                    .and_then(|b| b.pointer(declared.token))
                    .and_then(Value::as_str)
                {
                    secrets.push(token.to_owned());
                }
            }
            Some((declared, recorded, token_server))
        }
        // Verified by its exchange alone: the recorded request is the token request.
        (Auth::Exchange(_), None) if connector_core::exchange_alone(variant) => None,
        (Auth::Exchange(_), None) => {
            return vec!["the variant exchanges credentials for a token: record the token request and its answers under `exchange`".to_owned()]
        }
        (_, Some(_)) => {
            return vec!["`exchange` is recorded, but the variant sends its credential directly; remove it".to_owned()]
        }
        _ => None,
    };
    let probe = ctx
        .probe(
            format!("recorded.{}", scenario.name),
            scenario.variant.as_deref(),
            &scenario.credentials,
            urls,
            secrets.clone(),
            deadline(ctx, scenario),
        )
        .await;
    let report = &probe.report;

    let expected = scenario.expect.status();
    if expected != Some(report.status) {
        failures.push(format!(
            "ended `{}`, the recording says `{}` ({})",
            report.status, scenario.expect.status, report.message
        ));
    }
    if let Some(account) = &scenario.expect.account {
        let actual = report
            .account
            .clone()
            .map(Value::Object)
            .unwrap_or(Value::Null);
        let wanted = Value::Object(account.clone());
        if actual != wanted {
            let fix = match ctx.options.defined_in {
                Some(_) => format!(
                    "check the variant's proof in {}",
                    ctx.options.source_of(ctx.connector.spec().id, "spec.rs")
                ),
                None => {
                    "check the variant's proof in spec.rs, or the connector's account()".to_owned()
                }
            };
            failures.push(format!(
                "reported account {actual}, the recording says {wanted}; {fix}"
            ));
        }
    }

    let mut requests = received(&server).await;
    if let Some((declared, recorded, token_server)) = &exchange {
        let token_path = token_path(spec, declared);
        let token_requests = match token_server {
            Some(own) => received(own).await,
            None => {
                let (token, api): (Vec<_>, Vec<_>) = requests
                    .into_iter()
                    .partition(|r| r.url.path() == token_path);
                requests = api;
                token
            }
        };
        for (i, request) in token_requests.iter().enumerate() {
            for difference in request_differences(&recorded.request, request, &secrets) {
                failures.push(format!("token request {}: {difference}", i + 1));
            }
        }
        // The client secret goes to the token endpoint only.
        let client: Vec<String> = variant
            .fields
            .iter()
            .filter(|f| f.secret)
            .filter_map(|f| scenario.credentials.get(f.key).cloned())
            .collect();
        if token_server.is_some() && requests.iter().any(|r| carries_secret(r, &client)) {
            failures.push(
                "the API origin received the client secret; it may go to the token endpoint only"
                    .to_owned(),
            );
        }
    }
    match scenario.expect.requests {
        Some(count) if requests.len() != count => failures.push(format!(
            "the provider received {} request(s), the recording says {count}",
            requests.len()
        )),
        None if requests.is_empty() => failures.push("the connector sent no request".to_owned()),
        _ => {}
    }
    if let Some(expected) = &scenario.request {
        for (i, request) in requests.iter().enumerate() {
            for difference in request_differences(expected, request, &secrets) {
                failures.push(format!("request {}: {difference}", i + 1));
            }
        }
    }
    failures
}

/// The deadline of a recorded scenario's check: the suite's, plus the `Retry-After` waits the
/// recording asks for before its last answers ([`waits_to_get_past`]). Such a scenario is about
/// what the answers mean; fitting a token exchange, a wait and a retry into the suite's short
/// deadline on a busy machine is not part of it (the behaviour checks test deadlines). `None`:
/// the suite's deadline.
fn deadline(ctx: &Ctx<'_>, scenario: &Scenario) -> Option<Duration> {
    let extra = waits_to_get_past(scenario, ctx.options.timeout);
    (!extra.is_zero()).then(|| ctx.options.timeout + extra)
}

/// The `Retry-After` waits a check must sit out to reach the scenario's expected end: those of
/// every answer but the last, from the provider and from the token endpoint, each no longer
/// than `deadline` (a longer one is not waited for). Nothing when the scenario ends
/// `rate_limited` or `unavailable`, which the waits are part of.
fn waits_to_get_past(scenario: &Scenario, deadline: Duration) -> Duration {
    if matches!(
        scenario.expect.status(),
        None | Some(Status::RateLimited | Status::Unavailable)
    ) {
        return Duration::ZERO;
    }
    let waits = |responses: &[RecordedResponse]| -> Duration {
        let before_last = responses.len().saturating_sub(1);
        responses[..before_last]
            .iter()
            .filter_map(|response| {
                let (_, value) = response
                    .headers
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case("retry-after"))?;
                connector_core::http::retry_after_value(value).filter(|wait| *wait <= deadline)
            })
            .sum()
    };
    let exchange = scenario
        .exchange
        .as_ref()
        .map_or(Duration::ZERO, |exchange| waits(&exchange.responses));
    waits(&scenario.responses) + exchange
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scenario(responses: Value, exchange: Option<Value>, status: &str) -> Scenario {
        let mut scenario = json!({
            "name": "s",
            "description": "d",
            "credentials": {},
            "request": {"method": "GET", "path": "/"},
            "responses": responses,
            "expect": {"status": status},
        });
        if let Some(exchange) = exchange {
            scenario["exchange"] = json!({
                "request": {"method": "POST", "path": "/token"},
                "responses": exchange,
            });
        }
        serde_json::from_value(scenario).expect("a scenario")
    }

    #[test]
    fn a_check_meant_to_get_past_retry_after_waits_gets_them_on_top_of_the_deadline() {
        let deadline = Duration::from_secs(2);
        let limited = json!({"status": 429, "headers": {"retry-after": "1"}});
        let ok = json!({"status": 200, "body": {}});
        let then_ok = scenario(json!([limited, ok]), None, "rejected");
        assert_eq!(
            waits_to_get_past(&then_ok, deadline),
            Duration::from_secs(1)
        );
        // The token endpoint's waits count too.
        let both = scenario(json!([limited, ok]), Some(json!([limited, ok])), "rejected");
        assert_eq!(waits_to_get_past(&both, deadline), Duration::from_secs(2));
        // The last answer's wait is never sat out; a wait past the deadline is not waited for.
        let last = scenario(json!([ok, limited]), None, "rejected");
        assert_eq!(waits_to_get_past(&last, deadline), Duration::ZERO);
        let long = json!({"status": 429, "headers": {"Retry-After": "30"}});
        let too_long = scenario(json!([long, ok]), None, "rejected");
        assert_eq!(waits_to_get_past(&too_long, deadline), Duration::ZERO);
        // Ending rate limited is what the waits are part of.
        let forever = scenario(json!([limited, limited]), None, "rate_limited");
        assert_eq!(waits_to_get_past(&forever, deadline), Duration::ZERO);
    }
}

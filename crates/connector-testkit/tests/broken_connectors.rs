//! Proof that the suite can fail: deliberately broken connectors, each with one classic mistake,
//! and the check that must catch it.

use async_trait::async_trait;
use connector_core::check::{join_url, run_check};
use connector_core::secret::RawValue;
use connector_core::{
    AccountProof, Auth, CheckOptions, CheckReport, Connector, ConnectorSpec, CredentialVariant,
    Field, HttpClient, RawCredentials, Status, Verdict,
};
use connector_testkit::{run_suite, ConnectorReport, SuiteOptions};
use secrecy::ExposeSecret;
use serde_json::Value;

/// Runs the suite over one broken connector that replays the fixtures of `twin`.
async fn suite_for(connector: &dyn Connector, twin: &str) -> ConnectorReport {
    let mut options = SuiteOptions::with_fixtures_dir(&SuiteOptions::workspace_fixtures_dir());
    options.fixtures.share(twin, connector.spec().id);
    let mut report = run_suite(&[connector], &options).await;
    report.connectors.remove(0)
}

/// Asserts the named check failed with a reason containing `needle`, and that the suite did not
/// simply fail everything (`spec.id` still passes).
fn assert_fails(report: &ConnectorReport, check: &str, needle: &str) {
    let result = report
        .check(check)
        .unwrap_or_else(|| panic!("check `{check}` did not run"));
    assert!(!result.passed, "`{check}` should fail but passed");
    println!(
        "{} / {check}:\n  {}",
        report.connector,
        result.failures.join("\n  ")
    );
    assert!(
        result.failures.iter().any(|f| f.contains(needle)),
        "`{check}` failed without mentioning `{needle}`: {:#?}",
        result.failures
    );
    assert!(report.check("spec.id").is_some_and(|c| c.passed));
}

fn key_of(raw: &RawCredentials) -> String {
    match raw.get("api_key") {
        Some(RawValue::Text(key)) => key.expose_secret().to_owned(),
        _ => String::new(),
    }
}

// ---- Wrong auth header: the spec misspells SmartRecruiters' X-SmartToken.

const TYPO_HEADER: ConnectorSpec = ConnectorSpec {
    id: "broken-typo-header",
    variants: &[CredentialVariant {
        name: "api_key",
        aliases: &[],
        label: "API key",
        description: "Sends the key in a misspelt header.",
        fields: smartrecruiters::SPEC.variants[0].fields,
        auth: Auth::Header {
            header: "X-Smart-Token",
            field: "api_key",
        },
        extra_headers: &[],
        verify: smartrecruiters::SPEC.variants[0].verify,
    }],
    ..smartrecruiters::SPEC
};

struct TypoHeader;

impl Connector for TypoHeader {
    fn spec(&self) -> &'static ConnectorSpec {
        &TYPO_HEADER
    }
    fn account(&self, v: &CredentialVariant, body: &Value) -> Result<AccountProof, String> {
        smartrecruiters::SmartRecruiters.account(v, body)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_misspelt_auth_header_fails_the_recorded_request() {
    let report = suite_for(&TypoHeader, "smartrecruiters").await;
    assert_fails(
        &report,
        "recorded.valid-key",
        "header `X-SmartToken` is missing",
    );
}

// ---- Wrong auth header: the spec is right but `check` sends the key as a Bearer token.

struct BearerInsteadOfSmartToken;

const BEARER_TWIN: ConnectorSpec = ConnectorSpec {
    variants: &[CredentialVariant {
        name: "api_key",
        aliases: &[],
        label: "API key",
        description: "The same key sent as a Bearer token.",
        fields: smartrecruiters::SPEC.variants[0].fields,
        auth: Auth::Bearer { field: "api_key" },
        extra_headers: &[],
        verify: smartrecruiters::SPEC.variants[0].verify,
    }],
    ..smartrecruiters::SPEC
};

struct BearerTwin;

impl Connector for BearerTwin {
    fn spec(&self) -> &'static ConnectorSpec {
        &BEARER_TWIN
    }
    fn account(&self, v: &CredentialVariant, body: &Value) -> Result<AccountProof, String> {
        smartrecruiters::SmartRecruiters.account(v, body)
    }
}

const BEARER_SPEC: ConnectorSpec = ConnectorSpec {
    id: "broken-bearer",
    ..smartrecruiters::SPEC
};

#[async_trait]
impl Connector for BearerInsteadOfSmartToken {
    fn spec(&self) -> &'static ConnectorSpec {
        &BEARER_SPEC
    }
    fn account(&self, v: &CredentialVariant, body: &Value) -> Result<AccountProof, String> {
        smartrecruiters::SmartRecruiters.account(v, body)
    }
    async fn check(
        &self,
        http: &HttpClient,
        variant: Option<&str>,
        credentials: &RawCredentials,
        options: &CheckOptions,
    ) -> CheckReport {
        run_check(&BearerTwin, http, variant, credentials, options).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_sent_other_than_declared_fails_the_declared_request() {
    let report = suite_for(&BearerInsteadOfSmartToken, "smartrecruiters").await;
    assert_fails(
        &report,
        "behaviour.request-as-declared",
        "header `X-SmartToken` is missing",
    );
    assert_fails(&report, "recorded.valid-key", "X-SmartToken");
}

// ---- Key written to a log.

const LOGS_KEY: ConnectorSpec = ConnectorSpec {
    id: "broken-logs-key",
    ..stackone::SPEC
};

struct LogsKey;

#[async_trait]
impl Connector for LogsKey {
    fn spec(&self) -> &'static ConnectorSpec {
        &LOGS_KEY
    }
    fn account(&self, v: &CredentialVariant, body: &Value) -> Result<AccountProof, String> {
        stackone::StackOne.account(v, body)
    }
    async fn check(
        &self,
        http: &HttpClient,
        variant: Option<&str>,
        credentials: &RawCredentials,
        options: &CheckOptions,
    ) -> CheckReport {
        tracing::info!(api_key = %key_of(credentials), "checking a StackOne key");
        run_check(self, http, variant, credentials, options).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_written_to_the_log_fails_trace_hygiene() {
    let report = suite_for(&LogsKey, "stackone").await;
    assert_fails(&report, "hygiene.trace-logs", "api_key=<key>");
    // The report itself stays clean: the failure is specific to the log.
    assert!(report.check("hygiene.json").is_some_and(|c| c.passed));
}

// ---- 401 treated as verified.

const ACCEPTS_REVOKED: ConnectorSpec = ConnectorSpec {
    id: "broken-accepts-revoked",
    ..polymer_hire::SPEC
};

struct AcceptsRevoked;

impl Connector for AcceptsRevoked {
    fn spec(&self) -> &'static ConnectorSpec {
        &ACCEPTS_REVOKED
    }
    fn account(&self, v: &CredentialVariant, body: &Value) -> Result<AccountProof, String> {
        polymer_hire::PolymerHire.account(v, body)
    }
    fn classify(&self, status: u16, _body: &Value) -> Option<Verdict> {
        (status == 401).then(|| Verdict {
            status: Status::Verified,
            message: "looks fine".to_owned(),
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_treated_as_verified_fails_rejection_checks() {
    let report = suite_for(&AcceptsRevoked, "polymer-hire").await;
    assert_fails(
        &report,
        "behaviour.401-rejected",
        "ended `verified`, expected `rejected`",
    );
    assert_fails(
        &report,
        "recorded.revoked-key",
        "the recording says `rejected`",
    );
}

// ---- Cross-origin redirect followed with the key.

const FOLLOWS_REDIRECT: ConnectorSpec = ConnectorSpec {
    id: "broken-follows-redirect",
    ..smartrecruiters::SPEC
};

struct FollowsRedirect;

#[async_trait]
impl Connector for FollowsRedirect {
    fn spec(&self) -> &'static ConnectorSpec {
        &FOLLOWS_REDIRECT
    }
    fn account(&self, v: &CredentialVariant, body: &Value) -> Result<AccountProof, String> {
        smartrecruiters::SmartRecruiters.account(v, body)
    }
    /// Sends the request itself and, on a redirect, resends the key to wherever it points.
    async fn check(
        &self,
        http: &HttpClient,
        variant: Option<&str>,
        credentials: &RawCredentials,
        options: &CheckOptions,
    ) -> CheckReport {
        let mut report = run_check(self, http, variant, credentials, options).await;
        let Some(base) = &options.base_url else {
            return report;
        };
        if !report.http_status.is_some_and(|s| (300..400).contains(&s)) {
            return report;
        }
        if follow_with_key(base, &key_of(credentials)).await == Some(true) {
            report.status = Status::Verified;
            report.message = "verified after following the redirect".to_owned();
        }
        report
    }
}

/// Requests the verification path and follows one redirect, key included; whether it ended 2xx.
async fn follow_with_key(base: &url::Url, key: &str) -> Option<bool> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .ok()?;
    let url = join_url(base, "/configuration/company").ok()?;
    let first = client
        .get(url)
        .header("X-SmartToken", key)
        .send()
        .await
        .ok()?;
    let location = first.headers().get("location")?.to_str().ok()?.to_owned();
    let second = client
        .get(location)
        .header("X-SmartToken", key)
        .send()
        .await
        .ok()?;
    Some(second.status().is_success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_followed_cross_origin_redirect_fails_the_redirect_check() {
    let report = suite_for(&FollowsRedirect, "smartrecruiters").await;
    assert_fails(
        &report,
        "behaviour.cross-origin-redirect-not-followed",
        "carrying the key",
    );
}

// ---- A secret field not marked secret.

const UNMARKED_SECRET: ConnectorSpec = ConnectorSpec {
    id: "broken-unmarked-secret",
    variants: &[CredentialVariant {
        name: "api_key",
        aliases: &[],
        label: "API key",
        description: "The key field forgot `secret: true`.",
        fields: &[Field {
            secret: false,
            example: Some("ph_example_0000000000000000000000000000"),
            ..Field::api_key("POLYMER_HIRE_API_KEY")
        }],
        auth: Auth::Bearer { field: "api_key" },
        extra_headers: &[],
        verify: polymer_hire::SPEC.variants[0].verify,
    }],
    ..polymer_hire::SPEC
};

struct UnmarkedSecret;

impl Connector for UnmarkedSecret {
    fn spec(&self) -> &'static ConnectorSpec {
        &UNMARKED_SECRET
    }
    fn account(&self, v: &CredentialVariant, body: &Value) -> Result<AccountProof, String> {
        polymer_hire::PolymerHire.account(v, body)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_field_not_marked_secret_fails_the_spec_check() {
    let report = suite_for(&UnmarkedSecret, "polymer-hire").await;
    assert_fails(
        &report,
        "spec.secret-fields",
        "field `api_key` can hold a secret",
    );
}

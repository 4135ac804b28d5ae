//! Proof that the suite can fail: deliberately broken connectors, each with one classic mistake,
//! and the check that must catch it.

use async_trait::async_trait;
use connector_core::action::Output;
use connector_core::check::run_check;
use connector_core::http::Repeat;
use connector_core::secret::RawValue;
use connector_core::{
    AccountProof, ActionSpec, Auth, CheckOptions, CheckReport, Connector, ConnectorSpec,
    CredentialVariant, Field, Format, HttpClient, RawCredentials, RequestSpec, Status, Verdict,
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

/// A real connector under a broken spec: it reads accounts as the real one does, and classifies
/// and checks with the trait's defaults, as a connector written from that spec would.
struct Twin<C> {
    broken: &'static ConnectorSpec<'static>,
    real: C,
}

impl<C: Connector> Connector for Twin<C> {
    fn spec(&self) -> &ConnectorSpec<'_> {
        self.broken
    }
    fn account(&self, v: &CredentialVariant, body: &Value) -> Result<AccountProof, String> {
        self.real.account(v, body)
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
        proof: smartrecruiters::SPEC.variants[0].proof,
    }],
    ..smartrecruiters::SPEC
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_misspelt_auth_header_fails_the_recorded_request() {
    let report = suite_for(
        &Twin {
            broken: &TYPO_HEADER,
            real: smartrecruiters::SmartRecruiters,
        },
        "smartrecruiters",
    )
    .await;
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
        proof: smartrecruiters::SPEC.variants[0].proof,
    }],
    ..smartrecruiters::SPEC
};

const BEARER_SPEC: ConnectorSpec = ConnectorSpec {
    id: "broken-bearer",
    ..smartrecruiters::SPEC
};

#[async_trait]
impl Connector for BearerInsteadOfSmartToken {
    fn spec(&self) -> &ConnectorSpec<'_> {
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
        let twin = Twin {
            broken: &BEARER_TWIN,
            real: smartrecruiters::SmartRecruiters,
        };
        run_check(&twin, http, variant, credentials, options).await
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
    fn spec(&self) -> &ConnectorSpec<'_> {
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
    fn spec(&self) -> &ConnectorSpec<'_> {
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
    fn spec(&self) -> &ConnectorSpec<'_> {
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
        let Some(base) = options.urls.base_url.as_ref().and_then(|u| u.fixed()) else {
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
    let url = format!(
        "{}/configuration/company",
        base.as_str().trim_end_matches('/')
    );
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
        proof: polymer_hire::SPEC.variants[0].proof,
    }],
    ..polymer_hire::SPEC
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_field_not_marked_secret_fails_the_spec_check() {
    let report = suite_for(
        &Twin {
            broken: &UNMARKED_SECRET,
            real: polymer_hire::PolymerHire,
        },
        "polymer-hire",
    )
    .await;
    assert_fails(
        &report,
        "spec.secret-fields",
        "field `api_key` can hold a secret",
    );
}

// ---- Actions: Polytomic's create-api-key with one mistake each, replaying Polytomic's fixtures.

const CREATE: &ActionSpec = &polytomic::SPEC.actions[0];

/// The Polytomic connector under another spec.
fn polytomic_twin(broken: &'static ConnectorSpec<'static>) -> Twin<polytomic::Polytomic> {
    Twin {
        broken,
        real: polytomic::Polytomic,
    }
}

/// `create-api-key` with its request replaced.
const fn with_request(
    path: &'static str,
    repeat: Repeat,
    inputs: &'static [Field<'static>],
    outputs: &'static [Output<'static>],
) -> ActionSpec<'static> {
    ActionSpec {
        id: CREATE.id,
        name: CREATE.name,
        description: CREATE.description,
        variant: CREATE.variant,
        inputs,
        request: RequestSpec {
            path,
            ..CREATE.request
        },
        query: CREATE.query,
        repeat,
        outputs,
        cautions: CREATE.cautions,
    }
}

// The minted key is read into an output that forgot `secret: true`.

const UNMARKED_OUTPUT: ConnectorSpec = ConnectorSpec {
    id: "broken-unmarked-output",
    actions: &[with_request(
        CREATE.request.path,
        Repeat::OnlyIfRefused,
        CREATE.inputs,
        &[Output {
            secret: false,
            key: "api_key",
            label: "API key",
            description: "The new key, left unmarked.",
            pointer: "/data/value",
        }],
    )],
    ..polytomic::SPEC
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_minted_key_not_marked_secret_fails_the_output_and_hygiene_checks() {
    let report = suite_for(&polytomic_twin(&UNMARKED_OUTPUT), "polytomic").await;
    assert_fails(
        &report,
        "spec.action-outputs",
        "output `api_key` can hold a secret",
    );
    assert_fails(
        &report,
        "hygiene.action-secrets",
        "secret_outputs lacks the `api_key` the provider sent",
    );
    assert_fails(
        &report,
        "hygiene.action-secrets",
        "the minted `api_key` appears in the JSON of the report",
    );
    assert_fails(
        &report,
        "recorded.create-api-key-minted",
        "secret outputs must appear masked",
    );
    // The failure messages name the leak without repeating the key.
    let minted = "7e3c91d0-5b2a-4f86-9d14-fake00007c1e";
    for check in &report.checks {
        for failure in &check.failures {
            assert!(!failure.contains(minted), "{}: {failure}", check.name);
        }
    }
    assert!(report
        .check("spec.action-requests")
        .is_some_and(|c| c.passed));
}

// The key-minting POST is declared safe to repeat.

const REPEATED_POST: ConnectorSpec = ConnectorSpec {
    id: "broken-repeated-post",
    actions: &[with_request(
        CREATE.request.path,
        Repeat::Safe,
        CREATE.inputs,
        CREATE.outputs,
    )],
    ..polytomic::SPEC
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_declared_safe_to_repeat_fails_the_request_check_and_is_resent() {
    let report = suite_for(&polytomic_twin(&REPEATED_POST), "polytomic").await;
    assert_fails(
        &report,
        "spec.action-requests",
        "declare `repeat: Repeat::OnlyIfRefused`",
    );
    assert_fails(
        &report,
        "recorded.create-api-key-server-error",
        "the provider received 3 request(s), the recording says 1",
    );
    assert!(report
        .check("spec.action-outputs")
        .is_some_and(|c| c.passed));
}

// A path input typed as free text: `../../admin` reaches the provider.

const FREE_TEXT_INPUTS: &[Field] = &[
    Field {
        format: Format::Text,
        ..CREATE.inputs[0]
    },
    Field { ..CREATE.inputs[1] },
    Field { ..CREATE.inputs[2] },
];

const FREE_TEXT_ID: ConnectorSpec = ConnectorSpec {
    id: "broken-free-text-id",
    actions: &[with_request(
        CREATE.request.path,
        Repeat::OnlyIfRefused,
        FREE_TEXT_INPUTS,
        CREATE.outputs,
    )],
    ..polytomic::SPEC
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_free_text_path_input_fails_the_input_check_and_sends_bad_ids() {
    let report = suite_for(&polytomic_twin(&FREE_TEXT_ID), "polytomic").await;
    assert_fails(
        &report,
        "spec.action-inputs",
        "input `org_id` fills the path but is free text",
    );
    assert_fails(
        &report,
        "recorded.create-api-key-malformed-ids",
        "invalid input must be refused before anything is sent",
    );
}

// A path placeholder no input fills.

const UNFILLED_PLACEHOLDER: ConnectorSpec = ConnectorSpec {
    id: "broken-unfilled-placeholder",
    actions: &[with_request(
        "/api/organizations/{organization_id}/users/{user_id}/keys",
        Repeat::OnlyIfRefused,
        CREATE.inputs,
        CREATE.outputs,
    )],
    ..polytomic::SPEC
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_placeholder_without_an_input_fails_the_input_check() {
    let report = suite_for(&polytomic_twin(&UNFILLED_PLACEHOLDER), "polytomic").await;
    assert_fails(
        &report,
        "spec.action-inputs",
        "`{organization_id}` names no declared input",
    );
    assert_fails(
        &report,
        "recorded.create-api-key-minted",
        "names the placeholder `{organization_id}`, which broken-unfilled-placeholder has no field for",
    );
}

// ---- Scaffold placeholders left in: the spec's `/TODO` path and a fixture's TODO bodies.

const SCAFFOLDED: ConnectorSpec = ConnectorSpec {
    id: "broken-scaffolded",
    summary: "TODO: one sentence on what the provider is.",
    variants: &[CredentialVariant {
        verify: RequestSpec {
            path: "/TODO",
            ..polymer_hire::SPEC.variants[0].verify
        },
        ..UNMARKED_SECRET.variants[0]
    }],
    ..polymer_hire::SPEC
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn placeholders_left_by_the_scaffold_fail_no_placeholders_naming_each_field() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let fixtures = dir.path().join("broken-scaffolded");
    std::fs::create_dir(&fixtures).expect("a fixtures directory");
    let scenario = serde_json::json!({
        "name": "valid-key",
        "description": "TODO: a working key; record the provider's real 200 body.",
        "credentials": {"api_key": "fake0000EXAMPLE"},
        "request": {"method": "GET", "path": "/v1/hire/TODO"},
        "responses": [{"status": 200, "body": {"TODO": "the provider's body"}}],
        "expect": {"status": "verified", "account": {"TODO": "the account"}}
    });
    std::fs::write(fixtures.join("valid-key.json"), scenario.to_string()).expect("written");
    let options = SuiteOptions::with_fixtures_dir(dir.path());
    let scaffolded = Twin {
        broken: &SCAFFOLDED,
        real: polymer_hire::PolymerHire,
    };
    let mut suite = run_suite(&[&scaffolded], &options).await;
    let report = suite.connectors.remove(0);
    assert_fails(
        &report,
        "spec.no-placeholders",
        "`variants[api_key].verify.path` is still a placeholder (\"/TODO\"); fill it in connectors/broken-scaffolded/src/spec.rs",
    );
    assert_fails(
        &report,
        "spec.no-placeholders",
        "`summary` is still a placeholder",
    );
    assert_fails(
        &report,
        "spec.no-placeholders",
        "valid-key.json still has placeholders in ",
    );
    for field in [
        "description",
        "request.path",
        "responses[0].body.TODO",
        "expect.account.TODO",
    ] {
        let listed = report.check("spec.no-placeholders").is_some_and(|c| {
            c.failures
                .iter()
                .any(|f| f.contains("valid-key.json") && f.contains(field))
        });
        assert!(listed, "the fixture's `{field}` is not named");
    }
}

// ---- A report that leaks what the shared code kept out: the hostile scenarios must notice.

/// How a [`Leaky`] connector spoils the report `run_check` gave it.
#[derive(Debug, Clone, Copy)]
enum Spoil {
    /// Quotes the Basic header it "sent" in every refusal.
    BasicHeaderInRefusals,
    /// Adds the start of the key to the account as a "hint".
    KeyHintInAccount,
    /// Names the redirect target by the key, lower-cased.
    KeyInRedirectMessage,
    /// Passes terminal escapes through into refusal messages.
    RawEscapesInRefusals,
}

const LEAKY: ConnectorSpec = ConnectorSpec {
    id: "broken-leaky",
    ..polymer_hire::SPEC
};

struct Leaky(Spoil);

#[async_trait]
impl Connector for Leaky {
    fn spec(&self) -> &ConnectorSpec<'_> {
        &LEAKY
    }
    fn account(&self, v: &CredentialVariant, body: &Value) -> Result<AccountProof, String> {
        polymer_hire::PolymerHire.account(v, body)
    }
    async fn check(
        &self,
        http: &HttpClient,
        variant: Option<&str>,
        credentials: &RawCredentials,
        options: &CheckOptions,
    ) -> CheckReport {
        use base64::Engine as _;
        let mut report = run_check(self, http, variant, credentials, options).await;
        let key = key_of(credentials);
        let refused = matches!(report.status, Status::Rejected | Status::Forbidden);
        let redirected = report
            .http_status
            .is_some_and(|code| (300..400).contains(&code));
        match self.0 {
            Spoil::BasicHeaderInRefusals if refused => {
                let basic = base64::engine::general_purpose::STANDARD.encode(format!("{key}:"));
                report.message.push_str(&format!(" (sent Basic {basic})"));
            }
            Spoil::KeyHintInAccount => {
                if let Some(account) = report.account.as_mut() {
                    let hint: String = key.chars().take(14).collect();
                    account.insert("key_hint".to_owned(), Value::String(hint));
                }
            }
            Spoil::KeyInRedirectMessage if redirected => {
                report
                    .message
                    .push_str(&format!(" via {}", key.to_lowercase()));
            }
            Spoil::RawEscapesInRefusals if refused => {
                report.message.push_str("\u{1b}]0;owned\u{7}");
            }
            _ => {}
        }
        report
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_quoted_in_base64_fails_the_echo_and_hygiene_checks() {
    let report = suite_for(&Leaky(Spoil::BasicHeaderInRefusals), "polymer-hire").await;
    assert_fails(
        &report,
        "hostile.echo-in-every-form",
        "echoing the key as is: in the JSON of the report, the key (",
    );
    assert_fails(&report, "hygiene.json", "(sent Basic <key>");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn part_of_the_key_in_the_account_fails_the_account_check() {
    let report = suite_for(&Leaky(Spoil::KeyHintInAccount), "polymer-hire").await;
    assert_fails(
        &report,
        "hostile.key-in-account-fields",
        "a success with every text field the key: in the JSON of the report, the key",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_named_as_a_redirect_target_fails_the_location_check() {
    let report = suite_for(&Leaky(Spoil::KeyInRedirectMessage), "polymer-hire").await;
    assert_fails(
        &report,
        "hostile.key-in-redirect-location",
        "whose Location holds the key: in the Display of the report, the key (",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminal_escapes_in_a_message_fail_the_control_character_check() {
    let report = suite_for(&Leaky(Spoil::RawEscapesInRefusals), "polymer-hire").await;
    assert_fails(
        &report,
        "hostile.control-characters",
        "the report's message holds U+001B, which a terminal acts on",
    );
    // The shared Display escapes it all the same: only the message itself is at fault.
    let check = report.check("hostile.control-characters").expect("ran");
    assert!(
        check.failures.iter().all(|f| !f.contains("Display holds")),
        "{:#?}",
        check.failures
    );
}

// ---- A connector that panics on a rate limit: the suite survives and says so.

const PANICS: ConnectorSpec = ConnectorSpec {
    id: "broken-panics-on-429",
    ..polymer_hire::SPEC
};

struct PanicsOnRateLimit;

impl Connector for PanicsOnRateLimit {
    fn spec(&self) -> &ConnectorSpec<'_> {
        &PANICS
    }
    fn account(&self, v: &CredentialVariant, body: &Value) -> Result<AccountProof, String> {
        polymer_hire::PolymerHire.account(v, body)
    }
    fn classify(&self, status: u16, _body: &Value) -> Option<Verdict> {
        assert_ne!(status, 429, "unexpected rate limit");
        None
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_on_a_rate_limit_fails_the_retry_after_check_without_stopping_the_suite() {
    let report = suite_for(&PanicsOnRateLimit, "polymer-hire").await;
    assert_fails(
        &report,
        "hostile.absurd-retry-after",
        "a 429 with Retry-After: -1: the check panicked",
    );
    // 503s do not reach the panic: those scenarios pass for this connector.
    let check = report.check("hostile.absurd-retry-after").expect("ran");
    assert!(
        check.failures.iter().all(|f| !f.starts_with("a 503")),
        "{:#?}",
        check.failures
    );
}

// ---- A URL placeholder the connector fills itself, without the core's check that the value
// stays one host label or path segment.

const UNCHECKED_PLACEHOLDER: ConnectorSpec = ConnectorSpec {
    id: "broken-unchecked-placeholder",
    base_url: connector_core::BaseUrl::Template("https://api.smartrecruiters.com/{tenant}"),
    variants: &[CredentialVariant {
        fields: &[
            Field {
                example: Some("fake0000EXAMPLE0000"),
                ..Field::api_key("BROKEN_API_KEY")
            },
            Field {
                key: "tenant",
                label: "Tenant",
                help: "The tenant's name.",
                required: true,
                secret: false,
                format: Format::Text,
                example: Some("acme"),
                env: None,
                default: None,
            },
        ],
        auth: Auth::Header {
            header: "X-SmartToken",
            field: "api_key",
        },
        ..smartrecruiters::SPEC.variants[0]
    }],
    ..smartrecruiters::SPEC
};

struct UncheckedPlaceholder;

#[async_trait::async_trait]
impl Connector for UncheckedPlaceholder {
    fn spec(&self) -> &ConnectorSpec<'_> {
        &UNCHECKED_PLACEHOLDER
    }
    fn account(&self, v: &CredentialVariant, body: &Value) -> Result<AccountProof, String> {
        smartrecruiters::SmartRecruiters.account(v, body)
    }
    /// Pastes the tenant into the URL as given and sends, before the core would refuse it.
    async fn check(
        &self,
        http: &HttpClient,
        variant: Option<&str>,
        credentials: &RawCredentials,
        options: &CheckOptions,
    ) -> CheckReport {
        if let Some(base) = options.urls.base_url.as_ref() {
            let tenant = match credentials.get("tenant") {
                Some(RawValue::Text(t)) => t.expose_secret().to_owned(),
                _ => String::new(),
            };
            let url = base.as_str().replace("{tenant}", &tenant);
            let url = format!("{}/configuration/company", url.trim_end_matches('/'));
            let quick = std::time::Duration::from_millis(300);
            if let Ok(client) = reqwest::Client::builder().timeout(quick).build() {
                let _ = client.get(url).send().await;
            }
        }
        run_check(self, http, variant, credentials, options).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_placeholder_value_sent_unchecked_fails_the_escape_check() {
    let report = suite_for(&UncheckedPlaceholder, "none").await;
    assert_fails(
        &report,
        "behaviour.placeholder-escape-sends-nothing",
        "reached the provider",
    );
}

// ---- A second secret the spec forgets to mark: `--dry-run` shows it.

const UNMARKED_PAIR: ConnectorSpec = ConnectorSpec {
    id: "broken-unmarked-pair",
    variants: &[CredentialVariant {
        fields: &[
            Field {
                key: "login",
                label: "Login",
                example: Some("login0000EXAMPLE0000"),
                ..Field::api_key("BROKEN_LOGIN")
            },
            Field {
                key: "token",
                label: "Token",
                help: "The second half of the credential.",
                required: true,
                secret: false,
                format: Format::Text,
                example: Some("token0000EXAMPLE1111"),
                env: None,
                default: None,
            },
        ],
        auth: Auth::Basic {
            username: connector_core::Part::Field("login"),
            password: connector_core::Part::Field("token"),
        },
        ..stackone::SPEC.variants[0]
    }],
    ..stackone::SPEC
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unmarked_second_secret_fails_the_dry_run_check() {
    let report = suite_for(
        &Twin {
            broken: &UNMARKED_PAIR,
            real: stackone::StackOne,
        },
        "none",
    )
    .await;
    assert_fails(
        &report,
        "behaviour.dry-run-builds-default-request-masked",
        "--dry-run shows a secret",
    );
}

// ---- The client secret sent to the API as well as to the token endpoint.

const SECRET_EVERYWHERE: ConnectorSpec = ConnectorSpec {
    id: "broken-secret-everywhere",
    variants: &[CredentialVariant {
        extra_headers: &[connector_core::ExtraHeader {
            name: "X-Client-Secret",
            value: connector_core::HeaderValueSource::Field("client_secret"),
        }],
        ..greenhouse::SPEC.variants[0]
    }],
    ..greenhouse::SPEC
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_secret_sent_to_the_api_fails_the_origin_rule() {
    let report = suite_for(
        &Twin {
            broken: &SECRET_EVERYWHERE,
            real: greenhouse::Greenhouse,
        },
        "greenhouse",
    )
    .await;
    assert_fails(
        &report,
        "recorded.valid-key",
        "the API origin received the client secret",
    );
}

// ---- The exchanged token, or a query-string key, copied into the report.

/// Appends what the connector was trusted with to every message.
struct Blabbing(&'static ConnectorSpec<'static>);

#[async_trait::async_trait]
impl Connector for Blabbing {
    fn spec(&self) -> &ConnectorSpec<'_> {
        self.0
    }
    fn account(&self, v: &CredentialVariant, body: &Value) -> Result<AccountProof, String> {
        match self.0.id {
            "greenhouse" => greenhouse::Greenhouse.account(v, body),
            _ => jazzhr::JazzHr.account(v, body),
        }
    }
    async fn check(
        &self,
        http: &HttpClient,
        variant: Option<&str>,
        credentials: &RawCredentials,
        options: &CheckOptions,
    ) -> CheckReport {
        let mut report = run_check(self, http, variant, credentials, options).await;
        // What a careless connector might print: the URL it called, or the token it got.
        if let Some(base) = options.urls.base_url.as_ref() {
            let key = key_of(credentials);
            report.message = format!(
                "{} (called {}/users?apikey={key})",
                report.message,
                base.as_str()
            );
        }
        if let Some(auth) = options.urls.origins.get("auth") {
            if let Ok(answer) = reqwest::Client::new()
                .post(format!("{}/token", auth.as_str().trim_end_matches('/')))
                .send()
                .await
            {
                let token = answer.text().await.unwrap_or_default();
                report.warnings.push(format!("token endpoint said {token}"));
            }
        }
        report
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exchanged_token_in_a_report_fails_hygiene() {
    let report = suite_for(&Blabbing(&greenhouse::SPEC), "greenhouse").await;
    assert_fails(&report, "hygiene.json", "token endpoint said");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_key_in_a_message_fails_hygiene() {
    let report = suite_for(&Blabbing(&jazzhr::SPEC), "jazzhr").await;
    assert_fails(&report, "hygiene.json", "apikey=<key>");
}

// ---- A proof whose warning tests a member `identifying` lists: a recording replaces its value.

const TESTS_IDENTIFYING: ConnectorSpec = ConnectorSpec {
    id: "broken-tests-identifying",
    identifying: &["id", "email", "is_partner"],
    ..polytomic::SPEC
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proof_testing_an_identifying_member_fails_the_variants_check() {
    let report = suite_for(
        &Twin {
            broken: &TESTS_IDENTIFYING,
            real: polytomic::Polytomic,
        },
        "polytomic",
    )
    .await;
    assert_fails(
        &report,
        "spec.variants",
        "`/is_partner` is tested for a value, but `is_partner` is listed in `identifying`",
    );
}

// ---- A variant that declares no proof, from a connector that reads no account itself.

const NO_PROOF: ConnectorSpec = ConnectorSpec {
    id: "broken-no-proof",
    variants: &[CredentialVariant {
        proof: None,
        ..smartrecruiters::SPEC.variants[0]
    }],
    ..smartrecruiters::SPEC
};

/// Only the declaration: `account()` is the trait's default, which reads the declared proof.
#[derive(Debug)]
struct Undeclared;

impl Connector for Undeclared {
    fn spec(&self) -> &ConnectorSpec<'_> {
        &NO_PROOF
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_variant_without_a_proof_fails_the_recorded_success() {
    let report = suite_for(&Undeclared, "smartrecruiters").await;
    assert_fails(
        &report,
        "recorded.valid-key",
        "declares no proof for variant `api_key`",
    );
}

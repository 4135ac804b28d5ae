//! Property tests of the response reader: whatever status, headers and body a provider sends, the
//! reader returns one typed outcome without panicking, its message holds no run of the key and no
//! character a terminal acts on, and the account a report carries is flat, bounded and clean.

use connector_core::http::{Exchange, Repeat};
use connector_core::redact::Redactor;
use connector_core::response::{bounded_account, read_success, Reading};
use connector_core::text::is_unsafe_for_terminal;
use connector_core::{Account, AccountProof, Connector, ConnectorSpec, CredentialVariant, Status};
use proptest::prelude::*;
use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE, RETRY_AFTER};
use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::{json, Value};

use crate::support;

const KEY: &str = "prop-test-key-7f3a9c2e5b1d";

struct Props;

impl Connector for Props {
    fn spec(&self) -> &ConnectorSpec<'_> {
        &support::SPEC
    }
    fn account(&self, _: &CredentialVariant, body: &Value) -> Result<AccountProof, String> {
        Ok(AccountProof::new(
            body.as_object().cloned().unwrap_or_default(),
        ))
    }
}

fn redactor() -> Redactor {
    Redactor::new([&SecretString::from(KEY)])
}

/// A run of 12 characters of the key, in any ASCII case.
fn holds_key(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    KEY.as_bytes()
        .windows(12)
        .any(|w| lower.contains(&String::from_utf8_lossy(w).to_ascii_lowercase()))
}

/// Provider text: arbitrary characters with the key, or a piece of it, somewhere inside.
fn provider_text() -> impl Strategy<Value = String> {
    (".{0,120}", 0usize..KEY.len() - 12, ".{0,120}")
        .prop_map(|(before, cut, after)| format!("{before}{}{after}", &KEY[cut..]))
}

/// A JSON value of any shape, its texts sometimes holding the key.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        ".{0,40}".prop_map(Value::from),
        provider_text().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::from),
            prop::collection::btree_map(prop_oneof![".{0,12}", provider_text()], inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn body_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        any_json().prop_map(|v| serde_json::to_vec(&v).unwrap_or_default()),
        provider_text().prop_map(|t| json!({ "message": t }).to_string().into_bytes()),
        provider_text().prop_map(|t| json!({"error": {"message": t}}).to_string().into_bytes()),
        prop::collection::vec(any::<u8>(), 0..256),
    ]
}

fn reading() -> Reading<'static> {
    Reading::plain(&"GET /me", Status::Unexpected, Repeat::Safe)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_answer_gets_one_typed_outcome_without_the_key(
        code in 100u16..1000,
        retry_after in "[ -~]{0,40}",
        content_type in prop_oneof![
            Just("application/json".to_owned()),
            Just("text/html".to_owned()),
            "[ -~]{0,30}",
        ],
        body in body_bytes(),
    ) {
        let status = StatusCode::from_u16(code).expect("100..1000 is a valid status");
        let mut headers = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_str(&retry_after) {
            headers.insert(RETRY_AFTER, value);
        }
        if let Ok(value) = HeaderValue::from_str(&content_type) {
            headers.insert(CONTENT_TYPE, value);
        }
        let exchange = Exchange::Response { status, headers, body: body.clone(), attempts: 1 };
        match read_success(&Props, &exchange, &redactor(), &reading()) {
            Ok((returned, _)) => {
                prop_assert!(status.is_success());
                prop_assert_eq!(returned, code);
                prop_assert!(serde_json::from_slice::<Value>(&body).is_ok());
            }
            Err(outcome) => {
                let expected = match code {
                    200..=299 => Status::Unexpected,
                    401 => Status::Rejected,
                    403 => Status::Forbidden,
                    429 => Status::RateLimited,
                    500..=599 => Status::Unavailable,
                    _ => Status::Unexpected,
                };
                prop_assert_eq!(outcome.status, expected);
                prop_assert_eq!(outcome.http_status, Some(code));
                prop_assert!(!holds_key(&outcome.message), "{}", outcome.message);
                prop_assert!(
                    !outcome.message.chars().any(is_unsafe_for_terminal),
                    "{:?}", outcome.message
                );
            }
        }
    }

    #[test]
    fn the_account_is_flat_bounded_and_clean(value in any_json()) {
        let account: Account = match value {
            Value::Object(map) => map,
            other => [("field".to_owned(), other)].into_iter().collect(),
        };
        let (account, _) = bounded_account(account, &redactor());
        prop_assert!(account.len() <= 32);
        for (name, value) in &account {
            prop_assert!(!value.is_object() && !value.is_array(), "{name} is nested");
            prop_assert!(!holds_key(name), "{name}");
            prop_assert!(!holds_key(&value.to_string()), "{name}: {value}");
            if let Some(text) = value.as_str() {
                prop_assert!(text.chars().count() <= 257, "{name} is {} characters", text.len());
            }
        }
    }
}

#[test]
fn a_key_behind_json_escapes_is_found_once_parsed() {
    let escaped: String = KEY
        .chars()
        .map(|c| format!("\\u{:04x}", u32::from(c)))
        .collect();
    let body = format!(r#"{{"message": "denied for {escaped}"}}"#).into_bytes();
    let exchange = Exchange::Response {
        status: StatusCode::UNAUTHORIZED,
        headers: HeaderMap::new(),
        body,
        attempts: 1,
    };
    let outcome =
        read_success(&Props, &exchange, &redactor(), &reading()).expect_err("a 401 is a refusal");
    assert_eq!(outcome.status, Status::Rejected);
    assert!(
        outcome.message.contains("denied for"),
        "{}",
        outcome.message
    );
    assert!(!holds_key(&outcome.message), "{}", outcome.message);
}

#[test]
fn a_retry_after_a_429_that_gets_no_answer_is_still_rate_limited() {
    let timed_out = |last_status| Exchange::TimedOut {
        timeout: std::time::Duration::from_secs(2),
        last_status,
    };
    let outcome = read_success(
        &Props,
        &timed_out(Some(StatusCode::TOO_MANY_REQUESTS)),
        &redactor(),
        &reading(),
    )
    .expect_err("no answer");
    assert_eq!(outcome.status, Status::RateLimited);
    assert_eq!(outcome.http_status, Some(429));
    assert!(outcome.message.contains("2 s"), "{}", outcome.message);
    // After a server error, or with no answer at all, the provider is unavailable.
    for last in [Some(StatusCode::SERVICE_UNAVAILABLE), None] {
        let outcome =
            read_success(&Props, &timed_out(last), &redactor(), &reading()).expect_err("no answer");
        assert_eq!(outcome.status, Status::Unavailable, "{last:?}");
    }
}

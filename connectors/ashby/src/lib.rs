//! The Ashby connector: the key as HTTP Basic username, verified with `POST /apiKey.info`.

mod guide;
mod spec;

use connector_core::{Connector, ConnectorSpec};

pub use spec::SPEC;

/// The Ashby connector.
#[derive(Debug, Clone, Copy)]
pub struct Ashby;

impl Connector for Ashby {
    fn spec(&self) -> &ConnectorSpec<'_> {
        &SPEC
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use connector_core::Account;
    use connector_core::{dry_run, CheckOptions, RawCredentials};
    use serde_json::{json, Value};

    fn account(body: Value) -> Result<Account, String> {
        Ashby
            .account(SPEC.default_variant(), &body)
            .map(|p| p.account)
    }

    #[test]
    fn reads_the_key_title_and_creation_date() {
        let body = json!({"success": true, "results": {
            "title": "HR sync", "createdAt": "2025-03-01T10:00:00.000Z", "id": null
        }});
        assert_eq!(
            Value::Object(account(body).unwrap()),
            json!({"key_title": "HR sync", "key_created_at": "2025-03-01T10:00:00.000Z"})
        );
    }

    #[test]
    fn a_title_alone_is_enough() {
        let body = json!({"success": true, "results": {"title": "HR sync"}});
        assert_eq!(
            Value::Object(account(body).unwrap()),
            json!({"key_title": "HR sync"})
        );
    }

    #[test]
    fn posts_an_empty_json_object_with_the_versioned_accept_header() {
        let mut raw = RawCredentials::new();
        raw.insert("api_key", "EXAMPLE0000ashby0000api0000key0000");
        let dry = dry_run(&SPEC, None, &raw, &CheckOptions::default()).unwrap();
        let [request] = dry.requests.as_slice() else {
            panic!("one request expected")
        };
        assert_eq!(request.method, "POST");
        assert_eq!(request.url, "https://api.ashbyhq.com/apiKey.info");
        assert_eq!(request.body.as_deref(), Some("{}"));
        let header = |name: &str| {
            request
                .headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(header("Accept"), Some("application/json; version=1"));
        assert_eq!(header("Content-Type"), Some("application/json"));
        assert_eq!(header("Authorization"), Some("Basic base64(••••0000:)"));
    }

    #[test]
    fn refuses_a_body_that_names_no_key() {
        for body in [
            json!({"success": true}),
            json!({"success": true, "results": []}),
            json!({"success": true, "results": {}}),
            json!([]),
        ] {
            assert!(account(body.clone()).is_err(), "{body}");
        }
    }
}

//! The Lucca connector: the legacy API key in `Authorization: lucca application=<key>` on the
//! account's subdomain, verified by reading one user.

mod guide;
mod spec;

use connector_core::{Connector, ConnectorSpec};

pub use spec::SPEC;

/// The Lucca connector. What a successful verification proves is declared in spec.rs (`proof`);
/// `account()` is the trait's default, which reads it.
#[derive(Debug, Clone, Copy)]
pub struct Lucca;

impl Connector for Lucca {
    fn spec(&self) -> &ConnectorSpec<'_> {
        &SPEC
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use connector_core::{dry_run, CheckOptions, RawCredentials};
    use serde_json::{json, Value};

    fn account(body: Value) -> Result<Value, String> {
        Lucca
            .account(SPEC.default_variant(), &body)
            .map(|p| Value::Object(p.account))
    }

    #[test]
    fn reads_the_user_list() {
        let body = json!({"header": {}, "data": {"items": [{"id": 416, "name": "Lucien Bertin", "url": "https://acme.ilucca.net/api/v3/users/416"}]}});
        assert_eq!(
            account(body).unwrap(),
            json!({"can_list_users": true, "first_user_id": 416, "first_user_name": "Lucien Bertin"})
        );
        assert_eq!(
            account(json!({"data": {"items": []}})).unwrap(),
            json!({"can_list_users": true})
        );
    }

    #[test]
    fn refuses_a_body_without_the_list() {
        for body in [json!({}), json!({"data": {}}), json!("x")] {
            assert!(account(body.clone()).is_err(), "{body}");
        }
    }

    #[test]
    fn sends_the_lucca_scheme() {
        let mut raw = RawCredentials::new();
        raw.insert("subdomain", "acme");
        raw.insert("api_key", "EXAMPLE0000lucca0000key0000");
        let dry = dry_run(&SPEC, None, &raw, &CheckOptions::default()).unwrap();
        assert_eq!(
            dry.requests[0].url,
            "https://acme.ilucca.net/api/v3/users?limit=1"
        );
        assert!(dry.requests[0]
            .headers
            .iter()
            .any(|(name, value)| name == "Authorization" && !value.contains("key0000")));
    }
}

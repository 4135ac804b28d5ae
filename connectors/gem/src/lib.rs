//! The Gem connector: a shareable access key and an application secret in the `x-api-key` and
//! `x-application-secret` headers, verified by reading the team's users.

mod guide;
mod spec;

use connector_core::{Connector, ConnectorSpec};

pub use spec::SPEC;

/// The Gem connector. What a successful verification proves is declared in spec.rs (`proof`);
/// `account()` is the trait's default, which reads it.
#[derive(Debug, Clone, Copy)]
pub struct Gem;

impl Connector for Gem {
    fn spec(&self) -> &ConnectorSpec<'_> {
        &SPEC
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn account(body: Value) -> Result<Value, String> {
        Gem.account(SPEC.default_variant(), &body)
            .map(|p| Value::Object(p.account))
    }

    #[test]
    fn reads_the_user_list_bare_or_wrapped() {
        let expected = json!({"can_list_users": true, "first_user_id": "u1"});
        assert_eq!(
            account(json!([{"id": "u1", "name": "Ada"}])).unwrap(),
            expected
        );
        assert_eq!(account(json!({"users": [{"id": "u1"}]})).unwrap(), expected);
        assert_eq!(account(json!([])).unwrap(), json!({"can_list_users": true}));
    }

    #[test]
    fn refuses_a_body_without_the_list() {
        for body in [json!({}), json!({"data": {}}), json!("x")] {
            assert!(account(body.clone()).is_err(), "{body}");
        }
    }
}

//! The Namely connector: a personal access token as Bearer on the company's subdomain, verified by
//! reading the token owner's profile; a 406 is Namely's rate limit.

mod guide;
mod spec;

use connector_core::{Connector, ConnectorSpec};

pub use spec::SPEC;

/// The Namely connector. What a successful verification proves is declared in spec.rs (`proof`);
/// `account()` is the trait's default, which reads it.
#[derive(Debug, Clone, Copy)]
pub struct Namely;

impl Connector for Namely {
    fn spec(&self) -> &ConnectorSpec<'_> {
        &SPEC
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn account(body: Value) -> Result<Value, String> {
        Namely
            .account(SPEC.default_variant(), &body)
            .map(|p| Value::Object(p.account))
    }

    #[test]
    fn reads_the_profile() {
        let body = json!({"profiles": [{"id": "p1", "email": "ada@acme.example", "first_name": "Ada", "last_name": "Byron"}], "meta": {"count": 1}});
        assert_eq!(
            account(body).unwrap(),
            json!({"profile_id": "p1", "profile_name": "Ada Byron", "profile_email": "ada@acme.example"})
        );
    }

    #[test]
    fn refuses_a_body_that_names_no_profile() {
        for body in [
            json!({}),
            json!({"profiles": []}),
            json!({"profiles": [{}]}),
            json!([]),
        ] {
            assert!(account(body.clone()).is_err(), "{body}");
        }
    }
}

//! The Humaans connector: an API access token as Bearer, verified by reading the token owner's
//! own profile (`GET /api/me`).

mod guide;
mod spec;

use connector_core::{Connector, ConnectorSpec};

pub use spec::SPEC;

/// The Humaans connector. What a successful verification proves is declared in spec.rs
/// (`proof`); `account()` is the trait's default, which reads it.
#[derive(Debug, Clone, Copy)]
pub struct Humaans;

impl Connector for Humaans {
    fn spec(&self) -> &ConnectorSpec<'_> {
        &SPEC
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn account(body: Value) -> Result<Value, String> {
        Humaans
            .account(SPEC.default_variant(), &body)
            .map(|p| Value::Object(p.account))
    }

    #[test]
    fn reads_the_person_and_company() {
        let body = json!({"id": "p1", "companyId": "c1", "firstName": "Ada", "lastName": "Byron", "email": "ada@acme.example"});
        assert_eq!(
            account(body).unwrap(),
            json!({"person_id": "p1", "person_name": "Ada Byron", "person_email": "ada@acme.example", "company_id": "c1"})
        );
    }

    #[test]
    fn refuses_a_body_that_names_no_person() {
        for body in [
            json!({}),
            json!({"firstName": "Ada"}),
            json!([]),
            json!("x"),
        ] {
            assert!(account(body.clone()).is_err(), "{body}");
        }
    }
}

//! The HR Cloud connector: a service account's key and secret in the `Customer_Key` and
//! `Customer_Secret` headers, verified by reading the employee list.

mod guide;
mod spec;

use connector_core::{Connector, ConnectorSpec};

pub use spec::SPEC;

/// The HR Cloud connector. What a successful verification proves is declared in spec.rs
/// (`proof`); `account()` is the trait's default, which reads it.
#[derive(Debug, Clone, Copy)]
pub struct HRCloud;

impl Connector for HRCloud {
    fn spec(&self) -> &ConnectorSpec<'_> {
        &SPEC
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn account(body: Value) -> Result<Value, String> {
        HRCloud
            .account(SPEC.default_variant(), &body)
            .map(|p| Value::Object(p.account))
    }

    #[test]
    fn reads_the_employee_list_bare_or_wrapped() {
        let expected = json!({"can_list_employees": true, "first_employee_id": "e1"});
        assert_eq!(
            account(json!([{"Id": "e1", "xFirstName": "Ada"}])).unwrap(),
            expected
        );
        assert_eq!(account(json!({"data": [{"id": "e1"}]})).unwrap(), expected);
        assert_eq!(
            account(json!([])).unwrap(),
            json!({"can_list_employees": true})
        );
    }

    #[test]
    fn refuses_a_body_without_the_list() {
        for body in [json!({}), json!({"data": {}}), json!("x")] {
            assert!(account(body.clone()).is_err(), "{body}");
        }
    }
}

//! The Sage HR connector: the API key in `X-Auth-Token` on the account's subdomain, verified by
//! reading the first page of employees.

mod guide;
mod spec;

use connector_core::{Connector, ConnectorSpec};

pub use spec::SPEC;

/// The Sage HR connector. What a successful verification proves is declared in spec.rs
/// (`proof`); `account()` is the trait's default, which reads it.
#[derive(Debug, Clone, Copy)]
pub struct SageHR;

impl Connector for SageHR {
    fn spec(&self) -> &ConnectorSpec<'_> {
        &SPEC
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn account(body: Value) -> Result<Value, String> {
        SageHR
            .account(SPEC.default_variant(), &body)
            .map(|p| Value::Object(p.account))
    }

    #[test]
    fn reads_the_employee_list() {
        let body = json!({"data": [{"id": 19, "first_name": "Ada"}], "meta": {"total_entries": 7}});
        assert_eq!(
            account(body).unwrap(),
            json!({"can_list_employees": true, "employees_total": 7, "first_employee_id": 19})
        );
        let empty = json!({"data": [], "meta": {"total_entries": 0}});
        assert_eq!(
            account(empty).unwrap(),
            json!({"can_list_employees": true, "employees_total": 0})
        );
    }

    #[test]
    fn refuses_a_body_without_the_list() {
        for body in [json!({}), json!({"data": {}}), json!([]), json!("x")] {
            assert!(account(body.clone()).is_err(), "{body}");
        }
    }
}

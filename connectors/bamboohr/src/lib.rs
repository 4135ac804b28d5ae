//! The BambooHR connector: the key as HTTP Basic user name (password `x`), verified by reading the
//! key owner's own employee record.

mod guide;
mod spec;

use connector_core::{Connector, ConnectorSpec};

pub use spec::SPEC;

/// The BambooHR connector.
#[derive(Debug, Clone, Copy)]
pub struct BambooHr;

impl Connector for BambooHr {
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
        BambooHr
            .account(SPEC.default_variant(), &body)
            .map(|p| p.account)
    }

    #[test]
    fn reads_the_key_owner() {
        let body = json!({"id": "40", "firstName": "Ada", "lastName": "Lovelace"});
        assert_eq!(
            Value::Object(account(body).unwrap()),
            json!({"employee_id": "40", "employee_first_name": "Ada", "employee_last_name": "Lovelace"})
        );
        let body = json!({"id": 40, "firstName": null});
        assert_eq!(
            Value::Object(account(body).unwrap()),
            json!({"employee_id": 40})
        );
    }

    #[test]
    fn refuses_a_body_without_an_employee_id() {
        for body in [
            json!({}),
            json!({"firstName": "Ada"}),
            json!([]),
            json!("x"),
        ] {
            assert!(account(body.clone()).is_err(), "{body}");
        }
    }

    #[test]
    fn sends_the_company_domain_in_the_path_and_asks_for_json() {
        let mut raw = RawCredentials::new();
        raw.insert("company_domain", "acme");
        raw.insert("api_key", "0000e1a2b3c4d5e6f70000000000000000000000");
        let dry = dry_run(&SPEC, None, &raw, &CheckOptions::default()).unwrap();
        let [request] = dry.requests.as_slice() else {
            panic!("one request expected")
        };
        assert_eq!(request.method, "GET");
        assert_eq!(
            request.url,
            "https://api.bamboohr.com/api/gateway.php/acme/v1/employees/0?fields=firstName,lastName"
        );
        assert!(request
            .headers
            .contains(&("Accept".to_owned(), "application/json".to_owned())));
        assert!(request.headers.contains(&(
            "Authorization".to_owned(),
            "Basic base64(••••0000:x)".to_owned()
        )));
    }

    #[test]
    fn refuses_a_company_domain_that_would_leave_the_path_segment() {
        for bad in ["acme/../x", "acme.bamboohr.com", "%2e%2e", "acme@evil"] {
            let mut raw = RawCredentials::new();
            raw.insert("company_domain", bad);
            raw.insert("api_key", "0000e1a2b3c4d5e6f70000000000000000000000");
            let report = dry_run(&SPEC, None, &raw, &CheckOptions::default()).unwrap_err();
            assert_eq!(report.status, connector_core::Status::InvalidInput, "{bad}");
        }
    }
}

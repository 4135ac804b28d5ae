//! The Hailey HR connector: a personal access token as Bearer on the live or demo host, verified by
//! reading the company (`GET /Company`).

mod guide;
mod spec;

use connector_core::{Connector, ConnectorSpec};

pub use spec::SPEC;

/// The Hailey HR connector. What a successful verification proves is declared in spec.rs
/// (`proof`); `account()` is the trait's default, which reads it.
#[derive(Debug, Clone, Copy)]
pub struct HaileyHR;

impl Connector for HaileyHR {
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
        HaileyHR
            .account(SPEC.default_variant(), &body)
            .map(|p| Value::Object(p.account))
    }

    #[test]
    fn reads_the_company_in_either_case() {
        let expected = json!({"company_id": "c1", "company_name": "Acme AB"});
        assert_eq!(
            account(json!({"id": "c1", "name": "Acme AB"})).unwrap(),
            expected
        );
        assert_eq!(
            account(json!({"Id": "c1", "Name": "Acme AB"})).unwrap(),
            expected
        );
    }

    #[test]
    fn refuses_a_body_that_names_no_company() {
        for body in [json!({}), json!({"error": "x"}), json!([]), json!("acme")] {
            assert!(account(body.clone()).is_err(), "{body}");
        }
    }

    #[test]
    fn the_environment_picks_the_host() {
        for (environment, url) in [
            ("haileyhr.app", "https://api.haileyhr.app/Company"),
            ("demo.haileyhr.app", "https://api.demo.haileyhr.app/Company"),
        ] {
            let mut raw = RawCredentials::new();
            raw.insert("personal_access_token", "EXAMPLE0000hailey0000token0000");
            raw.insert("environment", environment);
            let dry = dry_run(&SPEC, None, &raw, &CheckOptions::default()).unwrap();
            assert_eq!(dry.requests[0].url, url);
        }
    }
}

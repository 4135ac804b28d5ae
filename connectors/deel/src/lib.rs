//! The Deel connector: an API token as Bearer on production or the sandbox, verified by reading one
//! contract.

mod guide;
mod spec;

use connector_core::{Connector, ConnectorSpec};

pub use spec::SPEC;

/// The Deel connector. What a successful verification proves is declared in spec.rs (`proof`);
/// `account()` is the trait's default, which reads it.
#[derive(Debug, Clone, Copy)]
pub struct Deel;

impl Connector for Deel {
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
        Deel.account(SPEC.default_variant(), &body)
            .map(|p| Value::Object(p.account))
    }

    #[test]
    fn reads_the_contract_list() {
        let body = json!({"data": [{"id": "m3jk2j", "title": "Engineer"}], "page": {"cursor": "x", "total_rows": 12}});
        assert_eq!(
            account(body).unwrap(),
            json!({"can_list_contracts": true, "contracts_total": 12, "first_contract_id": "m3jk2j"})
        );
        assert_eq!(
            account(json!({"data": []})).unwrap(),
            json!({"can_list_contracts": true})
        );
    }

    #[test]
    fn refuses_a_body_without_the_list() {
        for body in [json!({}), json!({"data": {}}), json!([]), json!("x")] {
            assert!(account(body.clone()).is_err(), "{body}");
        }
    }

    #[test]
    fn the_environment_picks_the_host() {
        for (environment, url) in [
            (
                "production",
                "https://api.letsdeel.com/rest/v2/contracts?limit=1",
            ),
            (
                "sandbox",
                "https://api-sandbox.demo.deel.com/rest/v2/contracts?limit=1",
            ),
        ] {
            let mut raw = RawCredentials::new();
            raw.insert("api_token", "EXAMPLE0000deel0000token0000");
            raw.insert("environment", environment);
            let dry = dry_run(&SPEC, None, &raw, &CheckOptions::default()).unwrap();
            assert_eq!(dry.requests[0].url, url);
        }
    }
}

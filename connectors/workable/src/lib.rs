//! The Workable connector: an API access token as Bearer, verified by reading the account named by
//! the subdomain.

mod guide;
mod spec;

use connector_core::{Connector, ConnectorSpec};

pub use spec::SPEC;

/// The Workable connector.
#[derive(Debug, Clone, Copy)]
pub struct Workable;

impl Connector for Workable {
    fn spec(&self) -> &ConnectorSpec<'_> {
        &SPEC
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use connector_core::{dry_run, CheckOptions, RawCredentials, Status};
    use serde_json::{json, Value};

    fn account(body: Value) -> Result<Value, String> {
        Workable
            .account(SPEC.default_variant(), &body)
            .map(|p| Value::Object(p.account))
    }

    #[test]
    fn reads_the_account() {
        let body = json!({"id": "61a2b", "name": "Acme", "subdomain": "acme", "description": null});
        assert_eq!(
            account(body).unwrap(),
            json!({"account_id": "61a2b", "account_name": "Acme", "account_subdomain": "acme"})
        );
    }

    #[test]
    fn refuses_a_body_that_names_no_account() {
        for body in [json!({}), json!({"error": "x"}), json!([]), json!("acme")] {
            assert!(account(body.clone()).is_err(), "{body}");
        }
    }

    fn check(subdomain: &str) -> Result<connector_core::ShownRequest, Status> {
        let mut raw = RawCredentials::new();
        raw.insert("subdomain", subdomain);
        raw.insert("api_key", "EXAMPLE0000workable0000token0000");
        dry_run(&SPEC, None, &raw, &CheckOptions::default())
            .map(|dry| dry.requests.into_iter().next().unwrap())
            .map_err(|report| report.status)
    }

    #[test]
    fn puts_the_subdomain_in_the_host_and_the_path() {
        let request = check("acme").unwrap();
        assert_eq!(request.method, "GET");
        assert_eq!(
            request.url,
            "https://acme.workable.com/spi/v3/accounts/acme"
        );
        assert!(request
            .headers
            .contains(&("Authorization".to_owned(), "Bearer ••••0000".to_owned())));
    }

    #[test]
    fn refuses_a_subdomain_that_would_change_the_host() {
        for bad in [
            "acme.evil.example#",
            "acme/../x",
            "acme@evil",
            "%2e%2e",
            "acme_1",
        ] {
            assert_eq!(check(bad).unwrap_err(), Status::InvalidInput, "{bad}");
        }
    }
}

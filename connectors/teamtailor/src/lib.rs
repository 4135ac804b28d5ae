//! The Teamtailor connector: `Authorization: Token token=<key>` with an API version header,
//! verified by reading the company.

mod guide;
mod spec;

use connector_core::{Connector, ConnectorSpec};

pub use spec::SPEC;

/// The Teamtailor connector.
#[derive(Debug, Clone, Copy)]
pub struct Teamtailor;

impl Connector for Teamtailor {
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
        Teamtailor
            .account(SPEC.default_variant(), &body)
            .map(|p| Value::Object(p.account))
    }

    #[test]
    fn reads_the_company() {
        let body = json!({"data": {
            "id": "4321", "type": "companies",
            "attributes": {"name": "Acme", "website": "https://acme.example"}
        }});
        assert_eq!(
            account(body).unwrap(),
            json!({"company_id": "4321", "company_name": "Acme"})
        );
    }

    #[test]
    fn refuses_a_body_without_a_company() {
        for body in [
            json!({}),
            json!({"data": []}),
            json!({"data": {"attributes": {"name": "Acme"}}}),
            json!({"id": "4321"}),
        ] {
            assert!(account(body.clone()).is_err(), "{body}");
        }
    }

    fn shown(extra: &[(&str, &str)]) -> Result<connector_core::ShownRequest, Status> {
        let mut raw = RawCredentials::new();
        raw.insert("api_key", "EXAMPLE0000teamtailor0000key0000");
        for (k, v) in extra {
            raw.insert(*k, *v);
        }
        dry_run(&SPEC, None, &raw, &CheckOptions::default())
            .map(|dry| dry.requests.into_iter().next().unwrap())
            .map_err(|report| report.status)
    }

    #[test]
    fn sends_the_token_header_and_the_api_version_to_the_region() {
        let eu = shown(&[]).unwrap();
        assert_eq!(eu.method, "GET");
        assert_eq!(eu.url, "https://api.teamtailor.com/v1/company");
        assert!(eu.headers.contains(&(
            "Authorization".to_owned(),
            "Token token=••••0000".to_owned()
        )));
        assert!(eu
            .headers
            .contains(&("X-Api-Version".to_owned(), "20240404".to_owned())));
        let na = shown(&[("region", "na"), ("api_version", "20250101")]).unwrap();
        assert_eq!(na.url, "https://api.na.teamtailor.com/v1/company");
        assert!(na
            .headers
            .contains(&("X-Api-Version".to_owned(), "20250101".to_owned())));
    }

    #[test]
    fn refuses_an_api_version_that_is_not_eight_digits_and_an_unknown_region() {
        assert_eq!(
            shown(&[("api_version", "2024-04-04")]).unwrap_err(),
            Status::InvalidInput
        );
        assert_eq!(
            shown(&[("region", "us")]).unwrap_err(),
            Status::InvalidInput
        );
    }
}

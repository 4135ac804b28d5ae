//! The Polymer Hire connector: an ATS whose Customer API takes one Bearer API key.

mod guide;
mod spec;

use connector_core::{Connector, ConnectorSpec};

pub use spec::SPEC;

/// The Polymer Hire connector.
#[derive(Debug, Clone, Copy)]
pub struct PolymerHire;

impl Connector for PolymerHire {
    fn spec(&self) -> &ConnectorSpec<'_> {
        &SPEC
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use connector_core::Account;
    use serde_json::{json, Value};

    fn account(body: Value) -> Result<Account, String> {
        PolymerHire
            .account(SPEC.default_variant(), &body)
            .map(|p| p.account)
    }

    #[test]
    fn reads_every_listed_shape() {
        let expected = json!({"organization_id": 7, "organization_name": "Acme"});
        for body in [
            json!({"id": 7, "name": "Acme"}),
            json!({"data": {"id": 7, "name": "Acme"}}),
            json!({"items": [{"id": 7, "name": "Acme"}], "meta": {}}),
        ] {
            assert_eq!(Value::Object(account(body).unwrap()), expected);
        }
    }

    #[test]
    fn refuses_a_non_object() {
        assert!(account(json!([1, 2])).is_err());
    }

    #[test]
    fn refuses_a_success_that_names_no_organization() {
        for body in [
            json!({"items": []}),
            json!({"items": [{}]}),
            json!({}),
            json!({"data": {"id": null}}),
        ] {
            assert!(account(body.clone()).is_err(), "{body}");
        }
    }
}

//! The SmartRecruiters connector: the key in `X-SmartToken`, verified against the company configuration.

mod guide;
mod spec;

use connector_core::{Connector, ConnectorSpec};

pub use spec::SPEC;

/// The SmartRecruiters connector.
#[derive(Debug, Clone, Copy)]
pub struct SmartRecruiters;

impl Connector for SmartRecruiters {
    fn spec(&self) -> &ConnectorSpec<'_> {
        &SPEC
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn reads_the_company() {
        let body = json!({"identifier": "AcmeInc", "name": "Acme Inc", "country": "US"});
        let proof = SmartRecruiters
            .account(SPEC.default_variant(), &body)
            .unwrap();
        assert_eq!(
            Value::Object(proof.account),
            json!({"company_identifier": "AcmeInc", "company_name": "Acme Inc"})
        );
        assert!(SmartRecruiters
            .account(SPEC.default_variant(), &json!("x"))
            .is_err());
    }
}

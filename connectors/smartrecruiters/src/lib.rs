//! The SmartRecruiters connector: the key in `X-SmartToken`, verified against the company configuration.

mod guide;
mod spec;

use connector_core::json::{copy_prefixed, unwrap_data};
use connector_core::{Account, AccountProof, Connector, ConnectorSpec, CredentialVariant};
use serde_json::Value;

pub use spec::SPEC;

/// The SmartRecruiters connector.
#[derive(Debug, Clone, Copy)]
pub struct SmartRecruiters;

impl Connector for SmartRecruiters {
    fn spec(&self) -> &'static ConnectorSpec {
        &SPEC
    }

    /// `/configuration/company` answers the company object (`identifier`, `name`, …).
    fn account(&self, _variant: &CredentialVariant, body: &Value) -> Result<AccountProof, String> {
        let company = unwrap_data(body);
        if !company.is_object() {
            return Err("expected a company object".to_owned());
        }
        let mut account = Account::new();
        copy_prefixed(&mut account, company, "company", &["identifier", "name"]);
        Ok(AccountProof::new(account))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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

//! The Polytomic connector: Bearer keys with an API version header, verified against `/api/me`.

mod guide;
mod spec;

use connector_core::json::{copy_fields, unwrap_data};
use connector_core::{Account, AccountProof, Connector, ConnectorSpec, CredentialVariant};
use serde_json::Value;

pub use spec::{API_VERSIONS, SPEC};

/// The Polytomic connector.
#[derive(Debug, Clone, Copy)]
pub struct Polytomic;

impl Connector for Polytomic {
    fn spec(&self) -> &'static ConnectorSpec {
        &SPEC
    }

    /// `/api/me` answers `{"data": {organization_name, organization_id, email, role, is_partner, …}}`.
    fn account(&self, variant: &CredentialVariant, body: &Value) -> Result<AccountProof, String> {
        let me = unwrap_data(body);
        if !me.is_object() || me.get("organization_id").is_none() && me.get("is_partner").is_none()
        {
            return Err("expected {\"data\": {\"organization_id\", \"is_partner\", …}}".to_owned());
        }
        let mut account = Account::new();
        copy_fields(
            &mut account,
            me,
            &[
                "organization_name",
                "organization_id",
                "id",
                "email",
                "role",
                "is_partner",
                "is_organization",
                "is_user",
                "is_system",
            ],
        );
        let is_partner = me.get("is_partner").and_then(Value::as_bool);
        let mut proof = AccountProof::new(account);
        match (variant.name, is_partner) {
            ("partner", Some(false)) => proof.warnings.push(
                "this is an organization key, not a partner key: it cannot manage other organizations; check it without --variant partner".to_owned(),
            ),
            ("api_key", Some(true)) => proof.warnings.push(
                "this is a partner key: it reaches only the Organization and User endpoints; check it with --variant partner".to_owned(),
            ),
            _ => {}
        }
        Ok(proof)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_identity_and_flags_a_partner_key_checked_as_an_organization_key() {
        let body = json!({"data": {
            "email": "ops@example.com", "id": null, "is_partner": true,
            "organization_id": "org-1", "organization_name": "Acme", "role": "admin"
        }});
        let proof = Polytomic.account(SPEC.default_variant(), &body).unwrap();
        assert_eq!(proof.account["organization_name"], "Acme");
        assert_eq!(proof.account["is_partner"], true);
        assert!(!proof.account.contains_key("id"));
        assert_eq!(proof.warnings.len(), 1);
        let partner = SPEC.variant("partner").unwrap();
        assert!(Polytomic
            .account(partner, &body)
            .unwrap()
            .warnings
            .is_empty());
    }

    #[test]
    fn refuses_a_body_without_identity() {
        assert!(Polytomic
            .account(SPEC.default_variant(), &json!({"data": []}))
            .is_err());
    }
}

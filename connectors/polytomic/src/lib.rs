//! The Polytomic connector: Bearer keys with an API version header, verified against `/api/me`.

mod guide;
mod spec;

use connector_core::{Connector, ConnectorSpec};

pub use spec::{API_VERSIONS, SPEC};

/// The Polytomic connector.
#[derive(Debug, Clone, Copy)]
pub struct Polytomic;

impl Connector for Polytomic {
    fn spec(&self) -> &ConnectorSpec<'_> {
        &SPEC
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

//! The Polymer Hire connector: an ATS whose Customer API takes one Bearer API key.

mod guide;
mod spec;

use connector_core::json::{copy_prefixed, unwrap_data};
use connector_core::{Account, AccountProof, Connector, ConnectorSpec, CredentialVariant};
use serde_json::Value;

pub use spec::SPEC;

/// The Polymer Hire connector.
#[derive(Debug, Clone, Copy)]
pub struct PolymerHire;

impl Connector for PolymerHire {
    fn spec(&self) -> &'static ConnectorSpec {
        &SPEC
    }

    /// The organization object's shape is undocumented: read `id` and `name` from the object, a
    /// `data` wrapper, or the first of `items`.
    fn account(&self, _variant: &CredentialVariant, body: &Value) -> Result<AccountProof, String> {
        let body = unwrap_data(body);
        let org = match body.get("items").and_then(Value::as_array) {
            Some(items) => items.first().unwrap_or(&Value::Null),
            None => body,
        };
        if !body.is_object() {
            return Err("expected an organization object".to_owned());
        }
        let mut account = Account::new();
        copy_prefixed(&mut account, org, "organization", &["id", "name"]);
        // A success that names no organization proves nothing about whose key this is.
        if account.is_empty() {
            return Err("expected an organization with an `id` or a `name`".to_owned());
        }
        Ok(AccountProof::new(account))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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

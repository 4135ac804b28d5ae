//! The Lever connector: the key as the Basic user name, verified by reading one user.

mod guide;
mod spec;

use connector_core::{Account, AccountProof, Connector, ConnectorSpec, CredentialVariant};
use serde_json::Value;

pub use spec::SPEC;

/// The Lever connector.
#[derive(Debug, Clone, Copy)]
pub struct Lever;

impl Connector for Lever {
    fn spec(&self) -> &'static ConnectorSpec {
        &SPEC
    }

    /// `/users?limit=1` answers `{"data": [user], "hasNext": …}`; the proof is that the list was
    /// readable, so an empty list is a success too.
    fn account(&self, _variant: &CredentialVariant, body: &Value) -> Result<AccountProof, String> {
        let users = body
            .get("data")
            .and_then(Value::as_array)
            .ok_or("expected {\"data\": [users…], \"hasNext\": …}")?;
        let mut account = Account::new();
        account.insert("can_list_users".to_owned(), Value::Bool(true));
        if let Some(first) = users.first() {
            if let Some(id) = first.get("id").filter(|v| !v.is_null()) {
                account.insert("first_user_id".to_owned(), id.clone());
            }
            if let Some(name) = first.get("name").filter(|v| !v.is_null()) {
                account.insert("first_user_name".to_owned(), name.clone());
            }
        }
        Ok(AccountProof::new(account))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use connector_core::{dry_run, CheckOptions, RawCredentials};
    use serde_json::json;

    #[test]
    fn a_readable_user_list_is_the_proof() {
        let body = json!({"data": [{"id": "u-1", "name": "Ada"}], "hasNext": true});
        let proof = Lever
            .account(SPEC.default_variant(), &body)
            .expect("a list");
        assert_eq!(proof.account["first_user_name"], "Ada");
        let empty = Lever
            .account(SPEC.default_variant(), &json!({"data": []}))
            .expect("an empty list is readable too");
        assert_eq!(empty.account["can_list_users"], true);
        assert!(Lever.account(SPEC.default_variant(), &json!([])).is_err());
    }

    #[test]
    fn the_environment_picks_the_host_and_the_key_is_the_basic_user() {
        let mut raw = RawCredentials::new();
        raw.insert("api_key", "lv-live-0123456789abcdef");
        let shown = dry_run(&SPEC, None, &raw, &CheckOptions::default()).expect("valid input");
        assert_eq!(
            shown.requests[0].url,
            "https://api.lever.co/v1/users?limit=1"
        );
        assert!(shown.requests[0].headers.contains(&(
            "Authorization".to_owned(),
            "Basic base64(••••cdef:)".to_owned()
        )));
        raw.insert("environment", "sandbox");
        let shown = dry_run(&SPEC, None, &raw, &CheckOptions::default()).expect("valid input");
        assert_eq!(
            shown.requests[0].url,
            "https://api.sandbox.lever.co/v1/users?limit=1"
        );
    }
}

//! The Greenhouse connector: Harvest v3 client credentials exchanged for a token, verified by
//! listing one user.

mod guide;
mod spec;

use connector_core::{Account, AccountProof, Connector, ConnectorSpec, CredentialVariant};
use serde_json::Value;

pub use spec::SPEC;

/// The Greenhouse connector.
#[derive(Debug, Clone, Copy)]
pub struct Greenhouse;

impl Connector for Greenhouse {
    fn spec(&self) -> &'static ConnectorSpec {
        &SPEC
    }

    /// `/users` answers a list of users (bare, or under `data` or `users`). The list proves the
    /// token may read users; the first user, when there is one, is named to show whose
    /// organization it is. An empty list is still a success.
    fn account(&self, _variant: &CredentialVariant, body: &Value) -> Result<AccountProof, String> {
        let users = match body {
            Value::Array(users) => users,
            Value::Object(wrapper) => ["data", "users"]
                .iter()
                .find_map(|k| wrapper.get(*k)?.as_array())
                .ok_or("expected a JSON array of users, or {\"data\": [...]}")?,
            _ => return Err("expected a JSON array of users, or {\"data\": [...]}".to_owned()),
        };
        let mut account = Account::new();
        account.insert("can_list_users".to_owned(), Value::Bool(true));
        if let Some(first) = users.first() {
            if let Some(id) = first.get("id").filter(|v| !v.is_null()) {
                account.insert("first_user_id".to_owned(), id.clone());
            }
            if let Some(name) = user_name(first) {
                account.insert("first_user_name".to_owned(), Value::String(name));
            }
        }
        Ok(AccountProof::new(account))
    }
}

/// `name`, or `first_name last_name`, whichever the user object has.
fn user_name(user: &Value) -> Option<String> {
    if let Some(name) = user.get("name").and_then(Value::as_str) {
        return Some(name.to_owned());
    }
    let parts: Vec<&str> = ["first_name", "last_name"]
        .iter()
        .filter_map(|k| user.get(*k)?.as_str())
        .filter(|s| !s.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use connector_core::{dry_run, CheckOptions, RawCredentials};
    use serde_json::json;

    fn account(body: Value) -> Result<Value, String> {
        Greenhouse
            .account(SPEC.default_variant(), &body)
            .map(|p| Value::Object(p.account))
    }

    #[test]
    fn names_the_first_user_of_every_list_shape() {
        let user = json!({"id": 4080, "first_name": "Ada", "last_name": "Lovelace", "primary_email_address": "ada@example.com"});
        let expected = json!({"can_list_users": true, "first_user_id": 4080, "first_user_name": "Ada Lovelace"});
        for body in [
            json!([user]),
            json!({"data": [user]}),
            json!({"users": [user]}),
        ] {
            assert_eq!(account(body).unwrap(), expected);
        }
        let named = json!([{"id": 1, "name": "Grace Hopper"}]);
        assert_eq!(account(named).unwrap()["first_user_name"], "Grace Hopper");
    }

    #[test]
    fn an_empty_list_still_proves_the_credentials() {
        assert_eq!(account(json!([])).unwrap(), json!({"can_list_users": true}));
        assert_eq!(
            account(json!({"data": []})).unwrap(),
            json!({"can_list_users": true})
        );
    }

    #[test]
    fn refuses_a_body_without_a_user_list() {
        for body in [json!({}), json!({"data": {}}), json!("x"), json!(7)] {
            assert!(account(body.clone()).is_err(), "{body}");
        }
    }

    #[test]
    fn exchanges_the_client_credentials_before_listing_users() {
        let mut raw = RawCredentials::new();
        raw.insert("client_id", "EXAMPLE-client-0000");
        raw.insert("client_secret", "EXAMPLE0000greenhouse0000secret");
        let dry = dry_run(&SPEC, None, &raw, &CheckOptions::default()).unwrap();
        let [token, users] = dry.requests.as_slice() else {
            panic!("two requests expected")
        };
        assert_eq!(token.method, "POST");
        assert_eq!(token.url, "https://auth.greenhouse.io/token");
        assert_eq!(token.body.as_deref(), Some("grant_type=client_credentials"));
        assert!(token.headers.contains(&(
            "Authorization".to_owned(),
            "Basic base64(EXAMPLE-client-0000:••••cret)".to_owned()
        )));
        assert!(token.headers.contains(&(
            "Content-Type".to_owned(),
            "application/x-www-form-urlencoded".to_owned()
        )));
        assert_eq!(users.method, "GET");
        assert_eq!(
            users.url,
            "https://harvest.greenhouse.io/v3/users?per_page=1"
        );
        assert!(users
            .headers
            .iter()
            .any(|(n, v)| n == "Authorization" && v.starts_with("Bearer ")));
    }
}

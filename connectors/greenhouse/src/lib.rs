//! The Greenhouse connector: Harvest v3 client credentials exchanged for a token, verified by
//! listing one user.

mod guide;
mod spec;

use connector_core::{Connector, ConnectorSpec};

pub use spec::SPEC;

/// The Greenhouse connector.
#[derive(Debug, Clone, Copy)]
pub struct Greenhouse;

impl Connector for Greenhouse {
    fn spec(&self) -> &ConnectorSpec<'_> {
        &SPEC
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use connector_core::{dry_run, CheckOptions, RawCredentials};
    use serde_json::{json, Value};

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

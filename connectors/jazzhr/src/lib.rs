//! The JazzHR connector: the key in the `apikey` query parameter, verified by listing users.

mod guide;
mod spec;

use connector_core::{Connector, ConnectorSpec};

pub use spec::SPEC;

/// The JazzHR connector.
#[derive(Debug, Clone, Copy)]
pub struct JazzHr;

impl Connector for JazzHr {
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
        JazzHr
            .account(SPEC.default_variant(), &body)
            .map(|p| Value::Object(p.account))
    }

    #[test]
    fn reads_a_list_of_users_or_a_single_user() {
        let ada = json!({"id": "usr_1", "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"});
        let grace = json!({"id": "usr_2", "first_name": "Grace", "last_name": "Hopper"});
        assert_eq!(
            account(json!([ada, grace])).unwrap(),
            json!({"users_listed": 2, "first_user_id": "usr_1", "first_user_name": "Ada Lovelace"})
        );
        assert_eq!(
            account(ada).unwrap(),
            json!({"users_listed": 1, "first_user_id": "usr_1", "first_user_name": "Ada Lovelace"})
        );
        assert_eq!(account(json!([])).unwrap(), json!({"users_listed": 0}));
    }

    #[test]
    fn refuses_an_object_that_is_not_a_user() {
        for body in [json!({}), json!({"error": "nope"}), json!("x"), json!(3)] {
            assert!(account(body.clone()).is_err(), "{body}");
        }
    }

    #[test]
    fn puts_the_key_in_the_query_and_masks_it_when_shown() {
        let mut raw = RawCredentials::new();
        raw.insert("api_key", "EXAMPLE0000jazzhr0000key0000");
        let dry = dry_run(&SPEC, None, &raw, &CheckOptions::default()).unwrap();
        let [request] = dry.requests.as_slice() else {
            panic!("one request expected")
        };
        assert_eq!(request.method, "GET");
        assert_eq!(
            request.url,
            "https://api.resumatorapi.com/v1/users?apikey=••••0000"
        );
        assert!(!format!("{dry:?}").contains("jazzhr0000key"));
    }
}

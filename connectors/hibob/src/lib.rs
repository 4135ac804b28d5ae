//! The HiBob connector: a service user's ID and token as HTTP Basic, verified by reading the
//! company's named lists.

mod guide;
mod spec;

use connector_core::{Connector, ConnectorSpec};

pub use spec::SPEC;

/// The HiBob connector.
#[derive(Debug, Clone, Copy)]
pub struct HiBob;

impl Connector for HiBob {
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
        HiBob
            .account(SPEC.default_variant(), &body)
            .map(|p| Value::Object(p.account))
    }

    #[test]
    fn counts_and_names_the_lists() {
        let body = json!({
            "site": {"name": "site", "items": []},
            "department": {"name": "department", "items": [{"id": "1", "name": "R&D"}]}
        });
        assert_eq!(
            account(body).unwrap(),
            json!({"named_lists": 2, "named_list_names": "department, site"})
        );
    }

    #[test]
    fn names_at_most_ten_lists() {
        let lists: serde_json::Map<String, Value> = (0..12)
            .map(|i| (format!("list{i:02}"), json!({})))
            .collect();
        let proof = account(Value::Object(lists)).unwrap();
        assert_eq!(proof["named_lists"], 12);
        assert!(proof["named_list_names"]
            .as_str()
            .unwrap()
            .ends_with("list09, …"));
    }

    #[test]
    fn accepts_any_object_and_refuses_anything_else() {
        assert_eq!(account(json!({})).unwrap(), json!({"named_lists": 0}));
        for body in [json!([]), json!("x"), json!(null)] {
            assert!(account(body.clone()).is_err(), "{body}");
        }
    }

    fn request(environment: Option<&str>) -> connector_core::ShownRequest {
        let mut raw = RawCredentials::new();
        raw.insert("service_user_id", "SERVICE-0000");
        raw.insert("service_user_token", "EXAMPLE0000hibob0000token0000");
        if let Some(environment) = environment {
            raw.insert("environment", environment);
        }
        let dry = dry_run(&SPEC, None, &raw, &CheckOptions::default()).unwrap();
        dry.requests.into_iter().next().unwrap()
    }

    #[test]
    fn sends_the_service_user_as_basic_to_the_chosen_environment() {
        let production = request(None);
        assert_eq!(production.method, "GET");
        assert_eq!(
            production.url,
            "https://api.hibob.com/v1/company/named-lists"
        );
        assert!(production.headers.contains(&(
            "Authorization".to_owned(),
            "Basic base64(SERVICE-0000:••••0000)".to_owned()
        )));
        assert_eq!(
            request(Some("sandbox")).url,
            "https://api.sandbox.hibob.com/v1/company/named-lists"
        );
    }
}

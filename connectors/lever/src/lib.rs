//! The Lever connector: the key as the Basic user name, verified by reading one user.

mod guide;
mod spec;

use connector_core::{Connector, ConnectorSpec};

pub use spec::SPEC;

/// The Lever connector.
#[derive(Debug, Clone, Copy)]
pub struct Lever;

impl Connector for Lever {
    fn spec(&self) -> &ConnectorSpec<'_> {
        &SPEC
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

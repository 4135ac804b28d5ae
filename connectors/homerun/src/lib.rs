//! The Homerun connector: Bearer keys verified by `GET /ping`, a success only with `"pong": true`.

mod guide;
mod spec;

use connector_core::{Connector, ConnectorSpec};

pub use spec::SPEC;

/// The Homerun connector.
#[derive(Debug, Clone, Copy)]
pub struct Homerun;

impl Connector for Homerun {
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
    fn a_pong_proves_api_access_and_anything_else_does_not() {
        let proof = Homerun
            .account(SPEC.default_variant(), &json!({"pong": true}))
            .expect("a pong is a success");
        assert_eq!(proof.account["api_access"], true);
        assert!(Homerun
            .account(SPEC.default_variant(), &json!({"pong": false}))
            .is_err());
    }

    #[test]
    fn the_request_is_a_bearer_ping() {
        let mut raw = RawCredentials::new();
        raw.insert("api_key", "hr-live-0123456789abcdef");
        let shown = dry_run(&SPEC, None, &raw, &CheckOptions::default()).expect("valid input");
        let request = &shown.requests[0];
        assert_eq!(request.method, "GET");
        assert_eq!(request.url, "https://api.homerun.co/v2/ping");
        assert!(request
            .headers
            .contains(&("Authorization".to_owned(), "Bearer ••••cdef".to_owned())));
    }
}

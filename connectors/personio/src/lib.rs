//! The Personio connector: a client-credentials exchange on the API's origin, then one person.

mod guide;
mod spec;

use connector_core::{Connector, ConnectorSpec};

pub use spec::SPEC;

/// The Personio connector.
#[derive(Debug, Clone, Copy)]
pub struct Personio;

impl Connector for Personio {
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
    fn a_readable_person_list_is_the_proof() {
        let proof = Personio
            .account(
                SPEC.default_variant(),
                &json!({"_data": [{"id": "123"}], "_meta": {}}),
            )
            .expect("a list");
        assert_eq!(proof.account["first_person_id"], "123");
        assert!(Personio
            .account(SPEC.default_variant(), &json!({}))
            .is_err());
    }

    #[test]
    fn the_credentials_go_in_the_form_body_on_the_same_origin() {
        let mut raw = RawCredentials::new();
        raw.insert("client_id", "papi-client-1");
        raw.insert("client_secret", "ps-secret-0123456789abcdef");
        let shown = dry_run(&SPEC, None, &raw, &CheckOptions::default()).expect("valid input");
        let token = &shown.requests[0];
        assert_eq!(token.method, "POST");
        assert_eq!(token.url, "https://api.personio.de/v2/auth/token");
        assert_eq!(
            token.body.as_deref(),
            Some("grant_type=client_credentials&client_id=papi-client-1&client_secret=••••cdef")
        );
        assert!(!token.headers.iter().any(|(n, _)| n == "Authorization"));
        assert!(!token.url.contains("secret"), "never in the query string");
        let persons = &shown.requests[1];
        assert_eq!(persons.url, "https://api.personio.de/v2/persons?limit=1");
    }
}

//! The Manatal connector: `Authorization: Token <key>`, verified by the paginated user list.

mod guide;
mod spec;

use connector_core::{Connector, ConnectorSpec};

pub use spec::SPEC;

/// The Manatal connector.
#[derive(Debug, Clone, Copy)]
pub struct Manatal;

impl Connector for Manatal {
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
    fn reads_the_page_and_refuses_other_shapes() {
        let body = json!({"count": 2, "next": null, "previous": null,
            "results": [{"id": 7, "full_name": "Ada Lovelace"}, {"id": 8}]});
        let proof = Manatal
            .account(SPEC.default_variant(), &body)
            .expect("a page");
        assert_eq!(proof.account["users"], 2);
        assert_eq!(proof.account["first_user_name"], "Ada Lovelace");
        assert!(Manatal
            .account(SPEC.default_variant(), &json!({"detail": "x"}))
            .is_err());
    }

    #[test]
    fn the_token_goes_in_a_token_authorization_header() {
        let mut raw = RawCredentials::new();
        raw.insert("api_key", "mt-live-0123456789abcdef");
        let shown = dry_run(&SPEC, None, &raw, &CheckOptions::default()).expect("valid input");
        let request = &shown.requests[0];
        assert_eq!(request.url, "https://api.manatal.com/open/v3/users/");
        assert!(request
            .headers
            .contains(&("Authorization".to_owned(), "Token ••••cdef".to_owned())));
    }
}

//! The Factorial connector: a company API key in the x-api-key header, checked against the dated credentials endpoint.

mod guide;
mod spec;

use connector_core::{Connector, ConnectorSpec};

pub use spec::SPEC;

/// The Factorial connector. What a successful verification proves is declared in spec.rs
/// (`proof`); `account()` is the trait's default, which reads it.
#[derive(Debug, Clone, Copy)]
pub struct Factorial;

impl Connector for Factorial {
    fn spec(&self) -> &ConnectorSpec<'_> {
        &SPEC
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_credentials_list_is_the_proof_wrapped_or_bare() {
        let variant = SPEC.default_variant();
        let wrapped = json!({"data": [{"id": 1, "name": "Sync", "company_id": 7}], "meta": {}});
        let proof = Factorial.account(variant, &wrapped).expect("wrapped list");
        assert_eq!(proof.account["company_id"], 7);
        let bare = json!([{"id": 1, "name": "Sync", "company_id": 8}]);
        assert!(Factorial.account(variant, &bare).is_ok());
        assert!(Factorial.account(variant, &json!("nope")).is_err());
    }
}

//! The Rippling connector: an API token as a Bearer token, checked by listing companies.

mod guide;
mod spec;

use connector_core::{Connector, ConnectorSpec};

pub use spec::SPEC;

/// The Rippling connector. What a successful verification proves is declared in spec.rs
/// (`proof`); `account()` is the trait's default, which reads it.
#[derive(Debug, Clone, Copy)]
pub struct Rippling;

impl Connector for Rippling {
    fn spec(&self) -> &ConnectorSpec<'_> {
        &SPEC
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_declared_proof_reads_the_documented_answer() {
        let variant = SPEC.default_variant();
        let proof = Rippling
            .account(
                variant,
                &json!({"results": [{"id": "r1", "name": "Acme"}], "next_link": null}),
            )
            .expect("documented shape");
        assert_eq!(proof.account["company_name"], json!("Acme"));
        assert!(Rippling.account(variant, &json!({"results": []})).is_err());
    }
}

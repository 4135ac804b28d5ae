//! The PayFit connector: a customer API key as a Bearer token, checked by reading its company.

mod guide;
mod spec;

use connector_core::{Connector, ConnectorSpec};

pub use spec::SPEC;

/// The PayFit connector. What a successful verification proves is declared in spec.rs
/// (`proof`); `account()` is the trait's default, which reads it.
#[derive(Debug, Clone, Copy)]
pub struct PayFit;

impl Connector for PayFit {
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
        let proof = PayFit
            .account(variant, &json!({"id": "c1", "name": "Acme"}))
            .expect("documented shape");
        assert_eq!(proof.account["company_id"], json!("c1"));
        assert!(PayFit.account(variant, &json!({"name": "no id"})).is_err());
    }
}

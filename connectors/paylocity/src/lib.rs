//! The Paylocity connector: Weblink client credentials exchanged for a token, then one employee of the company.

mod guide;
mod spec;

use connector_core::{Connector, ConnectorSpec};

pub use spec::SPEC;

/// The Paylocity connector. What a successful verification proves is declared in spec.rs
/// (`proof`); `account()` is the trait's default, which reads it.
#[derive(Debug, Clone, Copy)]
pub struct Paylocity;

impl Connector for Paylocity {
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
        let proof = Paylocity
            .account(variant, &json!([{"employeeId": "1001", "statusCode": "A"}]))
            .expect("documented shape");
        assert_eq!(proof.account["first_employee_id"], json!("1001"));
        assert!(Paylocity
            .account(variant, &json!({"employees": 1}))
            .is_err());
    }
}

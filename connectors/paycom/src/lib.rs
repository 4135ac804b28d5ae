//! The Paycom connector: an API user's SID and token as HTTP Basic, checked by listing employee codes.

mod guide;
mod spec;

use connector_core::{Connector, ConnectorSpec};

pub use spec::SPEC;

/// The Paycom connector. What a successful verification proves is declared in spec.rs
/// (`proof`); `account()` is the trait's default, which reads it.
#[derive(Debug, Clone, Copy)]
pub struct Paycom;

impl Connector for Paycom {
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
        let proof = Paycom
            .account(
                variant,
                &json!({"result": true, "data": [{"eecode": "A1"}], "errors": []}),
            )
            .expect("documented shape");
        assert_eq!(proof.account["employees_listed"], json!(1));
        assert!(Paycom.account(variant, &json!("nope")).is_err());
    }
}

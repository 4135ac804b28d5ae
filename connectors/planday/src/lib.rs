//! The Planday connector: a refresh token exchanged for an access token, then departments with X-ClientId.

mod guide;
mod spec;

use connector_core::{Connector, ConnectorSpec};

pub use spec::SPEC;

/// The Planday connector. What a successful verification proves is declared in spec.rs
/// (`proof`); `account()` is the trait's default, which reads it.
#[derive(Debug, Clone, Copy)]
pub struct Planday;

impl Connector for Planday {
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
        let proof = Planday
            .account(
                variant,
                &json!({"paging": {"total": 7}, "data": [{"id": 1, "name": "Kitchen"}]}),
            )
            .expect("documented shape");
        assert_eq!(proof.account["department_count"], json!(7));
        assert!(Planday.account(variant, &json!({"data": {}})).is_err());
    }
}

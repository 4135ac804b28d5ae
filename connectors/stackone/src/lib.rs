//! The StackOne connector: the key as HTTP Basic username, verified by listing linked accounts.

mod guide;
mod spec;

use connector_core::{Connector, ConnectorSpec};

pub use spec::SPEC;

/// The StackOne connector.
#[derive(Debug, Clone, Copy)]
pub struct StackOne;

impl Connector for StackOne {
    fn spec(&self) -> &ConnectorSpec<'_> {
        &SPEC
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accepts_both_list_shapes() {
        for body in [json!([{"id": "a"}]), json!({"data": [{"id": "a"}]})] {
            let proof = StackOne.account(SPEC.default_variant(), &body).unwrap();
            assert_eq!(proof.account["has_linked_accounts"], true);
        }
        assert!(StackOne
            .account(SPEC.default_variant(), &json!({"id": "a"}))
            .is_err());
    }
}

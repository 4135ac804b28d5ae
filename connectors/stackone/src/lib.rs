//! The StackOne connector: the key as HTTP Basic username, verified by listing linked accounts.

mod guide;
mod spec;

use connector_core::{Connector, ConnectorSpec, Status, Verdict};
use serde_json::Value;

pub use spec::SPEC;

/// The StackOne connector.
#[derive(Debug, Clone, Copy)]
pub struct StackOne;

impl Connector for StackOne {
    fn spec(&self) -> &ConnectorSpec<'_> {
        &SPEC
    }

    /// 412 means the StackOne account itself is suspended; the key may be fine.
    fn classify(&self, status: u16, body: &Value) -> Option<Verdict> {
        if status != 412 {
            return None;
        }
        let said = connector_core::response::provider_message(body)
            .map(|m| format!(" (the provider said: \"{m}\")"))
            .unwrap_or_default();
        Some(Verdict {
            status: Status::Forbidden,
            message: format!(
                "StackOne refused the request because the account is suspended (412){said}. Contact StackOne support to restore it."
            ),
        })
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

    #[test]
    fn suspension_is_forbidden() {
        let verdict = StackOne.classify(412, &json!({})).unwrap();
        assert_eq!(verdict.status, Status::Forbidden);
        assert!(StackOne.classify(403, &json!({})).is_none());
    }
}

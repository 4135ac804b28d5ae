//! The Recruitee connector: a Bearer personal token, the company id in the path, verified by the
//! department list.

mod guide;
mod spec;

use connector_core::{Connector, ConnectorSpec};

pub use spec::SPEC;

/// The Recruitee connector.
#[derive(Debug, Clone, Copy)]
pub struct Recruitee;

impl Connector for Recruitee {
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
    fn reads_the_departments() {
        let body = json!({"departments": [{"id": 1, "name": "Sales"}, {"id": 2, "name": "R&D"}]});
        let proof = Recruitee
            .account(SPEC.default_variant(), &body)
            .expect("a list");
        assert_eq!(proof.account["departments"], 2);
        assert_eq!(proof.account["department_names"], json!(["Sales", "R&D"]));
        assert!(Recruitee
            .account(SPEC.default_variant(), &json!({"error": "x"}))
            .is_err());
    }

    #[test]
    fn the_company_id_is_one_path_segment() {
        let mut raw = RawCredentials::new();
        raw.insert("api_key", "rc-live-0123456789abcdef");
        raw.insert("company_id", "123456");
        let shown = dry_run(&SPEC, None, &raw, &CheckOptions::default()).expect("valid input");
        assert_eq!(
            shown.requests[0].url,
            "https://api.recruitee.com/c/123456/departments"
        );
        raw.insert("company_id", "123/../x");
        let refused = dry_run(&SPEC, None, &raw, &CheckOptions::default()).expect_err("refused");
        assert!(
            refused.message.contains("company_id"),
            "{}",
            refused.message
        );
    }
}

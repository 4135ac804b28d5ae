//! The Fountain connector: the legacy Hire token in X-ACCESS-TOKEN, on the main or a regional tenant.

mod guide;
mod spec;

use connector_core::{Connector, ConnectorSpec};

pub use spec::SPEC;

/// The Fountain connector. What a successful verification proves is declared in spec.rs
/// (`proof`); `account()` is the trait's default, which reads it.
#[derive(Debug, Clone, Copy)]
pub struct Fountain;

impl Connector for Fountain {
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
        let proof = Fountain
            .account(
                variant,
                &json!({"funnels": [{"id": "f1", "title": "Drivers"}], "pagination": {}}),
            )
            .expect("documented shape");
        assert_eq!(proof.account["first_funnel_id"], json!("f1"));
        assert!(Fountain.account(variant, &json!({"funnels": "x"})).is_err());
    }
}

#[cfg(test)]
mod region_tests {
    use super::*;
    use connector_core::{dry_run, CheckOptions, RawCredentials};

    #[test]
    fn the_region_picks_the_tenant_host() {
        let mut raw = RawCredentials::new();
        raw.insert("api_token", "fake0000fountain0000EXAMPLE0000token");
        let main = dry_run(&SPEC, None, &raw, &CheckOptions::default()).expect("main tenant");
        assert_eq!(main.requests[0].url, "https://api.fountain.com/v2/funnels");
        raw.insert("region", "us-2");
        let regional = dry_run(&SPEC, None, &raw, &CheckOptions::default()).expect("us-2");
        assert_eq!(
            regional.requests[0].url,
            "https://us-2.fountain.com/api/v2/funnels"
        );
    }
}

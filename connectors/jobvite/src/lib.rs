//! The Jobvite connector: two secret headers, verified by reading one job.

mod guide;
mod spec;

use connector_core::{Connector, ConnectorSpec};

pub use spec::SPEC;

/// The Jobvite connector.
#[derive(Debug, Clone, Copy)]
pub struct Jobvite;

impl Connector for Jobvite {
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
    fn reads_the_total() {
        let proof = Jobvite
            .account(
                SPEC.default_variant(),
                &json!({"requisitions": [], "total": 12}),
            )
            .expect("an object");
        assert_eq!(proof.account["jobs_total"], 12);
        assert!(Jobvite.account(SPEC.default_variant(), &json!([])).is_err());
    }

    #[test]
    fn both_keys_travel_in_their_own_headers_and_both_are_masked() {
        let mut raw = RawCredentials::new();
        raw.insert("api_key", "jv-key-0123456789abcdef");
        raw.insert("secret_key", "jv-sec-fedcba9876543210");
        let shown = dry_run(&SPEC, None, &raw, &CheckOptions::default()).expect("valid input");
        let request = &shown.requests[0];
        assert_eq!(
            request.url,
            "https://api.jobvite.com/api/v2/job?start=1&count=1"
        );
        assert!(request
            .headers
            .contains(&("x-jvi-api".to_owned(), "••••cdef".to_owned())));
        assert!(request
            .headers
            .contains(&("x-jvi-sc".to_owned(), "••••3210".to_owned())));
    }
}

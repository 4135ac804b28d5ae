//! The Pinpoint connector: the subdomain in the host, `X-API-KEY`, verified by the job list.

mod guide;
mod spec;

use connector_core::{Connector, ConnectorSpec};

pub use spec::SPEC;

/// The Pinpoint connector.
#[derive(Debug, Clone, Copy)]
pub struct Pinpoint;

impl Connector for Pinpoint {
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
    fn counts_the_jobs() {
        let body = json!({"data": [{"id": "1", "type": "jobs"}], "meta": {}});
        let proof = Pinpoint
            .account(SPEC.default_variant(), &body)
            .expect("a list");
        assert_eq!(proof.account["jobs_listed"], 1);
        assert!(Pinpoint
            .account(SPEC.default_variant(), &json!({"errors": []}))
            .is_err());
    }

    #[test]
    fn the_subdomain_is_one_host_label_and_never_masked() {
        let mut raw = RawCredentials::new();
        raw.insert("api_key", "pp-live-0123456789abcdef");
        raw.insert("subdomain", "acme");
        let shown = dry_run(&SPEC, None, &raw, &CheckOptions::default()).expect("valid input");
        assert_eq!(
            shown.requests[0].url,
            "https://acme.pinpointhq.com/api/v1/jobs"
        );
        assert!(shown.requests[0]
            .headers
            .contains(&("X-API-KEY".to_owned(), "••••cdef".to_owned())));
        for bad in ["acme.evil.example#", "acme@evil", "%2e%2e", ""] {
            raw.insert("subdomain", bad);
            assert!(dry_run(&SPEC, None, &raw, &CheckOptions::default()).is_err());
        }
    }
}

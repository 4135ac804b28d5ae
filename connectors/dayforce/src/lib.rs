//! The Dayforce connector: a web services user's password grant, then the employees' reference codes.

mod guide;
mod spec;

use connector_core::{Connector, ConnectorSpec};

pub use spec::SPEC;

/// The Dayforce connector. What a successful verification proves is declared in spec.rs
/// (`proof`); `account()` is the trait's default, which reads it.
#[derive(Debug, Clone, Copy)]
pub struct Dayforce;

impl Connector for Dayforce {
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
        let proof = Dayforce
            .account(variant, &json!({"Data": [{"XRefCode": "42199"}]}))
            .expect("documented shape");
        assert_eq!(proof.account["employees_listed"], json!(1));
        assert!(Dayforce.account(variant, &json!({"Data": null})).is_err());
    }
}

#[cfg(test)]
mod exchange_tests {
    use super::*;
    use connector_core::{dry_run, CheckOptions, RawCredentials};

    #[test]
    fn the_password_travels_only_in_the_form_body() {
        let mut raw = RawCredentials::new();
        raw.insert("company_id", "acmeco");
        raw.insert("username", "ws-user");
        raw.insert("password", "pw-0123456789abcdef");
        let shown = dry_run(&SPEC, None, &raw, &CheckOptions::default()).expect("valid input");
        let token = &shown.requests[0];
        assert_eq!(token.url, "https://dfid.dayforcehcm.com/connect/token");
        assert!(!token.url.contains("pw-"), "never in a URL");
        let body = token.body.as_deref().unwrap_or_default();
        assert!(body.contains("grant_type=password"));
        assert!(body.contains("client_id=Dayforce.HCMAnywhere.Client"));
        assert!(!body.contains("0123456789"), "masked in --dry-run");
        assert_eq!(
            shown.requests[1].url,
            "https://www.dayforcehcm.com/api/acmeco/V1/Employees"
        );
    }
}

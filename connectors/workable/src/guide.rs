//! How a Workable admin generates an API access token with the scopes the check needs.

use connector_core::{SetupGuide, Step, Troubleshooting};

pub const GUIDE: SetupGuide = SetupGuide {
    prerequisites: &[
        "A Workable user with the admin role: only admins can generate API access tokens.",
        "The account's subdomain: the `acme` of acme.workable.com.",
    ],
    steps: &[
        Step {
            title: "Open the API access tokens",
            body: "In Workable, open Settings, then Integrations, then Apps, and find API Access Tokens.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Generate the token",
            body: "Press Generate, name it after the integration, pick an expiry and choose its scopes.",
            points: &[
                "Expiry: from 30 days up to 2 years; note the date, the token stops working then.",
                "Scopes: at least one is required; r_account lets this connector verify the token. Add r_jobs, r_candidates and the like as the integration needs.",
            ],
            warnings: &[],
        },
        Step {
            title: "Copy the token",
            body: "Copy the token into a secrets vault or password manager, together with the subdomain.",
            points: &[],
            warnings: &["Workable shows the token only once; if it is lost, generate a new one."],
        },
    ],
    lifecycle: &[
        "A token expires on the date chosen when it was generated (30 days to 2 years); generate a replacement before then.",
        "An admin can revoke a token from the same API Access Tokens list; a revoked token is refused from then on.",
    ],
    troubleshooting: Troubleshooting {
        rejected: Some("Check that the token has not expired or been revoked in Settings → Integrations → Apps → API Access Tokens, and that the subdomain is the account the token was generated in."),
        forbidden: Some("Generate a token with the r_account scope (plus whatever the integration needs) under Settings → Integrations → Apps → API Access Tokens."),
        rate_limited: Some("Workable allows 10 requests every 10 seconds per account token; the X-Rate-Limit-Reset header says when the window ends."),
        unavailable: Some("Requests go to <subdomain>.workable.com: a mistyped subdomain may not resolve at all, so check it is the `acme` of acme.workable.com."),
    },
};

//! How a Fountain user finds the company's private Hire API token.

use connector_core::{SetupGuide, Step, Troubleshooting};

pub const GUIDE: SetupGuide = SetupGuide {
    prerequisites: &[
        "A Fountain account with API access included (Fountain sells it as part of a package; ask your CSM if the API page is missing).",
        "A Fountain user whose permissions let them see the company's API keys.",
    ],
    steps: &[
        Step {
            title: "Find your tenant",
            body: "Look at the address you sign in at: app.fountain.com or web.fountain.com means region main; an address naming us-2 means region us-2.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Open the API keys",
            body: "Open Company Settings, then the API page, and press Show API Keys.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Copy the private token",
            body: "Copy the primary (or secondary) private token into a secrets vault.",
            points: &[],
            warnings: &["The public Trusted Party key is for web forms: it can only add applicants, so it cannot be verified with a read."],
        },
    ],
    lifecycle: &[
        "A secondary token can be requested, deleted, or promoted to primary on the same page; promoting it deletes the old primary token.",
        "Changing tokens breaks every integration and webhook still using the old one: pause them first.",
    ],
    troubleshooting: Troubleshooting {
        rejected: Some("Check that the token is still the current primary or secondary token under Company Settings → API, and that the region matches the address you sign in at."),
        forbidden: Some("Use the private token from Company Settings → API, not the public Trusted Party key, which only creates applicants."),
        rate_limited: Some("Fountain limits requests per key; a secondary key or a single-tenant plan raises the limit (ask Fountain support)."),
        unavailable: Some("Main-tenant requests go to api.fountain.com, regional ones to <region>.fountain.com; check Fountain's status page."),
    },
};

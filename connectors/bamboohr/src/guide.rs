//! How a BambooHR user creates an API key, which acts with that user's own permissions.

use connector_core::{SetupGuide, Step, Troubleshooting};

pub const GUIDE: SetupGuide = SetupGuide {
    prerequisites: &[
        "A BambooHR user whose access level covers what the integration reads: the key can do exactly what its user can, no more.",
        "The company domain: the `acme` of acme.bamboohr.com.",
    ],
    steps: &[
        Step {
            title: "Open your API keys",
            body: "Sign in to BambooHR as the user the integration should act as, click your name (or photo) in the top right corner and choose API Keys.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Add a key",
            body: "Press Add New Key, name it after the integration that will use it and press Generate Key.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Copy the key",
            body: "Copy the key and keep it in a secrets vault or password manager, together with the company domain.",
            points: &[],
            warnings: &["BambooHR shows the key only once; if it is lost, add a new key."],
        },
    ],
    lifecycle: &[
        "A key lives as long as its user: disabling the user, or lowering their access level, stops or narrows the key at once.",
        "A user can delete their keys from the same API Keys page; a deleted key is refused from then on.",
    ],
    troubleshooting: Troubleshooting {
        rejected: Some("Check that the key was copied whole and still appears under your name → API Keys in BambooHR, and that the company domain is the one of the account that issued it."),
        forbidden: Some("The key's user lacks the access, or the user was disabled: ask a BambooHR administrator to review the user's access level."),
        rate_limited: Some("BambooHR throttles with 429 and a Retry-After header; spread requests out and retry after the time it asks."),
        unavailable: Some("BambooHR now signals throttling with 429, so a 503 means BambooHR itself is unavailable; check again later."),
    },
};

//! How a Lucca administrator creates a legacy API key the check can use.

use connector_core::{SetupGuide, Step, Troubleshooting};

pub const GUIDE: SetupGuide = SetupGuide {
    prerequisites: &[
        "A Lucca administrator who may manage API keys for the account.",
        "The account's subdomain: the `acme` of acme.ilucca.net.",
    ],
    steps: &[
        Step {
            title: "Open the API keys",
            body: "Sign in to Lucca as an administrator and open the API keys page of the account's administration settings.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Create a key for this integration",
            body: "Add a new key named after the integration and set a technical contact, an email address Lucca can write to about API problems or changes.",
            points: &["One key per integration keeps each one's access narrow and lets you delete one without touching the others."],
            warnings: &[],
        },
        Step {
            title: "Set the key's role",
            body: "Each key gets a role of its own, listed at the bottom of the roles administration page; give it read access to the user directory plus whatever the integration needs.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Copy the key",
            body: "Copy the key with the subdomain into a secrets vault or password manager.",
            points: &[],
            warnings: &["Anyone holding the key acts with its role; delete it at once if it may have leaked and create another."],
        },
    ],
    lifecycle: &[
        "A key works until it is deleted from the API keys page; Lucca recommends replacing keys from time to time.",
        "Changing the key's role changes what it may read at once.",
        "Lucca's newer API uses client credentials exchanged for tokens instead; this connector checks the legacy API key.",
    ],
    troubleshooting: Troubleshooting {
        rejected: Some("Check the subdomain and that the key still exists on the API keys page; Lucca answers 401 for an unknown key."),
        forbidden: Some("The key's role may not read users: add that right to the key's own role."),
        rate_limited: Some("Lucca throttled the requests; wait a moment and check again."),
        unavailable: Some("Requests go to <subdomain>.ilucca.net: a mistyped subdomain may not resolve, so check it is the `acme` of acme.ilucca.net."),
    },
};

//! How a Sage HR admin enables API access and finds their API key.

use connector_core::{SetupGuide, Step, Troubleshooting};

pub const GUIDE: SetupGuide = SetupGuide {
    prerequisites: &[
        "A Sage HR user with admin rights: only admins can enable API access and hold a key.",
        "The account's subdomain: the `acme` of acme.sage.hr.",
    ],
    steps: &[
        Step {
            title: "Open the API settings",
            body: "In Sage HR, click your name at the top right, choose Settings, then Integrations, then API.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Enable API access",
            body: "If API access is not yet on, choose Enable API access; Sage HR then displays your personal API key.",
            points: &["The key belongs to your user and reaches every part of the data the API offers; it cannot be narrowed to some features."],
            warnings: &["Turning API access off and on again issues new keys to every user of the account, so every integration using an old key stops."],
        },
        Step {
            title: "Copy the key",
            body: "Copy the key with the subdomain into a secrets vault or password manager.",
            points: &[],
            warnings: &[],
        },
    ],
    lifecycle: &[
        "The key does not change on its own; it is replaced only when API access is disabled and enabled again, which replaces every user's key.",
        "A user who loses the admin role loses their key at once: tie integrations to an admin account that will stay one.",
    ],
    troubleshooting: Troubleshooting {
        rejected: Some("Check the subdomain, that the key's user is still an admin, and that API access was not switched off and on since the key was copied."),
        forbidden: None,
        rate_limited: Some("Sage HR throttled the requests; wait a moment and check again."),
        unavailable: Some("Requests go to <subdomain>.sage.hr: a mistyped subdomain may not resolve, so check it is the `acme` of acme.sage.hr."),
    },
};

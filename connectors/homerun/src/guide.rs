//! How a Homerun user creates an API key with the scopes an integration needs.

use connector_core::{SetupGuide, Step, Troubleshooting};

pub const GUIDE: SetupGuide = SetupGuide {
    prerequisites: &[
        "A Homerun user who can manage the company's integrations settings.",
        "A Homerun plan that includes public API access: without it every key is answered with 402.",
    ],
    steps: &[
        Step {
            title: "Open the integrations settings",
            body: "In Homerun, open Settings, then Integrations, and find the API keys section.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Create the key",
            body: "Create a new key, name it after the integration that will use it, and choose its scopes and, if you want one, an expiry date.",
            points: &[
                "Scopes: pick every scope the integration needs now; they cannot be changed on an existing key.",
                "Expiry: optional; a key with an expiry date stops working on that date.",
                "Up to ten keys can be active at once.",
            ],
            warnings: &["The scopes are fixed when the key is created: a key missing one must be replaced by a new key."],
        },
        Step {
            title: "Copy the key",
            body: "Copy the key into a secrets vault or password manager before closing the dialog.",
            points: &[],
            warnings: &[],
        },
    ],
    lifecycle: &[
        "A key with an expiry date stops working on that date; create its replacement before then.",
        "Deleting a key in Settings → Integrations refuses it from then on; the other keys keep working.",
        "To change a key's scopes, create a new key with the right scopes and delete the old one.",
    ],
    troubleshooting: Troubleshooting {
        rejected: Some("Check in Settings → Integrations that the key still exists and has not passed its expiry date, and that it was copied whole."),
        forbidden: Some("A 402 means the company's plan has no API access (upgrade the plan); a 403 means the key lacks a scope: create a key with the scopes the integration needs."),
        rate_limited: Some("Homerun allows 60 requests a minute; wait a minute and check again."),
        unavailable: None,
    },
};

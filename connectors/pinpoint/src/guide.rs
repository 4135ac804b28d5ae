//! How a Pinpoint admin switches the API on and creates a key.

use connector_core::{SetupGuide, Step, Troubleshooting};

pub const GUIDE: SetupGuide = SetupGuide {
    prerequisites: &[
        "A Pinpoint user who can change the account's settings.",
        "The account's subdomain: the `acme` of acme.pinpointhq.com.",
    ],
    steps: &[
        Step {
            title: "Switch the API on",
            body: "In Pinpoint, open Settings, then API & Webhooks, and turn the API on for the account.",
            points: &[],
            warnings: &["While the API is off, every key is refused with \"Integration not enabled\"."],
        },
        Step {
            title: "Create the key",
            body: "On the same page, open API Keys and press Create; name the key after the integration.",
            points: &["The key can be revealed again later from the same list, so it is not lost if you close the page."],
            warnings: &[],
        },
    ],
    lifecycle: &[
        "A key stays valid until it is deleted from Settings → API & Webhooks → API Keys.",
        "Turning the API off refuses every key of the account until it is turned on again.",
    ],
    troubleshooting: Troubleshooting {
        rejected: Some("Check that the key still exists under Settings → API & Webhooks → API Keys, that it was copied whole, and that the subdomain is the account it was created in."),
        forbidden: Some("Turn the API on under Settings → API & Webhooks (\"Integration not enabled\" means it is off)."),
        rate_limited: None,
        unavailable: Some("Requests go to <subdomain>.pinpointhq.com: check the subdomain is the `acme` of acme.pinpointhq.com."),
    },
};

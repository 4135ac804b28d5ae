//! How a Recruitee user creates a personal API token.

use connector_core::{SetupGuide, Step, Troubleshooting};

pub const GUIDE: SetupGuide = SetupGuide {
    prerequisites: &[
        "A Recruitee user in the company whose data the integration reads; the token acts as that user.",
        "The company id: the number after `company=` in the Recruitee app's address.",
    ],
    steps: &[
        Step {
            title: "Open the personal API tokens",
            body: "In Recruitee, open Settings, then Apps and plugins, and choose Personal API tokens.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Create the token",
            body: "Press New token, name it after the integration, and confirm with your password.",
            points: &[],
            warnings: &["Only the user who created the token can see it; copy it into a secrets vault now."],
        },
    ],
    lifecycle: &[
        "A personal token has no expiry: it works until it is revoked.",
        "Revoking the token under Settings → Apps and plugins → Personal API tokens refuses it from then on.",
        "The token belongs to one user in one company; if that user leaves the company, create a token for another user.",
    ],
    troubleshooting: Troubleshooting {
        rejected: Some("Check that the token was not revoked under Settings → Apps and plugins → Personal API tokens, and that it was copied whole."),
        forbidden: Some("Check that the company id belongs to the company the token's user works in, and that the user may see departments."),
        rate_limited: None,
        unavailable: None,
    },
};

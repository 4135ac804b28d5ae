//! How a Gem admin creates a shareable access key for a third-party application.

use connector_core::{SetupGuide, Step, Troubleshooting};

pub const GUIDE: SetupGuide = SetupGuide {
    prerequisites: &[
        "API access switched on for the Gem account: ask your Gem customer success manager or account executive, since keys cannot be made before.",
        "A Gem user with admin settings access.",
        "The application secret Gem issued to the application that will use the key.",
    ],
    steps: &[
        Step {
            title: "Open the integrations settings",
            body: "In Gem, open your profile at the bottom left, choose Admin Settings, then Integrations.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Add the application",
            body: "Scroll to Third party applications at the bottom and press Add Integration for the application.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Copy the shareable access key",
            body: "Copy the shareable access key that appears, together with the application's secret, into a secrets vault or password manager.",
            points: &["Both values are needed for each request, and both are secret."],
            warnings: &[],
        },
    ],
    lifecycle: &[
        "The key works until the integration is removed from Third party applications; removing it refuses the key from then on.",
        "If Gem turns API access off for the account, every key stops working.",
    ],
    troubleshooting: Troubleshooting {
        rejected: Some("Check that API access is still on for the account, that the integration was not removed, and that the key and the application secret belong together."),
        forbidden: None,
        rate_limited: Some("Gem allows about 20 requests a second per key; wait a moment and check again."),
        unavailable: Some("api.gem.com did not answer properly; try again later."),
    },
};

//! How a Factorial company administrator creates an API key.

use connector_core::{SetupGuide, Step, Troubleshooting};

pub const GUIDE: SetupGuide = SetupGuide {
    prerequisites: &[
        "A Factorial user who is an administrator of the company: only admins see the API keys page.",
        "Keep in mind that the key acts for the company as a whole, with full admin rights, not for one person.",
    ],
    steps: &[
        Step {
            title: "Open the API keys page",
            body: "In Factorial, go to Settings, scroll to the advanced section and choose API keys.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Create the key",
            body: "Choose to create a new API key, give it a name that says which integration uses it, and confirm.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Store the key",
            body: "Copy the key straight into a secrets vault or password manager.",
            points: &[],
            warnings: &[
                "Factorial displays the key a single time; if it is lost, create another one.",
                "The key can do anything an admin can: share it only with the system that needs it.",
            ],
        },
    ],
    lifecycle: &[
        "Keys never expire; delete a key on the same API keys page when the integration is retired, and it stops working.",
        "Replace a key by creating a new one, switching the integration over, then deleting the old one.",
    ],
    troubleshooting: Troubleshooting {
        rejected: Some("Check that the key still exists under Settings → API keys and was copied whole (three parts joined by dots)."),
        forbidden: None,
        rate_limited: Some("Wait a little and try again; Factorial publishes no fixed rate for API keys."),
        unavailable: Some("Requests go to api.factorialhr.com, on API version 2026-07-01; if Factorial has retired that version the check cannot succeed until the connector moves to a newer one."),
    },
};

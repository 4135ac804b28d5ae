//! How a Lever super admin generates an API key that can read users.

use connector_core::{SetupGuide, Step, Troubleshooting};

pub const GUIDE: SetupGuide = SetupGuide {
    prerequisites: &[
        "A Lever user with the super admin role: only super admins can generate API keys.",
        "Whether the account is a production or a sandbox one: each has its own host and its own keys.",
    ],
    steps: &[
        Step {
            title: "Open the API credentials",
            body: "In Lever, open Settings, then Integrations and API, and choose the API Credentials tab.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Generate the key",
            body: "Press Generate New Key, name it after the integration, and choose its permissions endpoint by endpoint.",
            points: &[
                "Give it read access to users: this connector verifies the key by reading one user.",
                "Several keys can be active at once, one per integration.",
            ],
            warnings: &["Lever shows the key only once; copy it into a secrets vault before leaving the page."],
        },
    ],
    lifecycle: &[
        "A super admin can revoke a key from the API Credentials tab; it is refused from then on, and the other keys keep working.",
        "Permissions can be reviewed per key on the same tab; a key without access to an endpoint is refused there.",
    ],
    troubleshooting: Troubleshooting {
        rejected: Some("Check that the key still exists under Settings → Integrations and API → API Credentials, and that the environment (production or sandbox) matches the account the key was generated in."),
        forbidden: Some("Give the key read access to users under Settings → Integrations and API → API Credentials."),
        rate_limited: Some("Lever allows about 10 requests a second per key; spread bulk checks out."),
        unavailable: None,
    },
};

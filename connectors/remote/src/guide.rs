//! How a Remote admin creates an API token.

use connector_core::{SetupGuide, Step, Troubleshooting};

pub const GUIDE: SetupGuide = SetupGuide {
    prerequisites: &[
        "A Remote account with the company admin or company owner role: only they can create and revoke API tokens.",
        "For testing, a company in Remote's sandbox: sandbox tokens work only there.",
    ],
    steps: &[
        Step {
            title: "Open the Remote API integration",
            body: "In Remote, go to Company Settings, then Integrations & APIs, and open the Remote API card.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Generate a token",
            body: "Press Generate API token, give it a name that says which integration uses it, and accept the API terms of use.",
            points: &[
                "A production token starts with ra_live_, a sandbox token with ra_test_; the hub picks the environment from that prefix.",
            ],
            warnings: &[
                "Copy the token when it is shown and store it in a secrets vault.",
            ],
        },
    ],
    lifecycle: &[
        "A company admin can revoke a token from the same page; it is refused from then on, and other tokens keep working.",
        "A token belongs to one environment: a sandbox token is refused by production and the other way round.",
    ],
    troubleshooting: Troubleshooting {
        rejected: Some("Check that the token was not revoked and that it matches the environment: ra_live_ tokens for production, ra_test_ tokens for the sandbox."),
        forbidden: Some("Create a token whose scopes let it read the company."),
        rate_limited: None,
        unavailable: None,
    },
};

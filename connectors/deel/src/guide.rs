//! How a Deel admin generates an API token the check can use.

use connector_core::{SetupGuide, Step, Troubleshooting};

pub const GUIDE: SetupGuide = SetupGuide {
    prerequisites: &[
        "Access to the Developer Center of the Deel organization (an organization admin).",
        "Which environment the token is for: production for the live organization, sandbox for a Deel sandbox account.",
    ],
    steps: &[
        Step {
            title: "Open the Developer Center",
            body: "In the Deel dashboard open More, then Developer, and switch to the Access Tokens tab.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Generate a token",
            body: "Choose Generate new token, give it a label and pick its type, then its scopes and which sensitive data it may see.",
            points: &[
                "An organization token reaches the whole organization and keeps working when the person who made it leaves; a personal token acts for its creator only.",
                "contracts:read is the scope this check needs; add what the integration itself uses.",
            ],
            warnings: &[],
        },
        Step {
            title: "Copy the token",
            body: "Review the settings, generate, and copy the token into a secrets vault or password manager right away.",
            points: &[],
            warnings: &["Deel shows the token on this screen only; it cannot be retrieved later."],
        },
    ],
    lifecycle: &[
        "A token keeps working until it is revoked from the Access Tokens tab; scopes cannot be widened afterwards, so generate a new token instead.",
        "An organization token survives the deactivation of the user who made it; a personal token does not.",
    ],
    troubleshooting: Troubleshooting {
        rejected: Some("Check the environment (a sandbox token is unknown to production and the other way round) and that the token was not revoked."),
        forbidden: Some("The token lacks contracts:read: generate a token with that scope."),
        rate_limited: Some("Deel allows 5 requests a second per organization, shared by all its tokens; wait a second and check again."),
        unavailable: Some("The Deel API did not answer properly; try again later."),
    },
};

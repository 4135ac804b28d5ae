//! How a Humaans owner or admin creates an API access token the check can use.

use connector_core::{SetupGuide, Step, Troubleshooting};

pub const GUIDE: SetupGuide = SetupGuide {
    prerequisites: &[
        "A Humaans user with the Owner or Admin role: other roles cannot create API access tokens.",
        "Keep in mind that a token never sees more than its creator may see: a token made by a limited user reaches that user's own data only.",
    ],
    steps: &[
        Step {
            title: "Open the token list",
            body: "Sign in to Humaans, open the menu beside your name and workspace at the top left, and choose API access tokens.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Generate a token",
            body: "Choose Generate new token, give it a name after the integration, and tick its scopes.",
            points: &[
                "public:read (or private:read) is enough for this check, which reads the token owner's own profile.",
                "Add private, compensations, documents or webhooks scopes only if the integration needs them.",
            ],
            warnings: &[],
        },
        Step {
            title: "Copy the token",
            body: "Create the token and copy it straight into a secrets vault or password manager.",
            points: &[],
            warnings: &["Humaans displays the token only once; a lost token must be replaced by a new one."],
        },
    ],
    lifecycle: &[
        "A token stays valid until it is deleted from the API access tokens list; deleting it refuses it from then on.",
        "Changing the creator's role or removing the creator changes what the token can reach: prefer a dedicated admin account for integrations.",
    ],
    troubleshooting: Troubleshooting {
        rejected: Some("Check that the token still appears under API access tokens and was copied whole; generate a new one if it was deleted."),
        forbidden: Some("The token lacks a read scope: create one with public:read or private:read."),
        rate_limited: Some("Humaans throttled the requests; wait a moment and check again."),
        unavailable: Some("app.humaans.io did not answer properly; try again later."),
    },
};

//! How a Rippling user creates an API token.

use connector_core::{SetupGuide, Step, Troubleshooting};

pub const GUIDE: SetupGuide = SetupGuide {
    prerequisites: &[
        "A Rippling user with access to the API Tokens app; a token can never do more than that user may.",
    ],
    steps: &[
        Step {
            title: "Open the API Tokens app",
            body: "In Rippling, search for API Tokens (it is also listed under Settings) and open it.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Create the token",
            body: "Create a token with a recognisable name and identifier, choose the API version, and set its permissions.",
            points: &["Grant read access to company information so this check can list the company; add what the integration needs."],
            warnings: &["Rippling e-mails the token's owner and the administrators when a token is created."],
        },
        Step {
            title: "Store the token",
            body: "Copy the token into a secrets vault straight away.",
            points: &[],
            warnings: &["The token is shown only once."],
        },
    ],
    lifecycle: &[
        "Revoke a token in the API Tokens app when it is no longer needed; it is refused from then on.",
        "A token's permissions follow its creator's: if that user loses access, so does the token.",
    ],
    troubleshooting: Troubleshooting {
        rejected: Some("Check that the token still exists in the API Tokens app and was copied whole."),
        forbidden: Some("Edit or recreate the token with permission to read company information, and check its creator still has that access."),
        rate_limited: Some("Wait and retry; Rippling limits request rates per token."),
        unavailable: Some("Requests go to rest.ripplingapis.com; check Rippling's status page."),
    },
};

//! How a Planday administrator connects an API app and gets its refresh token.

use connector_core::{SetupGuide, Step, Troubleshooting};

pub const GUIDE: SetupGuide = SetupGuide {
    prerequisites: &[
        "A Planday API app (created in Planday's developer portal, or supplied by the integration's vendor) with its App ID and the scopes it needs.",
        "A Planday administrator of the portal the app will read.",
    ],
    steps: &[
        Step {
            title: "Open API access",
            body: "In the Planday portal, open Settings, then API access.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Connect the app",
            body: "Connect the app by its App ID and approve the scopes it asks for.",
            points: &["Include the department read scope so this check can list departments."],
            warnings: &[],
        },
        Step {
            title: "Copy the App ID and the token",
            body: "Copy the App ID (client id) and the refresh token now listed for the connected app into a secrets vault.",
            points: &[],
            warnings: &["The refresh token grants access to the portal until it is revoked: treat it as a password."],
        },
    ],
    lifecycle: &[
        "The refresh token does not expire; it is exchanged for a one-hour access token on every check.",
        "Disconnecting the app under Settings → API access revokes the token; reconnecting issues a new one.",
    ],
    troubleshooting: Troubleshooting {
        rejected: Some("Check that the app is still connected under Settings → API access and that the App ID is the one the refresh token was issued to."),
        forbidden: Some("Give the app the department read scope in the developer portal and reconnect it to the portal."),
        rate_limited: Some("Wait a moment and retry; Planday limits requests per app and portal."),
        unavailable: Some("Tokens come from id.planday.com and data from openapi.planday.com; check Planday's status page."),
    },
};

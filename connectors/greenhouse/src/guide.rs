//! How a Greenhouse admin creates Harvest V3 (OAuth) client credentials with the scope the check needs.

use connector_core::{SetupGuide, Step, Troubleshooting};

pub const GUIDE: SetupGuide = SetupGuide {
    prerequisites: &[
        "A Greenhouse user allowed to manage API credentials in the Dev Center (usually a Site Admin).",
        "Harvest V3 (OAuth): the older Harvest API keys (v1/v2, sent with HTTP Basic) stopped working on 2026-08-31 and cannot be verified here.",
    ],
    steps: &[
        Step {
            title: "Open the Dev Center",
            body: "In Greenhouse, open Configure (the gear icon), then Dev Center, then API Credentials.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Create the credential",
            body: "Press Create new API credentials and choose Harvest V3 (OAuth) as the type. Name it after the integration that will use it.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Choose the scopes",
            body: "Pick, endpoint by endpoint, what the credential may do.",
            points: &[
                "harvest:users:list: needed for this connector to verify the credential.",
                "Add the endpoints your integration uses, and nothing more.",
            ],
            warnings: &[],
        },
        Step {
            title: "Copy the client ID and secret",
            body: "Copy both values and keep them together in a secrets vault or password manager.",
            points: &[],
            warnings: &["The client secret is displayed only once; if it is lost, create new credentials."],
        },
    ],
    lifecycle: &[
        "Access tokens are short-lived (the token answer says for how long); the connector asks for a fresh one on every check.",
        "Deleting the credential in the Dev Center revokes it; if the secret leaks or is lost, create new credentials and delete the old ones.",
    ],
    troubleshooting: Troubleshooting {
        rejected: Some("Check in Configure → Dev Center → API Credentials that the Harvest V3 credential still exists, and that the client ID and secret were copied from the same credential."),
        forbidden: Some("In Configure → Dev Center → API Credentials, check that the credential is a Harvest V3 (OAuth) one and give it the harvest:users:list scope."),
        rate_limited: Some("Harvest counts requests over short windows (v1 and v2 allowed 50 every 10 seconds); wait a few seconds and check again."),
        unavailable: Some("A check first asks auth.greenhouse.io for a token, then calls harvest.greenhouse.io; the message says which of the two did not answer."),
    },
};

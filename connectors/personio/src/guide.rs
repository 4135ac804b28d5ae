//! How a Personio admin creates the API credentials of a custom integration.

use connector_core::{SetupGuide, Step, Troubleshooting};

pub const GUIDE: SetupGuide = SetupGuide {
    prerequisites: &[
        "A Personio user who may manage API credentials (usually an account admin).",
        "Knowing which data the integration needs: scopes and readable attributes are chosen when the credential is created.",
    ],
    steps: &[
        Step {
            title: "Open the API credentials",
            body: "In Personio, open Settings, then Integrations, and choose API credentials.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Create a custom integration",
            body: "Create a custom integration, name it after the system that will use it, and choose its scopes and readable attributes.",
            points: &["Include the persons read scope: this connector verifies the credential by reading one person."],
            warnings: &[],
        },
        Step {
            title: "Copy the client ID and secret",
            body: "Copy the client ID and the client secret into a secrets vault.",
            points: &[],
            warnings: &["The client secret is shown only once; if it is lost, create new credentials."],
        },
    ],
    lifecycle: &[
        "The access token obtained from the client ID and secret is short-lived; the connector gets a fresh one on every check.",
        "Deleting the custom integration under Settings → Integrations → API credentials refuses its client ID and secret from then on.",
        "The old v1 flow, which sent credentials in the query string, stops working on 2026-12-04; this connector uses the v2 form body only.",
    ],
    troubleshooting: Troubleshooting {
        rejected: Some("Check that the client ID and secret come from the same custom integration under Settings → Integrations → API credentials, and that it still exists."),
        forbidden: Some("Add the persons read scope to the custom integration (\"Insufficient access scope\" names a missing scope)."),
        rate_limited: Some("The token endpoint allows 150 requests a minute, then one a second for the next minute; wait and check again."),
        unavailable: None,
    },
};

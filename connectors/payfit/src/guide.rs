//! How a PayFit admin creates a customer API key and finds the company id.

use connector_core::{SetupGuide, Step, Troubleshooting};

pub const GUIDE: SetupGuide = SetupGuide {
    prerequisites: &[
        "A PayFit admin of the company: only admins can create API keys.",
        "A key reads only the company it was created in; a group with several companies needs one key per company.",
    ],
    steps: &[
        Step {
            title: "Open the API page",
            body: "Sign in to PayFit as an admin and open Integrations, then API (app.payfit.com/integrations/hub/api).",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Create the key",
            body: "Choose to create a key, label it after the integration and pick its scopes.",
            points: &["Include company:read so this check can read the company; add collaborators:read, contracts:read and so on as the integration needs."],
            warnings: &[],
        },
        Step {
            title: "Save the key",
            body: "Copy the key into a secrets vault right away.",
            points: &[],
            warnings: &["PayFit shows the key only once."],
        },
        Step {
            title: "Find the company id",
            body: "Ask PayFit's token introspection endpoint about the key (a POST to oauth.payfit.com/introspect with the key as Bearer token); its answer names the company_id to give with the key.",
            points: &[],
            warnings: &[],
        },
    ],
    lifecycle: &[
        "A key works until an admin deletes it on the same API page; create a new key to rotate, then delete the old one.",
        "The scopes are fixed when the key is created: a key that needs more must be replaced.",
    ],
    troubleshooting: Troubleshooting {
        rejected: Some("Check that the key still exists on the Integrations → API page and was copied whole."),
        forbidden: Some("Create a key with the company:read scope, and check the company id is the one the key was created in."),
        rate_limited: Some("Wait a moment and retry; PayFit publishes no fixed rate here."),
        unavailable: Some("Requests go to partner-api.payfit.com; check PayFit's status page."),
    },
};

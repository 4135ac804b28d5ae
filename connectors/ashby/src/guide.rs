//! How an Ashby admin creates an API key and grants it the permissions the check needs.

use connector_core::{SetupGuide, Step, Troubleshooting};

pub const GUIDE: SetupGuide = SetupGuide {
    prerequisites: &[
        "An Ashby user with the Admin role: only admins can open the API key settings.",
        "A decision on which modules the integration needs: each key gets its own permissions, and a new key has none until you grant them.",
    ],
    steps: &[
        Step {
            title: "Open the API key settings",
            body: "Sign in to Ashby as an admin and go to Admin, then Integrations, then API Keys.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Create the key",
            body: "Press New and give the key a title that says which integration uses it; the title is what this connector reports back.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Grant the permissions",
            body: "Choose, module by module, what the key may read or write.",
            points: &[
                "API Keys read: needed for this connector to verify the key.",
                "Add the modules your integration reads (candidates, jobs, applications…) and write access only where it writes.",
            ],
            warnings: &["A key without any permission is still accepted by Ashby but refused on every endpoint."],
        },
        Step {
            title: "Copy the key",
            body: "Copy the key as soon as it appears and keep it in a secrets vault or password manager.",
            points: &[],
            warnings: &["Ashby shows the key only at creation; if it is lost, create another one."],
        },
    ],
    lifecycle: &[
        "An admin can change a key's permissions later from the same API Keys page.",
        "Disabling a key is permanent: a disabled key cannot be enabled again, so create a new key to replace it.",
    ],
    troubleshooting: Troubleshooting {
        rejected: Some("Check that the key was pasted whole and still exists, enabled, in Ashby under Admin → Integrations → API Keys; a disabled key must be replaced by a new one."),
        forbidden: Some("Grant the key the API Keys read permission (and whatever modules the integration needs) under Admin → Integrations → API Keys."),
        rate_limited: Some("Ashby allows about 1000 requests a minute per key; a 429 with `X-RateLimit-Scope: integration-partner` means a partner-wide limit was reached instead."),
        unavailable: Some("An outage says nothing about the key; check again in a few minutes, and contact Ashby support if it lasts."),
    },
};

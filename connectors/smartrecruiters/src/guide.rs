//! How a SmartRecruiters administrator creates an API key in the Credential Manager.

use connector_core::{SetupGuide, Step, Troubleshooting};

pub const GUIDE: SetupGuide = SetupGuide {
    prerequisites: &[
        "A SmartRecruiters administrator account: only administrators can create API keys.",
        "A system role and an access group that allow what the integration needs: the key can do exactly what they allow.",
    ],
    steps: &[
        Step {
            title: "Open the Credential Manager",
            body: "Sign in as an administrator and open the Credentials tab.",
            points: &[
                "Open the menu under your name at the top right and choose Settings.",
                "Under Administration, choose Apps & Integrations.",
                "Select the Credentials tab.",
            ],
            warnings: &[],
        },
        Step {
            title: "Start a new API key",
            body: "Press New Credential and choose API Key.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Describe the key and choose its access",
            body: "Fill in the details that decide what the key may do.",
            points: &[
                "Credential name and description: say which integration uses the key.",
                "System role: the level of access the key acts with.",
                "Access group: which data the key can reach. Custom groups are managed under Access Groups settings.",
            ],
            warnings: &[],
        },
        Step {
            title: "Generate and copy the key",
            body: "Press Generate and copy the key from the pop-up into a secure store.",
            points: &[],
            warnings: &[
                "The key is shown only once and cannot be displayed again.",
                "The key has full access to whatever its system role and access group allow.",
            ],
        },
    ],
    lifecycle: &[
        "Keys are listed in the Credential Manager, where an administrator can delete a key that is no longer needed.",
    ],
    troubleshooting: Troubleshooting {
        rejected: Some("Check in the Credential Manager that the key still exists; a deleted key is refused."),
        forbidden: Some("Give the key's system role or access group the right to read company configuration, in the Credential Manager."),
        rate_limited: Some("SmartRecruiters allows about 10 requests per second and 8 concurrent requests per credential."),
        ..Troubleshooting::NONE
    },
};

//! How a Polymer Hire admin creates, copies and later replaces the API key.

use connector_core::{SetupGuide, Step, Troubleshooting};

pub const GUIDE: SetupGuide = SetupGuide {
    prerequisites: &[
        "A Polymer Hire account with the admin role. Only admins can see or generate the organization's API key; anyone else needs an admin to do it.",
    ],
    steps: &[
        Step {
            title: "Sign in to Polymer Hire",
            body: "Open the Polymer Hire dashboard and sign in, with Google or with your work email.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Open the API key settings",
            body: "Open App settings with the gear icon at the top right, then choose Your API key in the left-hand menu.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Generate the key",
            body: "If the page says there is no API key yet, press Generate API key.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Copy the key",
            body: "The new key appears in a dialog. Copy it (or download it as a file), confirm you have saved it, and close the dialog.",
            points: &["Paste the key into the API Key field of the connection form."],
            warnings: &[
                "The key is displayed this one time only. Later the settings page shows just its last four characters, e.g. ••••860c.",
            ],
        },
    ],
    lifecycle: &[
        "The settings page lists the active key with the date it was created.",
        "Regenerate key issues a new key and invalidates the old one at once: update every integration that used it.",
        "Revoke key disables the key for good.",
    ],
    troubleshooting: Troubleshooting {
        rejected: Some("If someone pressed Regenerate key or Revoke key in Polymer Hire, the stored key stopped working at that moment: ask an admin for the current key."),
        forbidden: Some("Ask a Polymer Hire admin to check the organization's API access."),
        ..Troubleshooting::NONE
    },
};

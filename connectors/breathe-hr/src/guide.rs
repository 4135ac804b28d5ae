//! How a Breathe HR admin gets an API key.

use connector_core::{SetupGuide, Step, Troubleshooting};

pub const GUIDE: SetupGuide = SetupGuide {
    prerequisites: &[
        "A Breathe HR user with admin rights over the account's settings.",
        "API access enabled for the account (Breathe support can switch it on if the API settings are missing).",
    ],
    steps: &[
        Step {
            title: "Open the API settings",
            body: "In Breathe, open Settings, then API setup.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Copy the key for the environment you need",
            body: "Copy the production key (starting prod-) for the live account, or the sandbox key (starting sandbox-) for testing.",
            points: &["The hub reads the environment from the key's prefix; you need not choose it."],
            warnings: &["Treat the key like a password: it reads the account's HR data."],
        },
    ],
    lifecycle: &[
        "Regenerating the key in the API settings refuses the old one at once.",
        "Each environment has its own key; a sandbox key is refused by production.",
    ],
    troubleshooting: Troubleshooting {
        rejected: Some("Check the key was not regenerated since, and that it is the key of the environment you mean (prod- or sandbox-)."),
        forbidden: None,
        rate_limited: Some("Breathe allows 60 requests a minute per account; wait a minute before checking again."),
        unavailable: None,
    },
};

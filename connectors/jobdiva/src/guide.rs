//! How a JobDiva administrator prepares an API user.

use connector_core::{SetupGuide, Step, Troubleshooting};

pub const GUIDE: SetupGuide = SetupGuide {
    prerequisites: &[
        "Your company's JobDiva client id (four digits); JobDiva support can tell you if you do not know it.",
        "A JobDiva user allowed to use the API, ideally one kept for this integration.",
    ],
    steps: &[
        Step {
            title: "Choose the API user",
            body: "Create or pick the JobDiva user the integration signs in as, and ask your JobDiva administrator or JobDiva support to enable API access for it.",
            points: &["A user of its own keeps the integration working when people leave."],
            warnings: &[],
        },
        Step {
            title: "Collect the three values",
            body: "Enter the client id, the user's username and its password.",
            points: &[],
            warnings: &["The password signs in as that user: store it in a secrets vault."],
        },
    ],
    lifecycle: &[
        "Changing the user's password refuses the old one at the next sign-in.",
        "Disabling the user or its API access stops the integration at once.",
    ],
    troubleshooting: Troubleshooting {
        rejected: Some("Check the client id, and sign in to JobDiva with the username and password to see that they still work."),
        forbidden: Some("Ask your JobDiva administrator to enable API access for this user."),
        rate_limited: None,
        unavailable: None,
    },
};

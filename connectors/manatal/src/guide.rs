//! How a Manatal administrator generates an Open API token.

use connector_core::{SetupGuide, Step, Troubleshooting};

pub const GUIDE: SetupGuide = SetupGuide {
    prerequisites: &[
        "A Manatal administrator account.",
        "The Enterprise Plus plan: the Open API is not part of the other plans.",
    ],
    steps: &[
        Step {
            title: "Open the Open API feature",
            body: "In Manatal, open Administration, then Features, and choose Open API.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Generate the token",
            body: "Press Generate new token and copy the token into a secrets vault or password manager.",
            points: &[],
            warnings: &[],
        },
    ],
    lifecycle: &[
        "Generating a new token under Administration → Features → Open API gives a new credential; update every integration that used the old one.",
    ],
    troubleshooting: Troubleshooting {
        rejected: Some("Check under Administration → Features → Open API that the token is still the current one, and that it was copied whole."),
        forbidden: Some("Check that the company is on the Enterprise Plus plan and that Open API is enabled under Administration → Features."),
        rate_limited: Some("Manatal allows about 100 requests a minute; wait a minute and check again."),
        unavailable: None,
    },
};

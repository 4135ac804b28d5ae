//! How a Jobvite customer obtains an API key pair.

use connector_core::{SetupGuide, Step, Troubleshooting};

pub const GUIDE: SetupGuide = SetupGuide {
    prerequisites: &[
        "A Jobvite customer contact who may request API access for the company.",
        "Jobvite issues API credentials through its support team: there is no page in the product to create them.",
    ],
    steps: &[
        Step {
            title: "Ask Jobvite support for API credentials",
            body: "Open a request with Jobvite support for an API key and secret key for the integration, naming what it needs to read.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Store both values",
            body: "Support sends an API key and a secret key. Keep both in a secrets vault: each is needed on every request and each is secret.",
            points: &[],
            warnings: &[],
        },
    ],
    lifecycle: &[
        "To replace or revoke a key pair, ask Jobvite support; the old pair is refused once they revoke it.",
    ],
    troubleshooting: Troubleshooting {
        rejected: Some("Check that both the API key and the secret key were copied whole and belong to the same pair; ask Jobvite support whether the pair was revoked."),
        forbidden: Some("Ask Jobvite support to give the key pair access to the job (requisition) API."),
        rate_limited: Some("Jobvite allows 15 requests a minute and 850 an hour per key pair; bulk checks are spaced to 12 a minute."),
        unavailable: None,
    },
};

//! How a Paylocity client gets Weblink API credentials.

use connector_core::{SetupGuide, Step, Troubleshooting};

pub const GUIDE: SetupGuide = SetupGuide {
    prerequisites: &[
        "A Paylocity client whose authorized contact can request web services access.",
        "The company id (or ids) the integration will read.",
    ],
    steps: &[
        Step {
            title: "Request API access",
            body: "Have the company's authorized contact fill in Paylocity's web services access request form, naming the integration and the endpoints it needs, and send it to Paylocity's web services team.",
            points: &["Ask for the employee read endpoint at least: this check lists one employee."],
            warnings: &["Paylocity may charge for setting up API access."],
        },
        Step {
            title: "Receive the credentials",
            body: "Paylocity sends a client id and secret, for the testing environment (dc1demogw) or production (api).",
            points: &[],
            warnings: &["Store the secret in a secrets vault; anyone holding it can read the granted companies."],
        },
        Step {
            title: "Note the environment and company",
            body: "Keep the environment the credentials are for and the company id they were granted, together with the client id.",
            points: &[],
            warnings: &[],
        },
    ],
    lifecycle: &[
        "The secret must be rotated every 365 days; Paylocity e-mails the contact 10 and 5 days before it expires.",
        "Access to further companies or endpoints is granted by Paylocity on request; the client id stays the same.",
    ],
    troubleshooting: Troubleshooting {
        rejected: Some("Check the client id and secret, that the secret has not expired at its yearly rotation, and that the environment matches the credentials (dc1demogw credentials do not work on api)."),
        forbidden: Some("Ask Paylocity to grant the company id and the employee endpoint to these credentials."),
        rate_limited: Some("Weblink allows about 720 calls a minute; wait and retry."),
        unavailable: Some("Requests go to api.paylocity.com or dc1demogw.paylocity.com; check Paylocity's status page."),
    },
};

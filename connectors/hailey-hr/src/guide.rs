//! How a Hailey HR user generates a personal access token the check can use.

use connector_core::{SetupGuide, Step, Troubleshooting};

pub const GUIDE: SetupGuide = SetupGuide {
    prerequisites: &[
        "A Hailey HR user holding the \"View & edit - Integrations\" right (administrators hold it by default).",
        "Which environment the account lives in: haileyhr.app for live data, demo.haileyhr.app for Hailey's demo.",
        "Ideally a dedicated service user: the token can do whatever its user can, and stops with that user.",
    ],
    steps: &[
        Step {
            title: "Open your access tokens",
            body: "Sign in to Hailey HR, click your picture or initials in the bottom left corner and choose Access tokens.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Generate a key",
            body: "Choose Generate new key, name it after the integration and confirm.",
            points: &["The token inherits every right of the signed-in user; sign in as a service user if you want to limit it."],
            warnings: &[],
        },
        Step {
            title: "Copy the token",
            body: "Copy the token at once into a secrets vault or password manager, and note the environment you generated it in.",
            points: &[],
            warnings: &["Hailey HR shows the token only while the dialog is open; it cannot be displayed again."],
        },
    ],
    lifecycle: &[
        "A token expires one year after it is generated; company admins get an email reminder a week and a day before. Generate a replacement in time.",
        "A token can be deleted from the same Access tokens page; it is refused from then on.",
    ],
    troubleshooting: Troubleshooting {
        rejected: Some("Check the environment (a live token is unknown to the demo host and the other way round), that the token is not older than a year, and that it was not deleted."),
        forbidden: Some("The token's user may not read company data: generate the token as a user with broader rights, such as an administrator."),
        rate_limited: Some("Hailey HR throttled the requests; wait a moment and check again."),
        unavailable: Some("The Hailey HR API host did not answer properly; try again later."),
    },
};

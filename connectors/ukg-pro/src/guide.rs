//! How a UKG Pro administrator sets up a web service account.

use connector_core::{SetupGuide, Step, Troubleshooting};

pub const GUIDE: SetupGuide = SetupGuide {
    prerequisites: &[
        "A UKG Pro system administrator who can manage web service accounts.",
        "Your company's service host (such as service5.ultipro.com) and customer API key, both listed with the web services.",
    ],
    steps: &[
        Step {
            title: "Create a web service account",
            body: "In UKG Pro, open the System Configuration menu, then Security → Service Account Administration, and add a service account for this integration.",
            points: &["Give it the web services it needs, at least read access to company details."],
            warnings: &["The password is shown when you set it; store it in a secrets vault."],
        },
        Step {
            title: "Find the customer API key and the host",
            body: "On the Web Services page, note the customer API key and the service host (the part before .ultipro.com).",
            points: &[],
            warnings: &[],
        },
    ],
    lifecycle: &[
        "Changing the service account's password refuses the old one at once.",
        "Removing a web service from the account refuses requests that need it from then on.",
    ],
    troubleshooting: Troubleshooting {
        rejected: Some("Check the service account's username and password, and that the customer API key is the one listed for your company."),
        forbidden: Some("Give the service account read access to company details in Service Account Administration."),
        rate_limited: None,
        unavailable: None,
    },
};

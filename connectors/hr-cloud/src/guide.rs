//! How an HR Cloud admin creates the service account whose key and secret the check uses.

use connector_core::{SetupGuide, Step, Troubleshooting};

pub const GUIDE: SetupGuide = SetupGuide {
    prerequisites: &[
        "An HR Cloud user with the System Admin or HR Admin role: only they can create service accounts.",
        "Access for the service account to the objects the integration reads (employees at least); HR Cloud's account manager or support grants it.",
    ],
    steps: &[
        Step {
            title: "Open the service accounts",
            body: "In HR Cloud open the settings gear, then System Settings, and under General choose Service Accounts.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Add a service account",
            body: "Press the + button, give the account a title naming the integration, set its status to active and save.",
            points: &["A service account identifies the integration without borrowing a person's user name and password."],
            warnings: &[],
        },
        Step {
            title: "Copy the key and the secret",
            body: "Copy the values of the KEY and SECRET columns for the new account into a secrets vault or password manager; both are needed.",
            points: &[],
            warnings: &["Some tenants do not show the secret in clear again later; copy it now."],
        },
        Step {
            title: "Ask for object access",
            body: "Ask your HR Cloud account manager or support to let the service account read employees and any other object the integration needs.",
            points: &[],
            warnings: &[],
        },
    ],
    lifecycle: &[
        "The key and secret work while the service account is active; setting it inactive or deleting it refuses them.",
        "What the account may read is granted by HR Cloud per object; a change there takes effect without new credentials.",
    ],
    troubleshooting: Troubleshooting {
        rejected: Some("Check that the service account is still active and that the key and secret were copied from the same row, each into its own field."),
        forbidden: Some("HR Cloud answers 403 for objects the account may not use: ask your account manager or support for read access to employees."),
        rate_limited: Some("HR Cloud throttled the requests; wait a moment and check again."),
        unavailable: Some("corehr-api.hrcloud.com did not answer properly; try again later."),
    },
};

//! How a People HR administrator creates an API key.

use connector_core::{SetupGuide, Step, Troubleshooting};

pub const GUIDE: SetupGuide = SetupGuide {
    prerequisites: &["A People HR user with the system administrator role."],
    steps: &[
        Step {
            title: "Open the API settings",
            body: "In People HR, open Settings and choose API.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Create the key",
            body: "Add a key for this integration and tick the actions it may run.",
            points: &["Allow at least the employee detail actions: the hub verifies the key by reading the employees."],
            warnings: &["Copy the key into a secrets vault; it reads your HR data."],
        },
    ],
    lifecycle: &[
        "Deleting the key in the API settings refuses it from then on.",
        "Changing the actions a key may run takes effect at once.",
    ],
    troubleshooting: Troubleshooting {
        rejected: Some("Check that the key still exists in People HR's API settings and was copied whole."),
        forbidden: Some("Allow the employee detail actions for this key in People HR's API settings."),
        rate_limited: None,
        unavailable: None,
    },
};

//! How a HiBob admin creates an API service user, gives it permissions and gets its token.

use connector_core::{SetupGuide, Step, Troubleshooting};

pub const GUIDE: SetupGuide = SetupGuide {
    prerequisites: &[
        "A Bob administrator allowed to manage integrations and permission groups.",
        "A service user, not a personal API token: HiBob no longer accepts personal tokens for the public API.",
    ],
    steps: &[
        Step {
            title: "Open the service users",
            body: "In Bob, go to Settings, then Integrations, then Service Users.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Create the service user",
            body: "Press Create, name the service user after the integration that will use it and save.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Copy the ID and token",
            body: "Copy the service user's ID and token into a secrets vault or password manager.",
            points: &[],
            warnings: &["The token is displayed only once; to get another, refresh the token (which replaces the old one)."],
        },
        Step {
            title: "Grant permissions",
            body: "Add the service user to a permission group whose rights cover what the integration reads; this connector reads the company's named lists.",
            points: &[],
            warnings: &["A new service user has no permissions at all: until it is in a group, every request is refused with 403."],
        },
        Step {
            title: "Pick the environment",
            body: "Choose production for your live Bob account, or sandbox if the service user was created in a HiBob sandbox.",
            points: &[],
            warnings: &[],
        },
    ],
    lifecycle: &[
        "Refreshing a service user's token issues a new one and the old token stops working.",
        "What the service user may reach follows the permission groups it belongs to: change its groups to widen or narrow its access.",
    ],
    troubleshooting: Troubleshooting {
        rejected: Some("Use the service user's ID and its current token (a refreshed token replaces the old one). HiBob's firewall blocks an address that keeps sending refused credentials, so fix the credentials before trying again."),
        forbidden: Some("Add the service user to a permission group that can read company lists, and check with your HiBob administrator that the company has the module the endpoint belongs to."),
        rate_limited: Some("HiBob throttles heavy use; wait a little before checking again, and let bulk checks run at this connector's slow default rate."),
        unavailable: Some("If HiBob stops answering right after refused attempts, its firewall may have blocked your address: wait, and fix the credentials before trying again."),
    },
};

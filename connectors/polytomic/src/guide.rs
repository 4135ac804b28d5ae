//! How a Polytomic user creates an organization API key, and how partners get theirs.

use connector_core::{SetupGuide, Step, Troubleshooting};

pub const GUIDE: SetupGuide = SetupGuide {
    prerequisites: &[
        "A Polytomic user in the organization the key should act on, allowed to manage its settings. Keys belong to one organization: a key from another organization will not see this one's data.",
        "For a partner key: a partner agreement with Polytomic. Partner keys are issued by Polytomic support (support@polytomic.com), not created in the app.",
    ],
    steps: &[
        Step {
            title: "Open the API key settings",
            body: "Sign in to Polytomic (or your on-premises deployment) and open Settings, then API keys.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Create the key",
            body: "Generate a new API key for the organization.",
            points: &[],
            warnings: &["Copy the key as soon as it is shown: it is displayed once."],
        },
        Step {
            title: "Choose the API version",
            body: "Leave API version empty to use the newest one, or pick the version your integration was built against.",
            points: &["Versions: 2025-09-18 (newest), 2024-02-08, 2023-04-25, 2022-12-12, 2021-05-23."],
            warnings: &[],
        },
        Step {
            title: "Partners: mint keys for customer organizations",
            body: "With a partner key, create the customer organization, create its first user, then mint an API key for that user (the connector's create-api-key action does this last step).",
            points: &[
                "Minting with force revokes the user's existing key first.",
                "Partner keys reach only the Organization and User endpoints; use the minted organization key for everything else.",
            ],
            warnings: &[],
        },
    ],
    lifecycle: &[
        "Minting a new key for a user with force revokes the key that user had.",
        "On-premises deployments also have a deployment key, sent with HTTP Basic; this connector does not use it.",
    ],
    troubleshooting: Troubleshooting {
        rejected: Some("Polytomic keys are organization-specific: make sure the key comes from this deployment and was not revoked or replaced by a newer key for the same user."),
        forbidden: Some("A partner key can only reach the Organization and User endpoints, and an organization key cannot manage other organizations: use the variant that matches the key."),
        ..Troubleshooting::NONE
    },
};

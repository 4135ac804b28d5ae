//! How a JazzHR super admin finds the account's API key, and what replacing it does.

use connector_core::{SetupGuide, Step, Troubleshooting};

pub const GUIDE: SetupGuide = SetupGuide {
    prerequisites: &[
        "A JazzHR user with the super admin role: only super admins can see the API key.",
        "The account has one API key, shared by every integration: replacing it affects all of them.",
    ],
    steps: &[
        Step {
            title: "Open the integrations settings",
            body: "Sign in to JazzHR as a super admin and open Settings, then Integrations.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Copy the API key",
            body: "Copy the API key shown on the page. It stays visible there, so it can be copied again later.",
            points: &[],
            warnings: &["Do not press Generate New Key just to read the key: it replaces the key at once and every integration using the old one stops working."],
        },
    ],
    lifecycle: &[
        "Generate New Key replaces the account's key immediately; update every integration with the new one.",
    ],
    troubleshooting: Troubleshooting {
        rejected: Some("Ask a JazzHR super admin whether the key was regenerated recently, and copy the current one from Settings → Integrations."),
        forbidden: None,
        rate_limited: Some("JazzHR allows about 100 requests a minute per account; wait a minute and check again."),
        unavailable: Some("The API is served from api.resumatorapi.com (from JazzHR's former name, The Resumator); make sure your network can reach that host."),
    },
};

//! How a Teamtailor company admin creates an Admin-scoped API key in the right region.

use connector_core::{SetupGuide, Step, Troubleshooting};

pub const GUIDE: SetupGuide = SetupGuide {
    prerequisites: &[
        "A Teamtailor user who is a company admin: only they can manage API keys.",
        "The region the company is hosted in: EU or North America. Use the key with its own region's API host; it is not expected to work on the other one.",
    ],
    steps: &[
        Step {
            title: "Open the API keys",
            body: "In Teamtailor, go to Settings, then Integrations, then API keys.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Create the key",
            body: "Press New API key and choose its scope and access.",
            points: &[
                "Scope: Admin is needed to read the company, which is how this connector verifies the key. Public and Internal keys are refused with 403.",
                "Access: read is enough for verification; add write only if the integration writes.",
            ],
            warnings: &["A key cannot be edited afterwards: to change its scope, create a new key and delete the old one."],
        },
        Step {
            title: "Copy the key and note the region",
            body: "Copy the key into a secrets vault or password manager and set the region to where the company is hosted (eu or na).",
            points: &[],
            warnings: &[],
        },
    ],
    lifecycle: &[
        "Keys cannot be edited, only deleted: delete a key in Settings → Integrations → API keys to revoke it, and create a new one to change its scope.",
        "The API version (X-Api-Version) is chosen by the caller; keep the default unless Teamtailor announces a newer one.",
    ],
    troubleshooting: Troubleshooting {
        rejected: Some("Check that the key still exists in Settings → Integrations → API keys, and that the region matches where the company is hosted: a key is not expected to work on the other region's host."),
        forbidden: Some("Create a key with the Admin scope under Settings → Integrations → API keys (a key's scope cannot be changed afterwards): Public and Internal keys may not read the company."),
        rate_limited: Some("Teamtailor throttles bursts of requests; wait a few seconds and check again."),
        unavailable: Some("Check that the region is right: the EU and North American API hosts are separate."),
    },
};

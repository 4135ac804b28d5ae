//! How a StackOne user creates a project API key with the scopes the check needs.

use connector_core::{SetupGuide, Step, Troubleshooting};

pub const GUIDE: SetupGuide = SetupGuide {
    prerequisites: &[
        "Access to the StackOne project whose accounts the key should reach, with permission to manage its API keys.",
        "The key needs the Platform API read scope to list accounts; new keys have it by default.",
    ],
    steps: &[
        Step {
            title: "Open the project's API keys",
            body: "Sign in to StackOne and choose Project Settings, then API Keys, in the left-hand menu.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Create the key",
            body: "Press Create API key and give the key a name that says where it is used, such as production-ats-sync.",
            points: &[],
            warnings: &["The name cannot be changed afterwards."],
        },
        Step {
            title: "Review the scopes",
            body: "Open the Scopes section of the dialog. Keep at least Platform API read enabled; enable further scopes only as your use needs them.",
            points: &[
                "Platform API: account management and session tokens (read is needed to verify the key).",
                "Actions: run actions over RPC and MCP.",
                "Connectors: download (read) or publish (write) custom connectors.",
                "Credentials: read stored provider credentials (off by default).",
                "Unified API: the unified HRIS, ATS, CRM and LMS endpoints.",
            ],
            warnings: &[],
        },
        Step {
            title: "Copy the key",
            body: "Press Generate and copy the key that appears. Keep it in a password manager or secrets vault, never in source control.",
            points: &[],
            warnings: &["The key is shown only this once; if it is lost, create a new one."],
        },
    ],
    lifecycle: &[
        "The API Keys table shows each key's scopes and when it was last used; revoke keys nobody uses.",
        "A key can be disabled with its toggle (and enabled again) or deleted for good.",
    ],
    troubleshooting: Troubleshooting {
        rejected: Some("In StackOne's API Keys table, check that the key still exists and that its toggle is enabled."),
        forbidden: Some("Enable the Platform API read scope on the key in Project Settings → API Keys. StackOne also refuses requests that look suspicious, such as ones without a User-Agent."),
        ..Troubleshooting::NONE
    },
};

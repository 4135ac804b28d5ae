//! How a Paycom client gets an API user's SID and token.

use connector_core::{SetupGuide, Step, Troubleshooting};

pub const GUIDE: SetupGuide = SetupGuide {
    prerequisites: &[
        "API access switched on for your company by Paycom: ask your Paycom specialist (or Paycom's automation team) to enable it.",
        "The public IP addresses the check runs from, given to Paycom for its allow-list: other addresses are refused.",
        "A Paycom user allowed to manage API users (User Access and Security).",
    ],
    steps: &[
        Step {
            title: "Open the API setup",
            body: "In Paycom, go to User Options, then User Access and Security, then API Setup, and open the API user.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Enable the endpoints",
            body: "Under function enablement, turn on the read endpoints the integration needs.",
            points: &["This check lists employee codes, so enable the employee endpoints at least."],
            warnings: &["Leave sensitive endpoints off unless the integration needs them."],
        },
        Step {
            title: "Copy the SID and token",
            body: "Copy the SID, then generate or copy the token, and store both in a secrets vault.",
            points: &["The SID is the username and the token the password of the Basic credentials."],
            warnings: &["Generating a new token replaces the old one for every integration using it."],
        },
    ],
    lifecycle: &[
        "A token lasts until it is regenerated or the API user is disabled on the API setup page.",
        "Paycom's data centers differ per client; if Paycom gives you a different API host, set it with --base-url.",
    ],
    troubleshooting: Troubleshooting {
        rejected: Some("Check the SID and token on the API setup page, and that Paycom has allow-listed the address the check runs from."),
        forbidden: Some("Enable the employee read endpoints for the API user under function enablement on the API setup page."),
        rate_limited: Some("Wait and retry; Paycom publishes no rate for this API."),
        unavailable: Some("Requests go to api.paycomonline.net; if your company is hosted in another Paycom data center, ask Paycom for its API host."),
    },
};

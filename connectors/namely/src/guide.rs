//! How a Namely user creates a personal access token the check can use.

use connector_core::{SetupGuide, Step, Troubleshooting};

pub const GUIDE: SetupGuide = SetupGuide {
    prerequisites: &[
        "A Namely user whose permissions cover what the integration needs: the token acts as that user, with nothing more.",
        "The company's Namely subdomain: the `acme` of acme.namely.com.",
    ],
    steps: &[
        Step {
            title: "Open the API settings",
            body: "Sign in to Namely as the user the integration should act as, and open the API page of that user's settings.",
            points: &[],
            warnings: &[],
        },
        Step {
            title: "Create a personal access token",
            body: "Under Personal Access Tokens, enter a name that says which integration uses it and create the token.",
            points: &["A dedicated integration user with an administrator's access avoids surprises when a person changes role."],
            warnings: &[],
        },
        Step {
            title: "Copy the token",
            body: "Copy the token with the company subdomain into a secrets vault or password manager.",
            points: &[],
            warnings: &["The token is displayed only when it is created; if it is lost, create another."],
        },
    ],
    lifecycle: &[
        "A personal access token has no expiry; it stops working when it is deleted or when its user is deactivated.",
        "Its reach follows its user's permissions: changing the user's access changes the token's.",
    ],
    troubleshooting: Troubleshooting {
        rejected: Some("Check the company subdomain, that the token was not deleted, and that its user is still active in Namely."),
        forbidden: Some("The token's user may not read profiles: grant that user access, or create the token as a user who has it."),
        rate_limited: Some("Namely allows 100 profile requests a minute and answers 406 beyond that; wait a minute and check again."),
        unavailable: Some("Requests go to <company>.namely.com: a mistyped subdomain may not resolve, so check it is the `acme` of acme.namely.com."),
    },
};

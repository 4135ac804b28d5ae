//! How a Dayforce system administrator sets up a web services user.

use connector_core::{SetupGuide, Step, Troubleshooting};

pub const GUIDE: SetupGuide = SetupGuide {
    prerequisites: &[
        "A Dayforce system administrator, signed in with their own account.",
        "The company id typed on Dayforce's sign-in page.",
    ],
    steps: &[
        Step {
            title: "Create a role for the integration",
            body: "Under System Admin → Roles, add a role with a clear name and reference code and attach the web services password policy.",
            points: &[
                "Features: enable HCM Anywhere → Web Services → Read Data (and writes only if the integration needs them).",
                "Authorizations: allow reading the employee information the integration uses.",
                "Web services field-level access: under RESTful Services → Human Resources → Employee, enable XRefCode at least.",
            ],
            warnings: &["Do not rename the role once an integration relies on it."],
        },
        Step {
            title: "Create the web services user",
            body: "Under System Admin → User, create a user for the integration only, give it the role as its default role and set a password.",
            points: &[],
            warnings: &["Never reuse an employee's or an administrator's sign-in for an integration."],
        },
        Step {
            title: "Store the credentials",
            body: "Keep the company id, the username and the password together in a secrets vault.",
            points: &[],
            warnings: &[],
        },
    ],
    lifecycle: &[
        "The password follows the role's password policy: when it expires or the user is locked, sign-ins are refused until it is reset.",
        "Disable the web services user to revoke the integration's access at once.",
    ],
    troubleshooting: Troubleshooting {
        rejected: Some("Check the company id, username and password by signing in as the web services user, and that the password has not expired."),
        forbidden: Some("Give the user's default role Web Services → Read Data and the employee authorizations and field-level access."),
        rate_limited: Some("Wait and retry; Dayforce limits requests per client."),
        unavailable: Some("Tokens come from dfid.dayforcehcm.com and data from www.dayforcehcm.com; if your tenant is served from another host, give it with --base-url."),
    },
};

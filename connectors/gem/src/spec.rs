//! Gem's declaration: a shareable access key and an application secret, both secret, each in its
//! own header (`x-api-key`, `x-application-secret`), verified by reading the team's users.

use connector_core::{
    Auth, BaseUrl, ConnectorSpec, CredentialVariant, DocLink, Field, Format, Literal, Proof,
    RequestSpec, SecretHeader, Shape, Source, Status,
};

use crate::guide::GUIDE;

/// `/v0/users` answers the team's users as a list (`[{"id", "name", "email"}…]`); the proof is that
/// the list was readable, so an empty list is a success too.
const PROOF: Proof = Proof {
    account: &[
        ("can_list_users", Source::Fixed(Literal::Bool(true))),
        ("first_user_id", Source::Member("/id")),
    ],
    ..Proof::new(
        Shape::List,
        &["", "/data", "/users"],
        "expected a list of users [{\"id\", \"name\", \"email\"}…]",
    )
};

pub const SPEC: ConnectorSpec = ConnectorSpec {
    id: "gem",
    name: "Gem",
    category: "ATS (hiring)",
    summary: "Gem is a recruiting CRM and applicant tracking system; its API must be switched on by Gem first, after which an admin creates a shareable access key for each third-party application, used with that application's secret.",
    base_url: BaseUrl::Template("https://api.gem.com"),
    origins: &[],
    docs: &[
        DocLink {
            title: "Gem API reference",
            url: "https://api.gem.com/v0/reference",
        },
        DocLink {
            title: "Nango: linking a Gem account (secondary)",
            url: "https://nango.dev/docs/integrations/all/gem/connect",
        },
    ],
    variants: &[CredentialVariant {
        name: "api_key",
        aliases: &["shareable_access_key"],
        label: "Shareable access key and application secret",
        description: "A Gem shareable access key with the secret of the application it was issued for; both are secret.",
        fields: &[
            Field {
                label: "Shareable access key",
                help: "Created by a Gem admin: profile (bottom left) → Admin Settings → Integrations → Third party applications → Add Integration.",
                format: Format::Pattern {
                    regex: "^[A-Za-z0-9]{40}$",
                    description: "40 letters and digits",
                },
                example: Some("EXAMPLE0000gem0000shareable0000key000000"),
                ..Field::api_key("GEM_API_KEY")
            },
            Field {
                key: "application_secret",
                label: "Application secret",
                help: "The secret Gem issued to the application that uses the key; both are sent on every request.",
                example: Some("EXAMPLE0000gem0000application0000secret"),
                ..Field::api_key("GEM_APPLICATION_SECRET")
            },
        ],
        auth: Auth::Headers(&[
            SecretHeader {
                name: "x-api-key",
                template: "{api_key}",
            },
            SecretHeader {
                name: "x-application-secret",
                template: "{application_secret}",
            },
        ]),
        extra_headers: &[],
        verify: RequestSpec::get(
            "/v0/users",
            "the key and secret are live and may read the team's Gem users.",
        ),
        proof: Some(PROOF),
    }],
    guide: GUIDE,
    actions: &[],
    // 20 requests a second per key by default.
    bulk_rate: Some(10.0),
    // Gem documents no answer for a key that lacks a permission: a key reaches the team's data.
    undocumented: &[Status::Forbidden],
    identifying: &["id", "name", "email", "first_name", "last_name"],
    assumptions: &[
        "The headers, `GET /v0/users` and the key format (40 letters and digits) come from an integration platform's definition; Gem's own reference was not available to confirm them.",
        "A refused key or secret is taken to be answered 401; Gem's statuses were not confirmed.",
        "`/v0/users` is taken to answer a list of users, bare or under `data` or `users`.",
        "Gem's default limit is 20 requests a second per key; bulk checks stay at half of it.",
    ],
};

const _: () = SPEC.assert_valid();

//! Namely's declaration: the company's subdomain in the host, a personal access token as a Bearer
//! token, verified by reading the token owner's own profile. Namely answers 406, not 429, when
//! the profiles endpoints are rate limited.

use connector_core::{
    Answer, Auth, BaseUrl, ConnectorSpec, CredentialVariant, DocLink, Field, Format, Proof,
    RequestSpec, Shape, Source, Status,
};

use crate::guide::GUIDE;

const ANSWERS: &[Answer] = &[
    Answer {
        status: 406,
        when: None,
        outcome: Status::RateLimited,
        message: "Namely rate limited the request (it answers 406 past 100 profile requests a minute); this says nothing about the token",
    },
    Answer {
        status: 403,
        when: None,
        outcome: Status::Forbidden,
        message: "the token is live but its user may not read profiles",
    },
];

/// `/profiles/me` answers `{"profiles": [profile], "meta": {…}}` even for the one profile.
const PROOF: Proof = Proof {
    required: &["/id"],
    one_of: &["/id"],
    account: &[
        ("profile_id", Source::Member("/id")),
        ("profile_name", Source::Member("/full_name")),
        ("profile_name", Source::Text(&["/first_name", "/last_name"])),
        ("profile_email", Source::Member("/email")),
    ],
    ..Proof::new(
        Shape::List,
        &["/profiles"],
        "expected {\"profiles\": [{\"id\", \"email\", \"first_name\", \"last_name\", …}]}",
    )
};

pub const SPEC: ConnectorSpec = ConnectorSpec {
    id: "namely",
    name: "Namely",
    category: "HRIS",
    summary: "Namely is an HR, payroll and benefits platform; its personal access tokens act with the permissions of the user who creates them.",
    base_url: BaseUrl::Template("https://{company}.namely.com/api/v1"),
    origins: &[],
    docs: &[
        DocLink {
            title: "Namely API documentation",
            url: "https://developers.namely.com/",
        },
        DocLink {
            title: "Nango: Namely personal access token (secondary)",
            url: "https://github.com/NangoHQ/nango/blob/master/docs/integrations/all/namely-pat.mdx",
        },
    ],
    variants: &[CredentialVariant {
        name: "personal_access_token",
        aliases: &["api_key", "api_token"],
        label: "Personal access token",
        description: "A Namely personal access token, with the company's Namely subdomain.",
        fields: &[
            Field {
                key: "company",
                label: "Company",
                help: "The `acme` of `acme.namely.com`: your company's own part of the Namely address.",
                required: true,
                secret: false,
                format: Format::Text,
                example: Some("acme"),
                env: Some("NAMELY_COMPANY"),
                default: None,
            },
            Field {
                key: "personal_access_token",
                label: "Personal access token",
                help: "Created in Namely under the user's API settings (Personal Access Tokens); shown once. It acts as that user.",
                example: Some("EXAMPLE0000namely0000token0000"),
                ..Field::api_key("NAMELY_PERSONAL_ACCESS_TOKEN")
            },
        ],
        auth: Auth::Bearer {
            field: "personal_access_token",
        },
        extra_headers: &[],
        verify: RequestSpec {
            answers: ANSWERS,
            ..RequestSpec::get(
                "/profiles/me",
                "the token is live for this Namely company and names the person it acts as.",
            )
        },
        proof: Some(PROOF),
    }],
    guide: GUIDE,
    actions: &[],
    // The profiles endpoints allow 100 requests a minute.
    bulk_rate: Some(1.5),
    undocumented: &[],
    identifying: &["id", "email", "first_name", "last_name", "full_name", "preferred_name", "name"],
    assumptions: &[
        "`GET /profiles/me` as the identity call, and its answer as a one-element `profiles` list, come from secondary sources; Namely's reference was not available to confirm them.",
        "A refused token is taken to be answered 401 and a user without access to profiles 403; Namely's statuses were not confirmed.",
        "406 is read as a rate limit (per an integration platform's notes, past 100 requests a minute on the profiles endpoints), never as a bad token, and is not retried since it carries no documented wait; a 429 is a rate limit too.",
    ],
};

const _: () = SPEC.assert_valid();
